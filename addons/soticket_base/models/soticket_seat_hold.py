# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
import time
from collections import defaultdict
from contextlib import closing
from datetime import timedelta

from psycopg2.errors import LockNotAvailable
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Key space of our transaction-level advisory locks (first int of pg_advisory_xact_lock(int, int)).
SEAT_LOCK_SPACE = 0x50715EA7 & 0x7FFFFFFF
# Key space of the lock a confirming transaction holds on its backend pid until it ends: a refused
# buyer waits on it for the in-flight confirmations that made the difference.
HOLDER_LOCK_SPACE = 0x50715EA9 & 0x7FFFFFFF  # 0x50715EA8 numbers tickets
# A hold whose transaction neither committed nor rolled back by then (killed worker) is ignored.
STALE_HOLD_MINUTES = 10
# How long a refused confirmation waits, at most, for in-flight confirmations to end before the
# refusal is final.
IN_FLIGHT_WAIT_SECONDS = 20
# Cart holds: minutes a ticket put in a cart keeps its seat (setting), and how long the seats of
# an order whose payment is pending or authorised stay held past that (bounded extension).
CART_HOLD_PARAM = "soticket_base.cart_hold_minutes"
CART_HOLD_DEFAULT_MINUTES = 15
PAYMENT_EXTENSION_PARAM = "soticket_base.cart_hold_payment_extension_minutes"
PAYMENT_EXTENSION_DEFAULT_MINUTES = 60


