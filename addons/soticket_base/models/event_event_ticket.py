# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError


class EventEventTicket(models.Model):
    """A ticket category of a concert: plein tarif, réduit, abonné, invitation…"""

    _inherit = "event.event.ticket"

    category_kind = fields.Selection(
        [("full", "Full price"), ("reduced", "Reduced"), ("subscriber", "Subscriber"), ("invitation", "Invitation")],
        "Kind", default="full", required=True,
        help="Invitation tickets are free and printed as such; reduced and subscriber prices may require proof at "
             "the door.")

    @api.constrains("start_sale_datetime", "end_sale_datetime", "event_id")
    def _check_sale_window(self):
        for ticket in self:
            start, end = ticket.start_sale_datetime, ticket.end_sale_datetime
            if start and end and start >= end:
                raise ValidationError(_('"%(ticket)s": the sale must start before it ends.', ticket=ticket.name))
            if start and ticket.event_id.date_end and start > ticket.event_id.date_end:
                raise ValidationError(_('"%(ticket)s": the sale cannot start after the event.', ticket=ticket.name))

    @api.constrains("seats_max")
    def _check_seats_max(self):
        for ticket in self:
            if ticket.seats_max < 0:
                raise ValidationError(_('"%(ticket)s": the capacity cannot be negative.', ticket=ticket.name))
        self.event_id._check_category_capacity()

    @api.constrains("category_kind", "price")
    def _check_invitation_is_free(self):
        for ticket in self:
            if ticket.category_kind == "invitation" and ticket.price:
                raise ValidationError(_('"%(ticket)s" is an invitation: its price must be 0.', ticket=ticket.name))
