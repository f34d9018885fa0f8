# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models

from .soticket_revenue_statement import AMOUNT_KEYS
from .soticket_revenue_statement import CHANNELS

# Written by the statement's generation only (tools/server_fields.py).
SERVER_FIELDS = frozenset({"statement_id", "channel", "tickets_sold", "gross_untaxed", "gross_taxed",
                           "refunds_untaxed", "refunds_taxed", "net_untaxed", "net_taxed"})


class SoticketRevenueStatementLine(models.Model):
    """One sales channel of a revenue statement: counts and amounts, nothing about buyers."""

    _name = "soticket.revenue.statement.line"
    _inherit = ["soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _description = "Revenue statement line"
    _order = "statement_id, id"
    _rec_name = "channel"

    statement_id = fields.Many2one(
        "soticket.revenue.statement", "Statement", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="statement_id.company_id", store=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    channel = fields.Selection(CHANNELS, "Sales channel", required=True, readonly=True)
    tickets_sold = fields.Integer("Tickets sold", readonly=True)
    gross_untaxed = fields.Monetary("Sales (excl. VAT)", readonly=True)
    gross_taxed = fields.Monetary("Sales (incl. VAT)", readonly=True)
    refunds_untaxed = fields.Monetary("Refunds (excl. VAT)", readonly=True)
    refunds_taxed = fields.Monetary("Refunds (incl. VAT)", readonly=True)
    net_untaxed = fields.Monetary("Net (excl. VAT)", readonly=True)
    net_taxed = fields.Monetary("Net (incl. VAT)", readonly=True)

    _sql_constraints = [
        ("channel_uniq", "unique(statement_id, channel)", "A statement has one line per sales channel."),
    ]

    def _to_dict(self):
        self.ensure_one()
        return {"channel": self.channel, "tickets_sold": self.tickets_sold, **{key: self[key] for key in AMOUNT_KEYS}}
