# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import hashlib
import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SoticketScannerCase

API = "/soticket/scanner/v1"
DEVICE_LOGGER = "odoo.addons.soticket_scanner.models.soticket_scanner_device"


@tagged("post_install", "-at_install")
class TestScannerApi(SoticketScannerCase, HttpCase):
    def _call(self, path, body=None, token=None, raw=None, headers=None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        self.env.flush_all()  # the request runs on the test cursor: let it see our changes
        if body is None and raw is None:
            response = self.url_open(f"{API}/{path}", headers=all_headers)
        else:
            data = raw if raw is not None else json.dumps(body)
            response = self.url_open(f"{API}/{path}", data=data, headers=all_headers)
        self.env.invalidate_all()  # and let us see its changes
        self.assertEqual(response.headers.get("Content-Type"), "application/json; charset=utf-8", response.text[:200])
        payload = response.json()
        if response.status_code != 200:
            self.assertTrue(payload.get("error") and payload.get("message"), payload)
            self.assertNotIn("Traceback", response.text)
        return response.status_code, payload

    def _scan(self, code, gate=None, direction="in", nonce=None, token=None, **extra):
        self._nonce = getattr(self, "_nonce", 0) + 1
        body = {"code": code if isinstance(code, str) else code.ticket_code, "gate_id": (gate or self.main_gate).id,
                "direction": direction, "nonce": nonce or f"t-{self._nonce}", **extra}
        return self._call("scan", body, token=token or self.token_a)

    def _log_count(self):
        return self.env["soticket.scan.log"].search_count([])

    # ------------------------------------------------------------------ pairing
    @mute_logger(DEVICE_LOGGER)
    def test_pairing_code_gives_a_token_once(self):
        device = self.env["soticket.scanner.device"].create({
            "name": "Back door", "event_ids": [(6, 0, self.tonight.ids)]})
        code = device._issue_pairing_code()
        status, paired = self._call("pair", {"pairing_code": f"{code[:5].lower()}-{code[5:]}", "device_name": "pi-7"})
        self.assertEqual(status, 200)
        self.assertEqual(paired["device_id"], device.id)
        self.assertEqual([e["id"] for e in paired["events"]], self.tonight.ids)
        self.assertIn(self.main_gate.id, [g["id"] for g in paired["gates"]])
        token = paired["token"]
        self.assertEqual(device.state, "paired")
        self.assertEqual(device.sudo().token_hash, hashlib.sha256(token.encode()).hexdigest(), "only a hash is kept")
        self.assertNotIn(token, json.dumps(device.sudo().read()[0], default=str))
        self.assertEqual(device.hardware_name, "pi-7")
        # The code works once.
        status, again = self._call("pair", {"pairing_code": code, "device_name": "thief"})
        self.assertEqual((status, again["error"]), (401, "invalid_pairing_code"))
        # The token scans.
        status, out = self._scan(self._ticket(), token=token)
        self.assertEqual((status, out["result"]), (200, "admitted"))
        self.assertTrue(device.last_seen)

    @mute_logger(DEVICE_LOGGER)
    def test_expired_or_garbage_pairing_code(self):
        device = self.env["soticket.scanner.device"].create({"name": "Late box"})
        code = device._issue_pairing_code()
        device.sudo().pairing_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self._call("pair", {"pairing_code": code})[0], 401)
        self.assertEqual(self._call("pair", {"pairing_code": 12})[0], 400)
        self.assertEqual(device.state, "pairing")

    # ------------------------------------------------------------------ scan results
    def test_each_result_over_http(self):
        now = fields.Datetime.now()
        past, past_gate = self._event("Yesterday", now - timedelta(days=1), now - timedelta(hours=20))
        reissued, cancelled = self._ticket(), self._ticket()
        old_code = reissued.ticket_code
        reissued.action_reissue_code()
        cancelled.action_cancel()
        ticket = self._ticket()
        self.box_a.gate_ids = False  # every gate of every event
        cases = [
            (ticket, self.main_gate, "in", "admitted"),
            (ticket, self.side_gate, "in", "already_in"),
            (ticket, self.exit_gate, "out", "exit_recorded"),
            ("NOT-A-TICKET", self.main_gate, "in", "invalid"),
            (old_code, self.main_gate, "in", "revoked"),
            (self._ticket(category=self.full_price), self.main_gate, "in", "wrong_event"),
            (self._ticket(category=self.full_price), self.concert_gate, "in", "not_open_yet"),
            (self._ticket(category=past.event_ticket_ids), past_gate, "in", "closed"),
            (cancelled, self.main_gate, "in", "cancelled"),
        ]
        for code, gate, direction, expected in cases:
            status, out = self._scan(code, gate=gate, direction=direction)
            self.assertEqual((status, out["result"]), (200, expected), out)
            self.assertTrue(out["message"])
        self.assertEqual(ticket.state, "done")
        status, out = self._scan(self._ticket())
        self.assertEqual(out["ticket"]["holder"], "Camille M.")
        self.assertEqual(out["ticket"]["category"]["name"], "Plein tarif")

    def test_replayed_request_is_answered_from_the_log(self):
        ticket = self._ticket()
        _status, first = self._scan(ticket, nonce="n-42")
        count = self._log_count()
        _status, replay = self._scan(ticket, nonce="n-42")
        self.assertEqual((replay["result"], replay["replayed"], replay["scan_id"]),
                         ("admitted", True, first["scan_id"]))
        self.assertEqual(self._log_count(), count)

    # ------------------------------------------------------------------ bad requests
    def test_tokens(self):
        ticket = self._ticket()
        count = self._log_count()
        status, out = self._call("scan", {"code": ticket.ticket_code, "gate_id": self.main_gate.id,
                                          "direction": "in", "nonce": "x1"})
        self.assertEqual((status, out["error"]), (401, "missing_token"))
        self.assertEqual(self._scan(ticket, token="sst_" + "A" * 43)[0], 401)
        self.assertEqual(self._scan(ticket, token="Basic abc")[0], 401)
        self.box_b.action_revoke()
        status, out = self._scan(ticket, token=self.token_b)
        self.assertEqual((status, out["error"]), (401, "revoked_token"))
        self.assertEqual(self._log_count(), count, "refused requests write nothing")
        self.assertEqual(ticket.state, "open")

    def test_malformed_and_oversized_bodies(self):
        count = self._log_count()
        for raw in ("{not json", "[1, 2]", "\xff\xfe", "null"):
            status, out = self._call("scan", raw=raw.encode("latin-1"), token=self.token_a)
            self.assertEqual((status, out["error"]), (400, "malformed_json"), raw)
        status, out = self._call("scan", {"code": "x", "gate_id": self.main_gate.id, "direction": "in"},
                                 token=self.token_a)
        self.assertEqual((status, out["error"]), (400, "invalid_field"))
        self.assertIn("nonce", out["message"])
        huge = {"code": "S" * (300 * 1024), "gate_id": self.main_gate.id, "direction": "in", "nonce": "big"}
        status, out = self._call("scan", huge, token=self.token_a)
        self.assertEqual((status, out["error"]), (413, "too_large"))
        self.assertEqual(self._log_count(), count)

    def test_gates_and_directions(self):
        ticket = self._ticket()
        status, out = self._scan(ticket, gate=self.env["soticket.scanner.gate"].browse(999999))
        self.assertEqual((status, out["error"]), (404, "unknown_gate"))
        self.box_a.gate_ids = self.main_gate | self.exit_gate
        status, out = self._scan(ticket, gate=self.side_gate)
        self.assertEqual((status, out["error"]), (403, "gate_not_allowed"))
        status, out = self._scan(ticket, gate=self.exit_gate, direction="in")
        self.assertEqual((status, out["error"]), (400, "wrong_direction"))
        status, out = self._scan(ticket, gate=self.main_gate, direction="sideways")
        self.assertEqual(status, 400)
        self.assertEqual(ticket.state, "open")

    # ------------------------------------------------------------------ manifest
    def test_manifest_and_cursor(self):
        tickets = self._ticket() | self._ticket(name="Léa Durand") | self._ticket(category=self.tonight_invitation)
        reissued = self._ticket(name="Noé Petit")
        old_code, old_barcode = reissued.ticket_code, reissued.barcode
        reissued.action_reissue_code()
        status, manifest = self._call(f"manifest?event_id={self.tonight.id}", token=self.token_a)
        self.assertEqual(status, 200)
        self.assertEqual(base64.b64decode(manifest["public_key"]), self.env["soticket.signing.key"].public_key())
        self.assertTrue(manifest["full"])
        self.assertEqual(manifest["event"]["policy"], "single")
        self.assertEqual({g["id"] for g in manifest["gates"]}, set(self.tonight.soticket_gate_ids.ids))
        self.assertEqual({c["name"] for c in manifest["categories"]}, {"Plein tarif", "Invitation"})
        rows = {row["id"]: row for row in manifest["tickets"]}
        self.assertEqual(set(rows), set((tickets | reissued).ids))
        self.assertEqual(rows[reissued.id]["version"], 2)
        self.assertEqual(rows[tickets[0].id]["state"], "valid")
        self.assertIn({"ticket_id": reissued.id, "version": 1, "code": old_code, "barcode": old_barcode},
                      manifest["revoked"])
        self.assertEqual(manifest["event"]["offline_unknown_policy"], "admit")
        self.assertEqual(manifest["bus"]["channel"], self.tonight._soticket_bus_channel())
        self.assertNotIn("Camille", json.dumps(manifest), "no personal data in the manifest")

        # Everything above becomes old news; then one ticket enters and one is cancelled.
        self.env.flush_all()
        self.env.cr.execute("UPDATE event_registration SET write_date = write_date - interval '1 hour' "
                            "WHERE event_id = %s", [self.tonight.id])
        self.env.cr.execute("UPDATE soticket_code_revocation SET revoked_at = revoked_at - interval '1 hour'")
        self.env.invalidate_all()
        self._scan(tickets[0])
        tickets[1].action_cancel()
        status, delta = self._call(f"manifest?event_id={self.tonight.id}&since={manifest['cursor']}",
                                   token=self.token_a)
        self.assertEqual(status, 200)
        self.assertFalse(delta["full"])
        self.assertEqual({(r["id"], r["state"], r["inside"]) for r in delta["tickets"]},
                         {(tickets[0].id, "admitted", True), (tickets[1].id, "cancelled", False)})
        self.assertEqual(delta["revoked"], [])

    def test_old_barcode_is_refused(self):
        ticket = self._ticket()
        old_barcode = ticket.barcode
        ticket.action_reissue_code()
        status, out = self._scan(old_barcode)
        self.assertEqual((status, out["result"]), (200, "invalid"), "a scanner admits signed codes only")
        self.assertEqual(ticket.state, "open")
        status, out = self._scan(ticket.barcode)
        self.assertEqual((status, out["result"]), (200, "invalid"), "not even the current barcode")
        self.assertEqual(self._scan(ticket)[1]["result"], "admitted")

    def test_manifest_errors(self):
        self.assertEqual(self._call(f"manifest?event_id={self.tonight.id}")[0], 401)
        self.assertEqual(self._call("manifest?event_id=abc", token=self.token_a)[0], 400)
        self.assertEqual(self._call("manifest?event_id=99999999", token=self.token_a)[0], 404)
        self.assertEqual(self._call(f"manifest?event_id={self.tonight.id}&since=yesterday", token=self.token_a)[0],
                         400)
        self.box_a.event_ids = self.concert
        status, out = self._call(f"manifest?event_id={self.tonight.id}", token=self.token_a)
        self.assertEqual((status, out["error"]), (403, "event_not_allowed"))

    # ------------------------------------------------------------------ sync
    def test_sync_over_http(self):
        ticket = self._ticket()
        when = fields.Datetime.now() - timedelta(minutes=5)
        scan = {"code": ticket.ticket_code, "gate_id": self.main_gate.id, "direction": "in", "nonce": "off-1",
                "scanned_at": when.isoformat() + "+00:00", "local_result": "admitted"}
        status, out = self._call("sync", {"scans": [scan]}, token=self.token_a)
        self.assertEqual((status, out["results"][0]["result"]), (200, "admitted"))
        count = self._log_count()
        status, again = self._call("sync", {"scans": [scan]}, token=self.token_a)
        self.assertTrue(again["results"][0]["replayed"])
        self.assertEqual(self._log_count(), count)
        other = dict(scan, nonce="off-2", gate_id=self.side_gate.id)
        status, out = self._call("sync", {"scans": [other]}, token=self.token_b)
        self.assertEqual((out["results"][0]["result"], out["results"][0]["conflict"]), ("already_in", True))
        self.assertEqual(self._call("sync", {"scans": "nope"}, token=self.token_a)[0], 400)

    def test_messages_in_the_scanners_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search([("name", "=", "soticket_scanner")])._update_translations(["fr_FR"])
        self.box_a.lang = "fr_FR"
        _status, out = self._scan(self._ticket())
        self.assertEqual(out["message"], "Bienvenue ! Plein tarif")
        _status, out = self._scan(self._ticket(), token=self.token_b)
        self.assertEqual(out["message"], "Welcome! Plein tarif", "each scanner has its language")
        # Before any token is known, the Accept-Language header decides.
        status, out = self._call("scan", {}, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        self.assertEqual(status, 401)
        self.assertIn("Jeton du scanner manquant", out["message"])

    @mute_logger("odoo.http")
    def test_wrong_method(self):
        response = self.url_open(f"{API}/scan")  # GET on a POST route
        self.assertEqual(response.status_code, 405)

    def test_wrong_method_answers_json(self):
        count = self._log_count()
        self.env.flush_all()
        for method, path, allowed in (("GET", "scan", "POST"), ("PUT", "sync", "POST"),
                                      ("POST", f"manifest?event_id={self.tonight.id}", "GET, HEAD")):
            response = self.opener.request(method, f"{self.base_url()}{API}/{path}", timeout=12, data=b"{}",
                                           headers={"Authorization": f"Bearer {self.token_a}",
                                                    "Content-Type": "application/json"})
            self.assertEqual((response.status_code, response.headers.get("Allow")), (405, allowed), path)
            self.assertEqual(response.headers.get("Content-Type"), "application/json; charset=utf-8")
            payload = response.json()
            self.assertEqual(payload["error"], "method_not_allowed")
            self.assertIn(allowed, payload["message"])
        self.assertEqual(self._log_count(), count, "a refused request writes nothing")
