# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models

CHANNELS = [("web", "Website"), ("backoffice", "Back office"), ("box_office", "Box office"), ("resale", "Resale")]


class SoticketFrReceiptLine(models.Model):
    """One line of a receipt record: a channel, a category and a unit price."""

    _name = "soticket.fr.receipt.line"
    _description = "Receipt record line"
    _order = "receipt_id, channel, category_name, unit_price desc, id"

    receipt_id = fields.Many2one("soticket.fr.receipt", "Receipt record", required=True, ondelete="cascade",
                                 index=True, readonly=True)
    company_id = fields.Many2one(related="receipt_id.company_id", store=True)
    currency_id = fields.Many2one(related="receipt_id.currency_id")
    channel = fields.Selection(CHANNELS, "Sales channel", readonly=True)
    category_name = fields.Char("Category", readonly=True)
    category_kind = fields.Char("Kind", readonly=True)
    unit_price = fields.Monetary("Unit price (incl. VAT)", readonly=True)
    tickets_issued = fields.Integer("Tickets issued", readonly=True)
    total_taxed = fields.Monetary("Takings (incl. VAT)", readonly=True)
    total_untaxed = fields.Monetary("Takings (excl. VAT)", readonly=True)
    tickets_refunded = fields.Integer("Tickets refunded", readonly=True)
    refunds_taxed = fields.Monetary("Refunds (incl. VAT)", readonly=True)
    refunds_untaxed = fields.Monetary("Refunds (excl. VAT)", readonly=True)

    def write(self, vals):
        self.receipt_id._check_locked()
        return super().write(vals)
