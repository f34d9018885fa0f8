# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import Command
from odoo.addons.bus.models.bus import channel_with_db
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import tagged
from odoo.tools.translate import code_translations

from ..tools import bus_notify
from .common import AZERTY
from .common import SoticketScannerCase


class DoorStaffMixin:
    @classmethod
    def _door_users(cls):
        users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.door_user = users.create({
            "name": "Dominique Porte", "login": "door_dan", "password": "door_dan",
            "groups_id": [Command.set([cls.env.ref("base.group_user").id,
                                       cls.env.ref("soticket_scanner.group_soticket_door_staff").id])],
        })
        cls.clerk = users.create({
            "name": "Claude Compta", "login": "clerk_claude", "password": "clerk_claude",
            "groups_id": [Command.set([cls.env.ref("base.group_user").id])],
        })


@tagged("post_install", "-at_install")
class TestDoorPage(DoorStaffMixin, SoticketScannerCase):
    """The browser door page and the live attendance, as door staff use them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._door_users()
        cls.door = cls.env["soticket.admission"].with_user(cls.door_user)

    def _scan(self, code_or_ticket, gate=None, direction="in", nonce=None):
        code = code_or_ticket if isinstance(code_or_ticket, str) else code_or_ticket.ticket_code
        self._nonce = getattr(self, "_nonce", 0) + 1
        return self.door.door_scan((gate or self.main_gate).id, code, direction, nonce or f"web-{self._nonce}")

    def test_setup_lists_events_not_over_with_their_gates(self):
        events = {e["name"]: e for e in self.door.door_setup()["events"]}
        self.assertEqual([g["name"] for g in events["Concert ce soir"]["gates"]],
                         ["Main door", "Exit", "Side door", "Guest list"])
        self.assertIn("Jazz à la Sirène", events, "an event in ten days is not over")
        self._event("Last year", "2025-01-01 20:00:00", "2025-01-01 23:00:00")
        self.assertNotIn("Last year", {e["name"] for e in self.door.door_setup()["events"]})

    def test_scan_admits_then_already_inside(self):
        ticket = self._ticket()
        out = self._scan(ticket, nonce="web-first")
        self.assertEqual((out["result"], out["result_label"]), ("admitted", "Admitted"))
        self.assertEqual(out["ticket"]["holder"], "Camille M.")
        self.assertEqual(out["ticket"]["category"]["name"], "Plein tarif")
        self.assertIn("Welcome", out["message"])
        self.assertEqual(ticket.ticket_state, "admitted")
        log = self._logs(ticket)
        self.assertEqual((log.user_id, log.gate_id), (self.door_user, self.main_gate))
        self.assertFalse(log.device_id, "a browser scan is the door user's, not a paired scanner's")
        self.assertEqual(out["counters"]["totals"]["present"], 1, "the page gets the new figures at once")

        again = self._scan(ticket)
        self.assertEqual((again["result"], again["result_label"]), ("already_in", "Already inside"))
        self.assertIn("Main door", again["message"])

        replay = self._scan(ticket, nonce="web-first")
        self.assertEqual((replay["result"], replay["replayed"]), ("admitted", True),
                         "a retried request is answered from the log")
        self.assertEqual(len(self._logs(ticket)), 2)

    def test_azerty_typed_code_is_admitted(self):
        ticket = self._ticket()
        typed = ticket.ticket_code.translate(AZERTY).swapcase()
        self.assertNotEqual(typed, ticket.ticket_code)
        self.assertEqual(self._scan(f" {typed}\t")["result"], "admitted")

    def test_garbage_is_refused(self):
        out = self._scan("HELLO WORLD")
        self.assertEqual((out["result"], out["reason"], out["ticket"]), ("invalid", "garbled", None))

    def test_gate_must_allow_the_direction(self):
        ticket = self._ticket()
        with self.assertRaises(UserError):
            self._scan(ticket, gate=self.exit_gate, direction="in")
        with self.assertRaises(UserError):
            self._scan(ticket, direction="sideways")
        with self.assertRaises(UserError):
            self.door.door_scan(self.main_gate.id, ticket.ticket_code, "in", "has spaces")
        self.side_gate.active = False
        with self.assertRaises(UserError):
            self._scan(ticket, gate=self.side_gate)
        self.assertFalse(self._logs(ticket), "a refused request writes nothing")
        self.assertEqual(ticket.ticket_state, "valid")

    def test_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["soticket_scanner"], ["fr_FR"])
        door = self.door.with_context(lang="fr_FR")
        with self.assertRaisesRegex(UserError, "Choisissez un accès"):
            door.door_scan(0, "CODE", "in", "fr-1")
        self.assertEqual(door.door_attendance(self.tonight.id)["results"]["already_in"], "Déjà entré")
        web = {m["id"]: m["string"] for m in code_translations.get_web_translations("soticket_scanner", "fr_FR")[
            "messages"]}
        self.assertEqual((web["Live attendance"], web["Not checked"], web["Exit"]),
                         ("Affluence en direct", "Non vérifié", "Sortie"), "the door page's own strings")

    def test_user_without_door_group_is_refused(self):
        ticket = self._ticket()
        clerk = self.env["soticket.admission"].with_user(self.clerk)
        with self.assertRaises(AccessError):
            clerk.door_scan(self.main_gate.id, ticket.ticket_code, "in", "clerk-1")
        with self.assertRaises(AccessError):
            clerk.door_attendance(self.tonight.id)
        with self.assertRaises(AccessError):
            clerk.door_counters(self.tonight.id)
        with self.assertRaises(AccessError):
            clerk.door_setup()
        self.assertEqual(ticket.ticket_state, "valid")

    def test_counters_after_some_scans(self):
        alice, bob = self._ticket(name="Alice A"), self._ticket(name="Bob B")
        self._ticket(self.tonight_invitation, name="Gus G")
        self._ticket(name="Unpaid U", state="draft")
        cancelled = self._ticket(name="Carl C")
        cancelled.action_cancel()
        self.assertEqual(self._scan(alice)["result"], "admitted")
        self.assertEqual(self._scan(bob, gate=self.side_gate)["result"], "admitted")
        self.assertEqual(self._scan(alice, gate=self.exit_gate, direction="out")["result"], "exit_recorded")
        self.assertEqual(self._scan("HELLO")["result"], "invalid")
        self.assertEqual(self._scan(bob, gate=self.guest_gate)["result"], "wrong_event",
                         "only invitations enter at the guest list")

        counters = self.door.door_counters(self.tonight.id)
        self.assertEqual(counters["totals"], {
            "expected": 3, "arrived": 2, "present": 1, "not_arrived": 1,
            "entries": 2, "exits": 1, "refused": 2,
        })
        gates = {g["name"]: g for g in counters["gates"]}
        self.assertEqual(
            {name: (g["entries"], g["exits"], g["present"], g["refused"], g["not_arrived"])
             for name, g in gates.items()},
            {
                "Main door": (1, 0, 0, 1, 1),
                "Exit": (0, 1, 0, 0, None),
                "Side door": (1, 0, 1, 0, 1),
                "Guest list": (0, 0, 0, 1, 1),
            })
        data = self.door.door_attendance(self.tonight.id)
        self.assertEqual(data["counters"], counters)
        self.assertEqual(data["channel"], self.tonight._soticket_bus_channel())
        self.assertEqual(data["results"]["already_in"], "Already inside")


@tagged("post_install", "-at_install")
class TestDoorPageTour(DoorStaffMixin, HttpCase, SoticketScannerCase):
    """The door page in Chromium, then the live attendance updated over the bus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._door_users()
        cls._ticket(name="Tour Holder")
        cls._ticket(name="Second Holder")

    def test_door_page_tour(self):
        # The test cursor never commits, so the bus would never send its NOTIFY:
        # send it right away (the websocket reads bus_bus through the same cursor).
        def notify_now(env, target):
            bus_notify._notify({channel_with_db(env.cr.dbname, target)})

        self.patch(bus_notify, "notify_after_commit", notify_now)
        # Odoo turns the websocket off in tests; the live attendance needs it (as bus.tests.WebsocketCase does).
        self.patch(WebsocketConnectionHandler, "websocket_allowed", classmethod(lambda cls, request: True))
        self.start_tour("/odoo/action-soticket_scanner.soticket_door_action", "soticket_door_page",
                        login="door_dan", timeout=120)
        tickets = self.env["event.registration"].search([("event_id", "=", self.tonight.id)])
        self.assertEqual(set(tickets.mapped("ticket_state")), {"admitted"})
        self.assertEqual(
            self.env["soticket.scan.log"].search([("registration_id", "in", tickets.ids)]).user_id, self.door_user)
