# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
from contextlib import closing

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
# A hold whose transaction neither committed nor rolled back by then (killed worker) is ignored.
STALE_HOLD_MINUTES = 10


class SoticketSeatHold(models.Model):
    """Seats counted for registrations whose transaction has not committed yet.

    Odoo runs transactions at REPEATABLE READ: a transaction that waits for a lock
    still counts seats from the snapshot it started with, so a plain row lock
    either oversells or ends in serialization errors (stock Odoo does both under
    a rush). The seat check therefore runs in its own short READ COMMITTED
    transaction on a separate connection: under an advisory lock per event it
    counts the committed seats plus the holds of transactions still running,
    and commits a hold for the registrations being confirmed. The confirming
    transaction drops its holds once it has committed (its registrations are
    then counted directly) or rolled back. No lock outlives the check, so slow
    work after it (PDF, e-mail) delays nobody.
    """

    _name = "soticket.seat.hold"
    _description = "Seat hold of an uncommitted confirmation"
    _log_access = False

    registration_id = fields.Integer(required=True, index=True)
    event_id = fields.Many2one("event.event", required=True, ondelete="cascade", index=True)
    event_ticket_id = fields.Many2one("event.event.ticket", ondelete="cascade", index=True)
    created_at = fields.Datetime(required=True, default=fields.Datetime.now)

    @api.model
    def _reserve(self, registrations):
        """Raise a ValidationError if ``registrations`` (confirmed in the current,
        uncommitted transaction) do not fit in their events and categories."""
        registrations = registrations.filtered(lambda r: r.state in ("open", "done") and r.active)
        for event, regs in registrations.grouped("event_id").items():
            limits = self._limits(event, regs)
            if not limits:
                continue
            # An event created in this very transaction (or a test transaction that never
            # commits) is invisible to other connections; only this transaction can sell it.
            # While modules install or upgrade (demo or imported sales), this transaction holds schema
            # locks that a second connection would wait on forever; nobody else sells meanwhile.
            if (self.env.registry.in_test_mode() or not self.env.registry.ready
                    or not self._reserve_in_side_transaction(event, regs, limits)):
                self._reserve_in_transaction(event, regs, limits)

    @api.model
    def _limits(self, event, regs):
        """{None: event seats_max, ticket_id: ticket seats_max} for the limited ones, as this transaction sees them."""
        limits = {}
        if event.seats_limited and event.seats_max:
            limits[None] = event.seats_max
        for ticket in regs.event_ticket_id:
            if ticket.seats_max:
                limits[ticket.id] = ticket.seats_max
        return limits

    def _reserve_in_side_transaction(self, event, regs, limits):
        """Check and hold the seats on a separate connection; False if that connection cannot see the event."""
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
            # Each statement then sees what other transactions committed, including while we waited.
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            cr.execute("SET LOCAL lock_timeout = '10s'")
            try:
                cr.execute("SELECT 1 FROM event_event WHERE id = %s", [event.id])
            except LockNotAvailable:
                # This transaction holds a table lock (e.g. a schema change): only it can sell now.
                return False
            if not cr.fetchone():
                return False
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
            self._check(cr, event, regs, limits)
            cr.execute("DELETE FROM soticket_seat_hold WHERE registration_id = ANY(%s)", [regs.ids])
            cr.execute(SQL(
                "INSERT INTO soticket_seat_hold (registration_id, event_id, event_ticket_id, created_at) "
                "SELECT unnest(%s::int[]), %s, unnest(%s::int[]), now() AT TIME ZONE 'UTC'",
                regs.ids, event.id, [r.event_ticket_id.id or None for r in regs],
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
        self._check(self.env.cr, event, regs, limits)

    @api.model
    def _seats_reserved_elsewhere(self, cr, event, regs):
        """Seats set aside outside registrations (e.g. a box-office allotment), read on ``cr``:
        {ticket_id or None (no category): count}. They count as taken for ``regs``."""
        return {}

    @api.model
    def _check(self, cr, event, regs, limits):
        """Count, on ``cr``, the seats taken by others plus ``regs``; raise if a limit is passed."""
        cr.execute(SQL(
            """
            WITH holds AS (
                SELECT registration_id, event_ticket_id FROM soticket_seat_hold
                 WHERE event_id = %(event)s AND registration_id <> ALL(%(mine)s)
                   AND created_at > (now() AT TIME ZONE 'UTC') - make_interval(mins => %(stale)s)
            ), taken AS (
                SELECT r.event_ticket_id FROM event_registration r
                 WHERE r.event_id = %(event)s AND r.active AND r.state IN ('open', 'done')
                   AND r.id <> ALL(%(mine)s)
                   AND r.id NOT IN (SELECT registration_id FROM holds)
                UNION ALL SELECT event_ticket_id FROM holds
            )
            SELECT event_ticket_id, count(*) FROM taken GROUP BY event_ticket_id
            """,
            event=event.id, mine=regs.ids, stale=STALE_HOLD_MINUTES,
        ))
        per_ticket = dict(cr.fetchall())
        for ticket_id, qty in self._seats_reserved_elsewhere(cr, event, regs).items():
            per_ticket[ticket_id] = per_ticket.get(ticket_id, 0) + qty
        mine_per_ticket = {}
        for reg in regs:
            mine_per_ticket[reg.event_ticket_id.id or None] = mine_per_ticket.get(reg.event_ticket_id.id or None, 0) + 1
        missing = []
        if None in limits:
            left = limits[None] - sum(per_ticket.values())
            if len(regs) > left:
                missing.append(_('"%(event)s": %(left)s seat(s) left, %(asked)s asked.',
                                 event=event.name, left=max(left, 0), asked=len(regs)))
        for ticket in regs.event_ticket_id:
            if ticket.id in limits:
                left = limits[ticket.id] - per_ticket.get(ticket.id, 0)
                asked = mine_per_ticket.get(ticket.id, 0)
                if asked > left:
                    missing.append(_('"%(ticket)s" (%(event)s): %(left)s seat(s) left, %(asked)s asked.',
                                     ticket=ticket.name, event=event.name, left=max(left, 0), asked=asked))
        if missing:
            raise ValidationError(_("Sold out. There are not enough seats available for:") + "\n" + "\n".join(missing))
