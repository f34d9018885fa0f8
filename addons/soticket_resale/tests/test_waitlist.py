# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SoticketResaleCase


@tagged("post_install", "-at_install")
class TestResaleWaitlist(SoticketResaleCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The full-price category holds 2 seats, both sold: sold out.
        cls.full_price.seats_max = 2
        cls._sold_ticket(cls.buyer)
        cls.Waitlist = cls.env["soticket.resale.waitlist"]

    def _join(self, email, name=""):
        """Join and confirm the address (double opt-in: see test_resale_abuse)."""
        entry, created = self.Waitlist._soticket_join(self.full_price, email, name=name)
        entry._soticket_confirm()
        return entry, created

    def _offer_mails(self, entry):
        return self.env["mail.mail"].search([("model", "=", entry._name), ("res_id", "=", entry.id),
                                             ("subject", "not ilike", "Confirm your place")])

    def test_join_in_order_and_only_when_sold_out(self):
        first, created = self._join("first@example.com", "First")
        self.assertTrue(created)
        second, _created = self._join("Second@Example.com")
        self.assertEqual((first._soticket_rank(), second._soticket_rank()), (1, 2))
        again, created = self._join("second@example.com")
        self.assertEqual((again, created), (second, False), "an e-mail already in line keeps its place")
        with self.assertRaisesRegex(UserError, "Give a valid e-mail address"):
            self._join("not an e-mail")
        with self.assertRaisesRegex(UserError, '"Plein tarif" is not sold out'):
            self.full_price.seats_max = 5
            self._join("third@example.com")

    def test_offer_goes_to_first_in_line_then_to_the_next_when_it_lapses(self):
        first, _created = self._join("first@example.com", "First")
        second, _created = self._join("second@example.com", "Second")
        listing = self._list()

        # The first in line gets the offer by e-mail; nobody else can buy the ticket meanwhile.
        self.assertEqual((first.state, first.offer_listing_id, listing.offer_waitlist_id),
                         ("offered", listing, first))
        self.assertAlmostEqual(first.offer_until, fields.Datetime.now() + timedelta(hours=2),
                               delta=timedelta(minutes=1))
        mail = self._offer_mails(first)
        self.assertEqual(mail.email_to, "first@example.com")
        self.assertIn(first._soticket_offer_url(), mail.body_html)
        self.assertEqual(second.state, "waiting")
        self.assertFalse(listing._soticket_buyable_publicly())
        with self.assertRaisesRegex(UserError, "is offered to the waiting list"):
            self._buyer_cart()._soticket_resale_add(listing)

        # The offer lapses: the cron gives it to the next in line.
        first.offer_until = listing.offer_until = fields.Datetime.now() - timedelta(minutes=1)
        self.Listing._cron_housekeeping()
        self.assertEqual(first.state, "expired")
        self.assertEqual((second.state, listing.offer_waitlist_id), ("offered", second))
        self.assertTrue(self._offer_mails(second))

        # The second one buys it through their offer.
        order = self._buy(listing, waitlist=second)
        self.assertEqual(order.state, "sale")
        self.assertEqual(second.state, "bought")
        self.assertEqual(listing.new_registration_id.partner_id, self.resale_buyer)

    def test_last_offer_lapsing_opens_the_ticket_to_everyone(self):
        only, _created = self._join("only@example.com")
        listing = self._list()
        only.offer_until = listing.offer_until = fields.Datetime.now() - timedelta(minutes=1)
        self.Listing._cron_housekeeping()
        self.assertEqual(only.state, "expired")
        self.assertFalse(listing.offer_waitlist_id)
        self.assertTrue(listing._soticket_buyable_publicly())

    def test_ticket_listed_before_anyone_waits_is_offered_when_someone_joins(self):
        listing = self._list()
        self.assertTrue(listing._soticket_buyable_publicly())
        entry, _created = self._join("late@example.com")
        self.assertEqual((entry.state, listing.offer_waitlist_id), ("offered", entry))

    def test_withdrawal_during_an_offer_puts_the_person_back_in_line(self):
        entry, _created = self._join("first@example.com")
        listing = self._list()
        listing.action_withdraw()
        self.assertEqual((entry.state, entry._soticket_rank()), ("waiting", 1))
        self.assertFalse(listing.offer_waitlist_id)

    def test_offer_never_outlasts_the_resale_cutoff(self):
        now = fields.Datetime.now()
        self.concert.write({"date_begin": now + timedelta(hours=4), "date_end": now + timedelta(hours=7),
                            "doors_open": now + timedelta(hours=3)})
        entry, _created = self._join("first@example.com")
        self._list()
        self.assertEqual(entry.offer_until, self.concert.soticket_resale_cutoff)
