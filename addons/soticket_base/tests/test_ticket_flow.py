# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import io

import PyPDF2

from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..tools import ticket_code
from .common import SoticketCase


@tagged("post_install", "-at_install")
class TestTicketFlow(SoticketCase):
    def _pdf_text(self, pdf):
        reader = PyPDF2.PdfReader(io.BytesIO(pdf))
        return [page.extract_text() for page in reader.pages]

    def test_paid_order_gives_valid_signed_tickets(self):
        order = self._sale_order(self.full_price, 2)
        order.action_confirm()
        tickets = order.order_line.registration_ids
        self.assertEqual(len(tickets), 2)
        self.assertEqual(set(tickets.mapped("ticket_state")), {"valid"})
        self.assertEqual(tickets.mapped("sale_channel"), ["backoffice", "backoffice"])
        public = self.env["soticket.signing.key"].public_key()
        for ticket in tickets:
            result = ticket_code.verify(ticket.ticket_code, public)
            self.assertEqual(result.status, "valid")
            self.assertEqual(
                (result.payload.ticket_id, result.payload.event_id, result.payload.category_id),
                (ticket.id, self.concert.id, self.full_price.id))
        # The price shown is the price paid: no fee on top of the category price (no tax on the product here).
        self.assertEqual(tickets.mapped("price_paid"), [25.0, 25.0])
        self.assertEqual(order.amount_total, 50.0)

    def test_eticket_pdf_has_one_page_per_ticket_with_legal_mentions(self):
        order = self._sale_order(self.full_price, 2)
        order.action_confirm()
        tickets = order.order_line.registration_ids
        pdf, kind = self.env["ir.actions.report"]._render_qweb_pdf("soticket_base.report_eticket_a4", tickets.ids)
        self.assertEqual(kind, "pdf")
        pages = self._pdf_text(pdf)
        self.assertEqual(len(pages), 2)
        self.assertTrue(all(tickets.mapped("ticket_number")), "printing numbers the tickets")
        self.assertNotEqual(tickets[0].ticket_number, tickets[1].ticket_number)
        for text in pages:
            for mention in ("Jazz", self.env.company.name, "Plein tarif", order.name, "25"):
                self.assertIn(mention, text)

    def test_invitation_prints_invitation_not_a_price(self):
        order = self._sale_order(self.invitation, 1)
        order.action_confirm()
        ticket = order.order_line.registration_ids
        self.assertEqual(ticket._eticket_data().price_text, "Invitation")

    def test_confirmation_mail_carries_the_eticket(self):
        self.env["event.mail"].create({
            "event_id": self.concert.id, "interval_type": "after_sub",
            "template_ref": f"mail.template,{self.env.ref('event.event_subscription').id}",
        })
        order = self._sale_order(self.full_price, 1)
        order.action_confirm()
        ticket = order.order_line.registration_ids
        # Sent by the scheduler after commit, not inside the confirmation.
        mail_domain = [("model", "=", "event.registration"), ("res_id", "=", ticket.id)]
        self.assertFalse(self.env["mail.mail"].search(mail_domain))
        self.env["event.mail"].schedule_communications(autocommit=False)
        mail = self.env["mail.mail"].search(mail_domain)
        self.assertEqual(len(mail), 1)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        self.assertEqual(len(PyPDF2.PdfReader(io.BytesIO(mail.attachment_ids.raw)).pages), 1)

    def test_reissue_revokes_old_code(self):
        order = self._sale_order(self.full_price, 1)
        order.action_confirm()
        ticket = order.order_line.registration_ids
        old_code, old_link = ticket.ticket_code, ticket._get_eticket_url()
        ticket.action_reissue_code()
        self.assertNotEqual(ticket.ticket_code, old_code)
        self.assertEqual(ticket.ticket_code_version, 2)
        revocation = self.env["soticket.code.revocation"].search([("code", "=", old_code)])
        self.assertEqual(revocation.reason, "reissued")
        self.assertNotEqual(ticket._get_eticket_url(), old_link, "the old e-ticket link must stop working")

    def test_cancelled_ticket_cannot_be_reissued_or_printed(self):
        order = self._sale_order(self.full_price, 1)
        order.action_confirm()
        order._action_cancel()
        ticket = order.order_line.registration_ids
        self.assertEqual(ticket.ticket_state, "cancelled")
        with self.assertRaises(UserError):
            ticket.action_reissue_code()
        with self.assertRaises(UserError):
            self.env["ir.actions.report"]._render_qweb_pdf("soticket_base.report_eticket_a4", ticket.ids)

    def test_over_capacity_is_refused_and_nothing_is_created(self):
        self._sale_order(self.full_price, 8).action_confirm()
        order = self._sale_order(self.full_price, 3)
        with self.assertRaisesRegex(ValidationError, "Sold out"):
            with self.env.cr.savepoint():
                order.action_confirm()
        self.assertEqual(self.concert.seats_available, 2)
        self.assertFalse(order.order_line.registration_ids.filtered(lambda r: r.state == "open"))

    def test_category_capacity_is_enforced(self):
        self._sale_order(self.invitation, 5).action_confirm()
        with self.assertRaisesRegex(ValidationError, "Invitation"):
            with self.env.cr.savepoint():
                self._sale_order(self.invitation, 1).action_confirm()

    def test_inconsistent_settings_are_refused(self):
        with self.assertRaises(ValidationError):
            self.full_price.write({"seats_max": 11})
        with self.assertRaises(ValidationError):
            self.invitation.write({"price": 5.0})
        with self.assertRaises(ValidationError):
            self.full_price.write({"start_sale_datetime": self.concert.date_end,
                                   "end_sale_datetime": self.concert.date_begin})
        with self.assertRaises(ValidationError):
            self.concert.write({"doors_open": self.concert.date_end.replace(year=self.concert.date_end.year + 1)})
