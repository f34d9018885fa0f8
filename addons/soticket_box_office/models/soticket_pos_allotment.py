# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError


class SoticketPosAllotment(models.Model):
    """How many seats a point of sale sets aside for a concert (or one of its categories)
    each time one of its sessions opens, so that it can keep selling through a network cut."""

    _name = "soticket.pos.allotment"
    _description = "Box office allotment"
    _order = "config_id, event_id, event_ticket_id"

    config_id = fields.Many2one("pos.config", "Point of sale", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="config_id.company_id", store=True)
    event_id = fields.Many2one(
        "event.event", "Event", required=True, ondelete="cascade", index=True,
        domain="[('company_id', 'in', (company_id, False))]")
    event_ticket_id = fields.Many2one(
        "event.event.ticket", "Ticket category", ondelete="cascade", domain="[('event_id', '=', event_id)]",
        help="Leave empty to set seats aside for any category of the event.")
    quantity = fields.Integer(
        "Seats set aside", default=0, required=True,
        help="Seats reserved for each session of this point of sale when it opens and released when it closes. "
             "0: this point of sale sells only while online, like the website.")

    @api.constrains("quantity", "event_id", "event_ticket_id", "config_id")
    def _check_allotment(self):
        for rule in self:
            if rule.quantity < 0:
                raise ValidationError(self.env._("An allotment cannot be negative."))
            if rule.event_ticket_id and rule.event_ticket_id.event_id != rule.event_id:
                raise ValidationError(self.env._(
                    '"%(ticket)s" is not a category of "%(event)s".',
                    ticket=rule.event_ticket_id.name, event=rule.event_id.name))
            twins = self.search_count([
                ("id", "!=", rule.id), ("config_id", "=", rule.config_id.id), ("event_id", "=", rule.event_id.id),
                ("event_ticket_id", "=", rule.event_ticket_id.id),
            ])
            if twins:
                raise ValidationError(self.env._(
                    '"%(pos)s" already has an allotment for "%(event)s" %(category)s.',
                    pos=rule.config_id.name, event=rule.event_id.name,
                    category=rule.event_ticket_id.name or self.env._("(any category)")))
