# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tests import tagged

from .test_revenue_statement import StatementCase

REFUSED = "can only be changed by SoTicket itself"


@tagged("post_install", "-at_install")
class TestServerFields(StatementCase):
    """Money, refund, numbering and statement figures move only through SoTicket's own flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, "sf-officer", groups="base.group_user,event.group_event_user")
        cls.manager = new_test_user(cls.env, "sf-manager", groups="base.group_user,event.group_event_manager")

    def test_staff_cannot_write_a_tickets_price_refund_or_number(self):
        _order, tickets = self._sell([(self.full_price, 1)], "2024-03-15 18:00:00")
        ticket = tickets
        before = (ticket.price_paid, ticket.refunded, ticket.ticket_number)
        for user in (self.officer, self.manager):
            for vals in ({"price_paid": 0.0}, {"price_paid_untaxed": 0.0}, {"refunded": True},
                         {"ticket_number": 999}, {"sold_at": "2020-01-01 00:00:00"},
                         {"name": "Renamed", "price_paid": 1.0}):
                with self.subTest(user=user.login, vals=vals), self.assertRaisesRegex(AccessError, REFUSED):
                    ticket.with_user(user).write(vals)
        ticket.invalidate_recordset()
        self.assertEqual((ticket.price_paid, ticket.refunded, ticket.ticket_number), before)
        self.assertNotEqual(ticket.name, "Renamed", "a refused write changes nothing at all")
        # Other fields stay editable by the staff.
        ticket.with_user(self.officer).write({"name": "Camille M."})
        self.assertEqual(ticket.name, "Camille M.")
        with self.assertRaisesRegex(AccessError, REFUSED):
            self.env["event.registration"].with_user(self.officer).create({
                "event_id": self.concert.id, "event_ticket_id": self.full_price.id, "name": "Free", "price_paid": 0.0})

    def test_manager_cannot_edit_statement_figures(self):
        self._sell_2024()
        statement = self.Statement._generate(*self.Statement._check_period("2024-01-01", "2024-12-31"), "year")
        net = statement.ticket_net_untaxed
        Statement = self.Statement.with_user(self.manager)
        for vals in ({"ticket_net_untaxed": 1.0}, {"state": "draft"}, {"net_untaxed": 0.0},
                     {"line_ids": [(5, 0, 0)]}):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, REFUSED):
                Statement.browse(statement.id).write(vals)
        with self.assertRaisesRegex(AccessError, REFUSED):
            statement.line_ids[:1].with_user(self.manager).write({"net_untaxed": 0.0})
        with self.assertRaisesRegex(AccessError, REFUSED):
            Statement.create({"name": "2023", "date_from": "2023-01-01", "date_to": "2023-12-31", "state": "final",
                              "currency_id": self.env.company.currency_id.id,
                              "line_ids": [(0, 0, {"channel": "web", "net_untaxed": 1.0})]})
        statement.invalidate_recordset()
        self.assertEqual(statement.ticket_net_untaxed, net)
        # The generation wizard and the refresh button still work for managers.
        wizard = self.env["soticket.revenue.statement.generate"].with_user(self.manager).create(
            {"period_type": "month", "year": 2099, "month": "1"})
        action = wizard.action_generate()
        draft = self.Statement.browse(action["res_id"])
        self.assertEqual(draft.state, "draft")
        draft.with_user(self.manager).action_refresh()
