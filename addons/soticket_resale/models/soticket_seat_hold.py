# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models


class SoticketSeatHold(models.Model):
    _inherit = "soticket.seat.hold"

    @api.model
    def _reserve(self, registrations):
        """A ticket issued by a resale takes the seat of the seller's ticket, archived in the
        same transaction: it needs no seat of its own. Counting it would refuse every resale
        of a sold-out category, since the seat check reads the committed seats, where the
        seller's ticket is still valid until this transaction commits."""
        replacing = registrations.filtered(
            lambda reg: reg.soticket_resale_origin_id
            and not reg.soticket_resale_origin_id.sudo().registration_id.active
            and reg.soticket_resale_origin_id.sudo().registration_id.event_ticket_id == reg.event_ticket_id)
        return super()._reserve(registrations - replacing)
