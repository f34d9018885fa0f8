# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json
import random
import select
import threading
import time
import uuid
from contextlib import closing
from datetime import timedelta
from functools import partial

import psycopg2
from psycopg2 import errors

from odoo import SUPERUSER_ID
from odoo import api
from odoo import fields
from odoo import sql_db
from odoo.addons.bus.models.bus import channel_with_db
from odoo.addons.soticket_base.tools import ticket_code
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase
from odoo.tests import new_test_user
from odoo.tests import tagged

from ..tools import bus_notify
from .common import AZERTY
from .common import SoticketScannerCase


@tagged("post_install", "-at_install")
class TestAdmission(SoticketScannerCase):
    def test_valid_ticket_admits_once_then_already_in(self):
        ticket = self._ticket()
        out = self._admit(ticket)
        self.assertEqual(out["result"], "admitted")
        self.assertIn("Plein tarif", out["message"])
        self.assertEqual(out["ticket"]["holder"], "Camille M.", "first name and initial only")
        self.assertEqual(out["ticket"]["event"]["name"], "Concert ce soir")
        self.assertEqual(ticket.state, "done", "admission is the stock 'attended' state")
        self.assertEqual(ticket.ticket_state, "admitted")
        self.assertTrue(ticket.date_closed)
        self.assertTrue(ticket.soticket_inside)

        again = self._admit(ticket, gate=self.side_gate, device=self.box_b)
        self.assertEqual(again["result"], "already_in")
        self.assertIn("Main door", again["message"], "door staff learn where the ticket entered")
        logs = self._logs(ticket)
        self.assertEqual(sorted(logs.mapped("result")), ["admitted", "already_in"])
        self.assertEqual(logs.filtered(lambda log: log.result == "admitted").gate_id, self.main_gate)

    def test_azerty_typed_code_is_admitted(self):
        ticket = self._ticket()
        typed = ticket.ticket_code.translate(AZERTY).swapcase()
        self.assertNotEqual(typed, ticket.ticket_code)
        self.assertEqual(self._admit(typed)["result"], "admitted")

    def test_unreadable_forged_and_foreign_codes_are_invalid(self):
        ticket = self._ticket()
        code = ticket.ticket_code
        middle = len(code) - 20
        forged = code[:middle] + ("2" if code[middle] != "2" else "3") + code[middle + 1:]
        foreign = ticket_code.encode(ticket_code.generate_private_key(), ticket.id, self.tonight.id,
                                     self.tonight_full.id, 1)
        for scanned, reason in (("HELLO WORLD", "garbled"), ("", "garbled"), ("x" * 5000, "garbled"),
                                (forged, "forged"), (foreign, "other_venue")):
            out = self._admit(scanned)
            self.assertEqual((out["result"], out["reason"]), ("invalid", reason), scanned[:20])
            self.assertIsNone(out["ticket"], "an unverified code names no ticket")
        self.assertEqual(ticket.state, "open")
        stored = self.env["soticket.scan.log"].search([("device_id", "=", self.box_a.id)])
        self.assertEqual(len(stored), 5, "refusals are logged too")
        self.assertTrue(all(len(log.code) <= 512 for log in stored), "raw input is truncated")

    def test_reissued_code_is_revoked_new_code_admits(self):
        ticket = self._ticket()
        old = ticket.ticket_code
        ticket.action_reissue_code()
        out = self._admit(old)
        self.assertEqual((out["result"], out["reason"]), ("revoked", "reissued"))
        self.assertEqual(ticket.state, "open")
        self.assertEqual(self._admit(ticket)["result"], "admitted")

    def test_category_change_revokes_the_old_code(self):
        ticket = self._ticket()
        old = ticket.ticket_code
        ticket.event_ticket_id = self.tonight_invitation
        self.assertEqual(self._admit(old)["result"], "revoked")
        self.assertEqual(self._admit(ticket, gate=self.guest_gate)["result"], "admitted")

    def test_code_on_the_revocation_list_is_revoked(self):
        ticket = self._ticket()
        ticket._record_revocation("resold")
        self.assertEqual(self._admit(ticket)["result"], "revoked")

    def test_archived_ticket_is_revoked(self):
        ticket = self._ticket()
        ticket.active = False
        out = self._admit(ticket)
        self.assertEqual((out["result"], out["reason"]), ("revoked", "withdrawn"))

    def test_cancelled_and_refunded_tickets(self):
        cancelled, refunded = self._ticket(), self._ticket(name="Léa Durand")
        codes = (cancelled | refunded).mapped("ticket_code")  # what the holders were sent
        cancelled.action_cancel()
        refunded._mark_refunded()
        self.assertEqual((cancelled | refunded).mapped("ticket_code"), codes, "an issued code stays on the ticket")
        self.assertEqual(self._admit(cancelled)["reason"], "cancelled")
        out = self._admit(refunded)
        self.assertEqual((out["result"], out["reason"]), ("revoked", "refunded"))
        self.assertEqual((cancelled.state, refunded.state), ("cancel", "cancel"))

    def test_unpaid_ticket_is_refused(self):
        self.assertFalse(self._ticket(state="draft").ticket_code, "an unpaid ticket has no code")
        ticket = self._ticket()
        self.assertTrue(ticket.ticket_code)
        ticket.action_set_draft()  # its order went back to unpaid: the code it was issued stays refused
        out = self._admit(ticket)
        self.assertEqual((out["result"], out["reason"]), ("invalid", "unpaid"))
        self.assertIn("box office", out["message"])
        self.assertEqual(ticket.state, "draft")

    def test_ticket_of_another_event(self):
        ticket = self._ticket(category=self.full_price)
        out = self._admit(ticket)
        self.assertEqual(out["result"], "wrong_event")
        self.assertIn("Jazz à la Sirène", out["message"], "door staff can redirect the holder")
        self.assertEqual(ticket.state, "open")

    def test_gate_limited_to_some_categories(self):
        full, invitation = self._ticket(), self._ticket(category=self.tonight_invitation)
        out = self._admit(full, gate=self.guest_gate)
        self.assertEqual((out["result"], out["reason"]), ("wrong_event", "category_not_allowed"))
        self.assertIn("Guest list", out["message"])
        self.assertEqual(self._admit(invitation, gate=self.guest_gate)["result"], "admitted")

    def test_admission_window(self):
        ticket = self._ticket(category=self.full_price)  # concert in 10 days, doors open 1 h before
        out = self._admit(ticket, gate=self.concert_gate)
        self.assertEqual(out["result"], "not_open_yet")
        self.assertEqual(ticket.state, "open")
        now = fields.Datetime.now()
        # Without a doors-open time, admission opens N minutes before the start.
        early, early_gate = self._event("Early show", now + timedelta(minutes=45), now + timedelta(hours=2),
                                        soticket_open_minutes_before=60)
        early_ticket = self._ticket(category=early.event_ticket_ids)
        self.assertEqual(self._admit(early_ticket, gate=early_gate)["result"], "admitted")
        early.soticket_open_minutes_before = 30
        late_ticket = self._ticket(category=early.event_ticket_ids)
        self.assertEqual(self._admit(late_ticket, gate=early_gate)["result"], "not_open_yet")
        past, past_gate = self._event("Yesterday", now - timedelta(days=1), now - timedelta(hours=20))
        out = self._admit(self._ticket(category=past.event_ticket_ids), gate=past_gate)
        self.assertEqual(out["result"], "closed")

    def test_single_entry_policy_refuses_reentry(self):
        ticket = self._ticket()
        self.assertEqual(self._admit(ticket)["result"], "admitted")
        out = self._admit(ticket, gate=self.exit_gate, direction="out")
        self.assertEqual(out["result"], "exit_recorded")
        self.assertFalse(ticket.soticket_inside)
        out = self._admit(ticket, gate=self.side_gate)
        self.assertEqual((out["result"], out["reason"]), ("already_in", "no_reentry"))
        self.assertFalse(ticket.soticket_inside)

    def test_reentry_policy(self):
        self.tonight.soticket_admission_policy = "reentry"
        ticket = self._ticket()
        first = self._admit(ticket)
        closed_at = ticket.date_closed
        self.assertEqual(self._admit(ticket, gate=self.exit_gate, direction="out")["result"], "exit_recorded")
        out = self._admit(ticket, gate=self.side_gate)
        self.assertEqual((out["result"], out["reason"]), ("admitted", "reentry"))
        self.assertEqual(ticket.date_closed, closed_at, "the attended date stays the first entry")
        self.assertEqual(self._admit(ticket)["result"], "already_in", "inside: no second entry")
        self.assertEqual(first["result"], "admitted")
        self.assertEqual(self.tonight.soticket_inside_count, 1)
        self.assertEqual(self.tonight.soticket_admitted_count, 1)

    def test_exit_of_a_ticket_never_scanned_in(self):
        ticket = self._ticket()
        out = self._admit(ticket, gate=self.exit_gate, direction="out")
        self.assertEqual((out["result"], out["reason"]), ("exit_recorded", "exit_not_inside"))
        self.assertEqual(ticket.state, "open", "an exit does not mark the ticket attended")

    def test_replayed_nonce_returns_the_stored_outcome(self):
        ticket = self._ticket()
        first = self._admit(ticket, nonce="box-a-0001")
        replay = self._admit(ticket, nonce="box-a-0001")
        self.assertEqual(replay["result"], "admitted", "the answer the box missed, not a new decision")
        self.assertTrue(replay["replayed"])
        self.assertEqual(replay["scan_id"], first["scan_id"])
        self.assertEqual(len(self._logs(ticket)), 1, "nothing written twice")
        # The same nonce from another box is another scan.
        self.assertEqual(self._admit(ticket, nonce="box-a-0001", device=self.box_b)["result"], "already_in")

    def test_admission_notifies_the_event_channel(self):
        ticket = self._ticket()
        out = self._admit(ticket)
        self.env.cr.flush()  # runs the bus pre-commit hook
        channel = self.tonight._soticket_bus_channel()
        self.assertNotEqual(channel, f"soticket_scanner_event_{self.tonight.id}", "not guessable")
        notes = self.env["bus.bus"].sudo().search([("channel", "like", channel)])
        scans = [json.loads(note.message) for note in notes]
        self.assertIn(out["scan_id"], [m["payload"]["scan_id"] for m in scans if m["type"] == "soticket_scan"])

    def test_bus_notify_reaches_listeners(self):
        """The kept-connection NOTIFY sends what stock bus.bus sends, where its dispatcher listens."""
        _dbname, info = sql_db.connection_info_for("postgres")
        listener = psycopg2.connect(**info)
        self.addCleanup(listener.close)
        listener.autocommit = True
        with listener.cursor() as cr:
            cr.execute("LISTEN imbus")
        target = f"soticket_test_{uuid.uuid4().hex}"
        ours = [self.env.cr.dbname, target]
        for _round in range(2):  # the second one reuses the worker's connection
            bus_notify._notify({channel_with_db(self.env.cr.dbname, target)})
            received = False  # other databases on this server may notify meanwhile: wait for ours
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                select.select([listener], [], [], 0.5)
                listener.poll()
                while listener.notifies:
                    received = received or ours in json.loads(listener.notifies.pop().payload)
            self.assertTrue(received, "NOTIFY imbus received on our channel")

    def test_door_staff_see_current_scans_not_codes(self):
        ticket = self._ticket()
        self._admit(ticket)
        now = fields.Datetime.now()
        past, past_gate = self._event("Last month", now - timedelta(days=30), now - timedelta(days=29))
        self._admit(self._ticket(category=past.event_ticket_ids), gate=past_gate)
        staff = new_test_user(self.env, "door1", groups="base.group_user,soticket_scanner.group_soticket_door_staff")
        visible = self.env["soticket.scan.log"].with_user(staff).search([])
        self.assertEqual(visible.event_id, self.tonight, "past events' scans are hidden from door staff")
        with self.assertRaises(AccessError):
            visible.read(["code"])
        manager = new_test_user(self.env, "mgr1", groups="event.group_event_manager")
        self.assertEqual(len(self.env["soticket.scan.log"].with_user(manager).search([])), 2)


