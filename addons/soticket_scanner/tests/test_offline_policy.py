# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64

from odoo.addons.soticket_scanner.iot_box import decide
from odoo.addons.soticket_scanner.iot_box.store import Store
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import SoticketScannerCase

API = "/soticket/scanner/v1"


@tagged("post_install", "-at_install")
class TestOfflinePolicy(SoticketScannerCase, HttpCase):
    """A door box that lost the server decides from its manifest: what it does with a signed
    ticket it does not know is the event's policy, and a revoked barcode is known as such."""

    def _box(self):
        """A box's store after downloading the manifest of tonight's concert, as the agent does."""
        self.env.flush_all()
        response = self.url_open(f"{API}/manifest?event_id={self.tonight.id}",
                                 headers={"Authorization": f"Bearer {self.token_a}"})
        self.assertEqual(response.status_code, 200, response.text[:300])
        answer = response.json()
        store = Store(":memory:")
        self.addCleanup(store.close)
        store.upsert_tickets(answer["tickets"])
        store.add_revoked(answer["revoked"])
        store.set_messages(answer["messages"])
        return store, answer

    def _decide(self, store, manifest, code):
        return decide.decide(store, manifest, base64.b64decode(manifest["public_key"]), self.main_gate.id, "in",
                             code)[1]

    def test_unknown_ticket_is_admitted_by_default(self):
        self.assertEqual(self.tonight.soticket_offline_unknown_policy, "admit")
        store, manifest = self._box()
        self.assertEqual(manifest["event"]["offline_unknown_policy"], "admit")
        sold_since = self._ticket()  # after the box's last manifest
        decision = self._decide(store, manifest, sold_since.ticket_code)
        self.assertEqual((decision.result, decision.reason), ("admitted", "not_in_manifest"))

    def test_unknown_ticket_is_refused_when_the_event_says_so(self):
        self.tonight.soticket_offline_unknown_policy = "refuse"
        known = self._ticket(name="Léa Durand")
        store, manifest = self._box()
        self.assertEqual(manifest["event"]["offline_unknown_policy"], "refuse")
        sold_since = self._ticket()
        decision = self._decide(store, manifest, sold_since.ticket_code)
        self.assertEqual((decision.result, decision.reason), ("invalid", "unknown_offline"))
        self.assertIn("unknown to this box", decision.message)
        self.assertEqual(self._decide(store, manifest, known.ticket_code).result, "admitted",
                         "a ticket the box knows still enters")

    def test_unpaid_ticket_has_no_code_to_scan(self):
        store, manifest = self._box()
        cart = self._ticket(state="draft")
        self.assertFalse(cart.ticket_code, "a ticket gets its code when confirmed: a box never sees a cart's")
        cart.action_confirm()
        self.assertEqual(self._decide(store, manifest, cart.ticket_code).result, "admitted")

    def test_revoked_barcode_is_known_to_the_box(self):
        ticket = self._ticket()
        old_barcode = ticket.barcode
        ticket.action_reissue_code()
        store, manifest = self._box()
        decision = self._decide(store, manifest, old_barcode)
        self.assertEqual((decision.result, decision.reason), ("revoked", "reissued"))
        self.assertEqual(self._decide(store, manifest, ticket.barcode).result, "invalid", "no barcode admits")
        self.assertEqual(self._decide(store, manifest, "12345").reason, "garbled")
