# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Seats held in web carts, in real, separate transactions: buyers fill their carts at the same
time, then pay; the seats held are exactly the seats sold, and whoever could not hold their
seats is told "sold out" before paying."""
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import OperationalError

from odoo import Command
from odoo import fields
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE as MAX_TRIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import tagged

from ..models.sale_order_website import SoticketSoldOut
from .common import SeparateTransactionsMixin
from .common import SoticketCase

# Buyers running at once: each holds two connections (its transaction and the seat check's).
PARALLEL_BUYERS = 6


class CartRushMixin(SeparateTransactionsMixin):
    """Web buyers with carts of 1 to 3 tickets of one category, committed, deleted afterwards."""

    def _create_carts(self, event_id, ticket_id, buyers, seed=11):
        rng = random.Random(seed)
        with self._committed_env() as env:
            ticket = env["event.event.ticket"].browse(ticket_id)
            partners = env["res.partner"].create([
                {"name": f"Cart buyer {index}", "email": f"cart.buyer{index}@example.com"} for index in range(buyers)])
            orders = env["sale.order"].create([{
                "partner_id": partner.id,
                "order_line": [Command.create({
                    "product_id": ticket.product_id.id, "event_id": event_id, "event_ticket_id": ticket_id,
                    "price_unit": ticket.price, "product_uom_qty": rng.randint(1, 3),
                })],
            } for partner in partners])
            provider = env.ref("payment.payment_provider_demo")
            provider_values = {"state": provider.state, "is_published": provider.is_published}
            provider.write({"state": "test", "is_published": True})
            ids = {"orders": orders.ids, "partners": partners.ids, "provider_values": provider_values,
                   "qty": {order.id: int(order.order_line.product_uom_qty) for order in orders}}
        self.addCleanup(self._close_idle_connections)
        self.addCleanup(self._delete_carts, ids)
        return ids

    def _delete_carts(self, ids):
        with self._committed_env() as env:
            orders = env["sale.order"].browse(ids["orders"])
            env.cr.execute("DELETE FROM soticket_seat_hold WHERE sale_order_id = ANY(%s)", [orders.ids])
            txs = orders.transaction_ids
            env.cr.execute("DELETE FROM payment_transaction WHERE source_transaction_id = ANY(%s)", [txs.ids])
            env.cr.execute("DELETE FROM payment_transaction WHERE id = ANY(%s)", [txs.ids])
            env.invalidate_all()
            env["event.registration"].with_context(active_test=False).search(
                [("sale_order_id", "in", orders.ids)]).unlink()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "in", ids["orders"])]).unlink()
            env["res.partner"].browse(ids["partners"]).unlink()
            env.ref("payment.payment_provider_demo").write(ids["provider_values"])

    def _retrying(self, act):
        """``act(env)`` like an RPC: its own transaction, retried on serialization failures, committed."""
        # Mails are sent on the same cursor, as in every test (not by an after-commit hook that
        # would wait for the registry the test runner holds).
        threading.current_thread().testing = True
        for attempt in range(MAX_TRIES):
            with self._cursor() as cr:
                env = self._env(cr)
                try:
                    result = act(env)
                    env.flush_all()
                    return result
                except OperationalError as exc:
                    if not isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY) or attempt == MAX_TRIES - 1:
                        raise
                    cr.rollback()
            time.sleep(random.uniform(0.0, 0.2 * 2 ** attempt))
        return None

    def _fill_cart(self, order_id):
        """The buyer's cart holds its seats (as the cart page does): True if held."""
        return not self._retrying(lambda env: env["sale.order"].browse(order_id)._soticket_seat_shortages())

    def _pay(self, order_id):
        """The buyer goes to payment: refused before paying if the seats are gone, else pays with the
        demo provider and the payment confirms the order (as the payment's post-processing does)."""
        def check(env):
            try:
                env["sale.order"].browse(order_id)._soticket_check_seats_before_payment()
            except SoticketSoldOut:
                return False
            return True
        if not self._retrying(check):
            return "sold out before paying"

        def pay(env):
            order = env["sale.order"].browse(order_id)
            tx = env["payment.transaction"].create({
                "provider_id": env.ref("payment.payment_provider_demo").id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "amount": order.amount_total, "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id, "operation": "online_direct",
                "reference": env["payment.transaction"]._compute_reference("demo", prefix=order.name),
                "sale_order_ids": [Command.set(order.ids)],
            })
            tx._set_done()
            tx._check_amount_and_confirm_order()
            return order.state
        state = self._retrying(pay)
        return {"sale": "confirmed", "cancel": "refunded"}.get(state, state)

    def _cart_rush(self, order_ids):
        """Every buyer fills their cart at once, then every buyer goes to pay at once. (The shop's
        order confirmation e-mail, a PDF quotation rendered in each thread, is left out: compiling
        QWeb templates from many threads at once is not what this test is about.)"""
        sale_order = type(self.env["sale.order"])
        patcher = patch.object(sale_order, "_send_order_confirmation_mail", lambda self: None)
        patcher.start()
        self.addCleanup(patcher.stop)
        with ThreadPoolExecutor(PARALLEL_BUYERS) as pool:
            held = dict(zip(order_ids, pool.map(self._fill_cart, order_ids), strict=True))
        with ThreadPoolExecutor(PARALLEL_BUYERS) as pool:
            paid = dict(zip(order_ids, pool.map(self._pay, order_ids), strict=True))
        return held, paid

    def _assert_cart_rush(self, ids, held, paid, seats):
        qty = ids["qty"]
        held_seats = sum(qty[oid] for oid, ok in held.items() if ok)
        refused = [oid for oid, ok in held.items() if not ok]
        self.assertLessEqual(held_seats, seats)
        self.assertTrue(refused, "more seats asked than there are")
        self.assertLess(seats - held_seats, min(qty[oid] for oid in refused),
                        "a cart is refused only when the seats left are fewer than it asks")
        self.assertEqual({oid: paid[oid] for oid, ok in held.items() if ok},
                         {oid: "confirmed" for oid, ok in held.items() if ok},
                         "every buyer who held their seats gets them")
        self.assertEqual({oid: paid[oid] for oid in refused}, dict.fromkeys(refused, "sold out before paying"),
                         "nobody pays for seats they could not hold")
        with self._committed_env() as env:
            orders = env["sale.order"].browse(ids["orders"])
            sold = sum(len(order.order_line.registration_ids.filtered(lambda r: r.state == "open"))
                       for order in orders)
            self.assertEqual(sold, held_seats, "exactly the seats held are sold")
            unpaid_and_unrefunded = orders.filtered(lambda o: o.state != "sale" and o.amount_paid)
            self.assertFalse(unpaid_and_unrefunded, "no paid order is left without tickets")
        return held_seats


@tagged("post_install", "-at_install")
class TestCartHoldRush(CartRushMixin, SoticketCase):

    def test_sixty_carts_for_forty_seats(self):
        now = fields.Datetime.now()
        with self._committed_env() as env:
            event = env["event.event"].create({
                "name": "Cart rush concert", "date_begin": now + timedelta(days=20),
                "date_end": now + timedelta(days=20, hours=3), "seats_limited": True, "seats_max": 40,
                "event_ticket_ids": [Command.create({
                    "name": "Cart rush full price", "product_id": self.ticket_product.id, "price": 20.0})],
            })
            event_id, ticket_id = event.id, event.event_ticket_ids.id
        self.addCleanup(self._delete_event, event_id)
        ids = self._create_carts(event_id, ticket_id, 60)
        held, paid = self._cart_rush(ids["orders"])
        self._assert_cart_rush(ids, held, paid, 40)

    def _delete_event(self, event_id):
        with self._committed_env() as env:
            env["event.event"].browse(event_id).unlink()
