# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json
from datetime import timedelta

from lxml import html

from odoo import Command
from odoo import fields
from odoo import http
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SoticketCase


class SoticketWebsiteCase(HttpCase, SoticketCase):
    """The concert on the website: published, its full-price category at 25.00 with 5.5 % VAT
    included (what a French venue sells), and the demo payment provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].get_current_website()
        tax_group = cls.env["account.tax.group"].create({"name": "VAT 5.5%"})
        cls.vat_5_5 = cls.env["account.tax"].create({
            "name": "VAT 5.5% incl.", "amount": 5.5, "amount_type": "percent", "type_tax_use": "sale",
            "price_include_override": "tax_included", "tax_group_id": tax_group.id,
        })
        cls.web_ticket_product = cls.env["product.product"].create({
            "name": "Concert ticket", "type": "service", "service_tracking": "event", "list_price": 25.0,
            "taxes_id": [Command.set(cls.vat_5_5.ids)],
        })
        cls.concert.write({"website_published": True})
        cls.full_price.write({"product_id": cls.web_ticket_product.id, "price": 25.0})
        cls.demo_provider = cls.env.ref("payment.payment_provider_demo")
        cls.demo_provider.write({"state": "test", "is_published": True})
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")

    # ------------------------------------------------------------------ HTTP helpers
    def _open(self, url, data=None, **kwargs):
        self.env.flush_all()
        response = self.url_open(url, data=data, **kwargs)
        self.env.invalidate_all()
        return response

    def _json(self, url, params=None):
        """JSON-RPC call returning the whole answer (result or error with its message and context)."""
        self.env.flush_all()
        response = self.url_open(url, data=json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call",
                                                       "params": params or {}}),
                                 headers={"Content-Type": "application/json"})
        self.env.invalidate_all()
        response.raise_for_status()
        return response.json()

    def _amounts(self, page, xpath):
        return [float(node.text_content().replace(",", "")) for node in html.fromstring(page).xpath(xpath)]

    def _shown_ticket_price(self, ticket):
        page = self._open(f"/event/{ticket.event_id.id}/register").text
        prices = self._amounts(page, f"//div[contains(@class, 'o_wevent_ticket_selector')][@name='{ticket.name}']"
                                     "//span[hasclass('oe_currency_value')]")
        self.assertEqual(len(prices), 1, "the category shows one price")
        return prices[0]

    def _shown_totals(self, page):
        totals = self._amounts(page, "//tr[@id='order_total']//span[hasclass('oe_currency_value')]")
        self.assertTrue(totals, "the page shows the order total")
        return totals

    def _order_tickets_on_website(self, ticket, qty):
        """As a visitor: pick ``qty`` tickets of ``ticket`` on the event page and give the attendees.
        :return: the cart (sale.order)"""
        event = ticket.event_id
        attendee_form = self._json(f"/event/{event.id}/registration/new", {f"nb_register-{ticket.id}": qty})
        self.assertIn("attendee_registration", attendee_form["result"])
        questions = {q.question_type: q for q in event.question_ids}
        data = {"csrf_token": http.Request.csrf_token(self)}
        for index in range(1, qty + 1):
            data[f"{index}-event_ticket_id"] = ticket.id
            data[f"{index}-name-{questions['name'].id}"] = f"Attendee {index}"
            data[f"{index}-email-{questions['email'].id}"] = f"attendee{index}@example.com"
        response = self._open(f"/event/{event.id}/registration/confirm", data=data)
        self.assertTrue(response.url.endswith("/shop/address"), "an anonymous cart goes to the address step")
        order = self.env["sale.order"].search([("order_line.event_ticket_id", "=", ticket.id),
                                               ("state", "=", "draft")], order="id desc", limit=1)
        self.assertEqual(order.order_line.mapped("product_uom_qty"), [qty])
        return order

    def _pay_after_the_seats_went(self):
        """A cart of 2 "Plein tarif" (3 seats) starts its payment; the hold runs out while the buyer types
        their card number, the box office takes 2 of the 3 seats, then the payment completes.
        :return: (the order, the page the buyer lands on)"""
        self.full_price.seats_max = 3
        order = self._order_tickets_on_website(self.full_price, 2)
        self._open(self._submit_address())
        processing_values = self._start_payment(order)["result"]
        self._expire_cart_holds(order)
        self._fill_event_by_box_office(2)
        return order, self._pay(processing_values)

    def _submit_address(self, email="camille@example.com", **extra):
        data = {
            "name": "Camille Martin", "email": email, "phone": "06 12 34 56 78", "street": "12 rue de la Paix",
            "city": "Lorient", "zip": "56100", "country_id": self.env.ref("base.fr").id,
            "address_type": "billing", "csrf_token": http.Request.csrf_token(self), **extra,
        }
        result = json.loads(self._open("/shop/address/submit", data=data).text)
        self.assertFalse(result.get("messages"), result)
        return result["redirectUrl"]

    def _start_payment(self, order):
        return self._json(f"/shop/payment/transaction/{order.id}", {
            "provider_id": self.demo_provider.id, "payment_method_id": self.demo_method.id, "token_id": None,
            "flow": "direct", "tokenization_requested": False, "landing_route": "/shop/payment/validate",
            "access_token": order._portal_ensure_token(),
        })

    def _pay(self, processing_values):
        """What the demo payment form does once the transaction exists: the card is accepted,
        the status page post-processes the transaction, then lands on the shop."""
        self._json("/payment/demo/simulate_payment", {
            "reference": processing_values["reference"], "payment_details": "4242", "simulated_state": "done"})
        poll = self._json("/payment/status/poll")
        self.assertNotIn("error", poll, poll)
        return self._open(poll["result"]["landing_route"])

    def _expire_cart_holds(self, order):
        """The buyer's cart hold runs out (as if its 15 minutes had passed)."""
        self.env["soticket.seat.hold"].search([("sale_order_id", "=", order.id)]).write(
            {"expires_at": fields.Datetime.now() - timedelta(seconds=1)})

    def _fill_event_by_box_office(self, seats):
        other = self._sale_order(self.full_price, seats, partner=self.env["res.partner"].create({"name": "Other"}))
        other.action_confirm()
        return other


