# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The door and the website selling the last seats at the same instant, in real transactions.

Each register sale (``pos.order.sync_from_ui``) and each web/back-office confirmation runs in
its own thread, on its own database connection, retried on serialization failures and
committed like an RPC of a production server. The fixtures (a concert, a register with an
open session, draft web orders) are committed through a separate cursor so the threads see
them, and deleted afterwards.
"""
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from psycopg2 import OperationalError

from odoo import Command
from odoo import fields
from odoo.addons.soticket_base.tests.common import SeparateTransactionsMixin
from odoo.exceptions import ValidationError
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE as MAX_TRIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import TransactionCase
from odoo.tests import tagged

from .common import BoxOfficeMixin
from .common import tonight_dates

_logger = logging.getLogger(__name__)
RUSH_TIMEOUT = 240  # seconds; a sale blocked longer than this is a failure, not a hang


@tagged("post_install", "-at_install")
class TestDoorAndWebRush(SeparateTransactionsMixin, BoxOfficeMixin, TransactionCase):
    """Register sales and web confirmations compete for the last seats: never more tickets
    than seats, a refused register sale leaves nothing behind, and the seats a register set
    aside at opening stay its own."""

    def _setup_rush(self, *, seats_max, already_sold, web_buyers, allotment=0):
        now = fields.Datetime.now()
        with self._committed_env() as env:
            start_trigger = env["ir.cron.trigger"].search([], order="id desc", limit=1).id
            product = env["product.product"].create({
                "name": "Rush door ticket", "type": "service", "service_tracking": "event",
                "available_in_pos": True, "list_price": 20.0, "taxes_id": False,
            })
            tonight = tonight_dates(env, now)
            event = env["event.event"].create({
                "name": "Door rush concert",
                "date_begin": tonight[0],
                "date_end": tonight[1],
                "date_tz": "Europe/Paris",
                "seats_limited": True,
                "seats_max": seats_max,
                "event_ticket_ids": [Command.create({"name": "Rush door", "product_id": product.id, "price": 20.0})],
            })
            journal = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
            method = env["pos.payment.method"].create({"name": "Rush card", "journal_id": journal.id})
            config = env["pos.config"].create({"name": "Rush box office", "payment_method_ids": [method.id]})
            config._ensure_access_token()
            if allotment:
                env["soticket.pos.allotment"].create({
                    "config_id": config.id, "event_id": event.id, "quantity": allotment})
            partners = env["res.partner"].create([
                {"name": f"Rush web buyer {index}", "email": f"rush.web{index}@example.com"}
                for index in range(web_buyers + 1)
            ])
            quantities = [already_sold] + [1] * web_buyers
            orders = env["sale.order"].create([{
                "partner_id": partner.id,
                "order_line": [Command.create({
                    "product_id": product.id, "event_id": event.id, "event_ticket_id": event.event_ticket_ids.id,
                    "price_unit": 20.0, "product_uom_qty": qty,
                })],
            } for partner, qty in zip(partners, quantities, strict=True) if qty])
            ids = {"event": event.id, "ticket": event.event_ticket_ids.id, "product": product.id,
                   "method": method.id, "config": config.id, "partners": partners.ids, "orders": orders.ids,
                   "start_trigger": start_trigger, "session": None,
                   "early_orders": orders[:1].ids if already_sold else [],
                   "web_orders": orders[1:].ids if already_sold else orders.ids}
        self.addCleanup(self._close_idle_connections)
        self.addCleanup(self._cleanup_rush, ids)
        if already_sold:
            with self._committed_env() as env:
                env["sale.order"].browse(ids["early_orders"]).action_confirm()
        with self._committed_env() as env:
            ids["session"] = env["pos.session"].create({"config_id": ids["config"], "user_id": env.uid}).id
        with self._committed_env() as env:
            # Opening the register sets its allotment aside (side transaction, committed at once).
            env["pos.session"].browse(ids["session"]).set_opening_control(0, "")
        return ids

    def _cleanup_rush(self, ids):
        with self._committed_env() as env:
            cr = env.cr
            env["event.registration"].with_context(active_test=False).search(
                [("event_id", "=", ids["event"])]).unlink()
            if ids["session"]:
                cr.execute("SELECT id FROM pos_order WHERE session_id = %s", [ids["session"]])
                order_ids = [row[0] for row in cr.fetchall()]
                cr.execute("DELETE FROM pos_payment WHERE pos_order_id = ANY(%s)", [order_ids])
                cr.execute("DELETE FROM pos_order_line WHERE order_id = ANY(%s)", [order_ids])
                cr.execute("DELETE FROM pos_order WHERE id = ANY(%s)", [order_ids])
                cr.execute("DELETE FROM mail_message WHERE model = 'pos.session' AND res_id = %s", [ids["session"]])
                cr.execute("DELETE FROM pos_session WHERE id = %s", [ids["session"]])
            env.invalidate_all()
            env["pos.config"].browse(ids["config"]).unlink()
            env["pos.payment.method"].browse(ids["method"]).unlink()
            orders = env["sale.order"].browse(ids["orders"]).exists()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["event.event"].browse(ids["event"]).unlink()
            env["product.product"].browse(ids["product"]).unlink()
            env["res.partner"].browse(ids["partners"]).unlink()
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [ids["start_trigger"]])
            cr.execute("DELETE FROM soticket_pos_seat_hold WHERE event_id = %s", [ids["event"]])

    # ------------------------------------------------------------------ the competitors
    def _in_own_transaction(self, prepare, act, barrier):
        """Run ``act(env, prepared)`` like an RPC: its own cursor and transaction, retried on
        serialization failures (as odoo.service.model.retrying does), committed at the end.
        ``prepare(env)`` runs first, so each snapshot starts before the others commit."""
        for attempt in range(MAX_TRIES):
            with self._cursor() as cr:
                env = self._env(cr)
                prepared = prepare(env)
                if attempt == 0:
                    barrier.wait(timeout=60)
                try:
                    result = act(env, prepared)
                    env.flush_all()
                    return result
                except OperationalError as exc:
                    if not isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY) or attempt == MAX_TRIES - 1:
                        raise
                    self.retries.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
                    cr.rollback()
            time.sleep(random.uniform(0.0, 0.2 * 2 ** attempt))
        return None

    def _register_sale(self, ids, barrier):
        """One door sale of one ticket, as the register's RPC."""
        order_uuid = None

        def prepare(env):
            session = env["pos.session"].browse(ids["session"])
            ticket = env["event.event.ticket"].browse(ids["ticket"])
            return self.order_data(session, [self.ticket_line(ticket, 1)])

        def act(env, data):
            nonlocal order_uuid
            order_uuid = data["uuid"]
            env["pos.order"].sync_from_ui([data])

        try:
            self._in_own_transaction(prepare, act, barrier)
            return "pos", "sold", order_uuid, ""
        except ValidationError as exc:
            return "pos", "refused", order_uuid, str(exc.args[0])
        except Exception as exc:  # any other failure is what the test must report
            return "pos", "error", order_uuid, f"{type(exc).__name__}: {exc}"

    def _web_sale(self, order_id, barrier):
        def prepare(env):
            order = env["sale.order"].browse(order_id)
            order.order_line.mapped("event_ticket_id.name")
            return order

        try:
            self._in_own_transaction(prepare, lambda env, order: order.action_confirm(), barrier)
            return "web", "sold", order_id, ""
        except ValidationError as exc:
            return "web", "refused", order_id, str(exc.args[0])
        except Exception as exc:
            return "web", "error", order_id, f"{type(exc).__name__}: {exc}"

    def _rush(self, ids, register_sales):
        self.retries = []
        total = register_sales + len(ids["web_orders"])
        barrier = threading.Barrier(total)
        with ThreadPoolExecutor(max_workers=total) as pool:
            futures = [pool.submit(self._register_sale, ids, barrier) for _index in range(register_sales)]
            futures += [pool.submit(self._web_sale, order_id, barrier) for order_id in ids["web_orders"]]
            deadline = time.monotonic() + RUSH_TIMEOUT
            return [future.result(timeout=max(deadline - time.monotonic(), 1)) for future in futures]

    def _assert_outcome(self, ids, outcomes, *, seats_left):
        errors = [o for o in outcomes if o[1] == "error"]
        _logger.info("Rush: %s sales, %s retried after a serialization failure: %s",
                     len(outcomes), len(self.retries), sorted(set(self.retries)))
        self.assertEqual(errors, [], "no sale may fail on a serialization error, deadlock or timeout")
        sold = [o for o in outcomes if o[1] == "sold"]
        refused = [o for o in outcomes if o[1] == "refused"]
        self.assertEqual(len(sold), seats_left, "exactly the seats left are sold, door and web together")
        for channel, _kind, _ref, message in refused:
            self.assertIn("Sold out", message)
            if channel == "pos":
                self.assertTrue(message.startswith("Order "), message)
        with self._committed_env() as env:
            event = env["event.event"].browse(ids["event"])
            self.assertEqual(event.seats_taken, event.seats_max, "full, never beyond")
            tickets = env["event.registration"].search([("event_id", "=", event.id), ("state", "in", ("open", "done"))])
            self.assertEqual(len(tickets), event.seats_max)
            refused_uuids = [ref for channel, kind, ref, _m in outcomes if channel == "pos" and kind == "refused"]
            self.assertFalse(env["pos.order"].search([("uuid", "in", refused_uuids)]),
                             "a refused register sale leaves no order behind")
            sold_uuids = [ref for channel, kind, ref, _m in outcomes if channel == "pos" and kind == "sold"]
            pos_orders = env["pos.order"].search([("session_id", "=", ids["session"])])
            self.assertEqual(sorted(pos_orders.mapped("uuid")), sorted(sold_uuids))
            self.assertEqual(len(pos_orders.lines.event_registration_ids), len(sold_uuids))
            self.assertEqual(set(pos_orders.lines.event_registration_ids.mapped("sale_channel")),
                             {"box_office"} if pos_orders else set())
            web_sold = [ref for channel, kind, ref, _m in outcomes if channel == "web" and kind == "sold"]
            self.assertEqual(set(env["sale.order"].browse(web_sold).mapped("state")), {"sale"} if web_sold else set())
            env.cr.execute("SELECT count(*) FROM soticket_seat_hold")
            self.assertEqual(env.cr.fetchone()[0], 0, "no seat hold outlives its transaction")
        return sold

    # ------------------------------------------------------------------ scenarios
    def test_last_seats_door_against_web(self):
        # 8 buyers (2 connections each: PostgreSQL is shared with other test runs) for 3 seats.
        ids = self._setup_rush(seats_max=10, already_sold=7, web_buyers=4)
        outcomes = self._rush(ids, register_sales=4)
        sold = self._assert_outcome(ids, outcomes, seats_left=3)
        self.assertTrue(sold)

    def test_allotment_is_kept_for_the_register_under_a_rush(self):
        ids = self._setup_rush(seats_max=6, already_sold=0, web_buyers=6, allotment=3)
        with self._committed_env() as env:
            allotment = env["pos.session"].browse(ids["session"]).soticket_allotment_ids
            self.assertEqual((allotment.quantity, allotment.state), (3, "open"))
        outcomes = self._rush(ids, register_sales=4)
        sold = self._assert_outcome(ids, outcomes, seats_left=6)
        door = [o for o in sold if o[0] == "pos"]
        web = [o for o in sold if o[0] == "web"]
        self.assertGreaterEqual(len(door), 3, "the seats set aside at opening are the register's")
        self.assertLessEqual(len(web), 3, "the website never sells the register's allotment")
