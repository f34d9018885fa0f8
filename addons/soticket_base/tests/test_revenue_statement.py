# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json
from datetime import date
from datetime import datetime

from odoo import fields
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import SoticketCase

AMOUNTS = ["gross_untaxed", "gross_taxed", "refunds_untaxed", "refunds_taxed", "net_untaxed", "net_taxed"]
CHANNEL_KEYS = {"tickets", *AMOUNTS}
TOTAL_KEYS = {"tickets", *AMOUNTS, "ticket_net_untaxed", "resale_fees_untaxed", "resale_fees_taxed"}


class StatementCase(SoticketCase):
    """Sales of 2024 at a venue charging French concert VAT (5.5 %, prices shown tax included)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Europe/Paris"
        cls.Statement = cls.env["soticket.revenue.statement"]
        france = cls.env.ref("base.fr")
        tax_group = cls.env["account.tax.group"].create({"name": "TVA 5,5 %", "country_id": france.id})
        cls.vat = cls.env["account.tax"].create({
            "name": "TVA 5,5 % (spectacles, TTC)", "amount": 5.5, "amount_type": "percent", "type_tax_use": "sale",
            "price_include_override": "tax_included", "country_id": france.id, "tax_group_id": tax_group.id,
        })
        cls.ticket_product.taxes_id = [(6, 0, cls.vat.ids)]
        cls.reduced = cls.env["event.event.ticket"].create({
            "name": "Tarif réduit", "event_id": cls.concert.id, "product_id": cls.ticket_product.id,
            "price": 15.0, "category_kind": "reduced",
        })
        cls.concert.write({"seats_max": 50, "website_published": True})  # web sales need a published concert
        cls.website = cls.env["website"].search([], limit=1)
        cls.reporting_group = cls.env.ref("soticket_base.group_soticket_reporting")
        cls.coop_user = cls.env["res.users"].create({
            "name": "SoTicket cooperative (reporting)", "login": "coop-reporting",
            "groups_id": [(6, 0, cls.reporting_group.ids)],
        })

    @classmethod
    def _sell(cls, lines, sold_at, website=False):
        """One order of (category, quantity) lines, sold at the given UTC time."""
        order = cls.env["sale.order"].create({
            "partner_id": cls.buyer.id,
            "website_id": website and cls.website.id,
            "order_line": [(0, 0, {
                "product_id": ticket.product_id.id, "event_id": ticket.event_id.id, "event_ticket_id": ticket.id,
                "product_uom_qty": qty, "price_unit": ticket.price,
            }) for ticket, qty in lines],
        })
        order.action_confirm()
        tickets = order.order_line.registration_ids
        tickets._ensure_ticket_number()
        tickets.write({"sold_at": sold_at})
        return order, tickets

    @classmethod
    def _sell_2024(cls):
        """web: 2 full; back office: 1 full + 3 reduced + 1 invitation; one web ticket refunded in June;
        one back-office sale on 1 January 2025 at 00:30 in Paris (still 2024 in UTC): not in 2024."""
        cls.web_order, cls.web_tickets = cls._sell([(cls.full_price, 2)], "2024-03-15 18:00:00", website=True)
        cls.bo_order, cls.bo_tickets = cls._sell(
            [(cls.full_price, 1), (cls.reduced, 3), (cls.invitation, 1)], "2024-11-02 10:00:00")
        cls.web_tickets[0]._mark_refunded()
        cls.web_tickets[0].refunded_at = "2024-06-01 09:00:00"
        cls.late_order, cls.late_tickets = cls._sell([(cls.reduced, 1)], "2024-12-31 23:30:00")


@tagged("post_install", "-at_install")
class TestRevenueStatement(StatementCase):
    def test_yearly_statement_totals_and_exact_format(self):
        self._sell_2024()
        self.assertEqual(set(self.web_tickets.mapped("sale_channel")), {"web"})
        self.assertEqual(set(self.bo_tickets.mapped("sale_channel")), {"backoffice"})
        payload = self.Statement.get_yearly_statement(2024)
        self.assertEqual(json.loads(json.dumps(payload)), payload, "JSON-serialisable as is")
        self.assertEqual(set(payload), {"format", "venue", "period", "channels", "totals", "generated_at"})
        self.assertEqual(payload["format"], "soticket.revenue.statement/1")
        self.assertEqual(payload["venue"], {
            "name": self.env.company.name,
            "database_uuid": self.env["ir.config_parameter"].get_param("database.uuid"),
            "currency": self.env.company.currency_id.name,
        })
        self.assertEqual(payload["period"], {"from": "2024-01-01", "to": "2024-12-31"})
        self.assertEqual(set(payload["channels"]), {"web", "backoffice"})
        for values in payload["channels"].values():
            self.assertEqual(set(values), CHANNEL_KEYS)
            self.assertIsInstance(values["tickets"], int)
            self.assertTrue(all(isinstance(values[key], float) for key in AMOUNTS))
        self.assertEqual(set(payload["totals"]), TOTAL_KEYS)
        generated = datetime.fromisoformat(payload["generated_at"])
        self.assertEqual(generated.utcoffset().total_seconds(), 0, "UTC")

        web, backoffice = payload["channels"]["web"], payload["channels"]["backoffice"]
        self.assertEqual((web["tickets"], web["gross_taxed"], web["refunds_taxed"], web["net_taxed"]),
                         (2, 50.0, 25.0, 25.0))
        # 1 full (25) + 3 reduced (15) + an invitation; the reduced ticket sold at 00:30 on 1 January (Paris) is 2025's.
        self.assertEqual((backoffice["tickets"], backoffice["gross_taxed"], backoffice["refunds_taxed"]),
                         (5, 70.0, 0.0))
        # Prices are VAT included at 5.5 %: untaxed = taxed / 1.055 (to the cent per ticket).
        for values in (web, backoffice):
            for taxed, untaxed in (("gross_taxed", "gross_untaxed"), ("refunds_taxed", "refunds_untaxed"),
                                   ("net_taxed", "net_untaxed")):
                self.assertAlmostEqual(values[untaxed], values[taxed] / 1.055, delta=0.005 * values["tickets"] + 0.01)
        self.assertEqual(backoffice["gross_untaxed"], round(23.70 + 3 * 14.22, 2))
        totals = payload["totals"]
        self.assertEqual(totals["tickets"], 7)
        self.assertEqual(totals["gross_taxed"], 120.0)
        self.assertEqual(totals["refunds_taxed"], 25.0)
        self.assertEqual(totals["net_taxed"], 95.0)
        self.assertAlmostEqual(totals["net_untaxed"], web["net_untaxed"] + backoffice["net_untaxed"], places=2)
        self.assertEqual(totals["ticket_net_untaxed"], totals["net_untaxed"])
        self.assertEqual((totals["resale_fees_untaxed"], totals["resale_fees_taxed"]), (0.0, 0.0))
        # The statement agrees with the tickets themselves.
        sold = self.web_tickets | self.bo_tickets
        self.assertAlmostEqual(totals["gross_untaxed"], sum(sold.mapped("price_paid_untaxed")), places=2)
        self.assertEqual(totals["gross_taxed"], sum(sold.mapped("price_paid")))

        # The venue's staff see what was sent: a final statement for the past year.
        statement = self.Statement.search([("date_from", "=", "2024-01-01"), ("date_to", "=", "2024-12-31")])
        self.assertEqual(len(statement), 1)
        self.assertEqual((statement.name, statement.period_type, statement.state), ("2024", "year", "final"))
        self.assertTrue(statement.pulled_at)
        self.assertEqual(sorted(statement.line_ids.mapped("channel")), ["backoffice", "web"])
        self.assertEqual(statement.tickets_sold, 7)
        self.assertAlmostEqual(statement.net_taxed, 95.0)
        self.assertEqual(statement._to_payload(), payload)

    def test_the_next_year_gets_the_late_sale(self):
        self._sell_2024()
        payload = self.Statement.get_statement("2025-01-01", "2025-01-31")
        self.assertEqual(set(payload["channels"]), {"backoffice"})
        self.assertEqual((payload["totals"]["tickets"], payload["totals"]["gross_taxed"]), (1, 15.0))
        self.assertEqual(payload["period"], {"from": "2025-01-01", "to": "2025-01-31"})
        self.assertFalse(self.Statement.search([("date_from", "=", "2025-01-01")]), "get_statement stores nothing")

    def test_refund_counts_in_the_period_it_is_made(self):
        self._sell_2024()
        march = self.Statement.get_statement("2024-03-01", "2024-03-31")
        self.assertEqual((march["totals"]["tickets"], march["totals"]["refunds_taxed"]), (2, 0.0))
        june = self.Statement.get_statement("2024-06-01", "2024-06-30")
        self.assertEqual(june["channels"]["web"]["tickets"], 0)
        self.assertEqual(june["channels"]["web"]["refunds_taxed"], 25.0)
        self.assertEqual(june["totals"]["net_taxed"], -25.0)

    def test_final_statement_does_not_change(self):
        self._sell_2024()
        first = self.Statement.get_yearly_statement(2024)
        self._sell([(self.full_price, 1)], "2024-05-05 12:00:00")
        self.assertEqual(self.Statement.get_yearly_statement(2024)["totals"], first["totals"])
        self.assertEqual(self.Statement.get_statement("2024-01-01", "2024-12-31")["totals"]["tickets"], 8)
        statement = self.Statement.search([("name", "=", "2024")])
        with self.assertRaises(UserError):
            statement.action_refresh()
        with self.assertRaises(UserError):
            statement.unlink()

    def test_current_year_is_a_draft_refreshed_on_each_call(self):
        year = fields.Date.today().year
        before = self.Statement.get_yearly_statement(year)
        self._sell([(self.full_price, 1)], fields.Datetime.now())
        after = self.Statement.get_yearly_statement(year)
        self.assertEqual(after["totals"]["tickets"], before["totals"]["tickets"] + 1)
        statement = self.Statement.search([("name", "=", str(year))])
        self.assertEqual(statement.state, "draft")

    def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(self):
        count = self.Statement.search_count([])
        for args, message in (
            (("2024-13-01", "2024-12-31"), "not a valid date"),
            (("01/02/2024", "2024-12-31"), "YYYY-MM-DD"),
            ((None, "2024-12-31"), "not a valid date"),
            (("2024-12-31", "2024-01-01"), "starts after it ends"),
            (("1990-01-01", "1990-12-31"), "2000 to 2100"),
        ):
            with self.subTest(args=args), self.assertRaisesRegex(UserError, message):
                self.Statement.get_statement(*args)
        for year in (1999, 2101, "twenty", True, 2024.5, None):
            with self.subTest(year=year), self.assertRaisesRegex(UserError, "between 2000 and 2100"):
                self.Statement.get_yearly_statement(year)
        self.assertEqual(self.Statement.search_count([]), count)
        self.assertEqual(self.Statement.get_yearly_statement("2024")["period"]["from"], "2024-01-01")

    def test_resale_fees_are_totalled_apart(self):
        lines = [
            {**self.Statement._empty_line("resale"), "tickets_sold": 2, "gross_untaxed": 40.0, "gross_taxed": 42.2,
             "net_untaxed": 40.0, "net_taxed": 42.2},
            {**self.Statement._empty_line("resale_fee"), "tickets_sold": 2, "gross_untaxed": 3.0,
             "gross_taxed": 3.6, "net_untaxed": 3.0, "net_taxed": 3.6},
        ]
        payload = self.Statement._statement_payload(
            self.env.company, date(2024, 1, 1), date(2024, 12, 31), lines, fields.Datetime.now())
        totals = payload["totals"]
        self.assertEqual(set(payload["channels"]), {"resale", "resale_fee"})
        self.assertEqual(totals["tickets"], 2, "fees are not tickets")
        self.assertEqual((totals["net_untaxed"], totals["ticket_net_untaxed"]), (43.0, 40.0))
        self.assertEqual((totals["resale_fees_untaxed"], totals["resale_fees_taxed"]), (3.0, 3.6))

    def test_generate_wizard_month(self):
        self._sell_2024()
        manager = self.env["res.users"].create({
            "name": "Morgane Régie", "login": "stmt-manager",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id, self.env.ref("event.group_event_manager").id])],
        })
        wizard = self.env["soticket.revenue.statement.generate"].with_user(manager).create(
            {"period_type": "month", "year": 2024, "month": "11"})
        action = wizard.action_generate()
        statement = self.Statement.browse(action["res_id"])
        self.assertEqual((statement.name, statement.date_from, statement.date_to, statement.state),
                         ("2024-11", date(2024, 11, 1), date(2024, 11, 30), "final"))
        self.assertEqual(statement.line_ids.channel, "backoffice")
        self.assertEqual((statement.line_ids.tickets_sold, statement.line_ids.gross_taxed), (5, 70.0))


@tagged("post_install", "-at_install")
class TestRevenueStatementAccess(StatementCase):
    def test_reporting_user_gets_totals_only(self):
        self._sell_2024()
        coop_env = self.env(user=self.coop_user)
        payload = coop_env["soticket.revenue.statement"].get_yearly_statement(2024)
        self.assertEqual(payload["totals"]["tickets"], 7)
        self.assertEqual(len(coop_env["soticket.revenue.statement"].search([])), 1)
        self.assertEqual(coop_env["soticket.revenue.statement"].get_statement("2024-06-01", "2024-06-30")[
            "totals"]["refunds_taxed"], 25.0)
        ticket = self.web_tickets[0]
        with self.assertRaises(AccessError):
            coop_env["event.registration"].search([])
        with self.assertRaises(AccessError):
            coop_env["event.registration"].browse(ticket.id).read(["name", "email"])
        with self.assertRaises(AccessError):
            coop_env["res.partner"].browse(self.buyer.id).read(["name", "email"])
        with self.assertRaises(AccessError):
            coop_env["sale.order"].browse(self.web_order.id).read(["partner_id"])
        statement = coop_env["soticket.revenue.statement"].search([])
        with self.assertRaises(AccessError):
            statement.write({"state": "draft"})
        with self.assertRaises(AccessError):
            statement.line_ids.unlink()

    def test_portal_reporting_user_cannot_read_buyers_either(self):
        self._sell_2024()
        portal = self.env["res.users"].create({
            "name": "Coop portal", "login": "coop-portal",
            "groups_id": [(6, 0, [self.env.ref("base.group_portal").id, self.reporting_group.id])],
        })
        coop_env = self.env(user=portal)
        self.assertEqual(coop_env["soticket.revenue.statement"].get_yearly_statement(2024)["totals"]["tickets"], 7)
        with self.assertRaises(AccessError):
            coop_env["event.registration"].browse(self.web_tickets[0].id).read(["name"])
        with self.assertRaises(AccessError):
            coop_env["res.partner"].browse(self.buyer.id).read(["name"])

    def test_other_users_cannot_pull_statements(self):
        clerk = self.env["res.users"].create({
            "name": "Box office clerk", "login": "stmt-clerk",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id, self.env.ref("event.group_event_user").id])],
        })
        for user in (clerk, self.env.ref("base.public_user")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env(user=user)["soticket.revenue.statement"].get_yearly_statement(2024)
        self.assertFalse(self.Statement.search([]))

    def test_statements_are_per_venue(self):
        self._sell_2024()
        self.Statement.get_yearly_statement(2024)
        other_venue = self.env["res.company"].create({"name": "Le Petit Bain", "currency_id": self.env.ref(
            "base.EUR").id})
        self.coop_user.write({"company_ids": [(4, other_venue.id)], "company_id": other_venue.id})
        coop_env = self.env(user=self.coop_user, context={"allowed_company_ids": [other_venue.id]})
        payload = coop_env["soticket.revenue.statement"].get_yearly_statement(2024)
        self.assertEqual(payload["venue"]["name"], "Le Petit Bain")
        self.assertEqual((payload["channels"], payload["totals"]["tickets"]), ({}, 0))
        self.assertEqual(coop_env["soticket.revenue.statement"].search([]).company_id, other_venue)


@tagged("post_install", "-at_install")
class TestRevenueStatementRpc(HttpCase):
    """The cooperative's billing over JSON-RPC with the reporting user's API key, as documented."""

    def _rpc(self, key, model, method, *args):
        response = self.url_open("/jsonrpc", data=json.dumps({
            "jsonrpc": "2.0", "id": 1, "method": "call", "params": {
                "service": "object", "method": "execute_kw",
                "args": [self.env.cr.dbname, self.coop_user.id, key, model, method, list(args)],
            },
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_pull_yearly_statement_over_json_rpc(self):
        self.coop_user = self.env["res.users"].create({
            "name": "SoTicket cooperative (reporting)", "login": "coop-rpc",
            "groups_id": [(6, 0, self.env.ref("soticket_base.group_soticket_reporting").ids)],
        })
        key = self.env["res.users.apikeys"].with_user(self.coop_user).sudo()._generate(
            "rpc", "SoTicket cooperative billing", None)
        answer = self._rpc(key, "soticket.revenue.statement", "get_yearly_statement", 2024)
        self.assertNotIn("error", answer)
        self.assertEqual(answer["result"]["format"], "soticket.revenue.statement/1")
        self.assertEqual(answer["result"]["period"], {"from": "2024-01-01", "to": "2024-12-31"})
        denied = self._rpc(key, "event.registration", "search_read", [], ["name", "email"])
        self.assertEqual(denied["error"]["data"]["name"], "odoo.exceptions.AccessError")
        denied = self._rpc(key, "res.partner", "search_read", [["id", "!=", self.coop_user.partner_id.id]], ["name"])
        self.assertEqual(denied["error"]["data"]["name"], "odoo.exceptions.AccessError")
        refused = self._rpc(key, "soticket.revenue.statement", "get_yearly_statement", 1999)
        self.assertEqual(refused["error"]["data"]["name"], "odoo.exceptions.UserError")
        wrong_key = self._rpc("not-the-key", "soticket.revenue.statement", "get_yearly_statement", 2024)
        self.assertIn("error", wrong_key)
