# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from markupsafe import Markup

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError


class SoticketCoopStatementPull(models.TransientModel):
    """Pull the statements of a year from the member venues' databases, each on its own."""

    _name = "soticket.coop.statement.pull"
    _description = "Pull revenue statements"

    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year - 1)
    contract_ids = fields.Many2many(
        "soticket.coop.contract", string="Contracts", domain="[('state', '!=', 'draft')]",
        help="Leave empty for every contract that covers the year.")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    result = fields.Html(readonly=True, sanitize=True)

    @api.constrains("year")
    def _check_year(self):
        self._check_statement_year(self)

    @api.model
    def _check_statement_year(self, records):
        this_year = fields.Date.context_today(self).year
        for record in records:
            if not 2000 <= record.year <= this_year:
                raise ValidationError(self.env._(
                    "Statements exist for past years and the current one only (%(year)s).", year=record.year))

    def action_pull(self):
        """Pull each venue's statement; a venue that fails does not stop the others (nothing is stored for it)."""
        self.ensure_one()
        _ = self.env._
        contracts = self.contract_ids or self.env["soticket.coop.contract"]._invoicing_candidates(self.year)
        if not contracts:
            raise UserError(_("No contract covers %(year)s.", year=self.year))
        pulled, failed = [], []
        for contract in contracts:
            try:
                with self.env.cr.savepoint():
                    contract.action_pull_statement(self.year)
                pulled.append(contract)
            except UserError as exc:
                if len(contracts) == 1:
                    raise
                failed.append((contract, exc.args[0]))
        rows = Markup("").join(
            Markup("<li><b>%s</b>: %s</li>") % (contract.display_name, message) for contract, message in failed)
        self.result = Markup("<p>%s</p>") % _(
            "%(pulled)s statement(s) of %(year)s received, %(failed)s failed.",
            pulled=len(pulled), year=self.year, failed=len(failed)) + (Markup("<ul>%s</ul>") % rows if failed else "")
        self.state = "done"
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_statements(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("soticket_coop_billing.action_soticket_coop_statement")
        action["domain"] = [("year", "=", self.year)]
        return action
