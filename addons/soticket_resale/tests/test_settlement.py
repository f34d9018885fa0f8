# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import date

from odoo import fields
from odoo.addons.soticket_base.tools import ticket_code
from odoo.tests import tagged

from ..models.soticket_resale_listing import SoticketResaleUnavailable
from .common import SoticketResaleCase


@tagged("post_install", "-at_install")
class TestResaleSettlement(SoticketResaleCase):

    def _assert_code(self, ticket, status):
        result = ticket_code.verify(ticket.ticket_code, self.env["soticket.signing.key"].public_key())
        self.assertEqual(result.status, status)
        return result

    def test_purchase_revokes_old_code_and_issues_new_ticket(self):
        old_code = self.seller_ticket.ticket_code
        old_version = self.seller_ticket.ticket_code_version
        old_barcode = self.seller_ticket.barcode
        old_url = self.seller_ticket._get_eticket_url()
        listing = self._list()
        order = self._buy(listing)

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_total, 25.0, "the buyer paid the face value")
        self.assertEqual(listing.state, "sold")
        self.assertEqual(listing.buyer_order_id, order)
        self.assertEqual(listing.buyer_partner_id, self.resale_buyer)

        # The seller's ticket is dead: archived, revoked, its code on the revocation list.
        seller_ticket = self.seller_ticket.with_context(active_test=False)
        self.assertFalse(seller_ticket.active)
        self.assertEqual(seller_ticket.ticket_state, "revoked")
        self.assertTrue(seller_ticket.refunded, "the revenue statements count its price as refunded")
        revocation = self._revocations(seller_ticket)
        self.assertEqual(len(revocation), 1)
        self.assertEqual((revocation.code, revocation.code_version, revocation.reason),
                         (old_code, old_version, "resold"))
        self.assertEqual(revocation.barcode, old_barcode, "the stock barcode is revoked with the code")
        self.assertNotEqual(listing.new_registration_id.barcode, old_barcode)
        self.assertFalse(self.env["event.registration"].search([("ticket_code", "=", old_code)]),
                         "no active ticket answers to the old code")
        self.assertEqual(self.seller_ticket._get_eticket_url(), old_url,
                         "the old link still points at the revoked ticket, never at the new one")

        # The buyer's ticket is a new registration with a new, valid code.
        new_ticket = listing.new_registration_id
        self.assertTrue(new_ticket)
        self.assertNotEqual(new_ticket.id, seller_ticket.id)
        self.assertNotEqual(new_ticket.ticket_code, old_code)
        self.assertEqual(new_ticket.ticket_state, "valid")
        self.assertEqual(new_ticket.sale_channel, "resale")
        self.assertEqual(new_ticket.price_paid, 25.0, "its price paid is the face value")
        self.assertEqual((new_ticket.partner_id, new_ticket.email), (self.resale_buyer, "alex@example.com"))
        self.assertEqual((new_ticket.event_id, new_ticket.event_ticket_id), (self.concert, self.full_price))
        self.assertEqual(new_ticket.sale_order_id, order)
        self.assertEqual(new_ticket.soticket_resale_origin_id, listing)
        payload = self._assert_code(new_ticket, "valid").payload
        self.assertEqual((payload.ticket_id, payload.category_id), (new_ticket.id, self.full_price.id))
        self.assertEqual(self.concert.seats_taken, 1, "the resale took the seller's seat, no extra seat")

        # The seller's refund: face value minus the seller's fee, for staff to pay (no online payment here).
        refund = listing.refund_ids
        self.assertEqual(len(refund), 1)
        self.assertEqual((refund.kind, refund.amount, refund.state, refund.method),
                         ("seller_payout", 23.5, "to_pay", "manual"))
        self.assertEqual(refund.order_id, self.seller_order)
        self.assertEqual(listing.refund_state, "to_pay")
        self.assertTrue(refund.activity_ids, "staff get a to-do to pay it")
        refund.action_mark_paid()
        self.assertEqual((refund.state, listing.refund_state), ("done", "done"))

        # Logged on both tickets and the listing.
        self.assertIn("Resold through", seller_ticket.message_ids[0].body)
        self.assertIn("Issued by resale", new_ticket.message_ids.mapped("body")[0])
        self.assertIn("Sold to Alex Acheteur", " ".join(listing.message_ids.mapped("body")))
        # The seller is told by e-mail.
        mail = self.env["mail.mail"].search([("model", "=", listing._name), ("res_id", "=", listing.id)])
        self.assertEqual(mail.email_to, "sacha@example.com")
        self.assertIn("23.50", mail.body_html)

    def test_resale_of_a_sold_out_category(self):
        self.full_price.seats_max = 2
        self._sold_ticket(self.buyer)
        self.assertTrue(self.full_price.is_sold_out)
        order = self._buy(self._list())
        self.assertEqual(order.state, "sale")
        self.full_price.invalidate_recordset()
        self.assertEqual(self.full_price.seats_taken, 2)

    def test_second_order_for_a_sold_listing_is_not_confirmed(self):
        listing = self._list()
        late = self._buyer_cart(self.buyer)
        late._soticket_resale_add(listing)
        # Its hold lapses; another buyer takes the ticket and pays.
        listing.reserved_until = fields.Datetime.now()
        first = self._buy(listing)
        self.assertEqual(first.state, "sale")
        with self.assertRaisesRegex(SoticketResaleUnavailable, "was bought by another buyer"):
            late.action_confirm()
        self.assertEqual(late.state, "draft")
        self.assertEqual(self.env["event.registration"].search_count(
            [("soticket_resale_origin_id", "=", listing.id)]), 1, "exactly one ticket issued")
        self.assertIn("was bought by another buyer", " ".join(late._soticket_sold_out_lines()))

    def test_ticket_admitted_while_listed_cannot_be_sold(self):
        listing = self._list()
        cart = self._buyer_cart()
        cart._soticket_resale_add(listing)
        self.seller_ticket.action_set_done()
        with self.assertRaisesRegex(SoticketResaleUnavailable, "is no longer available"):
            cart.action_confirm()
        self.assertEqual(self.seller_ticket.ticket_state, "admitted")

    def test_fee_paid_by_buyer_is_on_their_line(self):
        self.company.soticket_resale_fee_payer = "buyer"
        listing = self._list()
        order = self._buy(listing)
        self.assertEqual(order.amount_total, 26.5, "face value 25.00 + fee 1.50")
        self.assertEqual(listing.new_registration_id.price_paid, 25.0, "the ticket's price stays the face value")
        self.assertEqual(listing.refund_ids.amount, 25.0, "the seller gets the face value back")

    def test_revenue_statement_shows_resale_fees(self):
        today = date.today()
        period = (today.replace(month=1, day=1), today.replace(month=12, day=31))
        Statement = self.env["soticket.revenue.statement"]
        empty = Statement._empty_line("")

        def lines():
            return {line["channel"]: line for line in Statement._statement_lines(*period)}

        self.seller_ticket._ensure_ticket_number()
        before = lines()
        listing = self._list()
        self._buy(listing)
        # Sold tickets get their number and sale date after commit; in a test, force them.
        listing.new_registration_id._ensure_ticket_number()
        after = lines()

        def delta(channel, key):
            return after.get(channel, empty)[key] - before.get(channel, empty)[key]

        self.assertAlmostEqual(delta("resale_fee", "gross_taxed"), 1.5, msg="the fee is a channel of its own")
        self.assertEqual(delta("resale_fee", "tickets_sold"), 0, "fees are not tickets")
        self.assertEqual(delta("resale", "tickets_sold"), 1)
        self.assertAlmostEqual(delta("resale", "gross_taxed"), 25.0)
        self.assertAlmostEqual(delta("backoffice", "refunds_taxed"), 25.0, msg="the seller's ticket counts as refunded")
        payload = Statement._statement_payload(self.env.company, *period, list(after.values()),
                                               fields.Datetime.now())
        before_payload = Statement._statement_payload(self.env.company, *period, list(before.values()),
                                                      fields.Datetime.now())
        self.assertAlmostEqual(
            payload["totals"]["resale_fees_taxed"] - before_payload["totals"]["resale_fees_taxed"], 1.5)

    def test_refund_through_payment_provider(self):
        provider = self.env.ref("payment.payment_provider_demo")
        provider.write({"state": "test"})
        self.assertEqual(provider.support_refund, "partial")
        tx = self.env["payment.transaction"].create({
            "provider_id": provider.id, "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "amount": 25.0, "currency_id": self.seller_order.currency_id.id, "partner_id": self.seller.id,
            "reference": "SELLER-TX", "sale_order_ids": [fields.Command.set(self.seller_order.ids)],
        })
        tx._set_done()
        listing = self._list()
        self._buy(listing)
        refund = listing.refund_ids
        self.assertEqual((refund.method, refund.source_transaction_id, refund.state), ("provider", tx, "to_pay"))
        self.assertFalse(refund.activity_ids, "nothing for the staff to do")
        # After the settlement commits, the cron asks the provider.
        self.env["soticket.resale.refund"]._cron_process_refunds()
        self.assertEqual(refund.refund_transaction_id.operation, "refund")
        self.assertEqual(refund.refund_transaction_id.amount, -23.5)
        self.assertEqual(refund.state, "done")
        self.assertEqual(listing.refund_state, "done")

    def test_credit_note_when_the_seller_was_invoiced(self):
        invoice = self.seller_order._create_invoices()
        invoice.action_post()
        self._buy(self._list())
        refund = self.seller_ticket.with_context(active_test=False).soticket_resale_listing_ids.refund_ids
        credit_note = refund.credit_note_id
        self.assertEqual((credit_note.move_type, credit_note.state), ("out_refund", "draft"))
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertEqual(credit_note.partner_id, self.seller)
        self.assertAlmostEqual(credit_note.amount_total, 23.5, msg="the ticket back, less the seller's fee")
        self.assertEqual(sorted(credit_note.invoice_line_ids.mapped("price_subtotal")), [-1.5, 25.0])
        self.assertEqual(self.seller_order.invoice_status, invoice.line_ids.sale_line_ids.order_id.invoice_status,
                         "the seller's order is not to invoice again")
        refund.action_mark_paid()
        self.assertEqual((refund.state, credit_note.state), ("done", "posted"))

    def test_buyer_gets_the_ticket_email_and_seller_none(self):
        self.assertTrue(self.concert.event_mail_ids.filtered(lambda m: m.interval_type == "after_sub"))
        self.concert.event_mail_ids.execute()  # the seller's own ticket e-mail, sent long ago
        listing = self._list()
        self._buy(listing)
        new_ticket = listing.new_registration_id
        domain = [("model", "=", "event.registration"), ("res_id", "in", [new_ticket.id, self.seller_ticket.id])]
        before = self.env["mail.mail"].search(domain)
        # Ticket e-mails go out by the scheduler after the sale commits, as for any sale.
        self.concert.event_mail_ids.execute()
        mails = self.env["mail.mail"].search(domain) - before
        self.assertEqual(mails.mapped("res_id"), [new_ticket.id], "only the buyer's new ticket is e-mailed")
        self.assertIn("alex@example.com", mails.email_to or mails.recipient_ids.mapped("email"))
        self.assertEqual(mails.attachment_ids.mapped("mimetype"), ["application/pdf"])
