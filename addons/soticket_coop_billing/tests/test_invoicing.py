# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import date

import psycopg2

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CoopBillingCase
from .common import statement_payload


@tagged("post_install", "-at_install")
class TestFeeInvoicing(CoopBillingCase):
    """The yearly run: drafts for review, never twice, then posted and e-mailed in one batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sirene = cls._contract("La Sirène")
        cls.moloco = cls._contract("Le Moloco")
        cls.no_statement = cls._contract("L'Autre Canal")
        cls.draft = cls._contract("Le Draft", state="draft")
        cls.future = cls._contract("Le Futur", date_start=date(2026, 3, 1))
        cls._statement(cls.sirene, 2025, 50_000.00)
        cls._statement(cls.moloco, 2025, 200_000.00)
        cls._statement(cls.future, 2025, 1_000.00)

    def test_one_draft_per_contract_with_a_statement(self):
        invoices = self._generate(2025)
        self.assertEqual(invoices.soticket_coop_contract_id, self.sirene | self.moloco)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(set(invoices.mapped("move_type")), {"out_invoice"})
        by_contract = {m.soticket_coop_contract_id: m for m in invoices}
        self.assertEqual(by_contract[self.sirene].partner_id, self.sirene.partner_id)
        self.assertEqual(by_contract[self.sirene].amount_total, 1_500.00)  # 1,250 + 20 % VAT
        self.assertEqual(by_contract[self.moloco].amount_untaxed, 3_500.00)
        self.assertEqual(by_contract[self.sirene].invoice_origin, self.sirene.name)
        self.assertEqual(self.sirene.invoice_count, 1)
        # the contract without statement is named in the notification, the others are not
        self.assertIn("L'Autre Canal", self.last_notification["message"])
        self.assertNotIn("Le Draft", self.last_notification["message"])
        self.assertIn("2 draft invoice(s) created for 2025", self.last_notification["message"])

    def test_wizard_preview(self):
        wizard = self.env["soticket.coop.invoice.wizard"].create({"year": 2025})
        self.assertEqual(wizard.contract_ids, self.sirene | self.moloco | self.no_statement)
        self.assertEqual(wizard.to_invoice_count, 2)
        self.assertEqual(wizard.missing_statement_ids, self.no_statement)
        self.assertFalse(wizard.draft_invoice_ids)

    def test_idempotent(self):
        first = self._generate(2025)
        second = self._generate(2025)
        self.assertEqual(first, second, "a second run creates nothing")
        self.assertIn("0 draft invoice(s) created for 2025; 2 contract(s) already invoiced",
                      self.last_notification["message"])
        # a statement arriving later is invoiced by the next run, alone
        self._statement(self.no_statement, 2025, 30_000.00)
        third = self._generate(2025)
        self.assertEqual(third - first, self._invoices(2025, self.no_statement))
        self.assertEqual(len(third), 3)

    def test_never_two_invoices_for_a_contract_and_year(self):
        invoice = self._generate(2025).filtered(lambda m: m.soticket_coop_contract_id == self.sirene)
        # the database refuses a second live invoice, whatever the code path
        other = self.env["account.move"].create({"move_type": "out_invoice", "partner_id": self.sirene.partner_id.id})
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.cr.savepoint():
            self.cr.execute(
                "UPDATE account_move SET soticket_coop_contract_id = %s, soticket_coop_year = 2025 WHERE id = %s",
                [self.sirene.id, other.id])
        # a cancelled invoice may be replaced, but then cannot come back to life
        invoice.button_cancel()
        self._generate(2025)
        replacement = self._invoices(2025, self.sirene) - invoice
        self.assertEqual(replacement.state, "draft")
        with self.assertRaisesRegex(UserError, "already has a fee invoice for 2025"):
            invoice.button_draft()
        self.assertEqual(invoice.state, "cancel")

    def test_problem_creates_no_invoice_at_all(self):
        """The fee product lost its tax: the run stops with a clear message before the first invoice."""
        self.fee_product.taxes_id = [Command.clear()]
        with self.assertRaisesRegex(UserError, "has no sales tax for"):
            self._generate(2025)
        self.assertFalse(self._invoices(2025))
        self.assertFalse(self.env["soticket.coop.statement"].search([("locked", "=", True)]))

    def test_vat_follows_the_members_fiscal_position(self):
        """A member abroad in the EU (intra-EU B2B fiscal position): the 20 % VAT maps to 0 %."""
        self.moloco.partner_id.property_account_position_id = self.intra_eu
        invoices = self._generate(2025)
        by_contract = {m.soticket_coop_contract_id: m for m in invoices}
        self.assertEqual(by_contract[self.moloco].fiscal_position_id, self.intra_eu)
        self.assertEqual(by_contract[self.moloco].amount_tax, 0.0)
        self.assertEqual(set(by_contract[self.moloco].invoice_line_ids.tax_ids.ids), set(self.vat0.ids))
        self.assertEqual(by_contract[self.sirene].amount_tax, 250.00)
        self.assertEqual(by_contract[self.sirene].invoice_line_ids.filtered("product_id").tax_ids, self.vat20)

    def test_post_and_send(self):
        self._generate(2025)
        wizard = self.env["soticket.coop.invoice.wizard"].create({"year": 2025})
        self.assertEqual(len(wizard.draft_invoice_ids), 2)
        wizard.action_post_and_send()
        invoices = self._invoices(2025)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertTrue(all(invoices.mapped("name")), "numbered")
        self.assertTrue(all(invoices.mapped("sending_data")), "queued for account's sending cron")
        # account's own cron sends them with the invoice e-mail template
        self.env["account.move"]._cron_account_move_send()
        template = self.env.ref("account.email_template_edi_invoice")
        for invoice in invoices:
            self.assertTrue(invoice.is_move_sent)
            self.assertFalse(invoice.sending_data)
            message = invoice.message_ids.filtered(lambda m, partner=invoice.partner_id: partner in m.partner_ids)
            self.assertEqual(len(message), 1)
            self.assertIn(invoice.name, message.subject)
            self.assertEqual(message.subject, template._render_field("subject", invoice.ids)[invoice.id])
            self.assertTrue(message.attachment_ids, "the invoice document is attached")
        # nothing left to post
        self.assertFalse(self.env["soticket.coop.invoice.wizard"].create({"year": 2025}).draft_invoice_ids)

    def test_post_refused_without_email(self):
        self._generate(2025)
        self.moloco.partner_id.email = False
        wizard = self.env["soticket.coop.invoice.wizard"].create({"year": 2025})
        with self.assertRaisesRegex(UserError, "Le Moloco"):
            wizard.action_post_and_send()
        self.assertEqual(set(self._invoices(2025).mapped("state")), {"draft"}, "nothing posted")

    def test_billing_user_can_run_the_year(self):
        """An invoicing clerk (Billing group, not manager) can import, generate and post, and never reads
        the venues' API keys."""
        clerk = self.env["res.users"].create({
            "name": "Clerk", "login": "coop-clerk", "email": "clerk@coop.example",
            "company_id": self.company.id, "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id,
                                       self.env.ref("base.group_user").id])],
        })
        self.sirene.venue_api_key = "secret-key"
        contract = self.no_statement.with_user(clerk)
        self._import(contract, 2025, statement_payload(2025, 40_000.00, uuid="uuid-canal"))
        wizard = self.env["soticket.coop.invoice.wizard"].with_user(clerk).create({"year": 2025})
        wizard.action_generate()
        self.assertEqual(len(self._invoices(2025)), 3)
        self.assertTrue(self.sirene.with_user(clerk).venue_api_key_set)
        self.assertNotIn("venue_api_key", self.sirene.with_user(clerk).fields_get())
