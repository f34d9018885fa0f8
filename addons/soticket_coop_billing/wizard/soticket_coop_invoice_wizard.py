# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class SoticketCoopInvoiceWizard(models.TransientModel):
    """Generate fee invoices for year Y: one draft per contract covering the year, then post and send."""

    _name = "soticket.coop.invoice.wizard"
    _description = "Generate cooperative fee invoices"

    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year - 1)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    contract_ids = fields.Many2many(
        "soticket.coop.contract", string="Contracts covering the year", compute="_compute_preview")
    to_invoice_count = fields.Integer("To invoice", compute="_compute_preview")
    invoiced_count = fields.Integer("Already invoiced", compute="_compute_preview")
    missing_statement_ids = fields.Many2many(
        "soticket.coop.contract", string="Without statement", compute="_compute_preview")
    draft_invoice_ids = fields.Many2many("account.move", string="Draft fee invoices", compute="_compute_preview")

    @api.depends("year", "company_id")
    def _compute_preview(self):
        Contract = self.env["soticket.coop.contract"]
        for wizard in self:
            contracts = Contract._invoicing_candidates(wizard.year, wizard.company_id) if wizard.year else Contract
            invoiced = contracts.filtered(lambda c, y=wizard.year: c._is_invoiced_for(y))
            with_statement = self.env["soticket.coop.statement"].search([
                ("contract_id", "in", contracts.ids), ("year", "=", wizard.year)]).contract_id
            wizard.contract_ids = contracts
            wizard.invoiced_count = len(invoiced)
            wizard.missing_statement_ids = contracts - invoiced - with_statement
            wizard.to_invoice_count = len((contracts - invoiced) & with_statement)
            wizard.draft_invoice_ids = self.env["account.move"].search([
                ("soticket_coop_year", "=", wizard.year), ("company_id", "=", wizard.company_id.id),
                ("soticket_coop_contract_id", "!=", False), ("state", "=", "draft")])

    def action_generate(self):
        """Create the draft invoices (idempotent) and open them for review."""
        self.ensure_one()
        _ = self.env._
        contracts = self.env["soticket.coop.contract"]._invoicing_candidates(self.year, self.company_id)
        moves, invoiced, missing = contracts._create_fee_invoices(self.year)
        message = _("%(created)s draft invoice(s) created for %(year)s; %(invoiced)s contract(s) already invoiced.",
                    created=len(moves), year=self.year, invoiced=len(invoiced))
        if missing:
            message += " " + _("No statement yet for: %(contracts)s.",
                               contracts=", ".join(missing.mapped("partner_id.display_name")))
        action = self._fee_invoices_action()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Cooperative fee invoices"),
                "message": message,
                "type": "warning" if missing else "success",
                "sticky": bool(missing),
                "next": action,
            },
        }

    def action_post_and_send(self):
        """Post every draft fee invoice of the year and send them by e-mail (in the background)."""
        self.ensure_one()
        drafts = self.draft_invoice_ids
        if not drafts:
            raise UserError(self.env._("There is no draft fee invoice for %(year)s.", year=self.year))
        moves = self.env["account.move"]._soticket_coop_post_and_send(drafts)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Cooperative fee invoices"),
                "message": self.env._("%(count)s invoice(s) posted; they are being sent by e-mail in the background.",
                                      count=len(moves)),
                "type": "success",
                "next": self._fee_invoices_action(),
            },
        }

    def _fee_invoices_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.pop("path", None)
        action.update(
            name=self.env._("Fee invoices %(year)s", year=self.year),
            domain=[("soticket_coop_year", "=", self.year), ("soticket_coop_contract_id", "!=", False),
                    ("company_id", "=", self.company_id.id)],
            context={"default_move_type": "out_invoice", "create": False},
        )
        return action
