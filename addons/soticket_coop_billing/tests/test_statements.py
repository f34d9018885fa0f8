# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import json
import re
import socket
from datetime import datetime

from odoo.addons.soticket_coop_billing.tools import statement_client
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import VENUE_UUID
from .common import CoopBillingCase
from .common import CoopBillingHttpCase
from .common import statement_payload


@tagged("post_install", "-at_install")
class TestStatements(CoopBillingCase):
    """A venue's statement file, checked before anything is stored, and locked once invoiced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract("La Sirène")
        cls.Statement = cls.env["soticket.coop.statement"]

    def _statements(self, year=None):
        domain = [("contract_id", "=", self.contract.id)]
        return self.Statement.search(domain + ([("year", "=", year)] if year else []))

    def assertRefused(self, payload, year, *fragments):
        with self.assertRaises(UserError) as caught:
            self._import(self.contract, year, payload)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertFalse(self._statements(year), "nothing stored for a refused statement")
        return caught.exception

    def test_import_stores_figures_and_ties_contract_to_its_venue(self):
        self.assertFalse(self.contract.venue_database_uuid)
        statement = self._import(self.contract, 2025, statement_payload(
            2025, 60_000.00, refunds_untaxed=20_000.00, resale_fees_untaxed=1_000.00, tickets=2_400))
        self.assertRecordValues(statement, [{
            "year": 2025, "source": "imported", "tickets": 2_400, "gross_untaxed": 81_000.00,
            "refunds_untaxed": 20_000.00, "net_untaxed": 61_000.00, "ticket_net_untaxed": 60_000.00,
            "resale_fees_untaxed": 1_000.00, "venue_name": "La Sirène", "venue_database_uuid": VENUE_UUID,
            "locked": False, "fee_base": 60_000.00, "received_by_id": self.env.user.id,
            "generated_at": datetime(2026, 1, 5, 9, 30),
        }])
        self.assertEqual(statement.display_name, "La Sirène — 2025")
        self.assertEqual(json.loads(statement.raw_json)["totals"]["ticket_net_untaxed"], 60_000.00)
        self.assertEqual(self.contract.venue_database_uuid, VENUE_UUID)
        self.assertEqual(self.contract.statement_count, 1)

    def test_reimport_replaces_a_statement_not_yet_invoiced(self):
        self._import(self.contract, 2025, statement_payload(2025, 10_000.00))
        self._import(self.contract, 2025, statement_payload(2025, 12_000.00))
        self.assertEqual(self._statements(2025).ticket_net_untaxed, 12_000.00)

    def test_wrong_year_is_refused(self):
        self.assertRefused(statement_payload(2024, 10_000.00), 2025,
                           "covers 2024-01-01 to 2024-12-31, not the year 2025")

    def test_statement_of_another_venue_is_refused(self):
        self._import(self.contract, 2024, statement_payload(2024, 10_000.00))
        self.assertRefused(statement_payload(2025, 10_000.00, uuid="another-venue-uuid"), 2025,
                           "comes from another venue database (another-venue-uuid)", VENUE_UUID)
        self.assertEqual(self.contract.venue_database_uuid, VENUE_UUID)

    def test_negative_revenue_is_refused(self):
        """Refunds above sales (e.g. refunds of last year's cancelled festival): nothing is stored and the
        contract is not tied to the venue database either."""
        payload = statement_payload(2025, -2_500.00, refunds_untaxed=5_000.00)
        self.assertRefused(payload, 2025, "reports a negative revenue", "net_untaxed = -2500.0")
        self.assertFalse(self.contract.venue_database_uuid)

    def test_a_negative_channel_is_accepted_when_the_year_is_positive(self):
        """Refunds this year of resale tickets sold last year: that channel is negative, the year is not."""
        payload = statement_payload(2025, 10_000.00)
        payload["channels"]["resale"].update(refunds_untaxed=300.0, refunds_taxed=316.5,
                                             net_untaxed=-300.0, net_taxed=-316.5)
        statement = self._import(self.contract, 2025, payload)
        self.assertEqual(json.loads(statement.raw_json)["channels"]["resale"]["net_untaxed"], -300.0)
        payload["channels"]["resale"]["gross_untaxed"] = -1.0
        with self.assertRaisesRegex(UserError, "resale: gross_untaxed = -1.0"):
            self._import(self.contract, 2025, payload)

    def test_other_currency_is_refused(self):
        self.assertRefused(statement_payload(2025, 10_000.00, currency="CHF"), 2025,
                           "is in CHF; the cooperative invoices in EUR")

    def test_not_a_statement(self):
        self.assertRefused({"format": "something/else"}, 2025, "This is not a SoTicket revenue statement")
        payload = statement_payload(2025, 10_000.00)
        del payload["totals"]["ticket_net_untaxed"]
        self.assertRefused(payload, 2025, "no valid ticket_net_untaxed in totals")
        wizard = self.env["soticket.coop.statement.import"].create({
            "contract_id": self.contract.id, "year": 2025, "filename": "statement.pdf",
            "statement_file": base64.b64encode(b"%PDF-1.4 not json")})
        with self.assertRaisesRegex(UserError, "statement.pdf is not a statement file"):
            wizard.action_import()

    def test_only_the_statement_format_is_stored(self):
        """Whatever else a venue might send (here buyers' names and e-mails) is not kept."""
        payload = statement_payload(2025, 10_000.00)
        payload["buyers"] = [{"name": "Camille Martin", "email": "camille@example.com"}]
        payload["venue"]["contact"] = "camille@example.com"
        payload["channels"]["web"]["top_buyer"] = "Camille Martin"
        statement = self._import(self.contract, 2025, payload)
        self.assertNotIn("Camille", statement.raw_json)
        self.assertNotIn("@", statement.raw_json)

    def test_locked_once_invoiced(self):
        statement = self._statement(self.contract, 2025, 50_000.00)
        self._generate(2025)
        invoice = self._invoices(2025, self.contract)
        self.assertEqual(statement.invoice_id, invoice)
        self.assertTrue(statement.locked)
        with self.assertRaisesRegex(UserError, "is locked: it has been invoiced"):
            statement.write({"tickets": 1})
        with self.assertRaisesRegex(UserError, "is locked: it has been invoiced"):
            statement.unlink()
        with self.assertRaisesRegex(UserError, "has already been invoiced"):
            self._statement(self.contract, 2025, 10.00)
        self.assertEqual(statement.ticket_net_untaxed, 50_000.00)
        # Cancelling the invoice unlocks the statement: a corrected statement can be invoiced again.
        invoice.button_cancel()
        self.assertFalse(statement.locked)
        self._statement(self.contract, 2025, 100_000.00)
        self._generate(2025)
        invoices = self._invoices(2025, self.contract)
        self.assertEqual(sorted(invoices.mapped("state")), ["cancel", "draft"])
        self.assertEqual(invoices.filtered(lambda m: m.state == "draft").amount_untaxed, 2_500.00)

    def test_statement_years(self):
        with self.assertRaisesRegex(ValidationError, "past years and the current one only"):
            self.env["soticket.coop.statement.pull"].create({"year": 2999})


@tagged("post_install", "-at_install")
class TestStatementPull(CoopBillingHttpCase):
    """Pulling over JSON-RPC: every failure gives a clear message and stores nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # This test server listens on http://127.0.0.1: only a contract that allows it may pull from it.
        cls.contract = cls._contract("Le Grand Mix", venue_login="coop-reporting", venue_api_key="not-the-key",
                                     venue_allow_insecure=True)

    def _closed_port_url(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def _pull_refused(self, contract, *fragments):
        with self.assertRaises(UserError) as caught:
            contract.action_pull_statement(2025)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertFalse(contract.statement_ids)
        self.assertFalse(contract.venue_database_uuid)

    def test_unreachable_venue(self):
        url = self._closed_port_url()
        self.contract.write({"venue_url": url, "venue_db": "lgm"})
        self._pull_refused(self.contract, f"The venue database of Le Grand Mix cannot be reached at {url}",
                           "import the statement file")

    def test_wrong_credentials(self):
        """A real Odoo answers (this test server) but refuses the login."""
        self.contract.write({"venue_url": self.base_url(), "venue_db": self.env.cr.dbname})
        self._pull_refused(self.contract, "refused the statement user coop-reporting")

    def test_not_an_odoo(self):
        self.contract.write({"venue_url": f"{self.base_url()}/no-such-path", "venue_db": "lgm"})
        self._pull_refused(self.contract, "answered with an error (HTTP 404")

    def test_missing_connection_data(self):
        self.contract.write({"venue_url": self.base_url(), "venue_db": False})
        self._pull_refused(self.contract, "fill in its venue database")

    def test_only_http_urls(self):
        with self.assertRaisesRegex(ValidationError, "must start with https:// or http://"):
            self.contract.venue_url = "file:///etc/passwd"

    def test_https_and_public_addresses_only(self):
        """Without the switch, plain http and loopback, private or link-local hosts are refused, at
        saving and at pulling (a name resolving to such an address too); nothing is written."""
        contract = self._contract("La Cave", venue_login="coop", venue_api_key="k", venue_db="cave")
        for url, fragment in [
            ("http://billetterie.example.org", "must start with https://"),
            (self.base_url(), "must start with https://"),
            ("https://127.0.0.1:8069", "loopback, private or link-local address (127.0.0.1)"),
            ("https://localhost", "loopback, private or link-local address (localhost)"),
            ("https://10.1.2.3", "(10.1.2.3)"),
            ("https://192.168.1.10", "(192.168.1.10)"),
            ("https://169.254.169.254/latest", "(169.254.169.254)"),
            ("https://[::1]:8069", "(::1)"),
            ("https://[fe80::1]", "(fe80::1)"),
        ]:
            with self.subTest(url=url), self.assertRaisesRegex(ValidationError, re.escape(fragment)):
                with self.env.cr.savepoint():
                    contract.venue_url = url
        self.assertFalse(contract.venue_url)
        # A host name is resolved when pulling: one that resolves to the loopback is refused.
        contract.venue_url = "https://localhost.localdomain.soticket-test"
        self.patch(statement_client.socket, "getaddrinfo",
                   lambda *args, **kwargs: [(2, 1, 6, "", ("127.0.0.1", 443))])
        self._pull_refused(contract, "loopback, private or link-local address", "(127.0.0.1)")
        # The switch allows both (tests, a venue server on a trusted local network).
        contract.write({"venue_allow_insecure": True, "venue_url": self.base_url()})
        self.assertEqual(contract.venue_url, self.base_url())
        with self.assertRaisesRegex(ValidationError, "must start with https://"):
            with self.env.cr.savepoint():
                contract.venue_allow_insecure = False
        self.assertTrue(contract.venue_allow_insecure)

    def test_pull_wizard_reports_each_failure(self):
        """A venue that fails does not stop the others; the wizard lists what failed and why."""
        self.contract.write({"venue_url": self.base_url(), "venue_db": self.env.cr.dbname})
        offline = self._contract("Le Moloco", venue_url=self._closed_port_url(), venue_db="moloco",
                                 venue_login="coop", venue_api_key="k", venue_allow_insecure=True)
        wizard = self.env["soticket.coop.statement.pull"].create({
            "year": 2025, "contract_ids": [(6, 0, (self.contract | offline).ids)]})
        wizard.action_pull()
        self.assertEqual(wizard.state, "done")
        self.assertIn("0 statement(s) of 2025 received, 2 failed", wizard.result)
        self.assertIn("Le Moloco", wizard.result)
        self.assertIn("cannot be reached", wizard.result)
        self.assertIn("refused the statement user", wizard.result)
        self.assertFalse((self.contract | offline).statement_ids)
