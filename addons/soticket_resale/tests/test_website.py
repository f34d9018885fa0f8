# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from lxml import html

from odoo import fields
from odoo import http
from odoo.addons.soticket_base.tests.test_website import SoticketWebsiteCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SoticketResaleCase


class SoticketResaleWebsiteCase(SoticketWebsiteCase, SoticketResaleCase):
    """The published concert with VAT-included prices, the demo payment provider, and a
    holder who bought a full-price ticket on the web (25.00, 5.5 % VAT included); the
    category is sold out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        web_order = cls._sale_order(cls.full_price, 1, partner=cls.seller)
        web_order.action_confirm()
        cls.web_ticket = web_order.order_line.registration_ids
        cls.full_price.seats_max = 2  # the seller's two tickets: sold out

    def _resale_url(self, ticket=None, suffix=""):
        return (ticket or self.web_ticket)._soticket_resale_url() + suffix

    def _post(self, url, **data):
        return self._open(url, data={"csrf_token": http.Request.csrf_token(self), **data}, allow_redirects=False)

    def _message(self, page):
        nodes = html.fromstring(page).xpath("//div[hasclass('o_soticket_resale_error')]")
        return nodes[0].text_content().strip() if nodes else ""


@tagged("post_install", "-at_install")
class TestResaleWebsite(SoticketResaleWebsiteCase):

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def _listings(self):
        return self.env["soticket.resale.listing"].search([("registration_id", "=", self.web_ticket.id)])

    def test_forged_or_outdated_link_is_refused(self):
        token = self.web_ticket._ticket_access_token()
        bad = f"/soticket/resale/{self.web_ticket.id}/{'0' * len(token)}"
        for response in (self._open(bad), self._post(bad + "/list"), self._post(bad + "/withdraw")):
            self.assertEqual(response.status_code, 404)
            self.assertIn("This resale link is not valid", self._message(response.text))
        self.assertFalse(self._listings(), "nothing changed")
        # A reissued code kills the old link too.
        old_url = self._resale_url()
        self.web_ticket.action_reissue_code()
        self.assertEqual(self._open(old_url).status_code, 404)
        self.assertEqual(self._open(self._resale_url()).status_code, 200)

    def test_holder_lists_and_withdraws_from_the_signed_link(self):
        page = self._open(self._resale_url())
        self.assertEqual(page.status_code, 200)
        amounts = html.fromstring(page.text).xpath("//table[hasclass('o_soticket_resale_amounts')]")
        self.assertTrue(amounts, "the seller sees the amounts before committing")
        self.assertIn("23.50", amounts[0].text_content(), "25.00 minus the 1.50 fee")

        response = self._post(self._resale_url(suffix="/list"))
        self.assertEqual(response.status_code, 303)
        listing = self._listings()
        self.assertEqual((listing.state, listing.origin, listing.price), ("listed", "link", 25.0))
        page = self._open(response.headers["Location"])
        self.assertIn("Your ticket is on resale", page.text)
        status = html.fromstring(page.text).xpath("//div[hasclass('o_soticket_resale_status')]/@data-state")
        self.assertEqual(status, ["listed"])

        response = self._post(self._resale_url(suffix="/withdraw"))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(listing.state, "withdrawn")
        self.assertEqual(self.web_ticket.ticket_state, "valid")

    def test_a_price_other_than_face_value_is_refused(self):
        response = self._post(self._resale_url(suffix="/list"), price="40")
        self.assertEqual(response.status_code, 400)
        message = self._message(response.text)
        self.assertIn("The resale price is the face value you paid", message)
        self.assertIn("25.00", message)
        self.assertIn("Nothing was put up for resale.", message)
        self.assertFalse(self._listings(), "nothing was put up for resale")

    def test_admitted_ticket_cannot_be_listed(self):
        self.web_ticket.action_set_done()
        page = self._open(self._resale_url())
        self.assertIn("already used to enter", page.text)
        response = self._post(self._resale_url(suffix="/list"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("already used to enter", self._message(response.text))
        self.assertFalse(self._listings())

    def test_event_page_shows_resale_tickets_and_buying_holds_the_ticket(self):
        self.env.company.soticket_resale_fee_payer = "buyer"
        listing = self.Listing._soticket_list(self.web_ticket)
        page = html.fromstring(self._open(f"/event/{self.concert.id}/register").text)
        rows = page.xpath("//section[@id='o_soticket_resale']//li[hasclass('o_soticket_resale_listing')]")
        self.assertEqual(len(rows), 1)
        self.assertIn("26.50", rows[0].text_content(), "the buyer sees the price with the fee before buying")
        self.assertIn("service fee", rows[0].text_content())

        response = self._post(f"/soticket/resale/buy/{listing.id}")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/shop/cart"))
        cart = listing.reserved_order_id
        self.assertEqual(listing.state, "reserved")
        self.assertEqual(cart.order_line.soticket_resale_listing_id, listing)
        self.assertEqual(cart.amount_total, 26.5)
        self.assertAlmostEqual(cart.amount_tax, 1.38, places=2, msg="the ticket's 5.5 % VAT, included")

        # Another visitor: the ticket is in someone's cart.
        self.authenticate(None, None)
        response = self._post(f"/soticket/resale/buy/{listing.id}")
        self.assertEqual(response.status_code, 409)
        self.assertIn("is in another buyer's cart", self._message(response.text))

    @mute_logger("odoo.addons.soticket_base.models.payment_transaction_website",
                 "odoo.addons.soticket_resale.models.soticket_resale_refund")
    def test_buyer_paid_but_the_ticket_went_to_another_is_refunded(self):
        listing = self.Listing._soticket_list(self.web_ticket)
        # This visitor puts the ticket in the cart and starts paying...
        self._post(f"/soticket/resale/buy/{listing.id}")
        order = listing.reserved_order_id
        self._open(self._submit_address(email="slow.buyer@example.com"))
        processing_values = self._start_payment(order)["result"]
        self.assertEqual(processing_values["amount"], 25.0)
        # ...takes so long that the hold lapses, and another buyer gets the ticket.
        listing.reserved_until = fields.Datetime.now()
        winner = self._buy(listing, partner=self.buyer)
        self.assertEqual((winner.state, listing.state), ("sale", "sold"))

        # The slow buyer's card goes through anyway: no ticket, a clear page, a refund through the provider.
        page = self._pay(processing_values)
        self.assertEqual(order.state, "draft", "the order is not confirmed into a ticket")
        self.assertEqual(order.amount_paid, 25.0)
        self.assertIn("was bought by another buyer", page.text)
        self.assertIn("Your payment is refunded automatically", page.text)
        refund = self.env["soticket.resale.refund"].search([("order_id", "=", order.id)])
        self.assertEqual((refund.kind, refund.amount, refund.method, refund.state),
                         ("buyer_unfulfilled", 25.0, "provider", "to_pay"))
        self.env["soticket.resale.refund"]._cron_process_refunds()
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.refund_transaction_id.amount, -25.0)
        self.assertEqual(self.env["event.registration"].search_count(
            [("soticket_resale_origin_id", "=", listing.id)]), 1, "exactly one ticket issued")

    def test_cart_whose_ticket_went_elsewhere_cannot_pay(self):
        listing = self.Listing._soticket_list(self.web_ticket)
        self._post(f"/soticket/resale/buy/{listing.id}")
        order = listing.reserved_order_id
        self._open(self._submit_address())
        listing.reserved_until = fields.Datetime.now()
        listing.action_withdraw()
        with mute_logger("odoo.http"):
            answer = self._start_payment(order)
        self.assertIn("error", answer, "the buyer is never charged")
        self.assertIn("was withdrawn by its holder", answer["error"]["data"]["message"])
        self.assertFalse(order.transaction_ids)
        self.assertIn("was withdrawn by its holder", self._open("/shop/cart").text)

    def test_waiting_list_from_the_event_page(self):
        page = html.fromstring(self._open(f"/event/{self.concert.id}/register").text)
        forms = page.xpath("//form[hasclass('o_soticket_waitlist_form')]")
        self.assertTrue(forms, "a sold-out category offers its waiting list")
        response = self._post("/soticket/resale/waitlist/join", event_ticket_id=self.full_price.id,
                              email="waiting@example.com", name="Wai Ting")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Open it to confirm your address", response.text)
        entry = self.env["soticket.resale.waitlist"].search([("email", "=", "waiting@example.com")])
        self.assertEqual(entry.state, "pending")
        self._post(entry._soticket_confirm_url())
        self.assertEqual((entry.state, entry.position), ("waiting", 1))

        listing = self.Listing._soticket_list(self.web_ticket)
        self.assertEqual(entry.state, "offered")
        # The e-mail link shows the offer; only the button puts the ticket in the cart.
        offer_url = entry._soticket_offer_url()
        self.assertIn("A ticket is kept for you", self._open(offer_url).text)
        self.assertEqual(listing.state, "listed")
        response = self._post(offer_url)
        self.assertTrue(response.headers["Location"].endswith("/shop/cart"))
        self.assertEqual(listing.state, "reserved")
        self.assertEqual(listing.reserved_order_id.order_line.soticket_resale_waitlist_id, entry)
        self.assertEqual(listing.reserved_until, entry.offer_until, "held for the whole offer")
        # A forged offer link.
        self.assertEqual(self._open(f"/soticket/resale/offer/{entry.id}/{'0' * 32}").status_code, 404)

    def test_portal_holder_resells_from_my_tickets(self):
        user = new_test_user(self.env, login="sacha", groups="base.group_portal", name="Sacha Vendeur",
                             email="sacha@example.com")
        self.web_ticket.partner_id = user.partner_id
        self.authenticate("sacha", "sacha")
        page = html.fromstring(self._open("/my/tickets").text)
        row = page.xpath(f"//tr[@data-ticket-id='{self.web_ticket.id}']")
        self.assertEqual(len(row), 1)
        link = row[0].xpath(".//a[hasclass('o_soticket_resale_link')]")
        self.assertEqual([a.get("data-resale-state") for a in link], ["available"])
        self.assertEqual(link[0].get("href"), self._resale_url())

        self._post(self._resale_url(suffix="/list"))
        listing = self._listings()
        self.assertEqual((listing.state, listing.origin), ("listed", "portal"))
        row = html.fromstring(self._open("/my/tickets").text).xpath(f"//tr[@data-ticket-id='{self.web_ticket.id}']")
        self.assertEqual(row[0].xpath(".//a[hasclass('o_soticket_resale_link')]/@data-resale-state"), ["listed"])
