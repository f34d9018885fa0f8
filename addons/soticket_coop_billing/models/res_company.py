# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models

FEE_BASES = [
    ("ticket_net_untaxed", "Ticket revenue excl. VAT, refunds deducted, resale service fees excluded"),
    ("ticket_net_taxed", "Ticket revenue incl. VAT, refunds deducted, resale service fees excluded"),
    ("net_untaxed", "Revenue excl. VAT, refunds deducted, resale service fees included"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    soticket_coop_fee_rate = fields.Float(
        "Cooperative fee rate (%)", digits=(6, 3), default=2.5,
        help="Default share of the venue's yearly revenue invoiced as the cooperative's fee.")
    soticket_coop_fee_min = fields.Monetary(
        "Cooperative fee minimum", currency_field="currency_id", default=575.0,
        help="Default minimum fee for a full year (prorated by days for a partial year).")
    soticket_coop_fee_max = fields.Monetary(
        "Cooperative fee maximum", currency_field="currency_id", default=3500.0,
        help="Default maximum fee for a full year (prorated by days for a partial year).")
    soticket_coop_fee_base = fields.Selection(
        FEE_BASES, "Cooperative fee base", default="ticket_net_untaxed", required=True,
        help="Which figure of the venue's revenue statement the fee rate applies to.")
    soticket_coop_fee_product_id = fields.Many2one(
        "product.product", "Cooperative fee product",
        default=lambda self: self.env.ref("soticket_coop_billing.product_cooperative_fee", raise_if_not_found=False),
        help="Service invoiced on fee lines: its sales taxes, mapped by the member's fiscal position, apply.")
    soticket_coop_reminder_days = fields.Integer(
        "Notice reminder (days)", default=30,
        help="A to-do is created for the contract's account manager this many days before the notice deadline.")

    @api.constrains("soticket_coop_fee_rate", "soticket_coop_fee_min", "soticket_coop_fee_max")
    def _check_soticket_coop_fee(self):
        self.env["soticket.coop.network"]._check_fee_terms(
            self, "soticket_coop_fee_rate", "soticket_coop_fee_min", "soticket_coop_fee_max")

    def _soticket_coop_fee_product(self):
        self.ensure_one()
        return self.soticket_coop_fee_product_id or self.env.ref(
            "soticket_coop_billing.product_cooperative_fee", raise_if_not_found=False)
