# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models


class AccountTax(models.Model):
    _inherit = "account.tax"

    def _soticket_fr_with_rate(self, rate):
        """The company's sale VAT at ``rate`` computed like this one (price included or not); made
        from this one when the chart has none."""
        self.ensure_one()
        self = self._origin  # noqa: PLW0642 (the line may be a new record, its taxes too)
        domain = [
            ("company_id", "=", self.company_id.id), ("type_tax_use", "=", "sale"), ("amount_type", "=", "percent"),
            ("amount", "=", rate), ("price_include", "=", self.price_include),
        ]
        tax = self.sudo().search(domain, limit=1)
        if not tax:
            tax = self.sudo().copy({"name": self.env._("VAT %(rate)s %% (tickets)", rate=rate), "amount": rate})
        return tax.sudo(False)