@tagged("post_install", "-at_install")
class TestOfflineSync(SoticketScannerCase):
    def _sync(self, device, *scans):
        return self.env["soticket.admission"].api_sync(device, {"scans": list(scans)})["results"]

    def _scan(self, ticket, minutes_ago, local_result="admitted", gate=None, nonce=None, direction="in"):
        when = fields.Datetime.now() - timedelta(minutes=minutes_ago)
        return {"code": ticket if isinstance(ticket, str) else ticket.ticket_code,
                "gate_id": (gate or self.main_gate).id, "direction": direction,
                "nonce": nonce or f"n-{minutes_ago}-{id(ticket)}", "scanned_at": when.isoformat() + "Z",
                "local_result": local_result}

    def test_offline_admission_at_two_gates_is_a_conflict(self):
        ticket = self._ticket()
        (first,) = self._sync(self.box_a, self._scan(ticket, 10, nonce="a1"))
        self.assertEqual(first["result"], "admitted")
        self.assertTrue(first["offline"])
        (second,) = self._sync(self.box_b, self._scan(ticket, 5, gate=self.side_gate, nonce="b1"))
        self.assertEqual(second["result"], "already_in")
        self.assertTrue(second["conflict"])
        self.assertIn("Side door", second["message"])
        flagged = self.env["soticket.scan.log"].search([("conflict", "=", True), ("reviewed", "=", False)])
        self.assertEqual(flagged.registration_id, ticket)
        self.assertEqual(flagged.conflict_with_id.id, first["scan_id"])
        self.assertEqual(ticket.date_closed, flagged.conflict_with_id.scanned_at,
                         "attended when the box let the holder in, not when it synced")
        flagged.action_mark_reviewed()
        self.assertTrue(flagged.reviewed)

    def test_sync_is_idempotent_and_ordered(self):
        ticket, other = self._ticket(), self._ticket(name="Léa Durand")
        batch = [self._scan(ticket, 3, nonce="late"), self._scan(ticket, 8, nonce="early"),
                 self._scan(other, 4, nonce="o1"), {"code": "x", "nonce": "bad"}]
        results = self._sync(self.box_a, *batch)
        self.assertEqual([r.get("result") for r in results], ["already_in", "admitted", "admitted", None],
                         "processed in scan order, answered in request order")
        self.assertEqual(results[3]["error"], "invalid_field")
        count = self.env["soticket.scan.log"].search_count([])
        again = self._sync(self.box_a, *batch)
        self.assertEqual([r.get("result") for r in again], ["already_in", "admitted", "admitted", None])
        self.assertTrue(all(r["replayed"] for r in again[:3]))
        self.assertEqual(self.env["soticket.scan.log"].search_count([]), count, "nothing written twice")
        dup = self._sync(self.box_a, self._scan(other, 1, nonce="dup"), self._scan(other, 1, nonce="dup"))
        self.assertEqual(dup[0]["scan_id"], dup[1]["scan_id"], "a nonce twice in one batch is one scan")

    def test_offline_refusal_changes_nothing_forced_refusal_is_flagged(self):
        revoked = self._ticket()
        old = revoked.ticket_code
        revoked.action_reissue_code()
        (refused,) = self._sync(self.box_a, self._scan(old, 4, local_result="revoked", nonce="r1"))
        self.assertEqual((refused["result"], refused["conflict"]), ("revoked", False))
        # The box had not heard of the reissue yet and let the old code in.
        (let_in,) = self._sync(self.box_b, self._scan(old, 2, local_result="admitted", nonce="r2"))
        self.assertEqual((let_in["result"], let_in["conflict"]), ("revoked", True))
        self.assertEqual(revoked.state, "open", "the live ticket can still enter")
        # A valid ticket the box refused (stale state) was not admitted: nothing changes.
        ticket = self._ticket()
        (shown,) = self._sync(self.box_a, self._scan(ticket, 1, local_result="already_in", nonce="r3"))
        self.assertEqual((shown["result"], shown["reason"]), ("already_in", "offline_refused"))
        self.assertEqual(ticket.state, "open")

    def test_offline_admission_outside_the_server_window_still_counts(self):
        ticket = self._ticket()
        # The box's clock said doors were open; by the server's they were not yet.
        (out,) = self._sync(self.box_a, self._scan(ticket, 90, nonce="w1"))
        self.assertEqual((out["result"], out["reason"]), ("admitted", "admitted_offline"))
        self.assertEqual(ticket.state, "done")


