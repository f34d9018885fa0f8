# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("event_id.soticket_fr_vat_rate")
    def _compute_tax_id(self):
        """A ticket line takes its event's VAT rate instead of the product's VAT (same price included
        or not): the price shown stays the price paid, only its VAT share changes."""
        super()._compute_tax_id()
        for line in self.filtered(lambda sol: sol.event_id and sol.tax_id):
            rate = float(line.event_id.soticket_fr_vat_rate or "5.5")
            taxes = line.tax_id
            vat = taxes.filtered(lambda t: t.amount_type == "percent" and t.amount in (2.1, 5.5, 10.0, 20.0))
            if not vat or all(t.amount == rate for t in vat):
                continue
            line.tax_id = taxes - vat | vat[:1]._soticket_fr_with_rate(rate)
