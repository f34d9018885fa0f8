# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import io
from datetime import timedelta

from PIL import Image

from odoo import fields
from odoo.addons.soticket_base.tools import ticket_code
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import BoxOfficeCase


@tagged("post_install", "-at_install")
class TestDoorSales(BoxOfficeCase):
    """Tickets sold at the door are real SoTicket tickets: signed code, number, price paid, channel."""

    def test_sale_creates_valid_signed_tickets(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [
            self.ticket_line(self.full, 2), self.ticket_line(self.reduced, 1)]))
        tickets = order.lines.event_registration_ids.sorted("id")
        self.assertEqual(len(tickets), 3)
        self.assertEqual(set(tickets.mapped("ticket_state")), {"valid"})
        self.assertEqual(set(tickets.mapped("sale_channel")), {"box_office"})
        self.assertEqual(tickets.pos_session_id, session)
        self.assertEqual(tickets.mapped("price_paid"), [25.0, 25.0, 15.0])
        self.assertAlmostEqual(tickets[0].price_paid_untaxed, round(25.0 / 1.055, 2), places=2)
        self.assertEqual(tickets[0]._eticket_order_reference(), order.name)

        public = self.env["soticket.signing.key"].public_key()
        for ticket in tickets:
            result = ticket_code.verify(ticket.ticket_code, public)
            self.assertEqual(result.status, "valid", "the door scanner accepts a box-office ticket like a web one")
            self.assertEqual((result.payload.ticket_id, result.payload.event_id, result.payload.category_id),
                             (ticket.id, self.concert.id, ticket.event_ticket_id.id))
        self.assertEqual(self.concert.seats_taken, 3)

    def test_receipt_tickets_after_sync(self):
        """What the register prints once the sale is synchronised: mentions, number, QR code."""
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        printed = order.soticket_receipt_tickets()
        tickets = order.lines.event_registration_ids.sorted("id")
        self.assertEqual([p["id"] for p in printed], tickets.ids)
        self.assertTrue(all(tickets.mapped("ticket_number")), "tickets are numbered before they are printed")
        first = printed[0]
        self.assertEqual(first["ticket_number"], f"{tickets[0].ticket_number:06d}")
        self.assertEqual(first["code"], tickets[0].ticket_code)
        self.assertEqual(first["event_name"], "Jazz à la Sirène")
        self.assertEqual(first["category_name"], "Plein tarif")
        self.assertEqual(first["order_number"], order.name)
        self.assertEqual(first["venue_name"], self.env.company.name)
        self.assertIn("25", first["price_text"])
        self.assertTrue(first["event_date"])
        self.assertTrue(first["qr"].startswith("data:image/png;base64,"))
        image = Image.open(io.BytesIO(base64.b64decode(first["qr"].split(",", 1)[1])))
        self.assertEqual(image.size[0], image.size[1])
        self.assertGreaterEqual(image.size[0], 200, "large enough for the door scanners once printed")

    def test_backend_reprint_at_receipt_width(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        action = order.action_print_soticket_tickets()
        self.assertEqual(action["report_name"], "soticket_box_office.report_pos_receipt_tickets")
        pdf, kind = self.env["ir.actions.report"]._render_qweb_pdf(action["report_name"], order.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>>") + pdf.count(b"/Type /Page "),
                         2, "one page per ticket")
        self.assertIn(b"226.77", pdf, "80 mm wide pages (226.77 pt)")

    def test_over_capacity_sync_refused_nothing_written(self):
        self.sell_backoffice(self.full, 9)
        session = self.open_session(self.config)
        orders_before = self.env["pos.order"].search_count([])
        data = self.order_data(session, [self.ticket_line(self.full, 2)])
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.sync(self.env, data)
        message = caught.exception.args[0]
        self.assertIn(data["name"], message)
        self.assertIn("Sold out", message)
        self.assertIn("1 seat(s) left, 2 asked", message)
        self.assertEqual(caught.exception.context["soticket_refused_order_uuids"], [data["uuid"]],
                         "the register learns which order to take out of its queue")
        self.assertEqual(self.env["pos.order"].search_count([]), orders_before)
        self.assertEqual(self.concert.seats_taken, 9)
        # The last seat still sells.
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 1)]))
        self.assertEqual(order.lines.event_registration_ids.ticket_state, "valid")
        self.assertEqual(self.concert.seats_taken, 10)

    def test_refusal_reaches_a_french_cashier_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "in", ("soticket_base", "soticket_box_office"))])._update_translations(["fr_FR"])
        self.sell_backoffice(self.full, 10)
        session = self.open_session(self.config)
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        data = self.order_data(session, [self.ticket_line(self.full, 1)])
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.sync(french, data)
        self.assertTrue(caught.exception.args[0].startswith(f"La commande {data['name']} n'a pas été enregistrée"),
                        caught.exception.args[0])
        self.assertNotIn("Sold out", caught.exception.args[0])

    def test_seats_state_for_the_register(self):
        self.sell_backoffice(self.full, 4)
        session = self.open_session(self.config)
        seats = session.soticket_box_office_seats()
        self.assertEqual(seats["events"][self.concert.id]["left"], 6)
        self.assertTrue(seats["events"][self.concert.id]["tonight"])
        self.assertEqual(seats["tickets"][self.invitation.id]["left"], 5)
        self.assertEqual(seats["tickets"][self.full.id]["allotment_left"], 0)


