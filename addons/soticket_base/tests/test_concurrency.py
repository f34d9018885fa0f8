# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""An on-sale rush with real, separate transactions.

Every buyer confirms its order in its own thread, on its own database connection,
and commits, the way concurrent HTTP requests do on a production server. The
fixtures are committed through a separate cursor (the threads must see them) and
deleted afterwards, so the rest of the suite never sees them.
"""
import threading
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..tools import ticket_code
from .common import SeparateTransactionsMixin
from .common import SoticketCase

RUSH_TIMEOUT = 180  # seconds; a confirmation blocked longer than this is a failure, not a hang


@tagged("post_install", "-at_install")
class TestSeatRush(SeparateTransactionsMixin, SoticketCase):
    """Many buyers confirm at the same instant: the seats sold never exceed the
    capacity, the refused ones get a clean "Sold out", and the numbering stays
    uninterrupted."""

    def _setup_rush(self, *, seats_max, already_sold, buyers, category_seats_max=0):
        """Commit an event with the production ticket e-mail, ``already_sold`` confirmed
        tickets and one draft order of one ticket per buyer; delete it all after the test."""
        now = fields.Datetime.now()
        with self._committed_env() as env:
            self.assertTrue(env["ir.config_parameter"].sudo().get_param("event.event_mail_async"),
                            "ticket e-mails go out after the sale commits, as installed")
            start_trigger = env["ir.cron.trigger"].search([], order="id desc", limit=1).id
            base_number = self._max_ticket_number(env.cr, env.company.id)
            event = env["event.event"].create({
                "name": "Rush concert",
                "date_begin": now + timedelta(days=20),
                "date_end": now + timedelta(days=20, hours=3),
                "seats_limited": bool(seats_max),
                "seats_max": seats_max,
                "event_ticket_ids": [(0, 0, {
                    "name": "Rush full price", "product_id": self.ticket_product.id, "price": 20.0,
                    "seats_max": category_seats_max,
                })],
                "event_mail_ids": [(5, 0, 0), (0, 0, {
                    "interval_type": "after_sub", "interval_unit": "now", "interval_nbr": 0,
                    "template_ref": f"mail.template,{env.ref('event.event_subscription').id}",
                })],
            })
            partners = env["res.partner"].create([
                {"name": f"Rush buyer {index}", "email": f"rush.buyer{index}@example.com"}
                for index in range(buyers + 1)
            ])
            # partners[0] bought the seats sold before the rush; each other partner orders one ticket.
            quantities = [already_sold] + [1] * buyers
            orders = env["sale.order"].create([{
                "partner_id": partner.id,
                "order_line": [(0, 0, {
                    "product_id": self.ticket_product.id, "event_id": event.id,
                    "event_ticket_id": event.event_ticket_ids.id, "price_unit": 20.0, "product_uom_qty": qty,
                })],
            } for partner, qty in zip(partners, quantities, strict=True) if qty])
            ids = {"event": event.id, "ticket": event.event_ticket_ids.id, "partners": partners.ids,
                   "orders": orders.ids, "start_trigger": start_trigger, "base_number": base_number,
                   "company": env.company.id, "already_sold": already_sold,
                   "early_orders": orders[:1].ids if already_sold else [],
                   "buyer_orders": orders[1:].ids if already_sold else orders.ids}
        self.addCleanup(self._cleanup_rush, ids)
        if already_sold:
            # The seats sold before the rush, confirmed and committed like any sale.
            with self._committed_env() as env:
                env["sale.order"].browse(ids["early_orders"]).action_confirm()
        return ids

    def _cleanup_rush(self, ids):
        with self._committed_env() as env:
            env["event.registration"].with_context(active_test=False).search(
                [("event_id", "=", ids["event"])]).unlink()
            orders = env["sale.order"].browse(ids["orders"]).exists()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["event.event"].browse(ids["event"]).unlink()
            env["res.partner"].browse(ids["partners"]).unlink()
            env.cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [ids["start_trigger"]])

    @staticmethod
    def _max_ticket_number(cr, company_id):
        cr.execute("SELECT coalesce(max(ticket_number), 0) FROM event_registration WHERE company_id = %s",
                   [company_id])
        return cr.fetchone()[0]

    def _confirm_in_own_transaction(self, order_id, barrier):
        """One buyer: its own connection and transaction, committed if the confirmation passes."""
        try:
            with self._committed_env() as env:
                # Bounded waits: a lock held too long fails the buyer instead of hanging the suite.
                env.cr.execute("SET LOCAL lock_timeout = '60s'")
                order = env["sale.order"].browse(order_id)
                order.order_line.mapped("event_ticket_id.name")  # the snapshot starts before the others commit
                barrier.wait(timeout=60)
                order.action_confirm()
            return "confirmed", ""
        except ValidationError as exc:
            return "refused", str(exc.args[0])
        except Exception as exc:  # any other failure is what the test must report
            return "error", f"{type(exc).__name__}: {exc}"

    def _rush(self, order_ids):
        """Confirm every order at once, each in its own thread and transaction: {order id: (outcome, message)}."""
        barrier = threading.Barrier(len(order_ids))
        outcomes = {}

        def buyer(order_id):
            outcomes[order_id] = self._confirm_in_own_transaction(order_id, barrier)

        # Daemon threads joined with a deadline: a stuck buyer fails the test instead of hanging the run.
        threads = [threading.Thread(target=buyer, args=(order_id,), daemon=True) for order_id in order_ids]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + RUSH_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
        stuck = [order_id for order_id in order_ids if order_id not in outcomes]
        self.assertFalse(stuck, f"{len(stuck)} confirmation(s) still running after {RUSH_TIMEOUT}s")
        return outcomes

    def _wait_numbered(self, event_id, expected, timeout=20):
        """Ticket numbers are given after commit: poll until ``expected`` sold tickets carry one."""
        deadline = time.monotonic() + timeout
        while True:
            with self._committed_env() as env:
                env.cr.execute(
                    "SELECT count(*) FROM event_registration WHERE event_id = %s AND state IN ('open', 'done') "
                    "AND ticket_number IS NOT NULL", [event_id])
                numbered = env.cr.fetchone()[0]
            if numbered >= expected or time.monotonic() > deadline:
                return numbered
            time.sleep(0.2)

    def _assert_rush_outcome(self, ids, outcomes, *, sold, refused_mention):
        """The shared checks of a rush, as a buyer, the box office and the tax inspector see them."""
        confirmed = [oid for oid, (kind, _msg) in outcomes.items() if kind == "confirmed"]
        refused = {oid: msg for oid, (kind, msg) in outcomes.items() if kind == "refused"}
        errors = {oid: msg for oid, (kind, msg) in outcomes.items() if kind == "error"}
        self.assertEqual(errors, {}, "no buyer may fail on a serialization error, deadlock or timeout")
        self.assertEqual(len(confirmed), sold, "exactly the seats left are sold")
        for msg in refused.values():
            self.assertTrue(msg.startswith("Sold out"), msg)
            self.assertIn(refused_mention, msg)
            self.assertIn("0 seat(s) left, 1 asked", msg)

        total = ids["already_sold"] + sold
        self.assertEqual(self._wait_numbered(ids["event"], total), total, "every sold ticket gets its number")
        with self._committed_env() as env:
            event = env["event.event"].browse(ids["event"])
            tickets = env["event.registration"].search([("event_id", "=", event.id)])
            self.assertEqual(len(tickets.filtered(lambda r: r.state == "open")), total)
            self.assertEqual(set(tickets.mapped("ticket_state")), {"valid"})
            self.assertEqual(set(tickets.sale_order_id.ids), set(confirmed) | set(ids["early_orders"]),
                             "only the confirmed orders hold tickets")
            orders = env["sale.order"].browse(ids["buyer_orders"])
            self.assertEqual(set(orders.filtered(lambda o: o.state == "sale").ids), set(confirmed))
            self.assertEqual(set(orders.filtered(lambda o: o.state == "draft").ids), set(refused),
                             "a refused order is left untouched, ready to be retried")
            self.assertEqual(event.seats_taken, total)

            env.cr.execute("SELECT count(*) FROM soticket_seat_hold")
            self.assertEqual(env.cr.fetchone()[0], 0, "no seat hold outlives its transaction")

            # Uninterrupted numbering per venue (CGI art. 290 quater): no gap, no duplicate.
            env.cr.execute("SELECT ticket_number FROM event_registration WHERE company_id = %s "
                           "AND ticket_number IS NOT NULL ORDER BY ticket_number", [ids["company"]])
            numbers = [row[0] for row in env.cr.fetchall()]
            self.assertEqual(numbers, list(range(1, len(numbers) + 1)))
            self.assertEqual(sorted(tickets.mapped("ticket_number")),
                             list(range(ids["base_number"] + 1, ids["base_number"] + total + 1)))

            public = env["soticket.signing.key"].public_key()
            for ticket in tickets:
                result = ticket_code.verify(ticket.ticket_code, public)
                self.assertEqual(result.status, "valid")
                self.assertEqual((result.payload.ticket_id, result.payload.event_id, result.payload.category_id),
                                 (ticket.id, event.id, ids["ticket"]))
        return tickets.ids

    def test_last_ten_seats_for_thirty_buyers(self):
        ids = self._setup_rush(seats_max=15, already_sold=5, buyers=30)
        outcomes = self._rush(ids["buyer_orders"])
        ticket_ids = self._assert_rush_outcome(ids, outcomes, sold=10, refused_mention='"Rush concert"')

        # The ticket e-mail of production: queued by the scheduler after the sale, one per sold
        # ticket with its PDF, none for the refused buyers. Rolled back so nothing is sent.
        cr = self._cursor()
        try:
            env = self._env(cr)
            mail_domain = [("model", "=", "event.registration")]
            self.assertFalse(env["mail.mail"].search(mail_domain + [("res_id", "in", ticket_ids)]),
                             "no e-mail is rendered inside the confirmations")
            env["event.event"].browse(ids["event"]).event_mail_ids.execute()
            mails = env["mail.mail"].search(mail_domain + [("res_id", "in", ticket_ids)])
            self.assertEqual(sorted(mails.mapped("res_id")), sorted(ticket_ids))
            self.assertEqual(set(mails.attachment_ids.mapped("mimetype")), {"application/pdf"})
            self.assertEqual(len(mails.attachment_ids), len(ticket_ids))
        finally:
            cr.rollback()
            cr.close()

    def test_enough_seats_for_everyone(self):
        ids = self._setup_rush(seats_max=30, already_sold=0, buyers=20)
        outcomes = self._rush(ids["buyer_orders"])
        self._assert_rush_outcome(ids, outcomes, sold=20, refused_mention="")

    def test_category_capacity_inside_bigger_event(self):
        ids = self._setup_rush(seats_max=100, already_sold=0, buyers=12, category_seats_max=5)
        outcomes = self._rush(ids["buyer_orders"])
        self._assert_rush_outcome(ids, outcomes, sold=5, refused_mention='"Rush full price" (Rush concert)')
        with self._committed_env() as env:
            self.assertEqual(env["event.event"].browse(ids["event"]).seats_available, 95,
                             "the event itself still has seats for the other categories")
