# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json
import uuid
from datetime import timedelta

from odoo import fields
from odoo.addons.soticket_base.tools import ticket_code
from odoo.tests import tagged

from .test_website import SoticketResaleWebsiteCase

SCAN_URL = "/soticket/scanner/v1/scan"


@tagged("post_install", "-at_install")
class TestResaleTour(SoticketResaleWebsiteCase):

    def _scan(self, code, gate, token):
        """One scan through the door API of soticket_scanner."""
        self.env.flush_all()
        response = self.url_open(SCAN_URL, data=json.dumps({
            "code": code, "gate_id": gate.id, "direction": "in", "nonce": uuid.uuid4().hex}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        self.env.invalidate_all()
        return response.json()

    def test_holder_lists_from_eticket_link_visitor_buys_old_code_refused(self):
        old_code = self.web_ticket.ticket_code
        self.authenticate(None, None)
        self.start_tour(self.web_ticket._soticket_resale_url(), "soticket_resale_list", timeout=120)
        self.env.invalidate_all()
        listing = self.web_ticket.soticket_resale_listing_ids
        self.assertEqual((listing.state, listing.origin), ("listed", "link"))

        self.authenticate(None, None)  # another visitor
        self.start_tour(f"/event/{self.concert.id}/register", "soticket_resale_buy", timeout=180)
        self.env.invalidate_all()
        self.assertEqual(listing.state, "sold")
        order = listing.buyer_order_id
        self.assertEqual((order.state, order.amount_total, order.amount_paid), ("sale", 25.0, 25.0))
        new_ticket = listing.new_registration_id
        self.assertEqual((new_ticket.name, new_ticket.email), ("Alex Acheteur", "alex@example.com"))
        self.assertEqual(new_ticket.ticket_state, "valid")
        self.assertNotEqual(new_ticket.ticket_code, old_code)
        self.assertEqual(listing.refund_ids.amount, 23.5)

        old_ticket = self.web_ticket.with_context(active_test=False)
        self.assertEqual(old_ticket.ticket_state, "revoked")
        self.assertEqual(self.env["soticket.code.revocation"].search([("code", "=", old_code)]).reason, "resold")
        public_key = self.env["soticket.signing.key"].public_key()
        self.assertEqual(ticket_code.verify(new_ticket.ticket_code, public_key).status, "valid")

        if "soticket.admission" not in self.env:
            self._logger.info("soticket_scanner not installed: door API part skipped, states checked above")
            return
        # At the door (the concert moved to tonight, doors open): the old code is refused, the new one admitted.
        now = fields.Datetime.now()
        self.concert.write({"date_begin": now - timedelta(minutes=10), "date_end": now + timedelta(hours=3),
                            "doors_open": now - timedelta(hours=1)})
        gate = self.env["soticket.scanner.gate"].create({"name": "Door", "event_id": self.concert.id,
                                                         "direction": "in"})
        device = self.env["soticket.scanner.device"].create({"name": "Door box"})
        _device, token = self.env["soticket.scanner.device"]._pair(
            device._issue_pairing_code(), "Door box (test)", "127.0.0.1")
        self.assertEqual(self._scan(old_code, gate, token)["result"], "revoked")
        self.assertEqual(self._scan(new_ticket.ticket_code, gate, token)["result"], "admitted")
