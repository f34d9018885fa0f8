# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CoopBillingCase


@tagged("post_install", "-at_install")
class TestRenewals(CoopBillingCase):
    """Three-year terms renewed tacitly, a reminder before the notice deadline, terminations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env.user
        cls.contract = cls._contract("La Sirène", date_start=date(2021, 1, 1), notice_months=3)
        cls.Contract = cls.env["soticket.coop.contract"]

    def _todos(self):
        return self.contract.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_todo"))

    def test_term_and_notice_deadline(self):
        self.assertEqual(self.contract.date_term_end, date(2023, 12, 31))
        self.assertEqual(self.contract.date_notice_deadline, date(2023, 9, 30))
        self.assertTrue(self.contract.name.startswith("COOP/"))

    def test_tacit_renewal_at_term(self):
        self.Contract._cron_renew_and_remind(today=date(2023, 12, 31))
        self.assertEqual(self.contract.date_term_end, date(2023, 12, 31), "still in its term on its last day")
        self.Contract._cron_renew_and_remind(today=date(2024, 1, 1))
        self.assertEqual(self.contract.date_term_end, date(2026, 12, 31))
        self.assertEqual(self.contract.date_notice_deadline, date(2026, 9, 30))
        self.assertEqual(self.contract.state, "active")
        self.assertTrue(self.contract.message_ids.filtered(lambda m: "Renewed tacitly" in (m.body or "")))

    def test_renewal_catches_up_missed_terms(self):
        """The cron did not run for years (server down): the term jumps to the one containing today."""
        self.Contract._cron_renew_and_remind(today=date(2030, 6, 1))
        self.assertEqual(self.contract.date_term_end, date(2032, 12, 31))

    def test_reminder_before_notice_deadline(self):
        self.Contract._cron_renew_and_remind(today=date(2023, 8, 30))
        self.assertFalse(self._todos(), "31 days before the deadline: too early")
        self.Contract._cron_renew_and_remind(today=date(2023, 8, 31))
        todo = self._todos()
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.user_id, self.manager)
        self.assertEqual(todo.date_deadline, date(2023, 9, 30))
        self.assertEqual(todo.summary, "Notice deadline for La Sirène")
        self.Contract._cron_renew_and_remind(today=date(2023, 9, 15))
        self.assertEqual(len(self._todos()), 1, "one reminder per term")
        # next term, next reminder
        todo.action_feedback()
        self.Contract._cron_renew_and_remind(today=date(2024, 1, 1))
        self.Contract._cron_renew_and_remind(today=date(2026, 9, 1))
        self.assertEqual(self._todos().date_deadline, date(2026, 9, 30))

    def test_terminated_contract_is_neither_renewed_nor_reminded(self):
        self.contract.action_terminate()
        self.assertEqual(self.contract.state, "terminated")
        self.assertEqual(self.contract.date_end, date(2023, 12, 31), "ends with its current term by default")
        self.Contract._cron_renew_and_remind(today=date(2023, 9, 1))
        self.Contract._cron_renew_and_remind(today=date(2024, 1, 1))
        self.assertEqual(self.contract.date_term_end, date(2023, 12, 31))
        self.assertFalse(self._todos())
        with self.assertRaisesRegex(UserError, "Only an active contract can be terminated"):
            self.contract.action_terminate()

    def test_termination_mid_year_is_invoiced_prorata_then_never(self):
        """Ended on 30 June 2024: the 2024 minimum is prorated (182 of 366 days), no fee for 2025."""
        self.contract.date_end = date(2024, 6, 30)
        self.contract.action_terminate()
        self._statement(self.contract, 2024, 2_000.00)
        self._statement(self.contract, 2025, 0.00)
        self._generate(2024)
        self._generate(2025)
        self.assertEqual(self._invoices(2024, self.contract).amount_untaxed, 285.93)  # 575 x 182 / 366
        self.assertFalse(self._invoices(2025, self.contract))

    def test_reopen_resumes_renewals(self):
        self.contract.action_terminate()
        self.contract.action_reopen()
        self.assertEqual(self.contract.state, "active")
        self.assertFalse(self.contract.date_end)
        self.Contract._cron_renew_and_remind(today=date(2024, 1, 1))
        self.assertEqual(self.contract.date_term_end, date(2026, 12, 31))

    def test_contract_with_invoices_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "Only draft contracts without invoices can be deleted"):
            self.contract.unlink()
        draft = self._contract("Le Draft", state="draft")
        draft.unlink()
        self.assertFalse(draft.exists())
