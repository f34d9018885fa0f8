# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import calendar
from datetime import date

from odoo import api
from odoo import fields
from odoo import models

MONTHS = [
    ("1", "January"), ("2", "February"), ("3", "March"), ("4", "April"), ("5", "May"), ("6", "June"),
    ("7", "July"), ("8", "August"), ("9", "September"), ("10", "October"), ("11", "November"), ("12", "December"),
]


class SoticketRevenueStatementGenerate(models.TransientModel):
    """Compute (or refresh) the revenue statement of a month or a year."""

    _name = "soticket.revenue.statement.generate"
    _description = "Generate a revenue statement"

    @api.model
    def _default_month(self):
        today = self.env["soticket.revenue.statement"]._venue_today()
        return str(today.month)

    @api.model
    def _default_year(self):
        return self.env["soticket.revenue.statement"]._venue_today().year

    period_type = fields.Selection([("month", "Month"), ("year", "Year")], "Period", required=True, default="month")
    year = fields.Integer("Year", required=True, default=lambda self: self._default_year())
    month = fields.Selection(MONTHS, "Month", default=lambda self: self._default_month())

    def action_generate(self):
        self.ensure_one()
        Statement = self.env["soticket.revenue.statement"]
        year = Statement._check_year(self.year)
        if self.period_type == "year":
            date_from, date_to = date(year, 1, 1), date(year, 12, 31)
        else:
            month = int(self.month or 1)
            date_from = date(year, month, 1)
            date_to = date(year, month, calendar.monthrange(year, month)[1])
        Statement.check_access("create")
        statement = Statement.sudo()._generate(date_from, date_to, self.period_type)
        return {
            "type": "ir.actions.act_window",
            "res_model": "soticket.revenue.statement",
            "res_id": statement.id,
            "view_mode": "form",
            "target": "current",
        }
