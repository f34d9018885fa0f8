# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_base.tests.common import ForgetBuyerMixin
from odoo.tests import tagged

from .common import SoticketScannerCase


@tagged("post_install", "-at_install")
class TestGdprScanner(ForgetBuyerMixin, SoticketScannerCase):
    GDPR_TABLES = (*ForgetBuyerMixin.GDPR_TABLES, "soticket_scan_log")

    def test_forget_buyer_at_the_door(self):
        manager = self._gdpr_manager()
        ticket = self._ticket()
        outcome = self._admit(ticket, nonce="gdpr-1")
        self.assertEqual(outcome["ticket"]["holder"], "Camille M.")
        log = self._logs(ticket)
        # A scan whose message names the holder (what the door showed).
        labelled = self.env["soticket.scan.log"]._insert({
            "registration_id": ticket.id, "event_id": self.tonight.id, "gate_id": self.side_gate.id,
            "device_id": self.box_b.id, "direction": "in", "result": "already_in", "reason": "already_in",
            "message": "Already inside: Camille M. came in at the main door", "nonce": "gdpr-2",
            "scanned_at": log.scanned_at, "received_at": log.received_at, "offline": False, "forced": False,
            "conflict": False,
        })
        self.assertIn("Camille", log.display_name + labelled.message)
        needles = ("Camille", "camille@example.com")

        self._forget(self.buyer, manager)
        self.env.invalidate_all()  # as the next request reads them

        self.assertEqual(self._leftovers(*needles), {})
        self.assertNotIn("Camille", log.display_name)
        self.assertEqual(labelled.message, f"Already inside: Anonymised buyer {self.buyer.id} came in at the main door")
        replayed = self.env["soticket.admission"]._outcome(log, replayed=True)
        self.assertEqual(replayed["ticket"]["holder"], "", "a replayed answer shows no holder any more")
        self.assertEqual((log.result, log.gate_id, log.registration_id), ("admitted", self.main_gate, ticket),
                         "the admission record is kept")
        self.assertEqual(ticket.ticket_state, "admitted")
