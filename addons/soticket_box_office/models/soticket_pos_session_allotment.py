# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
from collections import defaultdict
from contextlib import closing

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api
from odoo import fields
from odoo import models
from odoo import sql_db
from odoo.addons.soticket_base.models.soticket_seat_hold import SEAT_LOCK_SPACE
from odoo.addons.soticket_base.models.soticket_seat_hold import STALE_HOLD_MINUTES
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class SoticketPosSessionAllotment(models.Model):
    """Seats set aside for one open box-office session.

    Reserved when the session opens, under the same per-event lock and on the same
    side READ COMMITTED connection as the seat check of soticket_base, and committed
    at once: from then on every other sale (web, back office, other registers) counts
    the part of the allotment the session has not sold yet as taken
    (``soticket.seat.hold._seats_reserved_elsewhere``), while the session's own sales
    consume it. Released when the session closes. The register can therefore sell
    its remaining allotment offline: those seats exist for nobody else.
    """

    _name = "soticket.pos.session.allotment"
    _description = "Seats set aside for a box-office session"
    _order = "session_id desc, event_id, event_ticket_id"
    _log_access = False

    session_id = fields.Many2one("pos.session", "Session", required=True, ondelete="cascade", index=True,
                                 readonly=True)
    config_id = fields.Many2one("pos.config", "Point of sale", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="config_id.company_id")
    event_id = fields.Many2one("event.event", "Event", required=True, ondelete="cascade", index=True, readonly=True)
    event_ticket_id = fields.Many2one("event.event.ticket", "Ticket category", ondelete="cascade", readonly=True)
    requested = fields.Integer("Requested", readonly=True)
    quantity = fields.Integer("Seats set aside", readonly=True,
                              help="What could be set aside when the session opened (at most the seats then left).")
    state = fields.Selection([("open", "Reserved"), ("released", "Released")], "Status", required=True,
                             default="open", index=True, readonly=True)
    reserved_at = fields.Datetime("Reserved on", readonly=True)
    released_at = fields.Datetime("Released on", readonly=True)
    remaining = fields.Integer("Left", compute="_compute_remaining",
                               help="Seats of the allotment the session has not sold yet.")

    def _compute_remaining(self):
        self.env["event.registration"].flush_model(["pos_session_id", "state", "active", "event_ticket_id"])
        self.flush_model()
        remaining = self._open_remaining(self.env.cr, self.event_id.ids, only_session_ids=self.session_id.ids)
        for allotment in self:
            if allotment.state != "open":
                allotment.remaining = 0
                continue
            key = (allotment.session_id.id, allotment.event_id.id, allotment.event_ticket_id.id or None)
            allotment.remaining = remaining.get(key, 0)

    # ------------------------------------------------------------------ counting (raw SQL on a given cursor)
    @api.model
    def _open_remaining(self, cr, event_ids, exclude_session_ids=(), only_session_ids=None,
                        exclude_registration_ids=()):
        """Seats still set aside by open allotments, read on ``cr``:
        {(session_id, event_id, ticket_id or None): seats not sold yet by that session}.

        A session's box-office sales of a category first use its allotment for that
        category, then its allotment for the whole event; sales beyond both took free seats.
        Its sales still in flight (seat holds of uncommitted transactions) count as sold:
        they are counted as taken through their hold, not a second time as allotment left.
        """
        if not event_ids:
            return {}
        query = SQL(
            "SELECT session_id, event_id, event_ticket_id, quantity FROM soticket_pos_session_allotment "
            "WHERE state = 'open' AND event_id = ANY(%s) AND session_id <> ALL(%s)",
            list(event_ids), list(exclude_session_ids))
        if only_session_ids is not None:
            query = SQL("%s AND session_id = ANY(%s)", query, list(only_session_ids))
        cr.execute(query)
        allotments = defaultdict(lambda: defaultdict(int))  # (session, event) -> {ticket or None: seats}
        for session_id, event_id, ticket_id, quantity in cr.fetchall():
            allotments[session_id, event_id][ticket_id] += quantity
        if not allotments:
            return {}
        cr.execute(SQL(
            """
            SELECT pos_session_id, event_id, event_ticket_id, count(*) FROM event_registration
             WHERE event_id = ANY(%s) AND pos_session_id = ANY(%s) AND active AND state IN ('open', 'done')
             GROUP BY pos_session_id, event_id, event_ticket_id
            """, list(event_ids), list({session for session, _event in allotments})))
        sold = defaultdict(lambda: defaultdict(int))
        for session_id, event_id, ticket_id, count in cr.fetchall():
            sold[session_id, event_id][ticket_id] += count
        cr.execute(SQL(
            """
            SELECT h.session_id, h.event_id, h.event_ticket_id, count(*) FROM soticket_pos_seat_hold h
              JOIN soticket_seat_hold b ON b.registration_id = h.registration_id
             WHERE h.event_id = ANY(%(events)s) AND h.session_id = ANY(%(sessions)s)
               AND h.registration_id <> ALL(%(mine)s)
               AND b.created_at > (now() AT TIME ZONE 'UTC') - make_interval(mins => %(stale)s)
               AND NOT EXISTS (SELECT 1 FROM event_registration r WHERE r.id = h.registration_id)
             GROUP BY h.session_id, h.event_id, h.event_ticket_id
            """, events=list(event_ids), sessions=list({session for session, _event in allotments}),
            mine=list(exclude_registration_ids), stale=STALE_HOLD_MINUTES))
        for session_id, event_id, ticket_id, count in cr.fetchall():
            sold[session_id, event_id][ticket_id or None] += count
        result = {}
        for (session_id, event_id), per_ticket in allotments.items():
            overflow = 0
            used = {}
            for ticket_id, count in sold.get((session_id, event_id), {}).items():
                if ticket_id is not None and ticket_id in per_ticket:
                    used[ticket_id] = min(count, per_ticket[ticket_id])
                    overflow += count - used[ticket_id]
                else:
                    overflow += count
            for ticket_id, quantity in per_ticket.items():
                if ticket_id is None:
                    result[session_id, event_id, None] = max(quantity - overflow, 0)
                else:
                    result[session_id, event_id, ticket_id] = quantity - used.get(ticket_id, 0)
        return result

    @api.model
    def _reserved_elsewhere(self, cr, event_id, exclude_session_ids=(), exclude_registration_ids=()):
        """{ticket_id or None: seats} still set aside for ``event_id`` by the other open sessions."""
        reserved = defaultdict(int)
        for (_session, _event, ticket_id), seats in self._open_remaining(
                cr, [event_id], exclude_session_ids=exclude_session_ids,
                exclude_registration_ids=exclude_registration_ids).items():
            if seats:
                reserved[ticket_id] += seats
        return dict(reserved)

    @api.model
    def _taken_seats(self, cr, event):
        """{ticket_id or None: seats} taken by confirmed tickets, uncommitted confirmations
        (soticket_base seat holds) and what is set aside elsewhere, read on ``cr``."""
        cr.execute(SQL(
            """
            WITH holds AS (
                SELECT registration_id, event_ticket_id FROM soticket_seat_hold
                 WHERE event_id = %(event)s
                   AND created_at > (now() AT TIME ZONE 'UTC') - make_interval(mins => %(stale)s)
            ), taken AS (
                SELECT r.event_ticket_id FROM event_registration r
                 WHERE r.event_id = %(event)s AND r.active AND r.state IN ('open', 'done')
                   AND r.id NOT IN (SELECT registration_id FROM holds)
                UNION ALL SELECT event_ticket_id FROM holds
            )
            SELECT event_ticket_id, count(*) FROM taken GROUP BY event_ticket_id
            """, event=event.id, stale=STALE_HOLD_MINUTES))
        taken = defaultdict(int, cr.fetchall())
        no_regs = self.env["event.registration"]
        for ticket_id, seats in self.env["soticket.seat.hold"]._seats_reserved_elsewhere(cr, event, no_regs).items():
            taken[ticket_id] += seats
        return taken

    # ------------------------------------------------------------------ reserve / release
    @api.model
    def _reserve_for_sessions(self, sessions):
        """Set aside the allotments configured on the sessions' points of sale (sessions being opened)."""
        now = fields.Datetime.now()
        for session in sessions:
            if self.search_count([("session_id", "=", session.id), ("state", "=", "open")]):
                continue
            rules = session.config_id.sudo().soticket_allotment_ids.filtered(
                lambda r: r.quantity > 0 and r.event_id.date_end and r.event_id.date_end > now)
            for event, event_rules in rules.grouped("event_id").items():
                granted = self._reserve_event(session, event, event_rules)
                short = [(rule, seats) for rule, seats in granted if seats < rule.quantity]
                for rule, seats in short:
                    session.message_post(body=self.env._(
                        'Allotment for "%(event)s" %(category)s: only %(granted)s of %(requested)s seats were left '
                        "to set aside.",
                        event=event.name, category=rule.event_ticket_id.name or self.env._("(any category)"),
                        granted=seats, requested=rule.quantity))

    def _reserve_event(self, session, event, rules):
        """Reserve ``rules`` (one event) for ``session``; returns [(rule, seats granted)]."""
        if not self.env.registry.in_test_mode():
            granted = self._reserve_in_side_transaction(session, event, rules)
            if granted is not None:
                return granted
        # The session or event is not committed yet (or a test transaction that never commits):
        # no other connection can see them, so this transaction alone decides.
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
        self.env.flush_all()
        granted, _ids = self._grant(self.env.cr, session, event, rules)
        self.invalidate_model()
        return granted

    def _reserve_in_side_transaction(self, session, event, rules):
        dbname = self.env.cr.dbname
        with closing(sql_db.db_connect(dbname).cursor()) as cr:
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            cr.execute("SELECT (SELECT count(*) FROM event_event WHERE id = %s), "
                       "(SELECT count(*) FROM pos_session WHERE id = %s)", [event.id, session.id])
            if cr.fetchone() != (1, 1):
                return None
            cr.execute("SET LOCAL lock_timeout = '10s'")
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEAT_LOCK_SPACE, event.id])
            granted, ids = self._grant(cr, session, event, rules)
            cr.commit()  # pylint: disable=invalid-commit

        def drop():
            # The opening rolled back: the seats it set aside go back on sale.
            with closing(sql_db.db_connect(dbname).cursor()) as drop_cr:
                drop_cr.execute("DELETE FROM soticket_pos_session_allotment WHERE id = ANY(%s)", [ids])
                drop_cr.commit()  # pylint: disable=invalid-commit

        if ids:
            self.env.cr.postrollback.add(drop)
        return granted

    def _grant(self, cr, session, event, rules):
        """Under the event's seat lock, on ``cr``: grant each rule what is free and insert the allotments."""
        taken = self._taken_seats(cr, event)
        event_free = None
        if event.seats_limited and event.seats_max:
            event_free = max(event.seats_max - sum(taken.values()), 0)
        ticket_free = {}
        granted = []
        rows = []
        for rule in rules.sorted(lambda r: (not r.event_ticket_id, r.id)):
            ticket = rule.event_ticket_id
            seats = rule.quantity
            if event_free is not None:
                seats = min(seats, event_free)
            if ticket and ticket.seats_max:
                if ticket.id not in ticket_free:
                    ticket_free[ticket.id] = max(ticket.seats_max - taken.get(ticket.id, 0), 0)
                seats = min(seats, ticket_free[ticket.id])
                ticket_free[ticket.id] -= seats
            if event_free is not None:
                event_free -= seats
            granted.append((rule, seats))
            rows.append((session.id, session.config_id.id, event.id, ticket.id or None, rule.quantity, seats))
        ids = []
        if rows:
            cr.execute(SQL(
                """
                INSERT INTO soticket_pos_session_allotment
                       (session_id, config_id, event_id, event_ticket_id, requested, quantity, state, reserved_at)
                SELECT s, c, e, t, r, q, 'open', now() AT TIME ZONE 'UTC'
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[], %s::int[]) AS x(s, c, e, t, r, q)
                RETURNING id
                """, *[list(column) for column in zip(*rows, strict=True)]))
            ids = [row[0] for row in cr.fetchall()]
        _logger.info("Box office session %s: set aside %s for event %s", session.id,
                     [(rule.event_ticket_id.name or "*", seats) for rule, seats in granted], event.id)
        return granted, ids

    def _release(self):
        """Give the seats not sold back (the session closes)."""
        to_release = self.filtered(lambda a: a.state == "open")
        if to_release:
            to_release.sudo().write({"state": "released", "released_at": fields.Datetime.now()})
        return True
