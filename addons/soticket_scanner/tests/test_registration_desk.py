# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AZERTY
from .common import SoticketScannerCase


@tagged("post_install", "-at_install")
class TestRegistrationDesk(SoticketScannerCase):
    """Odoo's Events > Registration Desk scans SoTicket codes through our admission."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.desk_user = users.create({
            "name": "Dominique Accueil", "login": "desk_dom", "password": "desk_dom",
            "groups_id": [Command.set([cls.env.ref("base.group_user").id,
                                       cls.env.ref("event.group_event_registration_desk").id])],
        })
        cls.desk = cls.env["event.registration"].with_user(cls.desk_user)

    def _scan(self, code_or_ticket, event=None):
        code = code_or_ticket if isinstance(code_or_ticket, str) else code_or_ticket.ticket_code
        self.env.flush_all()
        out = self.desk.register_attendee(code, (event or self.tonight).id)
        self.env.invalidate_all()
        return out

    def test_code_admits_once_then_already_registered(self):
        ticket = self._ticket()
        out = self._scan(ticket)
        self.assertEqual((out["status"], out["id"]), ("confirmed_registration", ticket.id))
        self.assertEqual((out["name"], out["ticket_name"], out["event_id"]),
                         ("Camille Martin", "Plein tarif", self.tonight.id), "the desk's summary")
        self.assertIn("Welcome", out["message"])
        self.assertEqual((ticket.state, ticket.soticket_inside), ("done", True))
        log = self._logs(ticket)
        self.assertEqual((log.result, log.user_id, log.gate_id), ("admitted", self.desk_user, self.main_gate))
        self.assertFalse(log.device_id)

        again = self._scan(ticket)
        self.assertEqual(again["status"], "already_registered")
        self.assertIn("Already inside", again["message"])
        self.assertEqual(self._logs(ticket).mapped("result"), ["already_in", "admitted"])

    def test_undo_at_the_desk_is_not_inside_and_can_enter_again(self):
        ticket = self._ticket()
        self.assertEqual(self._scan(ticket)["status"], "confirmed_registration")
        ticket.with_user(self.desk_user).action_confirm()  # the desk dialog's "Undo"
        self.assertEqual((ticket.state, ticket.soticket_inside), ("open", False))
        self.assertEqual(self._scan(ticket)["status"], "confirmed_registration")
        self.assertEqual((ticket.state, ticket.soticket_inside), ("done", True))

    def test_manual_confirmation_at_the_desk_is_logged(self):
        ticket = self._ticket()
        other_night = self.tonight.copy({"name": "Autre soir"})
        self.assertEqual(self._scan(ticket, event=other_night)["status"], "need_manual_confirmation")
        ticket.with_user(self.desk_user).action_set_done()  # the desk dialog's "Continue"
        self.assertEqual((ticket.state, ticket.soticket_inside), ("done", True))
        log = self._logs(ticket)[:1]
        self.assertEqual((log.result, log.reason, log.user_id, log.forced),
                         ("admitted", "manual", self.desk_user, True))
        self.assertEqual(log.message, "Admitted by hand by Dominique Accueil.")
        self.assertEqual(self._scan(ticket)["status"], "already_registered", "then scanned: already inside")

    def test_azerty_typed_code(self):
        ticket = self._ticket()
        typed = ticket.ticket_code.translate(AZERTY).swapcase()
        self.assertNotEqual(typed, ticket.ticket_code)
        self.assertEqual(self._scan(f" {typed}\n")["status"], "confirmed_registration")
        self.assertEqual(ticket.state, "done")

    def test_reissued_code_is_refused(self):
        ticket = self._ticket()
        old_code = ticket.ticket_code
        ticket.action_reissue_code()
        out = self._scan(old_code)
        self.assertEqual(out["status"], "canceled_registration")
        self.assertIn("reissued", out["message"])
        self.assertEqual(ticket.state, "open", "the old code let nobody in")
        self.assertEqual(self._logs(ticket).reason, "reissued")
        self.assertEqual(self._scan(ticket)["status"], "confirmed_registration", "the new code enters")

    def test_ticket_of_another_event_needs_manual_confirmation(self):
        ticket = self._ticket(self.full_price)  # the concert in ten days
        out = self._scan(ticket)  # at tonight's desk
        self.assertEqual(out["status"], "need_manual_confirmation")
        self.assertEqual(ticket.state, "open")
        self.assertEqual(self._logs(ticket).result, "wrong_event")
        # A desk open on no event scans at the ticket's own event (in ten days: not open yet).
        self.env.flush_all()
        out = self.desk.register_attendee(ticket.ticket_code, False)
        self.assertEqual(out["status"], "not_ongoing_event")
        self.assertEqual(self._logs(ticket)[0].gate_id, self.concert_gate)

    def test_stock_barcode_goes_through_admission(self):
        ticket = self._ticket()
        self.assertTrue(ticket.barcode)
        out = self._scan(ticket.barcode)
        self.assertEqual(out["status"], "confirmed_registration")
        log = self._logs(ticket)
        self.assertEqual((log.result, log.user_id, log.gate_id), ("admitted", self.desk_user, self.main_gate))
        self.assertEqual(self._scan(ticket.barcode)["status"], "already_registered")

    def _assert_old_barcode_refused(self, ticket, old_barcode, reason, message):
        out = self._scan(old_barcode)
        self.assertEqual(out["status"], "canceled_registration")
        self.assertIn(message, out["message"])
        self.assertNotEqual(ticket.with_context(active_test=False).state, "done", "the old barcode let nobody in")
        log = self._logs(ticket)[:1]
        self.assertEqual((log.result, log.reason, log.user_id), ("revoked", reason, self.desk_user))

    def test_reissue_renews_the_barcode(self):
        ticket = self._ticket()
        old_barcode = ticket.barcode
        ticket.action_reissue_code()
        self.assertNotEqual(ticket.barcode, old_barcode)
        self._assert_old_barcode_refused(ticket, old_barcode, "reissued", "reissued")
        self.assertEqual(self._scan(ticket.barcode)["status"], "confirmed_registration", "the new barcode enters")

    def test_category_move_renews_the_barcode(self):
        ticket = self._ticket()
        old_barcode, old_code = ticket.barcode, ticket.ticket_code
        ticket.event_ticket_id = self.tonight_invitation
        self.assertNotEqual(ticket.barcode, old_barcode)
        self._assert_old_barcode_refused(ticket, old_barcode, "reissued", "reissued")
        self.assertEqual(self._scan(old_code)["status"], "canceled_registration")
        self.assertEqual(self._scan(ticket.barcode)["status"], "confirmed_registration")

    def test_barcode_of_a_resold_or_refunded_ticket_is_refused(self):
        resold, refunded = self._ticket(), self._ticket(name="Léa Durand")
        # what soticket_resale does when the ticket is sold on: revoked, archived
        resold._record_revocation("resold")
        resold.write({"active": False, "refunded": True})
        refunded._mark_refunded()
        self._assert_old_barcode_refused(resold, resold.with_context(active_test=False).barcode, "withdrawn",
                                         "Withdrawn")
        self._assert_old_barcode_refused(refunded, refunded.barcode, "refunded", "Refunded")

    def test_garbage_is_an_invalid_ticket(self):
        count = self.env["soticket.scan.log"].search_count([])
        for garbage in ("hello", "", "S" + "A" * 123):
            self.assertEqual(self._scan(garbage), {"error": "invalid_ticket"})
        self.assertEqual(self.env["soticket.scan.log"].search_count([]), count)

    def test_event_without_gate_admits_nothing(self):
        event, gate = self._event("Répétition", self.tonight.date_begin, self.tonight.date_end)
        gate.unlink()
        ticket = self._ticket(event.event_ticket_ids)
        out = self._scan(ticket, event=event)
        self.assertEqual(out["status"], "need_manual_confirmation")
        self.assertIn("no entry gate", out["message"])
        self.assertEqual(ticket.state, "open")
        self.assertFalse(self._logs(ticket))

    def test_desk_rights_are_required(self):
        clerk = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": "Claude Compta", "login": "clerk_claude", "password": "clerk_claude",
            "groups_id": [Command.set([self.env.ref("base.group_user").id])],
        })
        ticket = self._ticket()
        with self.assertRaises(AccessError):
            self.env["event.registration"].with_user(clerk).register_attendee(ticket.ticket_code, self.tonight.id)
        self.assertEqual(ticket.state, "open")
        self.assertFalse(self._logs(ticket))
