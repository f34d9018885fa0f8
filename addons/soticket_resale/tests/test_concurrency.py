# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Races on one listing with real, separate transactions.

Each actor (a buyer whose payment confirms, the holder withdrawing) runs in its own
thread, on its own database connection, retried on serialization failures as Odoo retries an
HTTP request, and commits. Fixtures are committed through a separate cursor and deleted
afterwards, so the rest of the suite never sees them.
"""
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from odoo import fields
from odoo.addons.soticket_base.tests.common import SeparateTransactionsMixin
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SoticketResaleCase

RACE_TIMEOUT = 120
MAX_TRIES = 5


@tagged("post_install", "-at_install")
class TestResaleRace(SeparateTransactionsMixin, SoticketResaleCase):

    def _setup_race(self, buyers):
        """Commit an event with one paid ticket on resale and ``buyers`` carts holding it whose holds
        lapsed (so each may pay); delete it all after the test."""
        now = fields.Datetime.now()
        with self._committed_env() as env:
            start_trigger = env["ir.cron.trigger"].search([], order="id desc", limit=1).id
            event = env["event.event"].create({
                "name": "Race concert", "date_begin": now + timedelta(days=20),
                "date_end": now + timedelta(days=20, hours=3), "seats_limited": True, "seats_max": 1,
                "event_ticket_ids": [(0, 0, {"name": "Race full price", "product_id": self.ticket_product.id,
                                             "price": 20.0})],
            })
            partners = env["res.partner"].create([
                {"name": f"Race person {index}", "email": f"race{index}@example.com"} for index in range(buyers + 1)])
            seller_order = env["sale.order"].create({"partner_id": partners[0].id, "order_line": [(0, 0, {
                "product_id": self.ticket_product.id, "event_id": event.id,
                "event_ticket_id": event.event_ticket_ids.id, "price_unit": 20.0, "product_uom_qty": 1})]})
            seller_order.action_confirm()
            seller_ticket = seller_order.order_line.registration_ids
            listing = env["soticket.resale.listing"]._soticket_list(seller_ticket)
            orders = env["sale.order"]
            for partner in partners[1:]:
                order = env["sale.order"].create({"partner_id": partner.id})
                order._soticket_resale_add(listing)
                listing.reserved_until = now - timedelta(minutes=1)  # the hold lapsed while they paid
                orders |= order
            ids = {"event": event.id, "partners": partners.ids, "seller_order": seller_order.id,
                   "seller_ticket": seller_ticket.id, "listing": listing.id, "orders": orders.ids,
                   "start_trigger": start_trigger, "old_code": seller_ticket.ticket_code}
        self.addCleanup(self._cleanup_race, ids)
        return ids

    def _cleanup_race(self, ids):
        with self._committed_env() as env:
            listings = env["soticket.resale.listing"].browse(ids["listing"])
            registrations = env["event.registration"].with_context(active_test=False).search(
                [("event_id", "=", ids["event"])])
            env["mail.mail"].search(["|", "&", ("model", "=", listings._name), ("res_id", "in", listings.ids),
                                     "&", ("model", "=", registrations._name),
                                     ("res_id", "in", registrations.ids)]).unlink()
            listings.refund_ids.unlink()
            # The buyers' lines go first, in SQL: through the ORM their removal would recompute the
            # orders, hence the tickets' status, hence a seat check on a side connection.
            env.cr.execute("DELETE FROM sale_order_line WHERE soticket_resale_listing_id = ANY(%s)", [listings.ids])
            listings.unlink()
            registrations.unlink()
            orders = env["sale.order"].browse(ids["orders"] + [ids["seller_order"]]).exists()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["event.event"].browse(ids["event"]).unlink()
            env["res.partner"].browse(ids["partners"]).unlink()
            env.cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [ids["start_trigger"]])

    def _in_own_transaction(self, action, barrier):
        """One actor: its own connection, retried on serialization failures as Odoo retries an
        HTTP request (odoo.service.model.retrying, whose registry reload would wait here on the
        test runner's registry lock)."""
        cr = self._cursor()
        try:
            env = self._env(cr)
            barrier.wait(timeout=60)
            for attempt in range(1, MAX_TRIES + 1):
                try:
                    env.cr.execute("SET LOCAL lock_timeout = '60s'")
                    action(env)
                    env.cr.commit()
                    return "done", ""
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    env.cr.rollback()
                    env.transaction.clear()
                    if attempt == MAX_TRIES:
                        raise
                    time.sleep(random.uniform(0.0, 0.2 * attempt))
            return "error", "unreachable"
        except (UserError, ValidationError) as exc:
            return "refused", str(exc.args[0])
        except Exception as exc:  # any other failure is what the test must report
            return "error", f"{type(exc).__name__}: {exc}"
        finally:
            cr.close()

    def _race(self, actions):
        barrier = threading.Barrier(len(actions))
        # The loser of a row lock gets a serialization error, logged by the cursor and retried.
        with mute_logger("odoo.sql_db", "odoo.service.model"), ThreadPoolExecutor(max_workers=len(actions)) as pool:
            futures = [pool.submit(self._in_own_transaction, action, barrier) for action in actions]
            deadline = time.monotonic() + RACE_TIMEOUT
            return [future.result(timeout=max(deadline - time.monotonic(), 1)) for future in futures]

    @staticmethod
    def _confirm(order_id, env):
        order = env["sale.order"].browse(order_id)
        order.order_line.mapped("soticket_resale_listing_id.state")  # the snapshot starts before the others commit
        order.action_confirm()

    @staticmethod
    def _withdraw(listing_id, env):
        listing = env["soticket.resale.listing"].browse(listing_id)
        listing.mapped("state")
        listing.action_withdraw()

    def test_two_buyers_one_listing_exactly_one_ticket(self):
        ids = self._setup_race(buyers=2)
        outcomes = self._race([partial(self._confirm, order_id) for order_id in ids["orders"]])
        kinds = sorted(kind for kind, _msg in outcomes)
        self.assertEqual(kinds, ["done", "refused"], outcomes)
        refused_msg = next(msg for kind, msg in outcomes if kind == "refused")
        self.assertIn("was bought by another buyer", refused_msg)

        with self._committed_env() as env:
            listing = env["soticket.resale.listing"].browse(ids["listing"])
            orders = env["sale.order"].browse(ids["orders"])
            winner = orders.filtered(lambda o: o.state == "sale")
            self.assertEqual(len(winner), 1)
            self.assertEqual(listing.state, "sold")
            self.assertEqual(listing.buyer_order_id, winner)
            new_tickets = env["event.registration"].search([("soticket_resale_origin_id", "=", listing.id)])
            self.assertEqual(len(new_tickets), 1, "exactly one ticket issued")
            self.assertEqual(new_tickets.sale_order_id, winner)
            self.assertEqual((orders - winner).state, "draft", "the other order is not confirmed")
            seller_ticket = env["event.registration"].with_context(active_test=False).browse(ids["seller_ticket"])
            self.assertEqual(seller_ticket.ticket_state, "revoked")
            revocations = env["soticket.code.revocation"].search([("registration_id", "=", seller_ticket.id)])
            self.assertEqual(revocations.mapped("code"), [ids["old_code"]])
            self.assertEqual(len(listing.refund_ids), 1, "the seller is refunded once")
            event = env["event.event"].browse(ids["event"])
            self.assertEqual(event.seats_taken, 1, "one seat, one valid ticket")

    def test_withdrawal_racing_a_payment_has_one_outcome(self):
        ids = self._setup_race(buyers=1)
        outcomes = self._race([partial(self._confirm, ids["orders"][0]), partial(self._withdraw, ids["listing"])])
        (pay_kind, pay_msg), (withdraw_kind, withdraw_msg) = outcomes
        self.assertNotIn("error", (pay_kind, withdraw_kind), outcomes)
        self.assertNotEqual(pay_kind, withdraw_kind, "exactly one of them wins")
        with self._committed_env() as env:
            listing = env["soticket.resale.listing"].browse(ids["listing"])
            order = env["sale.order"].browse(ids["orders"][0])
            seller_ticket = env["event.registration"].with_context(active_test=False).browse(ids["seller_ticket"])
            if pay_kind == "done":
                self.assertIn("already bought", withdraw_msg)
                self.assertEqual((listing.state, order.state, seller_ticket.ticket_state),
                                 ("sold", "sale", "revoked"))
            else:
                self.assertIn("was withdrawn by its holder", pay_msg)
                self.assertEqual((listing.state, order.state, seller_ticket.ticket_state),
                                 ("withdrawn", "draft", "valid"))
                self.assertFalse(env["event.registration"].search([("soticket_resale_origin_id", "=", listing.id)]))