class SoticketSeatHold(models.Model):
    """Seats held outside the committed registrations: one seat count for every channel.

    Two kinds of rows:

    - **confirmation holds** (``registration_id`` set): registrations being confirmed by a
      transaction that has not committed yet. Odoo runs transactions at REPEATABLE READ: a
      transaction that waits for a lock still counts seats from the snapshot it started with, so
      a plain row lock either oversells or ends in serialization errors (stock Odoo does both under
      a rush). The seat check therefore runs in its own short READ COMMITTED transaction on a
      separate connection: under an advisory lock per event it counts the committed seats plus the
      holds of transactions that have not aborted, and commits a hold for the registrations being
      confirmed. Each hold carries its transaction id (``holder_xid``): PostgreSQL says whether it
      is still running, committed or aborted, so an aborted confirmation takes no seat even before
      its holds are removed, and a buyer refused only because of running confirmations waits for
      them (on the lock each holds on its backend pid) and counts again.
    - **cart holds** (``sale_order_line_id`` set): the seats of a web cart, held for a configurable
      time (``soticket_base.cart_hold_minutes``, 15 by default), and longer (bounded) while a
      payment of the order is pending or authorised. An expired hold is ignored by the count (and
      deleted by a cron); the cart asks for its seats again when it is shown or paid.
    """

    _name = "soticket.seat.hold"
    _description = "Seat hold of a cart or of an uncommitted confirmation"
    _log_access = False

    registration_id = fields.Integer("Registration", index=True)
    sale_order_id = fields.Integer("Cart", index=True)
    sale_order_line_id = fields.Integer("Cart line", index=True)
    event_id = fields.Many2one("event.event", required=True, ondelete="cascade", index=True)
    event_ticket_id = fields.Many2one("event.event.ticket", ondelete="cascade", index=True)
    quantity = fields.Integer("Seats", required=True, default=1)
    created_at = fields.Datetime(required=True, default=fields.Datetime.now)
    expires_at = fields.Datetime("Held until")
    holder_xid = fields.Char("Holder transaction")
    holder_pid = fields.Integer("Holder process")

    # ------------------------------------------------------------------ settings
    @api.model
    def _cart_hold_minutes(self):
        value = self.env["ir.config_parameter"].sudo().get_param(CART_HOLD_PARAM, CART_HOLD_DEFAULT_MINUTES)
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return CART_HOLD_DEFAULT_MINUTES

    @api.model
    def _payment_extension_minutes(self):
        value = self.env["ir.config_parameter"].sudo().get_param(
            PAYMENT_EXTENSION_PARAM, PAYMENT_EXTENSION_DEFAULT_MINUTES)
        try:
            return max(int(value), 0)
        except (TypeError, ValueError):
            return PAYMENT_EXTENSION_DEFAULT_MINUTES

    # ------------------------------------------------------------------ confirmation
    @api.model
    def _reserve(self, registrations):
        """Raise a ValidationError if ``registrations`` (confirmed in the current,
        uncommitted transaction) do not fit in their events and categories."""
        registrations = registrations.filtered(lambda r: r.state in ("open", "done") and r.active)
        for event, regs in registrations.grouped("event_id").items():
            limits = self._limits(event, regs.event_ticket_id)
            if not limits:
                continue
            # An event created in this very transaction (or a test transaction that never
            # commits) is invisible to other connections; only this transaction can sell it.
            # While modules install or upgrade (demo or imported sales), this transaction holds schema
            # locks that a second connection would wait on forever; nobody else sells meanwhile.
            if not self._use_side_transaction() or not self._reserve_in_side_transaction(event, regs, limits):
                self._reserve_in_transaction(event, regs, limits)

    def _use_side_transaction(self):
        return not self.env.registry.in_test_mode() and self.env.registry.ready

    @api.model
    def _limits(self, event, tickets):
        """{None: event seats_max, ticket_id: ticket seats_max} for the limited ones, as this transaction sees them."""
        limits = {}
        if event.seats_limited and event.seats_max:
            limits[None] = event.seats_max
        for ticket in tickets:
            if ticket.seats_max:
                limits[ticket.id] = ticket.seats_max
        return limits

    @api.model
    def _side_cursor(self, event):
        """A READ COMMITTED cursor on a new connection that sees ``event``, or None."""
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        # Each statement then sees what other transactions committed, including while we waited.
        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        cr.execute("SET LOCAL lock_timeout = '10s'")
        try:
            cr.execute("SELECT 1 FROM event_event WHERE id = %s", [event.id])
        except LockNotAvailable:
            # This transaction holds a table lock (e.g. a schema change): only it can sell now.
            cr.close()
            return None
        if not cr.fetchone():
            cr.close()
            return None
        return cr

    def _reserve_in_side_transaction(self, event, regs, limits):
        """Check and hold the seats on a separate connection; False if that connection cannot see the event."""
        # The lock that refused buyers wait on while this transaction runs, and its id for the holds.
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, pg_backend_pid()), txid_current(), pg_backend_pid()",
                            [HOLDER_LOCK_SPACE])
        _lock, xid, pid = self.env.cr.fetchone()
        side_cr = self._side_cursor(event)
        if side_cr is None:
            return False
        order_ids = regs.sudo().sale_order_id.ids
        with closing(side_cr) as cr:
            deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
            while True:
                cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
                count = self._count(cr, event, regs.ids, order_ids)
                missing = self._missing(event, limits, count, self._asked(regs))
                if not missing:
                    break
                cr.commit()  # pylint: disable=invalid-commit
                if not self._in_flight_makes_the_difference(missing, count) or time.monotonic() >= deadline:
                    self._raise_sold_out(event, missing)
                self._wait_for_holders(cr, count["pids"], deadline)
            cr.execute("DELETE FROM soticket_seat_hold WHERE registration_id = ANY(%s)", [regs.ids])
            cr.execute(SQL(
                "INSERT INTO soticket_seat_hold (registration_id, sale_order_id, event_id, event_ticket_id, quantity,"
                " created_at, holder_xid, holder_pid) "
                "SELECT unnest(%s::int[]), unnest(%s::int[]), %s, unnest(%s::int[]), 1,"
                " statement_timestamp() AT TIME ZONE 'UTC', %s, %s",
                regs.ids, [r.sudo().sale_order_id.id or None for r in regs], event.id,
                [r.event_ticket_id.id or None for r in regs], str(xid), pid,
            ))
            cr.commit()  # pylint: disable=invalid-commit
        reg_ids = list(regs.ids)
        dbname = self.env.cr.dbname

        def release():
            with closing(sql_db.db_connect(dbname).cursor()) as release_cr:
                release_cr.execute("DELETE FROM soticket_seat_hold WHERE registration_id = ANY(%s)", [reg_ids])
                release_cr.commit()  # pylint: disable=invalid-commit

        self.env.cr.postcommit.add(release)
        self.env.cr.postrollback.add(release)
        return True

    def _reserve_in_transaction(self, event, regs, limits):
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
        self.env.flush_all()
        count = self._count(self.env.cr, event, regs.ids, regs.sudo().sale_order_id.ids)
        missing = self._missing(event, limits, count, self._asked(regs))
        if missing:
            self._raise_sold_out(event, missing)

    @staticmethod
    def _in_flight_makes_the_difference(missing, count):
        """Would the seats asked fit if the running confirmations all aborted?"""
        return bool(count["pids"]) and all(
            item["left"] + count["in_flight"].get(item["ticket_id"], 0) >= item["asked"] for item in missing)

    @staticmethod
    def _wait_for_holders(cr, pids, deadline):
        """Wait (until ``deadline``) for the transactions holding ``pids``' holder locks to end."""
        for pid in sorted(pids):
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return
            try:
                cr.execute("SELECT set_config('lock_timeout', %s, true)", [f"{remaining_ms}ms"])
                cr.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [HOLDER_LOCK_SPACE, pid])
            except LockNotAvailable:
                cr.rollback()
                return
            cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------ the one seat count
    @api.model
    def _seats_reserved_elsewhere(self, cr, event, regs):
        """Seats set aside outside registrations (e.g. a box-office allotment), read on ``cr``:
        {ticket_id or None (no category): count}. They count as taken for ``regs``."""
        return {}

    @api.model
    def _count(self, cr, event, reg_ids, order_ids):
        """The seats of ``event`` taken by others than registrations ``reg_ids`` and the cart of
        orders ``order_ids``, read on ``cr``: committed tickets, confirmations that have not aborted,
        unexpired cart holds and seats set aside (allotments).

        :return: {"taken": {ticket_id or None: seats}, "in_flight": {ticket_id or None: seats of
                 running confirmations}, "pids": backend pids of those confirmations}
        """
        cr.execute(SQL(
            """
            WITH confirming AS (
                SELECT registration_id, sale_order_id, event_ticket_id, quantity, holder_pid,
                       CASE WHEN holder_xid IS NULL THEN 'in progress'
                            ELSE txid_status(holder_xid::bigint) END AS status
                  FROM soticket_seat_hold
                 WHERE event_id = %(event)s AND registration_id IS NOT NULL
                   AND registration_id <> ALL(%(mine)s)
                   AND created_at > (statement_timestamp() AT TIME ZONE 'UTC') - make_interval(mins => %(stale)s)
            ), live AS (
                SELECT * FROM confirming WHERE status IS DISTINCT FROM 'aborted'
            ), carts AS (
                SELECT h.event_ticket_id, h.quantity FROM soticket_seat_hold h
                 WHERE h.event_id = %(event)s AND h.registration_id IS NULL AND h.sale_order_line_id IS NOT NULL
                   AND h.sale_order_id <> ALL(%(orders)s)
                   AND h.sale_order_id NOT IN (SELECT sale_order_id FROM live WHERE sale_order_id IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM sale_order so
                                    WHERE so.id = h.sale_order_id AND so.state NOT IN ('draft', 'sent'))
                   AND (h.expires_at > (statement_timestamp() AT TIME ZONE 'UTC')
                        OR (h.expires_at > (statement_timestamp() AT TIME ZONE 'UTC')
                                           - make_interval(mins => %(extension)s)
                            AND EXISTS (SELECT 1 FROM sale_order_transaction_rel rel
                                          JOIN payment_transaction tx ON tx.id = rel.transaction_id
                                         WHERE rel.sale_order_id = h.sale_order_id
                                           AND tx.state IN ('pending', 'authorized'))))
            ), taken AS (
                SELECT r.event_ticket_id, 1 AS qty, NULL::int AS pid FROM event_registration r
                 WHERE r.event_id = %(event)s AND r.active AND r.state IN ('open', 'done')
                   AND r.id <> ALL(%(mine)s)
                   AND r.id NOT IN (SELECT registration_id FROM confirming)
                UNION ALL
                SELECT event_ticket_id, quantity, CASE WHEN status = 'in progress' THEN holder_pid END FROM live
                UNION ALL
                SELECT event_ticket_id, quantity, NULL FROM carts
            )
            SELECT event_ticket_id, sum(qty)::int, (sum(qty) FILTER (WHERE pid IS NOT NULL))::int,
                   array_remove(array_agg(DISTINCT pid), NULL)
              FROM taken GROUP BY event_ticket_id
            """,
            event=event.id, mine=list(reg_ids), orders=list(order_ids), stale=STALE_HOLD_MINUTES,
            extension=self._payment_extension_minutes(),
        ))
        taken, in_flight, pids = {}, {}, set()
        for ticket_id, qty, flying, holders in cr.fetchall():
            taken[ticket_id] = qty
            if flying:
                in_flight[ticket_id] = flying
                pids.update(holders)
        regs = self.env["event.registration"].browse(reg_ids)
        for ticket_id, qty in self._seats_reserved_elsewhere(cr, event, regs).items():
            taken[ticket_id] = taken.get(ticket_id, 0) + qty
        in_flight[None] = sum(in_flight.values())
        return {"taken": taken, "in_flight": in_flight, "pids": pids}

    @api.model
    def _seats_left(self, event):
        """What buyers see before any click, from the same count as the cart and the confirmation:
        {None: seats left for the event, ticket_id: seats left in that category}, ``None`` where
        there is no limit."""
        self.env["event.registration"].flush_model()
        taken = self._count(self.env.cr, event, [], [])["taken"]
        event_left = (max(event.seats_max - sum(taken.values()), 0)
                      if event.seats_limited and event.seats_max else None)
        left = {None: event_left}
        for ticket in event.event_ticket_ids:
            own = max(ticket.seats_max - taken.get(ticket.id, 0), 0) if ticket.seats_max else None
            lefts = [n for n in (event_left, own) if n is not None]
            left[ticket.id] = min(lefts) if lefts else None
        return left

    @staticmethod
    def _asked(regs):
        asked = defaultdict(int)
        for reg in regs:
            asked[reg.event_ticket_id.id or None] += 1
        return asked

    @api.model
    def _missing(self, event, limits, count, asked):
        """The limits that ``asked`` ({ticket_id or None: seats}) passes given ``count``:
        [{"ticket_id": ticket id or None (the whole event), "left", "asked"}]."""
        taken = count["taken"]
        missing = []
        if None in limits:
            total = sum(asked.values())
            left = limits[None] - sum(taken.values())
            if total > left:
                missing.append({"ticket_id": None, "left": max(left, 0), "asked": total})
        for ticket_id, qty in asked.items():
            if ticket_id and ticket_id in limits:
                left = limits[ticket_id] - taken.get(ticket_id, 0)
                if qty > left:
                    missing.append({"ticket_id": ticket_id, "left": max(left, 0), "asked": qty})
        return missing

    @api.model
    def _raise_sold_out(self, event, missing):
        lines = []
        for item in missing:
            if item["ticket_id"] is None:
                lines.append(_('"%(event)s": %(left)s seat(s) left, %(asked)s asked.',
                               event=event.name, left=item["left"], asked=item["asked"]))
            else:
                ticket = self.env["event.event.ticket"].browse(item["ticket_id"])
                lines.append(_('"%(ticket)s" (%(event)s): %(left)s seat(s) left, %(asked)s asked.',
                               ticket=ticket.name, event=event.name, left=item["left"], asked=item["asked"]))
        raise ValidationError(_("Sold out. There are not enough seats available for:") + "\n" + "\n".join(lines))

    # ------------------------------------------------------------------ cart holds
    @api.model
    def _hold_cart(self, order, renew=False):
        """Hold the seats of ``order``'s ticket lines (a web cart), event by event, under the
        event's seat lock, with the same count as the confirmation. An unexpired hold is kept as it
        is (not extended, unless ``renew``); a missing or expired one is asked again.

        :return: the shortages [{"event", "ticket_id" (None: the whole event), "left", "asked"}];
                 the seats of an event with a shortage are not held.
        """
        order = order.sudo()
        lines = order.order_line.filtered(lambda line: line.event_ticket_id and line.product_uom_qty > 0)
        shortages = []
        if order.state not in ("draft", "sent"):
            return shortages
        minutes = self._cart_hold_minutes()
        # Lines removed from the cart, or no longer tickets, give their seats back.
        self._release_cart(order.ids, keep_line_ids=lines.ids)
        for event, event_lines in lines.grouped("event_id").items():
            limits = self._limits(event, event_lines.event_ticket_id)
            if not limits:
                continue
            asked = defaultdict(int)
            for line in event_lines:
                asked[line.event_ticket_id.id] += int(line.product_uom_qty)
            side_cr = self._side_cursor(event) if self._use_side_transaction() else None
            if side_cr is None:
                self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
                self.env.flush_all()
                missing = self._hold_cart_on(self.env.cr, order, event, event_lines, limits, asked, minutes, renew)
                self.env["soticket.seat.hold"].invalidate_model()
            else:
                with closing(side_cr) as cr:
                    cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
                    missing = self._hold_cart_on(cr, order, event, event_lines, limits, asked, minutes, renew)
                    cr.commit()  # pylint: disable=invalid-commit
            shortages += [dict(item, event=event) for item in missing]
        return shortages

    @api.model
    def _hold_cart_on(self, cr, order, event, lines, limits, asked, minutes, renew):
        count = self._count(cr, event, [], [order.id])
        missing = self._missing(event, limits, count, asked)
        if missing:
            return missing
        cr.execute(SQL(
            """
            SELECT sale_order_line_id, quantity, expires_at > (statement_timestamp() AT TIME ZONE 'UTC')
              FROM soticket_seat_hold
             WHERE sale_order_id = %s AND event_id = %s AND registration_id IS NULL
            """, order.id, event.id))
        held = {line_id: (qty, valid) for line_id, qty, valid in cr.fetchall()}
        wanted = {line.id: int(line.product_uom_qty) for line in lines}
        if not renew and held.keys() == wanted.keys() and all(
                held[line_id][0] == qty and held[line_id][1] for line_id, qty in wanted.items()):
            return []
        # Still valid holds keep their expiry; new or expired ones start a new period.
        cr.execute(SQL(
            """
            SELECT min(expires_at) FROM soticket_seat_hold
             WHERE sale_order_id = %s AND registration_id IS NULL
               AND expires_at > (statement_timestamp() AT TIME ZONE 'UTC')
            """, order.id))
        current = cr.fetchone()[0]
        cr.execute(SQL("DELETE FROM soticket_seat_hold WHERE sale_order_id = %s AND event_id = %s"
                       " AND registration_id IS NULL", order.id, event.id))
        expires = fields.Datetime.now() + timedelta(minutes=minutes)
        if current and not renew and all(held.get(line_id, (0, False))[1] for line_id in wanted):
            expires = current
        cr.execute(SQL(
            "INSERT INTO soticket_seat_hold (sale_order_id, sale_order_line_id, event_id, event_ticket_id, quantity,"
            " created_at, expires_at) "
            "SELECT %s, unnest(%s::int[]), %s, unnest(%s::int[]), unnest(%s::int[]),"
            " statement_timestamp() AT TIME ZONE 'UTC', %s",
            order.id, [line.id for line in lines], event.id, [line.event_ticket_id.id for line in lines],
            [int(line.product_uom_qty) for line in lines], expires))
        return []

    @api.model
    def _committed_query(self, query, fetch=False):
        """Run ``query`` where the seat checks see it: on a new READ COMMITTED connection (committed
        at once), or in this transaction when the checks run in it (tests, module installation)."""
        if not self._use_side_transaction():
            self.env.cr.execute(query)
            return self.env.cr.fetchall() if fetch else None
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            cr.execute(query)
            rows = cr.fetchall() if fetch else None
            cr.commit()  # pylint: disable=invalid-commit
        return rows

    @api.model
    def _cart_expiry(self, order):
        """When the seats of ``order``'s cart stop being held (the earliest of its holds), or False."""
        rows = self._committed_query(SQL(
            "SELECT min(expires_at) FROM soticket_seat_hold WHERE sale_order_id = %s AND registration_id IS NULL",
            order.id), fetch=True)
        return rows[0][0] or False

    @api.model
    def _release_cart(self, order_ids, keep_line_ids=()):
        """Drop the cart holds of ``order_ids`` (except those of lines ``keep_line_ids``)."""
        self._committed_query(SQL(
            "DELETE FROM soticket_seat_hold WHERE sale_order_id = ANY(%s) AND registration_id IS NULL"
            " AND sale_order_line_id <> ALL(%s)", list(order_ids), list(keep_line_ids)))

    @api.model
    def _gc_holds(self):
        """Cron: delete expired cart holds (beyond the payment extension), those of orders no longer
        carts, and confirmation holds left by a transaction that ended without releasing them."""
        self.env.cr.execute(SQL(
            """
            DELETE FROM soticket_seat_hold h
             WHERE (h.registration_id IS NULL
                    AND (h.expires_at < (statement_timestamp() AT TIME ZONE 'UTC')
                                        - make_interval(mins => %(extension)s)
                         OR EXISTS (SELECT 1 FROM sale_order so
                                     WHERE so.id = h.sale_order_id AND so.state NOT IN ('draft', 'sent'))))
                OR (h.registration_id IS NOT NULL
                    AND h.created_at < (statement_timestamp() AT TIME ZONE 'UTC') - make_interval(mins => %(stale)s))
            """, extension=self._payment_extension_minutes(), stale=STALE_HOLD_MINUTES))
        # Expired but within the extension: only kept while a payment is pending or authorised.
        self.env.cr.execute(SQL(
            """
            DELETE FROM soticket_seat_hold h
             WHERE h.registration_id IS NULL AND h.expires_at < (statement_timestamp() AT TIME ZONE 'UTC')
               AND NOT EXISTS (SELECT 1 FROM sale_order_transaction_rel rel
                                 JOIN payment_transaction tx ON tx.id = rel.transaction_id
                                WHERE rel.sale_order_id = h.sale_order_id AND tx.state IN ('pending', 'authorized'))
            """))