@tagged("post_install", "-at_install")
class TestRefunds(BoxOfficeCase):
    def test_refund_revokes_the_code(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        line = order.lines
        codes = dict(zip(line.event_registration_ids.ids, line.event_registration_ids.mapped("ticket_code"),
                         strict=True))
        self.sync(self.env, self.order_data(session, [self.refund_line(line, 1)]))
        tickets = line.event_registration_ids
        self.assertEqual(sorted(tickets.mapped("ticket_state")), ["refunded", "valid"])
        refunded = tickets.filtered(lambda r: r.ticket_state == "refunded")
        self.assertTrue(refunded.refunded_at)
        revocation = self.env["soticket.code.revocation"].search([("registration_id", "in", tickets.ids)])
        self.assertEqual(revocation.registration_id, refunded, "only the refunded ticket's code is revoked")
        self.assertEqual(revocation.reason, "refunded")
        self.assertEqual(revocation.code, codes[refunded.id])
        self.assertEqual(self.concert.seats_taken, 1, "the refunded seat is back on sale")
        # Printing the order again leaves the refunded ticket out.
        self.assertEqual([t["id"] for t in order.soticket_receipt_tickets()],
                         tickets.filtered(lambda r: r.ticket_state == "valid").ids)

    def test_draft_refund_keeps_tickets_until_paid(self):
        """A refund synchronised as a draft (a register saving its open orders, a preparation
        print) refunds nothing; paying it cancels the ticket and revokes its code."""
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        line = order.lines
        tickets = line.event_registration_ids
        draft = self.order_data(session, [self.refund_line(line, 1)], state="draft", payment_ids=[],
                                amount_paid=0)
        refund_order = self.sync(self.env, dict(draft))
        self.assertEqual(refund_order.state, "draft")
        self.assertEqual(tickets.mapped("ticket_state"), ["valid", "valid"], "a draft refund refunds nothing")
        self.assertFalse(self.env["soticket.code.revocation"].search([("registration_id", "in", tickets.ids)]))
        # Synchronised again as a draft (another save): still nothing.
        self.sync(self.env, dict(draft, lines=[], payment_ids=[], access_token=refund_order.access_token))
        self.assertEqual(tickets.mapped("ticket_state"), ["valid", "valid"])
        self.assertEqual(self.concert.seats_taken, 2)

        paid = self.order_data(session, [self.refund_line(line, 1)], uuid=draft["uuid"], name=draft["name"],
                               access_token=refund_order.access_token)
        paid["lines"] = []  # the line is already on the server
        self.assertEqual(self.sync(self.env, paid), refund_order)
        self.assertIn(refund_order.state, ("paid", "done"))
        self.assertEqual(sorted(tickets.mapped("ticket_state")), ["refunded", "valid"])
        refunded = tickets.filtered(lambda r: r.ticket_state == "refunded")
        revocation = self.env["soticket.code.revocation"].search([("registration_id", "in", tickets.ids)])
        self.assertEqual(revocation.registration_id, refunded, "only the paid refund's ticket is revoked")
        self.assertEqual(self.concert.seats_taken, 1)

    def test_draft_refund_paid_from_the_back_office(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 1)]))
        ticket = order.lines.event_registration_ids
        refund_order = self.sync(self.env, self.order_data(
            session, [self.refund_line(order.lines, 1)], state="draft", payment_ids=[], amount_paid=0))
        self.assertEqual((refund_order.state, ticket.ticket_state), ("draft", "valid"))
        self.env["pos.make.payment"].with_context(active_id=refund_order.id, active_ids=refund_order.ids).create({
            "amount": refund_order.amount_total, "payment_method_id": self.cash.id,
        }).check()
        self.assertIn(refund_order.state, ("paid", "done"))
        self.assertEqual(ticket.ticket_state, "refunded")
        self.assertTrue(self.env["soticket.code.revocation"].search([("registration_id", "=", ticket.id)]))

    def test_refund_of_admitted_ticket_needs_confirmation(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 1)]))
        ticket = order.lines.event_registration_ids
        ticket.action_set_done()
        self.assertEqual(ticket.ticket_state, "admitted")
        check = self.env["pos.order"].soticket_check_ticket_refund([[order.lines.id, 1]])
        self.assertEqual([t["id"] for t in check["admitted"]], ticket.ids,
                         "the register asks the staff before sending the refund")

        orders_before = self.env["pos.order"].search_count([])
        refund = self.order_data(session, [self.refund_line(order.lines, 1)])
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            self.sync(self.env, refund)
        self.assertIn("already admitted", caught.exception.args[0])
        self.assertEqual(ticket.ticket_state, "admitted")
        self.assertEqual(self.env["pos.order"].search_count([]), orders_before)
        self.assertFalse(self.env["soticket.code.revocation"].search([("registration_id", "=", ticket.id)]))

        refund["soticket_confirm_admitted_refund"] = True
        refund_order = self.sync(self.env, refund)
        self.assertTrue(refund_order.soticket_confirm_admitted_refund)
        self.assertEqual(ticket.ticket_state, "refunded")
        self.assertTrue(self.env["soticket.code.revocation"].search([("registration_id", "=", ticket.id)]))

    def test_valid_tickets_refunded_before_admitted_ones(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        admitted, valid = order.lines.event_registration_ids.sorted("id")
        admitted.action_set_done()
        self.sync(self.env, self.order_data(session, [self.refund_line(order.lines, 1)]))
        self.assertEqual(valid.ticket_state, "refunded")
        self.assertEqual(admitted.ticket_state, "admitted", "no confirmation needed: a valid ticket was refunded")


@tagged("post_install", "-at_install")
class TestGuestListAndInvitations(BoxOfficeCase):
    def test_guest_list_issues_invitations_with_reason(self):
        guest = self.env["soticket.guest.list"].create({
            "event_id": self.concert.id, "name": "Lou Martin", "reason": "press", "plus_ones": 1})
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(
            self.invitation, 2, name="Lou Martin", guest_list_id=guest.id, invitation_reason="press")]))
        tickets = order.lines.event_registration_ids
        self.assertEqual(guest.checked_in_count, 2)
        self.assertEqual(guest.remaining, 0)
        self.assertEqual(set(tickets.mapped("invitation_reason")), {"press"})
        self.assertEqual(set(tickets.mapped("price_paid")), {0.0})
        printed = order.soticket_receipt_tickets()
        self.assertEqual({p["price_text"] for p in printed}, {"Invitation"})
        self.assertEqual({p["invitation_reason"] for p in printed}, {"Press"})

        # A third one is beyond the guest's places: refused, nothing recorded.
        data = self.order_data(session, [self.ticket_line(
            self.invitation, 1, name="Lou Martin", guest_list_id=guest.id, invitation_reason="press")])
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.sync(self.env, data)
        self.assertIn("Guest list", caught.exception.args[0])
        self.assertEqual(guest.checked_in_count, 2)

    def test_invitation_needs_a_reason(self):
        session = self.open_session(self.config)
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.sync(self.env, self.order_data(session, [self.ticket_line(self.invitation, 1)]))
        self.assertIn("needs a reason", caught.exception.args[0])
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(
            self.invitation, 1, invitation_reason="artist", name="Tour manager")]))
        self.assertEqual(order.lines.event_registration_ids.invitation_reason, "artist")


