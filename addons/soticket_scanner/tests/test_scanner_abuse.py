# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import SoticketScannerCase
from .test_scanner_api import DEVICE_LOGGER
from .test_scanner_api import TestScannerApi

ADMISSION_LOGGER = "odoo.addons.soticket_scanner.models.soticket_admission"


@tagged("post_install", "-at_install")
class TestScannerAbuse(SoticketScannerCase, HttpCase):
    """A nonce names one scan, pairing is rate-limited per client, a scanner restricted to gates
    stays within its events."""

    _call = TestScannerApi._call
    _scan = TestScannerApi._scan
    _log_count = TestScannerApi._log_count

    def test_reused_nonce_for_another_scan_is_refused(self):
        first, other = self._ticket(), self._ticket(name="Dominique Durand")
        status, out = self._scan(first, nonce="n-1")
        self.assertEqual((status, out["result"]), (200, "admitted"))
        count = self._log_count()
        # Another code, or the same code at another gate or in the other direction, with that nonce.
        for kwargs in ({"code": other}, {"code": first, "gate": self.side_gate},
                       {"code": first, "gate": self.side_gate, "direction": "out"}):
            with self.subTest(**{k: getattr(v, "name", v) for k, v in kwargs.items()}):
                status, out = self._scan(kwargs.pop("code"), nonce="n-1", **kwargs)
                self.assertEqual((status, out["error"]), (409, "nonce_mismatch"))
                self.assertIn("n-1", out["message"])
        self.assertEqual(self._log_count(), count, "nothing recorded")
        self.assertEqual(other.state, "open")
        self.assertFalse(other.soticket_inside)
        # The same scan again is still answered from the log.
        status, out = self._scan(first, nonce="n-1")
        self.assertEqual((status, out["result"], out["replayed"]), (200, "admitted", True))
        # Offline sync: a nonce already stored, or used twice in one batch, for another scan.
        when = (fields.Datetime.now() - timedelta(minutes=3)).isoformat() + "+00:00"

        def offline(ticket, nonce):
            return {"code": ticket.ticket_code, "gate_id": self.main_gate.id, "direction": "in", "nonce": nonce,
                    "scanned_at": when, "local_result": "admitted"}

        third = self._ticket(name="Sam Petit")
        status, out = self._call("sync", {"scans": [offline(other, "n-1"), offline(third, "n-2"),
                                                    offline(other, "n-2")]}, token=self.token_a)
        self.assertEqual(status, 200)
        results = out["results"]
        self.assertEqual([r.get("error") for r in results], ["nonce_mismatch", None, "nonce_mismatch"])
        self.assertEqual(results[1]["result"], "admitted")
        self.assertEqual(other.state, "open")
        self.assertEqual(third.state, "done")

    def test_pairing_is_rate_limited_per_client(self):
        self.env["ir.config_parameter"].sudo().set_param("soticket_scanner.pairing_attempts", "3")
        device = self.env["soticket.scanner.device"].create({"name": "Bar door"})
        code = device._issue_pairing_code()
        # Failures are not logged one by one; reaching the limit is, once.
        with self.assertNoLogs(DEVICE_LOGGER, "WARNING"), self.assertLogs(ADMISSION_LOGGER, "WARNING") as logs:
            for guess in ("AAAAA-AAAAA", "BBBBB-BBBBB", "CCCCC-CCCCC"):
                status, out = self._call("pair", {"pairing_code": guess})
                self.assertEqual((status, out["error"]), (401, "invalid_pairing_code"))
        self.assertEqual(len(logs.records), 1)
        self.assertIn("3 failed attempts from 127.0.0.1", logs.output[0])
        # This client is now refused, even with the right code, which stays usable.
        status, out = self._call("pair", {"pairing_code": code})
        self.assertEqual((status, out["error"]), (429, "too_many_attempts"))
        self.assertIn("Too many failed pairing attempts", out["message"])
        self.assertEqual(device.state, "pairing")
        self.assertFalse(self.env["soticket.rate.limit"].sudo().search([]).filtered(
            lambda r: "127.0.0.1" in (r.key_hash or "")), "addresses are stored hashed")
        # Another client is not.
        paired = self.env["soticket.admission"].api_pair({"pairing_code": code}, ip="192.0.2.7")
        self.assertEqual(paired["device_id"], device.id)
        # The period passes: the first client may try again.
        self.env["soticket.rate.limit"].sudo().search([]).write(
            {"attempted_at": fields.Datetime.now() - timedelta(minutes=16)})
        other = self.env["soticket.scanner.device"].create({"name": "Stage door"})
        status, out = self._call("pair", {"pairing_code": other._issue_pairing_code()})
        self.assertEqual(status, 200, out)

    def test_gate_restricted_scanner_stays_within_its_events(self):
        ticket = self._ticket()
        # Restricted to the concert, and to gates among which one of tonight's.
        self.box_a.write({"event_ids": [(6, 0, self.concert.ids)],
                          "gate_ids": [(6, 0, (self.main_gate | self.concert_gate).ids)]})
        status, out = self._scan(ticket, gate=self.main_gate)
        self.assertEqual((status, out["error"]), (403, "gate_not_allowed"))
        self.assertEqual(ticket.state, "open")
        self.assertNotIn(self.main_gate.id, [g["id"] for g in self._call(
            f"manifest?event_id={self.concert.id}", token=self.token_a)[1]["gates"]])
        # Its gate of its event still works.
        status, out = self._scan(self._ticket(self.concert.event_ticket_ids[:1]), gate=self.concert_gate)
        self.assertEqual(status, 200, out)