@tagged("post_install", "-at_install")
class TestAdmissionConcurrency(TransactionCase):
    """Real concurrency: committed fixtures and one real cursor per thread. (HttpCase
    requests share the test cursor and are serialised, so they cannot race.)"""

    PARALLEL = 20

    def setUp(self):
        super().setUp()
        # A pool of our own, emptied afterwards: Odoo's shared pool would keep PARALLEL idle
        # connections for the rest of the run on a PostgreSQL other test runs share.
        self.pool = sql_db.ConnectionPool(self.PARALLEL + 2)
        self.addCleanup(self.pool.close_all)

    def _cursor(self):
        dbname = self.env.cr.dbname
        return sql_db.Connection(self.pool, dbname, sql_db.connection_info_for(dbname)[1]).cursor()

    def _committed_fixture(self):
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"})
            now = fields.Datetime.now()
            product = env.ref("event_product.product_product_event")
            event = env["event.event"].create({
                "name": "Race night", "date_begin": now - timedelta(minutes=10), "date_end": now + timedelta(hours=2),
                "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 10.0})],
            })
            gate = env["soticket.scanner.gate"].create({"name": "Race door", "event_id": event.id})
            device = env["soticket.scanner.device"].create({"name": "Race box"})
            ticket = env["event.registration"].create({
                "event_id": event.id, "event_ticket_id": event.event_ticket_ids.id, "name": "Sam Racer",
                "state": "open"})
            ids = {"event": event.id, "gate": gate.id, "device": device.id, "ticket": ticket.id,
                   "code": ticket.ticket_code}
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._drop_fixture, ids)
        return ids

    def _drop_fixture(self, ids):
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            env["soticket.scan.log"].search([("event_id", "=", ids["event"])]).unlink()
            env["event.registration"].browse(ids["ticket"]).unlink()
            env["soticket.scanner.gate"].browse(ids["gate"]).unlink()
            env["soticket.scanner.device"].browse(ids["device"]).unlink()
            env["event.event"].browse(ids["event"]).unlink()
            cr.execute("DELETE FROM bus_bus WHERE channel LIKE %s", [f'%soticket_scanner_event_{ids["event"]}_%'])
            cr.commit()  # pylint: disable=invalid-commit

    @staticmethod
    def _retrying(env, func, retried, tries=5):
        """What odoo.service.model.retrying does around every HTTP request (which cannot be
        used as is here: its registry reset takes the lock the test runner holds)."""
        for attempt in range(tries):
            try:
                result = func()
                env.cr.commit()  # pylint: disable=invalid-commit
                return result
            except (errors.SerializationFailure, errors.LockNotAvailable, errors.DeadlockDetected):
                retried.append(attempt)
                env.cr.rollback()
                env.transaction.clear()
                if attempt == tries - 1:
                    raise
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
        return None

    def test_parallel_scans_of_one_ticket_admit_exactly_once(self):
        ids = self._committed_fixture()
        barrier = threading.Barrier(self.PARALLEL)
        outcomes, failures, retried = [], [], []

        def scan(index):
            try:
                with closing(self._cursor()) as cr:
                    # Built here, not by Environment(): the registry lock is held by the test runner.
                    cr.transaction = api.Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
                    cr.execute("SELECT 1")  # start the transaction: its snapshot predates the winner's commit
                    barrier.wait(timeout=30)
                    outcomes.append(self._retrying(env, partial(
                        env["soticket.admission"].admit, ids["code"], env["soticket.scanner.gate"].browse(ids["gate"]),
                        "in", f"race-{index}", device=env["soticket.scanner.device"].browse(ids["device"])), retried))
            except Exception as exc:  # reported by the assertion below
                failures.append(repr(exc))

        threads = [threading.Thread(target=scan, args=(i,)) for i in range(self.PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(failures)
        results = sorted(out["result"] for out in outcomes)
        self.assertEqual(results, ["admitted"] + ["already_in"] * (self.PARALLEL - 1))
        # Every loser had started before the winner committed: each met the lock, failed to
        # serialize, and answered "already_in" only on its retry.
        self.assertGreaterEqual(len(retried), self.PARALLEL - 1)
        with closing(self._cursor()) as cr:
            cr.execute("SELECT result, count(*) FROM soticket_scan_log WHERE registration_id = %s GROUP BY result",
                       [ids["ticket"]])
            self.assertEqual(dict(cr.fetchall()), {"admitted": 1, "already_in": self.PARALLEL - 1})
            cr.execute("SELECT state, soticket_inside FROM event_registration WHERE id = %s", [ids["ticket"]])
            self.assertEqual(cr.fetchone(), ("done", True))
