# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_base.tests.common import ForgetBuyerMixin
from odoo.tests import tagged

from .common import SoticketResaleCase

IBAN = "FR7630006000011234567890189"


@tagged("post_install", "-at_install")
class TestGdprResale(ForgetBuyerMixin, SoticketResaleCase):
    """Camille bought a resale ticket, sold one of hers (refund owed, with her IBAN and a to-do
    for the staff) and waits for another: forgetting her erases all of it, and nobody else's."""

    GDPR_TABLES = (*ForgetBuyerMixin.GDPR_TABLES, "soticket_resale_listing", "soticket_resale_waitlist",
                   "soticket_resale_refund")

    def test_forget_buyer_in_resale(self):
        manager = self._gdpr_manager()
        self.env["res.partner.bank"].create({
            "partner_id": self.buyer.id, "acc_number": IBAN, "acc_holder_name": "Camille Martin"})
        # She bought Sacha's ticket on the exchange: "Sold to Camille Martin" on the listing.
        bought = self._list()
        self._buy(bought, partner=self.buyer)
        self.assertIn("Camille Martin", str(bought.message_ids.mapped("body")))
        # She sold one of hers to Alex: her name and e-mail on the listing and on the refund owed to her.
        sold = self._list(self._sold_ticket(self.buyer))
        self._buy(sold)
        refund = sold.refund_ids
        self.assertEqual((refund.partner_name, refund.partner_email), ("Camille Martin", "camille@example.com"))
        self.assertIn("Camille Martin", refund.activity_ids.summary, "the staff's to-do names her")
        refund.activity_schedule("mail.mail_activity_data_todo", summary="Call Camille Martin about her IBAN",
                                 note="Ask camille@example.com for a RIB", user_id=manager.id)
        # She waits for a ticket, and holds the offer of one just listed; Dominique waits behind her.
        waitlist = self.env["soticket.resale.waitlist"]
        entry = waitlist.create({"event_ticket_id": self.full_price.id, "email": "camille@example.com",
                                 "name": "Camille Martin", "partner_id": self.buyer.id, "position": 1})
        other_entry = waitlist.create({"event_ticket_id": self.full_price.id, "email": "dominique@example.com",
                                       "name": "Dominique Autre", "position": 2})
        lou = self.env["res.partner"].create({"name": "Lou Vendeuse", "email": "lou@example.com"})
        offered = self._list(self._sold_ticket(lou))
        self.assertEqual(offered.offer_waitlist_id, entry)
        kept = {listing: (listing.state, listing.price, listing.seller_payout, listing.buyer_partner_id)
                for listing in bought | sold}
        refund_kept = (refund.amount, refund.state, refund.kind, refund.order_id)
        needles = ("Camille", "camille@example.com", IBAN)
        self.assertTrue(self._leftovers(*needles), "the scenario stores her data")

        self._forget(self.buyer, manager)

        self.assertEqual(self._leftovers(*needles), {})
        self.assertEqual((sold.seller_name, sold.seller_email), (False, False))
        self.assertFalse(refund.partner_name or refund.partner_email)
        self.assertEqual((refund.amount, refund.state, refund.kind, refund.order_id), refund_kept)
        for listing, values in kept.items():
            self.assertEqual((listing.state, listing.price, listing.seller_payout, listing.buyer_partner_id), values)
        self.assertIn(f"Anonymised buyer {self.buyer.id}", str(bought.message_ids.mapped("body")))
        self.assertEqual(len(refund.activity_ids), 2, "the to-dos stay, without her name")
        self.assertFalse(entry.exists(), "her waiting-list entry is gone")
        self.assertEqual(offered.offer_waitlist_id, other_entry, "her offer went to the next in line")
        self.assertEqual(other_entry.state, "offered")
        # Nobody else lost anything.
        self.assertEqual((bought.seller_name, bought.seller_email), ("Sacha Vendeur", "sacha@example.com"))
        self.assertEqual(other_entry.name, "Dominique Autre")
        self.assertEqual(sold.buyer_partner_id.name, "Alex Acheteur")
        self.assertTrue(self._leftovers("Sacha Vendeur", tables=("soticket_resale_listing",)))
