# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_website import SoticketResaleWebsiteCase


@tagged("post_install", "-at_install")
class TestResaleAbuse(SoticketResaleWebsiteCase):
    """A cart holds a resale ticket once and a few at a time; the waiting list takes confirmed
    addresses only, and a limited number of joins per address and per client."""

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)  # an anonymous visitor

    def _cart(self):
        return self._buyer_cart()

    def test_hold_is_not_renewed(self):
        listing = self.Listing._soticket_list(self.web_ticket)
        cart = self._cart()
        start = fields.Datetime.now()
        with freeze_time(start):
            cart._soticket_resale_add(listing)
        until = listing.reserved_until
        self.assertEqual(until, start + timedelta(minutes=15))
        # Re-posting, starting the payment: the same hold, not a longer one.
        with freeze_time(start + timedelta(minutes=10)):
            cart._soticket_resale_add(listing)
            cart._soticket_check_seats_before_payment()
        self.assertEqual(listing.reserved_until, until)
        self.assertEqual(len(cart.order_line), 1)
        # Giving it up and taking it again does not renew it either.
        with freeze_time(start + timedelta(minutes=11)):
            listing._soticket_release(cart)
            with self.assertRaisesRegex(UserError, "was already held in your cart for 15 minutes"):
                cart._soticket_resale_add(listing)
        self.assertEqual((listing.state, listing.reserved_order_id.id), ("listed", False))
        # Once it lapsed, the cart cannot hold it again; another cart can.
        with freeze_time(start + timedelta(minutes=16)):
            with self.assertRaisesRegex(UserError, "a hold is not renewed"):
                cart._soticket_resale_add(listing)
            other = self._cart()
            other._soticket_resale_add(listing)
        self.assertEqual(listing.reserved_order_id, other)

    def test_holds_per_cart_are_limited(self):
        self.company.soticket_resale_max_per_cart = 2
        self.full_price.seats_max = 5
        tickets = self.web_ticket | self._sold_ticket(self.seller) | self._sold_ticket(self.seller)
        self.full_price.seats_max = 4
        listings = [self.Listing._soticket_list(ticket) for ticket in tickets]
        cart = self._cart()
        cart._soticket_resale_add(listings[0])
        cart._soticket_resale_add(listings[1])
        with self.assertRaisesRegex(UserError, "A cart holds at most 2 resale tickets at a time"):
            with self.env.cr.savepoint():
                cart._soticket_resale_add(listings[2])
        self.assertEqual(listings[2].state, "listed")
        self.assertEqual(len(cart.order_line), 2)
        # Another cart may take it.
        self._cart()._soticket_resale_add(listings[2])
        self.assertEqual(listings[2].state, "reserved")

    def test_unconfirmed_waitlist_entry_gets_no_offer(self):
        response = self._post("/soticket/resale/waitlist/join", event_ticket_id=self.full_price.id,
                              email="stranger@example.com", name="Stranger")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Open it to confirm your address", response.text)
        entry = self.env["soticket.resale.waitlist"].search([("email", "=", "stranger@example.com")])
        self.assertEqual((entry.state, entry._soticket_rank()), ("pending", 0))
        mail = self.env["mail.mail"].search([("model", "=", entry._name), ("res_id", "=", entry.id)])
        self.assertEqual(len(mail), 1)
        self.assertIn(entry._soticket_confirm_url(), mail.body_html)
        # A ticket on resale is not offered to an unconfirmed address: anyone may buy it.
        listing = self.Listing._soticket_list(self.web_ticket)
        self.assertEqual(entry.state, "pending")
        self.assertFalse(listing.offer_waitlist_id)
        self.assertTrue(listing._soticket_buyable_publicly())
        # A forged link, and a GET (a link checker), confirm nothing.
        self.assertEqual(self._open(f"/soticket/resale/waitlist/{entry.id}/{'0' * 32}/confirm").status_code, 404)
        self.assertIn("Confirm my place", self._open(entry._soticket_confirm_url()).text)
        self.assertEqual(entry.state, "pending")
        # Confirmed: in line, and the ticket on sale is offered.
        response = self._post(entry._soticket_confirm_url())
        self.assertIn("You are on the waiting list", response.text)
        self.assertEqual((entry.state, entry.position), ("offered", 1))
        self.assertEqual(listing.offer_waitlist_id, entry)

    def test_joins_are_rate_limited_per_address_and_per_client(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("soticket_resale.waitlist_joins_per_email", "2")
        params.set_param("soticket_resale.waitlist_joins_per_client", "3")
        Waitlist = self.env["soticket.resale.waitlist"]

        def mails():
            return self.env["mail.mail"].search_count([("model", "=", Waitlist._name)])

        # Per address: joining again re-sends the link, twice at most.
        entry, created = Waitlist._soticket_join(self.full_price, "victim@example.com", ip="198.51.100.1")
        self.assertTrue(created)
        Waitlist._soticket_join(self.full_price, "victim@example.com", ip="198.51.100.2")
        count = mails()
        with self.assertRaisesRegex(UserError, "Too many requests to join the waiting list"):
            Waitlist._soticket_join(self.full_price, "victim@example.com", ip="198.51.100.3")
        self.assertEqual(mails(), count, "no e-mail")
        # Per client: three joins, then refused, whatever the address; nothing written.
        for n in range(2):
            Waitlist._soticket_join(self.full_price, f"other{n}@example.com", ip="198.51.100.9")
        Waitlist._soticket_join(self.full_price, "third@example.com", ip="198.51.100.9")
        with self.assertRaisesRegex(UserError, "Too many requests"):
            Waitlist._soticket_join(self.full_price, "fourth@example.com", ip="198.51.100.9")
        self.assertFalse(Waitlist.search([("email", "=", "fourth@example.com")]))
        # Over HTTP (this test client is 127.0.0.1): a clear message, nothing written.
        for n in range(3):
            self._post("/soticket/resale/waitlist/join", event_ticket_id=self.full_price.id,
                       email=f"web{n}@example.com")
        response = self._post("/soticket/resale/waitlist/join", event_ticket_id=self.full_price.id,
                              email="web3@example.com")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Too many requests to join the waiting list", response.text)
        self.assertFalse(Waitlist.search([("email", "=", "web3@example.com")]))
        self.assertEqual(entry.state, "pending", "never confirmed: never in line")
