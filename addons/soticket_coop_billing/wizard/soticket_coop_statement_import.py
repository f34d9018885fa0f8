# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import binascii
import json

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class SoticketCoopStatementImport(models.TransientModel):
    """Import the statement file a venue exported (same JSON as the pull) when its database is offline."""

    _name = "soticket.coop.statement.import"
    _description = "Import a revenue statement file"

    contract_id = fields.Many2one(
        "soticket.coop.contract", required=True, domain="[('state', '!=', 'draft')]",
        default=lambda self: self.env.context.get("active_model") == "soticket.coop.contract"
        and self.env.context.get("active_id"))
    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year - 1)
    statement_file = fields.Binary("Statement file", required=True, attachment=False)
    filename = fields.Char()

    @api.constrains("year")
    def _check_year(self):
        self.env["soticket.coop.statement.pull"]._check_statement_year(self)

    def action_import(self):
        self.ensure_one()
        _ = self.env._
        try:
            payload = json.loads(base64.b64decode(self.statement_file or b""))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise UserError(_("%(file)s is not a statement file (JSON expected).",
                              file=self.filename or _("This file"))) from exc
        statement = self.env["soticket.coop.statement"]._store_payload(self.contract_id, self.year, payload, "imported")
        return {
            "type": "ir.actions.act_window",
            "res_model": "soticket.coop.statement",
            "res_id": statement.id,
            "view_mode": "form",
            "target": "current",
        }
