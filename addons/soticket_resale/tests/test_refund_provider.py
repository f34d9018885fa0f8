# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import fields
from odoo.tests import tagged

from .common import SoticketResaleCase

COMMIT_MARK = "soticket_test_refund_commit"


@tagged("post_install", "-at_install")
class TestResaleProviderRefund(SoticketResaleCase):
    """Refunds through the payment provider: one request per refund, committed around it, and a
    failure (declined, cancelled, answer lost) becomes a refund by hand with a to-do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test"})

    def setUp(self):
        super().setUp()
        self.calls = []
        self.answer = "done"
        Transaction = type(self.env["payment.transaction"])
        test = self

        def send_refund_request(tx, amount_to_refund=None, **kwargs):
            """The provider: counts the requests and answers ``test.answer``."""
            test.calls.append(tx.reference)
            refund_tx = tx._create_child_transaction(amount_to_refund or tx.amount, is_refund=True)
            if test.answer == "raise":
                raise ValueError("Card issuer unavailable")
            {"done": refund_tx._set_done, "pending": refund_tx._set_pending}[test.answer]()
            return refund_tx

        self.patch(Transaction, "_send_refund_request", send_refund_request)
        # A commit is a savepoint here: "crashing" rolls back to the last one, as a real crash would.
        self.commits = 0

        def commit(refund):
            test.commits += 1
            refund.env.flush_all()
            refund.env.cr.execute(f"SAVEPOINT {COMMIT_MARK}")

        self.startPatcher(patch.object(type(self.env["soticket.resale.refund"]), "_soticket_commit", commit,
                                       create=True))

    def _refund(self, reference):
        tx = self.env["payment.transaction"].create({
            "provider_id": self.provider.id, "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "amount": 25.0, "currency_id": self.seller_order.currency_id.id, "partner_id": self.seller.id,
            "reference": reference, "sale_order_ids": [fields.Command.set(self.seller_ticket.sale_order_id.ids)],
        })
        tx._set_done()
        listing = self._list()
        self._buy(listing)
        refund = listing.refund_ids
        self.assertEqual((refund.method, refund.state), ("provider", "to_pay"))
        return refund

    def _assert_manual_with_todo(self, refund, *fragments):
        self.assertEqual((refund.method, refund.state), ("manual", "to_pay"))
        self.assertEqual(refund.listing_id.refund_state, "to_pay")
        todo = refund.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertIn("Sacha Vendeur", todo.summary)
        for fragment in fragments:
            self.assertIn(fragment, refund.note)

    def test_provider_error_or_cancel_becomes_a_manual_refund(self):
        for final in ("error", "cancel"):
            with self.subTest(final=final):
                refund = self._refund(f"SELLER-{final}")
                self.answer = "pending"
                self.env["soticket.resale.refund"]._cron_process_refunds()
                self.assertEqual(refund.state, "requested")
                self.assertEqual(refund.refund_transaction_id.state, "pending")
                self.assertFalse(refund.activity_ids)
                # The provider later tells the refund failed.
                if final == "error":
                    refund.refund_transaction_id._set_error("Card expired")
                else:
                    refund.refund_transaction_id._set_canceled()
                self.env["soticket.resale.refund"]._cron_process_refunds()
                self._assert_manual_with_todo(refund, "did not refund this payment",
                                              refund.refund_transaction_id.reference)
                self.assertEqual(len(self.calls), 1, "asked once")
                # It is not asked again, and the staff marks it paid.
                self.env["soticket.resale.refund"]._cron_process_refunds()
                self.assertEqual(len(self.calls), 1)
                refund.action_mark_paid()
                self.assertEqual(refund.state, "done")
                self.assertFalse(refund.activity_ids)
                self.calls.clear()
                self.seller_ticket = self._sold_ticket(self.seller)

    def test_provider_refusal_becomes_a_manual_refund(self):
        refund = self._refund("SELLER-RAISE")
        self.answer = "raise"
        self.env["soticket.resale.refund"]._cron_process_refunds()
        self._assert_manual_with_todo(refund, "Card issuer unavailable")
        self.assertFalse(refund.refund_transaction_id)

    def test_one_provider_call_per_refund_whatever_rolls_back(self):
        first = self._refund("SELLER-ONE")
        self.seller_ticket = self._sold_ticket(self.seller)
        second = self._refund("SELLER-TWO")
        # The key is committed before the provider is asked, the answer right after.
        self.env["soticket.resale.refund"]._cron_process_refunds()
        self.assertEqual(sorted(self.calls), ["SELLER-ONE", "SELLER-TWO"])
        self.assertEqual(self.commits, 4, "two commits per refund")
        self.assertEqual((first.state, second.state), ("done", "done"))
        self.assertTrue(first.provider_request_key and second.provider_request_key)
        self.assertNotEqual(first.provider_request_key, second.provider_request_key)

    def test_answer_lost_after_the_request_is_never_sent_again(self):
        refund = self._refund("SELLER-LOST")
        commit = type(refund)._soticket_commit

        def commit_then_fail(this):
            if self.commits:  # the commit after the provider's answer fails (e.g. a serialization failure)
                raise pg_errors.SerializationFailure("could not serialize access")
            commit(this)

        self.patch(type(refund), "_soticket_commit", commit_then_fail)
        # (not assertRaises: it rolls back to a savepoint of its own)
        crashed = False
        try:
            self.env["soticket.resale.refund"]._cron_process_refunds()
        except pg_errors.SerializationFailure:
            crashed = True
        self.assertTrue(crashed)
        self.assertEqual(self.calls, ["SELLER-LOST"])
        self.assertEqual(self.commits, 1, "the key was committed")
        # What the crashed run did after its last commit is lost; the key it committed is not.
        self.env.cr.execute(f"ROLLBACK TO SAVEPOINT {COMMIT_MARK}")
        self.env.transaction.clear()  # the cache and pending writes of the lost work go too
        self.patch(type(refund), "_soticket_commit", commit)
        self.assertEqual((refund.state, refund.method), ("to_pay", "provider"))
        self.assertTrue(refund.provider_request_key)
        self.assertFalse(refund.refund_transaction_id)
        # The next run does not ask the provider again: the staff checks and refunds by hand.
        self.env["soticket.resale.refund"]._cron_process_refunds()
        self.assertEqual(self.calls, ["SELLER-LOST"], "exactly one provider call")
        self._assert_manual_with_todo(refund, "its answer was lost", refund.provider_request_key)
