# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError


class EventEvent(models.Model):
    _inherit = "event.event"

    doors_open = fields.Datetime("Doors open", help="Printed on the tickets; scanners admit from this time.")

    @api.constrains("doors_open", "date_begin", "date_end")
    def _check_doors_open(self):
        for event in self:
            if event.doors_open and event.date_end and event.doors_open > event.date_end:
                raise ValidationError(_('"%(event)s": doors cannot open after the event ends.', event=event.name))

    @api.constrains("seats_max", "seats_limited", "event_ticket_ids")
    def _check_category_capacity(self):
        for event in self:
            if event.seats_limited and event.seats_max < 0:
                raise ValidationError(_('"%(event)s": the capacity cannot be negative.', event=event.name))
            if not (event.seats_limited and event.seats_max):
                continue
            for ticket in event.event_ticket_ids:
                if ticket.seats_max > event.seats_max:
                    raise ValidationError(_(
                        '"%(ticket)s" offers %(ticket_seats)s seats but "%(event)s" holds only %(event_seats)s.',
                        ticket=ticket.name, ticket_seats=ticket.seats_max, event=event.name,
                        event_seats=event.seats_max))

    def _get_tickets_access_hash(self, registration_ids):
        """The stock ticket links (/event/<id>/my_tickets, in Odoo's e-mails and pages) show the
        tickets' stock barcodes: bound to the tickets' code versions, like the e-ticket link, so
        that the link of a ticket since reissued or moved stops working."""
        self.ensure_one()
        ids = sorted(i for i in registration_ids if isinstance(i, int) and not isinstance(i, bool))
        if len(ids) != len(registration_ids):
            return super()._get_tickets_access_hash(registration_ids)
        registrations = self.env["event.registration"].sudo().with_context(active_test=False).browse(ids).exists()
        versions = sorted((reg.id, reg.ticket_code_version) for reg in registrations)
        return tools.hmac(self.env(su=True), "soticket-event-ticket-report-access", (self.id, ids, versions))
