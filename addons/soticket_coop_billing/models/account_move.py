# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    soticket_coop_contract_id = fields.Many2one(
        "soticket.coop.contract", "Cooperative contract", copy=False, readonly=True, index="btree_not_null",
        ondelete="restrict")
    soticket_coop_year = fields.Integer("Fee year", copy=False, readonly=True, aggregator=None)
    soticket_coop_statement_id = fields.Many2one(
        "soticket.coop.statement", "Revenue statement", copy=False, readonly=True, ondelete="restrict")

    _sql_constraints = [
        # Never two live fee invoices for one contract and year (a cancelled one may be redone).
        ("soticket_coop_fee_uniq",
         "EXCLUDE (soticket_coop_contract_id WITH =, soticket_coop_year WITH =) "
         "WHERE (soticket_coop_contract_id IS NOT NULL AND state != 'cancel')",
         "A cooperative contract has one fee invoice per year (cancel it to issue another one)."),
    ]

    def button_draft(self):
        """A cancelled fee invoice cannot come back while another one has replaced it."""
        for move in self.filtered(lambda m: m.state == "cancel" and m.soticket_coop_contract_id):
            other = self.search([
                ("id", "!=", move.id), ("soticket_coop_contract_id", "=", move.soticket_coop_contract_id.id),
                ("soticket_coop_year", "=", move.soticket_coop_year), ("state", "!=", "cancel")], limit=1)
            if other:
                raise UserError(self.env._(
                    "%(contract)s already has a fee invoice for %(year)s (%(invoice)s).",
                    contract=move.soticket_coop_contract_id.display_name, year=move.soticket_coop_year,
                    invoice=other.display_name))
        return super().button_draft()

    @api.model
    def _soticket_coop_post_and_send(self, moves, synchronous=False):
        """Post draft fee invoices in one batch, then send them by e-mail with the invoice template
        (account's "Send" machinery: in the background by its cron, or right away if synchronous).
        Refuses, posting nothing, when a member has no e-mail address."""
        moves = moves.filtered(lambda m: m.state == "draft" and m.soticket_coop_contract_id)
        if not moves:
            return moves
        without_email = moves.partner_id.filtered(lambda p: not p.email)
        if without_email:
            raise UserError(self.env._(
                "These members have no e-mail address, so their invoices cannot be sent: %(partners)s. "
                "Nothing was posted.", partners=", ".join(without_email.mapped("display_name"))))
        moves.action_post()
        if synchronous:
            self.env["account.move.send"]._generate_and_send_invoices(moves, sending_methods={"email"})
        else:
            moves.sending_data = {
                "author_user_id": self.env.user.id,
                "author_partner_id": self.env.user.partner_id.id,
            }
            self.env.ref("account.ir_cron_account_move_send")._trigger()
        return moves
