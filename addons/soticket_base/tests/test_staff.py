# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import ast
import io

import PyPDF2
from lxml import etree

from odoo.api import call_kw
from odoo.exceptions import UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user
from odoo.tests import tagged

from .common import SoticketCase


@tagged("post_install", "-at_install")
class TestStaffBackOffice(SoticketCase):
    """What the venue staff does from the back office: resend, reissue, revenue reporting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = new_test_user(
            cls.env, login="soticket_staff", name="Agent de billetterie", email="billetterie@example.com",
            groups="base.group_user,event.group_event_user,sales_team.group_sale_salesman")

    def _sell(self, ticket, qty, partner=None, website=None):
        order = self._sale_order(ticket, qty, partner=partner)
        if website:
            ticket.event_id.website_published = True  # a web sale needs a published concert
            order.website_id = website
        order.action_confirm()
        return order

    def _ticket_messages(self, tickets):
        return self.env["mail.message"].search([
            ("model", "=", "event.registration"), ("res_id", "in", tickets.ids), ("message_type", "=", "comment")])

    def _click(self, user, method, records):
        """Call a button method the way the web client's /web/dataset/call_button does."""
        model = records.browse().with_user(user)
        get_public_method(model, method)
        return call_kw(model, method, [records.ids], {"context": dict(records.env.context)})

    # ------------------------------------------------------------------ resend e-mail
    def test_resend_email_sends_the_eticket_to_the_holder(self):
        ticket = self._sell(self.full_price, 1).order_line.registration_ids
        # Keep the mail in the queue instead of sending it, so that the test can read it.
        ticket = ticket.with_context(mail_notify_force_send=False)
        self._click(self.staff, "action_resend_ticket_email", ticket)

        message = self._ticket_messages(ticket)
        self.assertEqual(len(message), 1, "the resent e-mail shows in the ticket's chatter")
        self.assertEqual(message.author_id, self.staff.partner_id)
        self.assertEqual(message.partner_ids, self.buyer)
        self.assertIn("Jazz à la Sirène", message.subject)

        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.buyer)
        self.assertEqual(mail.recipient_ids.email, "camille@example.com")
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        pages = PyPDF2.PdfReader(io.BytesIO(mail.attachment_ids.raw)).pages
        self.assertEqual(len(pages), 1)
        text = pages[0].extract_text()
        self.assertIn("Jazz", text)
        self.assertIn(f"{ticket.ticket_number:06d}", text)

    def test_resend_email_is_refused_for_a_cancelled_ticket(self):
        order = self._sell(self.full_price, 1)
        order._action_cancel()
        cancelled = order.order_line.registration_ids
        valid = self._sell(self.full_price, 1).order_line.registration_ids
        self.assertEqual(cancelled.ticket_state, "cancelled")
        mails_before = self.env["mail.mail"].search_count([])

        with self.assertRaisesRegex(UserError, r"Only valid or admitted tickets can be e-mailed: .* is Cancelled"):
            self._click(self.staff, "action_resend_ticket_email", cancelled)
        # A batch with one cancelled ticket sends nothing, not even to the valid one.
        with self.assertRaisesRegex(UserError, "Nothing was sent"):
            self.env.ref("soticket_base.action_server_resend_ticket_emails").with_user(self.staff).with_context(
                active_model="event.registration", active_ids=(valid | cancelled).ids).run()

        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        self.assertFalse(self._ticket_messages(valid | cancelled))

    # ------------------------------------------------------------------ reissue
    def test_reissue_button_from_the_ticket_form(self):
        ticket = self._sell(self.full_price, 1).order_line.registration_ids
        old_code = ticket.ticket_code

        # The button is in the staff's ticket form, asks for confirmation and shows for valid tickets only.
        views = self.env["event.registration"].with_user(self.staff).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        button = etree.fromstring(arch).xpath("//header/button[@name='action_reissue_code']")
        self.assertEqual(len(button), 1)
        self.assertTrue(button[0].get("confirm"))
        self.assertEqual(button[0].get("invisible"), "ticket_state != 'valid'")

        self._click(self.staff, "action_reissue_code", ticket)
        self.assertEqual(ticket.ticket_code_version, 2)
        self.assertNotEqual(ticket.ticket_code, old_code)
        self.assertEqual(ticket.revocation_ids.code, old_code)
        self.assertEqual(ticket.revocation_ids.revoked_by, self.staff)

    def test_reissue_several_tickets_from_the_list(self):
        tickets = self._sell(self.full_price, 3).order_line.registration_ids
        old_codes = set(tickets.mapped("ticket_code"))
        self.env.ref("soticket_base.action_server_reissue_tickets").with_user(self.staff).with_context(
            active_model="event.registration", active_ids=tickets.ids).run()
        self.assertEqual(tickets.mapped("ticket_code_version"), [2, 2, 2])
        self.assertFalse(old_codes & set(tickets.mapped("ticket_code")))
        revoked = self.env["soticket.code.revocation"].search([("registration_id", "in", tickets.ids)])
        self.assertEqual(set(revoked.mapped("code")), old_codes)

    # ------------------------------------------------------------------ reporting
    def test_revenue_by_sales_channel(self):
        website = self.env["website"].search([], limit=1)
        self.assertTrue(website)
        self._sell(self.full_price, 2)                      # back office: 2 x 25
        self._sell(self.full_price, 1, website=website)     # website: 1 x 25
        free = self.env["event.event.ticket"].create({
            "name": "Entrée libre", "event_id": self.concert.id, "product_id": self.ticket_product.id, "price": 0.0})
        self._sell(free, 1, website=website)                # website: a free ticket, 0 (no web invitation)
        self._sell(self.full_price, 1)._action_cancel()     # cancelled: not revenue

        # The "Sold" filter the "Tickets & revenue" report opens with.
        action = self.env.ref("soticket_base.action_tickets_revenue")
        self.assertIn("search_default_ticket_sold", action.context)
        search_arch = self.env["event.registration"].get_views([(False, "search")])["views"]["search"]["arch"]
        sold_filter = etree.fromstring(search_arch).xpath("//filter[@name='ticket_sold']")[0]
        domain = [("event_id", "=", self.concert.id)] + ast.literal_eval(sold_filter.get("domain"))

        groups = self.env["event.registration"].with_user(self.staff).read_group(
            domain, ["price_paid:sum", "price_paid_untaxed:sum"], ["sale_channel"])
        by_channel = {
            g["sale_channel"]: (g["sale_channel_count"], g["price_paid"], g["price_paid_untaxed"]) for g in groups}
        self.assertEqual(by_channel, {"backoffice": (2, 50.0, 50.0), "web": (2, 25.0, 25.0)})

    def test_cart_hold_time_is_a_setting(self):
        """Staff set how long a cart keeps its seats in the Events settings; the seat count uses it."""
        self.env["res.config.settings"].create({"soticket_cart_hold_minutes": 25,
                                                "soticket_cart_hold_payment_extension_minutes": 30}).execute()
        holds = self.env["soticket.seat.hold"]
        self.assertEqual((holds._cart_hold_minutes(), holds._payment_extension_minutes()), (25, 30))
        self.assertEqual(self.env["res.config.settings"].create({}).soticket_cart_hold_minutes, 25)