@tagged("post_install", "-at_install")
class TestWebsiteShop(SoticketWebsiteCase):

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def test_price_shown_is_price_paid(self):
        self.assertEqual(self.website.show_line_subtotals_tax_selection, "tax_included")
        shown_price = self._shown_ticket_price(self.full_price)
        self.assertEqual(shown_price, 25.0, "the event page shows the VAT-included price")

        order = self._order_tickets_on_website(self.full_price, 2)
        self.assertEqual(self._shown_totals(self._open("/shop/cart").text), [2 * shown_price])

        # A ticket-only cart has no delivery step and no delivery line: address, then payment.
        next_url = self._submit_address()
        payment_page = self._open(next_url)
        self.assertTrue(payment_page.url.endswith("/shop/payment"), payment_page.url)
        self.assertEqual(set(self._shown_totals(payment_page.text)), {2 * shown_price})
        self.assertEqual(order.order_line.product_id, self.web_ticket_product, "nothing but the tickets")
        self.assertFalse(order.order_line.filtered("is_delivery"))

        processing_values = self._start_payment(order)["result"]
        self.assertEqual(processing_values["amount"], 2 * shown_price, "the buyer is charged what was shown")
        confirmation = self._pay(processing_values)
        self.assertTrue(confirmation.url.endswith("/shop/confirmation"), confirmation.url)

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_total, 2 * shown_price)
        self.assertEqual(order.amount_paid, 2 * shown_price)
        self.assertEqual(set(self._shown_totals(confirmation.text)), {2 * shown_price})
        tickets = order.order_line.registration_ids
        self.assertEqual(tickets.mapped("ticket_state"), ["valid", "valid"])
        self.assertEqual(tickets.mapped("price_paid"), [shown_price, shown_price])
        self.assertEqual(tickets.mapped("sale_channel"), ["web", "web"])

        # The confirmation page gives each ticket's e-ticket, A4 and phone, and they are PDFs.
        links = html.fromstring(confirmation.text).xpath("//a[hasclass('o_soticket_eticket_link')]/@href")
        expected = [t._get_eticket_url(layout) for t in tickets for layout in ("a4", "phone")]
        self.assertEqual(sorted(links), sorted(expected))
        self.logout()
        for link in links:
            response = self._open(link)
            self.assertEqual(response.headers["Content-Type"], "application/pdf")
            self.assertTrue(response.content.startswith(b"%PDF-"))

    @mute_logger("odoo.http")
    def test_event_page_counts_the_seats_held_in_carts(self):
        """The seats left shown before any click come from the one seat count: a cart's held seats
        are not offered to the next visitor."""
        self._order_tickets_on_website(self.full_price, 2)
        page = html.fromstring(self._open(f"/event/{self.concert.id}/register").text)
        seats = page.xpath("string(//*[hasclass('o_soticket_category')][.//*[hasclass('o_soticket_category_name')]"
                           "[normalize-space()='Plein tarif']]//*[hasclass('o_soticket_category_seats')])")
        self.assertIn("8", seats.split(), "10 seats, 2 held in a cart")

    def test_sold_out_before_payment_keeps_the_cart(self):
        order = self._order_tickets_on_website(self.full_price, 2)
        self._open(self._submit_address())
        tickets = order.order_line.registration_ids
        # The cart's hold runs out, meanwhile the box office sells 9 of the 10 seats: one is left,
        # the cart asks two.
        self._expire_cart_holds(order)
        self._fill_event_by_box_office(9)

        answer = self._start_payment(order)
        self.assertIn("error", answer, "the payment must not start")
        error = answer["error"]["data"]
        self.assertTrue(error["context"].get("soticket_sold_out"), "the payment form sends the buyer to the cart")
        self.assertIn('"Plein tarif" for Jazz à la Sirène: only 1 seat(s) left for this event, your cart has 2.',
                      error["message"])
        self.assertNotIn("Traceback", error["message"])

        # The cart is intact and is still the visitor's cart.
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.order_line.product_uom_qty, 2)
        self.assertEqual(order.order_line.registration_ids, tickets)
        self.assertEqual(set(tickets.mapped("ticket_state")), {"pending"})
        self.assertFalse(order.transaction_ids)
        self.assertEqual(self._json("/shop/cart/quantity")["result"], 2)
        cart = self._open("/shop/cart")
        alert = html.fromstring(cart.text).xpath("//div[hasclass('o_soticket_sold_out')]")
        self.assertEqual(len(alert), 1, "the cart says what is sold out")
        self.assertIn('"Plein tarif" for Jazz à la Sirène: only 1 seat(s) left for this event, your cart has 2.',
                      alert[0].text_content())
        # The payment page shows the same and offers no way to pay.
        payment_page = self._open("/shop/payment")
        self.assertIn("only 1 seat(s) left for this event, your cart has 2", payment_page.text)
        self.assertNotIn("o_payment_radio", payment_page.text)

        # Down to one ticket, the buyer can pay.
        line = order.order_line
        self._json("/shop/cart/update_json", {"line_id": line.id, "product_id": line.product_id.id, "set_qty": 1})
        self.assertNotIn("o_soticket_sold_out", self._open("/shop/cart").text)
        self.assertIn("result", self._start_payment(order))

    @mute_logger("odoo.addons.soticket_base.models.payment_transaction_website")
    def test_sold_out_while_paying_is_refunded_automatically(self):
        """The cart's hold expires, another buyer takes the seats, then the first buyer's
        payment completes: no ticket, the order is cancelled, the demo provider refunds it,
        the buyer gets an e-mail and the staff get nothing to do."""
        order, page = self._pay_after_the_seats_went()
        tx = order.transaction_ids
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.is_post_processed, "post-processing does not fail again and again")
        self.assertEqual(order.state, "cancel", "no ticket is issued beyond the capacity")
        self.assertEqual(order.soticket_refund_state, "to_refund")
        self.assertFalse(order.order_line.registration_ids.filtered(lambda r: r.state in ("open", "done")))
        self.assertIn("1 seat(s) left, 2 asked.", page.text)
        self.assertIn("Your payment is refunded automatically", page.text)
        self.assertEqual(self.full_price.seats_taken, 2)

        # After the commit (the test cursor never commits: run what the post-commit hook runs).
        order._soticket_process_refunds()
        refund = tx.child_transaction_ids
        self.assertEqual(refund.operation, "refund")
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.amount, -50.0)
        self.assertEqual(order.soticket_refund_state, "refunded")
        self.assertFalse(order.activity_ids, "nothing for the staff to do")
        mail = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", order.id),
                                             ("subject", "ilike", "could not be confirmed")])
        self.assertEqual(len(mail), 1, "the buyer's e-mail is queued")
        self.assertIn(order.partner_id, mail.recipient_ids)
        # The cron drops the holds of orders that are no longer carts (and the expired ones).
        self.env["soticket.seat.hold"]._gc_holds()
        self.assertFalse(self.env["soticket.seat.hold"].search([("sale_order_id", "=", order.id)]))
        # Exactly once: a retry (post-commit hook and cron) refunds nothing more.
        order._soticket_process_refunds()
        self.env["sale.order"]._cron_soticket_process_refunds()
        self.assertEqual(len(tx.child_transaction_ids), 1)

    @mute_logger("odoo.addons.soticket_base.models.payment_transaction_website",
                 "odoo.addons.soticket_base.models.sale_order_website")
    def test_failed_automatic_refund_gives_staff_a_todo(self):
        order, _page = self._pay_after_the_seats_went()
        self.demo_provider.support_refund = "none"
        order._soticket_process_refunds()
        self.assertEqual(order.soticket_refund_state, "failed")
        self.assertFalse(order.transaction_ids.child_transaction_ids)
        self.assertEqual(order.activity_ids.summary, "Refund: paid but not confirmed")

    def test_news_consent_is_unticked_and_recorded_only_when_ticked(self):
        self._order_tickets_on_website(self.full_price, 1)
        form = html.fromstring(self._open("/shop/address").text)
        checkbox = form.xpath("//form[hasclass('checkout_autoformat')]//input[@name='soticket_news_optin']")
        self.assertEqual(len(checkbox), 1)
        self.assertEqual(checkbox[0].get("type"), "checkbox")
        self.assertIsNone(checkbox[0].get("checked"), "never ticked in advance")
        self.assertIn("I want to receive the venue's news", form.text_content())

        self._submit_address(email="no-news@example.com")
        silent = self.env["res.partner"].search([("email", "=", "no-news@example.com")])
        self.assertEqual(len(silent), 1)
        self.assertFalse(silent.soticket_news_consent)
        self.assertFalse(silent.soticket_news_consent_date)
        self.assertFalse(silent.soticket_news_consent_source)

        self.authenticate(None, None)
        self._order_tickets_on_website(self.full_price, 1)
        before = fields.Datetime.now().replace(microsecond=0)
        self._submit_address(email="news@example.com", soticket_news_optin="1")
        fan = self.env["res.partner"].search([("email", "=", "news@example.com")])
        self.assertTrue(fan.soticket_news_consent)
        self.assertGreaterEqual(fan.soticket_news_consent_date, before)
        self.assertEqual(fan.soticket_news_consent_source, "website_checkout")

    def test_consent_fields_cannot_be_posted_directly(self):
        self._order_tickets_on_website(self.full_price, 1)
        self._submit_address(email="forged@example.com", soticket_news_consent="1",
                             soticket_news_consent_date="2000-01-01 00:00:00")
        partner = self.env["res.partner"].search([("email", "=", "forged@example.com")])
        self.assertFalse(partner.soticket_news_consent)
        self.assertFalse(partner.soticket_news_consent_date)


