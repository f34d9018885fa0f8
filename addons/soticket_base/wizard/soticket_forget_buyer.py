# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models


class SoticketForgetBuyer(models.TransientModel):
    """Confirmation of a GDPR erasure: says what goes and what stays before anything is changed."""

    _name = "soticket.forget.buyer"
    _description = "Forget a buyer (GDPR erasure)"

    partner_id = fields.Many2one("res.partner", "Buyer", required=True, readonly=True, ondelete="cascade")
    ticket_count = fields.Integer("Tickets", compute="_compute_counts")
    order_count = fields.Integer("Orders", compute="_compute_counts")
    upcoming_ticket_count = fields.Integer("Upcoming valid tickets", compute="_compute_counts")

    @api.depends("partner_id")
    def _compute_counts(self):
        for wizard in self:
            partner = wizard.partner_id
            wizard.ticket_count = len(partner._soticket_buyer_registrations()) if partner else 0
            wizard.order_count = len(partner._soticket_buyer_orders()) if partner else 0
            wizard.upcoming_ticket_count = len(partner._soticket_upcoming_tickets()) if partner else 0

    def action_confirm(self):
        self.ensure_one()
        self.partner_id._soticket_forget_buyer()
        return {"type": "ir.actions.act_window_close"}
