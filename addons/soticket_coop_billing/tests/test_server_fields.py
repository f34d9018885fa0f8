# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CoopBillingCase


@tagged("post_install", "-at_install")
class TestCoopStatementFigures(CoopBillingCase):
    """A venue's statement is what the fee is computed on: only the pull and the import write it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract("La Sirène")

    def test_billing_users_cannot_edit_statement_figures(self):
        statement = self._statement(self.contract, 2025, 50_000.00)
        self.assertFalse(self.env.su, "the test runs as an accounting manager, like a form or RPC call")
        for vals in ({"ticket_net_untaxed": 1.0}, {"net_untaxed": 0.0}, {"tickets": 1}, {"year": 2024},
                     {"raw_json": "{}"}):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, "can only be changed by SoTicket"):
                statement.write(vals)
        with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket"):
            self.env["soticket.coop.statement"].create({
                "contract_id": self.contract.id, "year": 2020, "source": "imported", "ticket_net_untaxed": 1.0})
        statement.invalidate_recordset()
        self.assertEqual(statement.ticket_net_untaxed, 50_000.00)
        # A new import replaces the figures through the flow.
        self._statement(self.contract, 2025, 60_000.00)
        self.assertEqual(statement.ticket_net_untaxed, 60_000.00)