@tagged("post_install", "-at_install")
class TestETicketAccess(SoticketWebsiteCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, login="camille_portal", groups="base.group_portal",
                                        name="Camille Portal", email="camille.portal@example.com")
        now = fields.Datetime.now()
        cls.past_concert = cls.concert.copy({
            "name": "Rock d'hier", "date_begin": now - timedelta(days=30),
            "date_end": now - timedelta(days=30, hours=-3), "doors_open": now - timedelta(days=30, hours=1),
        })
        past_ticket = cls.past_concert.event_ticket_ids.filtered(lambda t: t.name == "Plein tarif")
        cls.past_order = cls._sale_order(past_ticket, 1, partner=cls.portal_user.partner_id)
        cls.own_order = cls._sale_order(cls.full_price, 2, partner=cls.portal_user.partner_id)
        cls.others_order = cls._sale_order(cls.full_price, 1)
        (cls.past_order | cls.own_order | cls.others_order).action_confirm()
        cls.own_tickets = cls.own_order.order_line.registration_ids
        cls.past_ticket = cls.past_order.order_line.registration_ids
        cls.others_ticket = cls.others_order.order_line.registration_ids

    def test_portal_lists_own_tickets_upcoming_first(self):
        self.authenticate("camille_portal", "camille_portal")
        counters = self._json("/my/counters", {"counters": ["soticket_ticket_count"]})["result"]
        self.assertEqual(counters["soticket_ticket_count"], 3)
        self.assertIn("/my/tickets", self._open("/my").text)

        page = html.fromstring(self._open("/my/tickets").text)
        rows = page.xpath("//tr[hasclass('o_soticket_portal_ticket')]")
        self.assertEqual([int(r.get("data-ticket-id")) for r in rows], [*self.own_tickets.ids, *self.past_ticket.ids],
                         "upcoming tickets first, then past ones; never someone else's")
        self.assertIn("Valid", rows[0].text_content())
        links = page.xpath("//a[hasclass('o_soticket_eticket_link')]/@href")
        self.assertIn(f"/my/tickets/{self.own_tickets[0].id}/pdf?layout=a4", links)
        self.assertIn(f"/my/tickets/{self.own_tickets[0].id}/pdf?layout=phone", links)

        own_pdf = self._open(f"/my/tickets/{self.own_tickets[0].id}/pdf?layout=phone")
        self.assertEqual(own_pdf.status_code, 200)
        self.assertEqual(own_pdf.headers["Content-Type"], "application/pdf")

    @mute_logger("odoo.http")
    def test_portal_user_cannot_download_someone_elses_ticket(self):
        self.authenticate("camille_portal", "camille_portal")
        response = self._open(f"/my/tickets/{self.others_ticket.id}/pdf")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))
        self.assertFalse(self.env["event.registration"].with_user(self.portal_user).search(
            [("id", "=", self.others_ticket.id)]), "the record rule hides the other buyer's ticket")

    def test_signed_link_works_without_login(self):
        ticket = self.own_tickets[0]
        for layout in ("a4", "phone"):
            response = self._open(ticket._get_eticket_url(layout))
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.headers["Content-Type"], "application/pdf")
            self.assertTrue(response.content.startswith(b"%PDF-"))

    def test_signed_link_with_wrong_token_is_not_found(self):
        ticket = self.own_tickets[0]
        other_token = self.others_ticket._ticket_access_token()
        for token in (other_token, "0" * 32, "x"):
            response = self._open(f"/soticket/eticket/{ticket.id}/{token}?layout=a4")
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))

    def test_signed_link_of_cancelled_ticket_shows_unavailable_page(self):
        ticket = self.own_tickets[1]
        url = ticket._get_eticket_url("a4")
        ticket.action_cancel()
        response = self._open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/html", response.headers["Content-Type"])
        self.assertIn("This ticket cannot be downloaded", response.text)
        self.assertIn("This ticket was cancelled", response.text)