@tagged("post_install", "-at_install")
class TestAllotments(BoxOfficeCase):
    """An allotment set aside at opening counts against every other sale and comes back at closing."""

    def test_allotment_counts_against_web_sales_and_is_released_on_close(self):
        self.env["soticket.pos.allotment"].create({
            "config_id": self.config.id, "event_id": self.concert.id, "event_ticket_id": self.full.id, "quantity": 3})
        session = self.open_session(self.config)
        allotment = session.soticket_allotment_ids
        self.assertEqual((allotment.quantity, allotment.state, allotment.remaining), (3, "open", 3))

        # 10 seats, 3 set aside for the register: the website can sell 7, not 8.
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.sell_backoffice(self.full, 8)
        self.assertTrue(caught.exception.args[0].startswith("Sold out"))
        self.sell_backoffice(self.full, 6)

        # The register sells within its allotment although only 1 seat is free elsewhere.
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        self.assertEqual(len(order.lines.event_registration_ids), 2)
        self.assertEqual(allotment.remaining, 1)
        seats = session.soticket_box_office_seats()
        self.assertEqual(seats["tickets"][self.full.id]["allotment_left"], 1)
        self.assertEqual(seats["tickets"][self.full.id]["left"], 2, "its allotment left plus the one free seat")

        # Another register's sale sees the remaining allotment as taken.
        other_config = self.config.copy({"name": "Bar", "payment_method_ids": self.card.ids})
        other = self.open_session(other_config)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.sync(self.env, self.order_data(other, [self.ticket_line(self.full, 2)]))
        self.sync(self.env, self.order_data(other, [self.ticket_line(self.full, 1)]))
        self.assertEqual(self.concert.seats_taken, 9)

        # Closing gives the unsold seat back.
        session.write({"state": "closing_control"})
        self.assertEqual(allotment.state, "released")
        self.assertTrue(allotment.released_at)
        self.sell_backoffice(self.full, 1)
        self.assertEqual(self.concert.seats_taken, 10)

    def test_allotment_capped_by_seats_left(self):
        self.sell_backoffice(self.full, 9)
        self.env["soticket.pos.allotment"].create({
            "config_id": self.config.id, "event_id": self.concert.id, "quantity": 4})
        session = self.open_session(self.config)
        self.assertEqual(session.soticket_allotment_ids.quantity, 1, "never more than the seats left")
        self.assertEqual(session.soticket_allotment_ids.requested, 4)
        self.assertIn("only 1 of 4", session.message_ids[:3].mapped("body")[0] + "".join(
            session.message_ids.mapped("body")))

    def test_close_session_from_register_releases(self):
        self.env["soticket.pos.allotment"].create({
            "config_id": self.config.id, "event_id": self.concert.id, "quantity": 2})
        session = self.open_session(self.config)
        self.sync(self.env, self.order_data(session, [self.ticket_line(self.reduced, 1)]))
        session.post_closing_cash_details(15.0)
        result = session.close_session_from_ui()
        self.assertTrue(result["successful"], result)
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.soticket_allotment_ids.state, "released")


