# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SoticketResaleCase


@tagged("post_install", "-at_install")
class TestResaleListing(SoticketResaleCase):

    def test_listing_fixes_face_value_and_fees(self):
        self.assertEqual(self.seller_ticket.price_paid, 25.0)
        listing = self._list()
        self.assertEqual(listing.state, "listed")
        self.assertEqual(listing.price, 25.0, "the resale price is the face value paid")
        self.assertEqual(listing.fee_total, 1.5, "0.50 + 4 % of 25.00")
        self.assertEqual((listing.seller_fee, listing.buyer_fee), (1.5, 0.0))
        self.assertEqual(listing.buyer_price, 25.0, "the buyer pays the face value, never more")
        self.assertEqual(listing.seller_payout, 23.5)
        self.assertEqual(listing.seller_partner_id, self.seller)
        self.assertEqual(listing.seller_email, "sacha@example.com")
        self.assertEqual(self.seller_ticket.soticket_resale_open_listing_id, listing)
        self.assertEqual(self.seller_ticket.ticket_state, "valid", "the ticket stays valid until it is bought")
        self.assertFalse(self._revocations(self.seller_ticket))
        self.assertIn("Put up for resale", self.seller_ticket.message_ids[0].body)

    def test_fee_settings(self):
        fees = self.company._soticket_resale_fees
        self.company.soticket_resale_fee_cap = 1.0
        self.assertEqual(fees(25.0), {"total": 1.0, "buyer": 0.0, "seller": 1.0}, "the cap applies")
        self.company.write({"soticket_resale_fee_cap": 0.0, "soticket_resale_fee_payer": "buyer"})
        self.assertEqual(fees(25.0), {"total": 1.5, "buyer": 1.5, "seller": 0.0})
        self.company.soticket_resale_fee_payer = "split"
        self.assertEqual(fees(25.0), {"total": 1.5, "buyer": 0.75, "seller": 0.75})
        self.company.write({"soticket_resale_fee_fixed": 0.0, "soticket_resale_fee_percent": 0.0})
        self.assertEqual(fees(25.0), {"total": 0.0, "buyer": 0.0, "seller": 0.0})
        self.company.write({"soticket_resale_fee_fixed": 5.0, "soticket_resale_fee_payer": "seller"})
        self.assertEqual(fees(3.0)["seller"], 3.0, "the seller is never asked to pay more than the face value")

        self.company.write({"soticket_resale_fee_fixed": 1.0, "soticket_resale_fee_payer": "buyer"})
        listing = self._list()
        self.assertEqual((listing.buyer_price, listing.seller_payout), (26.0, 25.0))

    def test_price_other_than_face_value_is_refused(self):
        for price in ("30", "24.99", "abc"):
            with self.assertRaises(UserError) as error:
                self._list(posted_price=price)
            self.assertIn("The resale price is the face value you paid", error.exception.args[0])
            self.assertIn("25.00", error.exception.args[0])
        self.assertFalse(self.Listing.search([("registration_id", "=", self.seller_ticket.id)]),
                         "nothing was put up for resale")
        listing = self._list(posted_price="25,00")
        self.assertEqual(listing.price, 25.0, "the face value itself is accepted")

    def test_already_listed_admitted_cancelled_or_free_tickets_are_refused(self):
        self._list()
        with self.assertRaisesRegex(UserError, "This ticket is already on resale."):
            self._list()

        admitted = self._sold_ticket(self.buyer)
        admitted.action_set_done()
        with self.assertRaisesRegex(UserError, "already used to enter"):
            self._list(admitted)

        cancelled = self._sold_ticket(self.buyer)
        cancelled.action_cancel()
        with self.assertRaisesRegex(UserError, "Only a valid ticket can be resold: this ticket is cancelled."):
            self._list(cancelled)

        invitation = self.env["event.registration"].create({
            "event_id": self.concert.id, "event_ticket_id": self.invitation.id, "name": "Guest", "state": "open"})
        with self.assertRaisesRegex(UserError, "Invitations and free tickets cannot be resold."):
            self._list(invitation)
        self.assertEqual(self.Listing.search_count([("event_id", "=", self.concert.id)]), 1)

    def test_cutoff_before_doors(self):
        now = fields.Datetime.now()
        # Doors open in 90 minutes: inside the default 2-hour cutoff.
        self.concert.write({"date_begin": now + timedelta(hours=3), "date_end": now + timedelta(hours=6),
                            "doors_open": now + timedelta(minutes=90)})
        with self.assertRaisesRegex(UserError, "Resale for \"Jazz à la Sirène\" has closed: it stops 2 hour"):
            self._list()
        self.concert.soticket_resale_cutoff_hours = 1.0
        self.assertEqual(self._list().state, "listed", "a 1-hour cutoff still allows it")

        # Past the cutoff the cron takes unsold tickets off the exchange; their holders keep them.
        self.concert.soticket_resale_cutoff_hours = 2.0
        self.Listing._cron_housekeeping()
        listing = self.seller_ticket.soticket_resale_listing_ids
        self.assertEqual(listing.state, "expired")
        self.assertEqual(self.seller_ticket.ticket_state, "valid")

    def test_resale_closed_for_event(self):
        self.concert.action_soticket_resale_close()
        with self.assertRaisesRegex(UserError, 'Resale is closed for "Jazz à la Sirène".'):
            self._list()
        self.concert.action_soticket_resale_open()
        listing = self._list()
        self.concert.action_soticket_resale_close()
        self.assertEqual(listing.state, "withdrawn", "closing resale withdraws the tickets on sale")

    def test_withdraw_until_bought(self):
        listing = self._list()
        listing.action_withdraw()
        self.assertEqual(listing.state, "withdrawn")
        self.assertTrue(listing.closed_at)
        self.assertEqual(self.seller_ticket.ticket_state, "valid")
        self.assertFalse(self.seller_ticket.soticket_resale_open_listing_id)
        with self.assertRaisesRegex(UserError, "not on resale any more"):
            listing.action_withdraw()

        # Listed again, then in a buyer's cart: no withdrawal while they pay.
        listing = self._list()
        cart = self._buyer_cart()
        cart._soticket_resale_add(listing)
        self.assertEqual((listing.state, listing.reserved_order_id), ("reserved", cart))
        with self.assertRaisesRegex(UserError, "A buyer is paying for this ticket right now"):
            listing.action_withdraw()
        self.assertEqual(listing.state, "reserved", "nothing changed")

        # The hold lapses: the holder may withdraw again; the late cart can no longer pay.
        listing.reserved_until = fields.Datetime.now() - timedelta(minutes=1)
        listing.action_withdraw()
        self.assertEqual(listing.state, "withdrawn")
        self.assertIn("was withdrawn by its holder", " ".join(cart._soticket_sold_out_lines()))

        # Once bought, it can no longer be withdrawn.
        listing = self._list()
        self._buy(listing)
        with self.assertRaisesRegex(UserError, "already bought"):
            listing.action_withdraw()

    def test_cart_hold_and_release(self):
        listing = self._list()
        first = self._buyer_cart()
        first._soticket_resale_add(listing)
        line = first.order_line
        self.assertEqual(line.price_total, 25.0)
        self.assertEqual(line.product_uom_qty, 1)

        second = self._buyer_cart(self.buyer)
        with self.assertRaisesRegex(UserError, "is in another buyer's cart"):
            second._soticket_resale_add(listing)
        self.assertFalse(second.order_line, "nothing was added")

        # Removing the line frees the ticket for others.
        line.unlink()
        self.assertEqual(listing.state, "listed")
        second._soticket_resale_add(listing)
        self.assertEqual(listing.reserved_order_id, second)

        # A lapsed hold is released by the cron.
        listing.reserved_until = fields.Datetime.now() - timedelta(minutes=1)
        self.Listing._cron_housekeeping()
        self.assertEqual((listing.state, listing.reserved_order_id.id), ("listed", False))

    def test_seller_cannot_buy_own_ticket(self):
        listing = self._list()
        with self.assertRaisesRegex(UserError, "This is your own ticket"):
            self._buyer_cart(self.seller)._soticket_resale_add(listing)

    def test_refusal_reaches_a_french_holder_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search([("name", "=", "soticket_resale")])._update_translations(["fr_FR"])
        self.seller_ticket.action_set_done()
        with self.assertRaises(UserError) as error:
            self.Listing.with_context(lang="fr_FR")._soticket_list(self.seller_ticket)
        self.assertEqual(error.exception.args[0], "Ce billet a déjà servi à entrer : il ne peut pas être revendu.")
