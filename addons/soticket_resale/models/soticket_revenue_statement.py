# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models


class SoticketRevenueStatement(models.Model):
    """Resale service fees as their own channel ("resale_fee") of the revenue statements."""

    _inherit = "soticket.revenue.statement"

    @api.model
    def _statement_extra_lines(self, date_from, date_to):
        lines = super()._statement_extra_lines(date_from, date_to)
        start, end = self._period_bounds_utc(date_from, date_to)
        groups = self.env["soticket.resale.listing"].sudo()._read_group(
            [("company_id", "=", self.env.company.id), ("state", "=", "sold"),
             ("sold_at", ">=", start), ("sold_at", "<", end)],
            [], ["__count", "fee_untaxed:sum", "fee_total:sum"])
        count, untaxed, taxed = groups[0]
        if count:
            line = self._empty_line("resale_fee")
            line.update(gross_untaxed=untaxed or 0.0, gross_taxed=taxed or 0.0)
            lines.append(line)
        return lines