@tagged("post_install", "-at_install")
class TestAdmitOnSaleAndReport(BoxOfficeCase):
    def test_admit_on_sale(self):
        self.config.soticket_admit_on_sale = True
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 2)]))
        self.assertEqual(set(order.lines.event_registration_ids.mapped("ticket_state")), {"admitted"})

    def test_admit_on_sale_through_the_door_scanner(self):
        if "soticket.admission" not in self.env:
            self.skipTest("soticket_scanner is not installed")
        gate = self.env["soticket.scanner.gate"].create({"name": "Main door", "event_id": self.concert.id})
        self.concert.write({"date_begin": fields.Datetime.now() - timedelta(minutes=10)})
        self.config.soticket_admit_on_sale = True
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 1)]))
        ticket = order.lines.event_registration_ids
        self.assertEqual(ticket.ticket_state, "admitted")
        logs = self.env["soticket.scan.log"].search([("registration_id", "=", ticket.id)])
        self.assertEqual(logs.mapped("result"), ["admitted"], "admitted once, through the scanner's log")
        # The holder shows the ticket at the door anyway: the scanner knows it is already in.
        outcome = self.env["soticket.admission"].admit(ticket.ticket_code, gate, "in", "door-scan-after-sale")
        self.assertEqual(outcome["result"], "already_in")

    def test_session_report(self):
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [
            self.ticket_line(self.full, 2), self.ticket_line(self.reduced, 1)]))
        self.sync(self.env, self.order_data(session, [self.ticket_line(self.full, 1)], payment_method=self.card))
        self.sync(self.env, self.order_data(session, [self.ticket_line(
            self.invitation, 1, invitation_reason="artist", name="Backliner")]))
        self.sync(self.env, self.order_data(session, [self.refund_line(order.lines[0], 1)]))
        blocks = session._soticket_box_office_report()
        self.assertEqual(len(blocks), 1)
        block = blocks[0]
        rows = {(r["category"], r["method"]): (r["count"], r["amount"]) for r in block["rows"]}
        self.assertEqual(rows[("Plein tarif", "Espèces box office")], (2, 50.0))
        self.assertEqual(rows[("Plein tarif", "Carte box office")], (1, 25.0))
        self.assertEqual(rows[("Réduit", "Espèces box office")], (1, 15.0))
        self.assertEqual(block["invitations"], [("Artist", 1)])
        self.assertEqual((block["refund_count"], block["refund_amount"]), (1, 25.0))
        html = self.env["ir.actions.report"]._render_qweb_html(
            "soticket_box_office.action_report_session_box_office", session.ids)[0].decode()
        self.assertIn("Jazz à la Sirène", html)
        self.assertIn("Carte box office", html)
        self.assertIn("Refunded in this session", html)
