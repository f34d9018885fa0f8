# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The browser door page and the live attendance screen (client actions
``soticket_scanner.door`` and ``soticket_scanner.attendance``), called by door staff
through ``orm.call``. Scans go through :meth:`SoticketAdmission.admit` like any other."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import SQL

from .soticket_admission import _NONCE_RE
from .soticket_admission import ACCEPTED
from .soticket_admission import MAX_ID
from .soticket_admission import iso

DOOR_GROUP = "soticket_scanner.group_soticket_door_staff"
# How many events the door page offers (those not over, soonest first).
MAX_DOOR_EVENTS = 50


class SoticketAdmission(models.AbstractModel):
    _inherit = "soticket.admission"

    # ------------------------------------------------------------------ door page
    @api.model
    @api.readonly
    def door_setup(self):
        """Events not over yet that have gates, with their active gates, for the door page."""
        self._check_door_staff()
        gates = self.env["soticket.scanner.gate"].search(
            [("event_id.date_end", ">=", fields.Datetime.now())], order="event_id, sequence, id")
        events = gates.event_id.sorted(lambda e: (e.date_begin, e.id))[:MAX_DOOR_EVENTS]
        by_event = gates.grouped("event_id")
        return {
            "events": [{
                "id": event.id,
                "name": event.name,
                "date_begin": iso(event.date_begin),
                "gates": [{"id": g.id, "name": g.name, "direction": g.direction} for g in by_event[event]],
            } for event in events],
        }

    @api.model
    def door_scan(self, gate_id, code, direction, nonce):
        """One scan typed, wedge-scanned or camera-scanned on the door page, by the current user.

        ``nonce``: chosen by the page for each scan and sent again when the request is
        retried, so a retried request is answered from the log. Return admit()'s outcome
        plus ``result_label`` and the event's ``counters``.
        """
        _ = self.env._
        self._check_door_staff()
        gate = self._door_gate(gate_id)
        door = gate._door()
        if direction not in ("in", "out"):
            raise UserError(_('The direction must be "in" or "out".'))
        if not door.active:
            raise UserError(_('Gate "%(gate)s" is archived: choose another one.', gate=door.gate_name))
        if door.direction not in ("both", direction):
            raise UserError(
                _('Gate "%(gate)s" is entry only.', gate=door.gate_name) if door.direction == "in"
                else _('Gate "%(gate)s" is exit only.', gate=door.gate_name))
        if not isinstance(nonce, str) or not _NONCE_RE.fullmatch(nonce):
            raise UserError(_("Invalid scan identifier: reload the page."))
        # Door staff need not read tickets or write them: admit() is the trusted path, and
        # the scan is logged under the current user.
        outcome = self.sudo().admit(code if isinstance(code, str) else "", gate.sudo(), direction, nonce,
                                    user=self.env.user)
        outcome["result_label"] = self._result_labels().get(outcome["result"], outcome["result"])
        outcome["counters"] = self._attendance_counters(gate.event_id)
        return outcome

    @api.model
    @api.readonly
    def door_attendance(self, event_id):
        """Live attendance of an event: totals, per gate figures and the bus channel to follow."""
        self._check_door_staff()
        event = self._door_event(event_id)
        return {
            "event": {"id": event.id, "name": event.name, "date_begin": iso(event.date_begin),
                      "date_end": iso(event.date_end)},
            "channel": event._soticket_bus_channel(),
            "results": self._result_labels(),
            "counters": self._attendance_counters(event),
        }

    @api.model
    @api.readonly
    def door_counters(self, event_id):
        """The figures of :meth:`door_attendance` only, re-read on bus notifications."""
        self._check_door_staff()
        return self._attendance_counters(self._door_event(event_id))

    # ------------------------------------------------------------------ helpers
    def _check_door_staff(self):
        if not self.env.user.has_group(DOOR_GROUP):
            raise AccessError(self.env._("Only door staff may scan tickets or see the attendance."))

    def _door_gate(self, gate_id):
        if not isinstance(gate_id, int) or isinstance(gate_id, bool) or not 0 < gate_id <= MAX_ID:
            raise UserError(self.env._("Choose a gate."))
        gate = self.env["soticket.scanner.gate"].with_context(active_test=False).browse(gate_id).exists()
        if not gate:
            raise UserError(self.env._("This gate no longer exists: choose another one."))
        gate.check_access("read")
        return gate

    def _door_event(self, event_id):
        if not isinstance(event_id, int) or isinstance(event_id, bool) or not 0 < event_id <= MAX_ID:
            raise UserError(self.env._("Choose an event."))
        event = self.env["event.event"].browse(event_id).exists()
        if not event:
            raise UserError(self.env._("This event no longer exists."))
        event.check_access("read")
        return event

    def _result_labels(self):
        return dict(self.env["soticket.scan.log"]._fields["result"]._description_selection(self.env))

    def _attendance_counters(self, event):
        """Who came in, went out and is inside, for the event and each of its gates.

        Three aggregate queries on indexed columns, whatever the number of tickets.
        ``expected``: valid tickets (confirmed or attended); ``arrived``: tickets admitted
        at least once; ``present``: inside now; per gate, ``entries``/``exits`` count scans
        (re-entries included) and ``present`` the holders inside who last came in there.
        """
        cr = self.env.cr
        self.env["event.registration"].flush_model(["event_id", "event_ticket_id", "state", "active",
                                                    "soticket_inside"])
        self.env["soticket.scan.log"].flush_model(["event_id", "gate_id", "registration_id", "result"])
        cr.execute(SQL("""
            SELECT event_ticket_id,
                   COUNT(*) FILTER (WHERE active AND state IN ('open', 'done')),
                   COUNT(*) FILTER (WHERE active AND state = 'done'),
                   COUNT(*) FILTER (WHERE soticket_inside)
              FROM event_registration
             WHERE event_id = %s
          GROUP BY event_ticket_id
        """, event.id))
        categories = {category or 0: (expected, arrived, present)
                      for category, expected, arrived, present in cr.fetchall()}
        cr.execute(SQL("""
            SELECT gate_id,
                   COUNT(*) FILTER (WHERE result = 'admitted'),
                   COUNT(*) FILTER (WHERE result = 'exit_recorded'),
                   COUNT(*) FILTER (WHERE result NOT IN %s)
              FROM soticket_scan_log
             WHERE event_id = %s
          GROUP BY gate_id
        """, ACCEPTED, event.id))
        scans = {gate: (entries, exits, refused) for gate, entries, exits, refused in cr.fetchall()}
        # Where each holder inside came in last (the (registration_id, result, id) index).
        cr.execute(SQL("""
            SELECT gate_id, COUNT(*)
              FROM (SELECT DISTINCT ON (log.registration_id) log.gate_id
                      FROM event_registration reg
                      JOIN soticket_scan_log log
                        ON log.registration_id = reg.id AND log.result = 'admitted'
                     WHERE reg.event_id = %s AND reg.soticket_inside
                  ORDER BY log.registration_id, log.id DESC) last_entry
          GROUP BY gate_id
        """, event.id))
        present_by_gate = dict(cr.fetchall())

        expected = sum(c[0] for c in categories.values())
        arrived = sum(c[1] for c in categories.values())
        totals = {
            "expected": expected,
            "arrived": arrived,
            "present": sum(c[2] for c in categories.values()),
            "not_arrived": expected - arrived,
            "entries": sum(s[0] for s in scans.values()),
            "exits": sum(s[1] for s in scans.values()),
            "refused": sum(s[2] for s in scans.values()),
        }
        gates = self.env["soticket.scanner.gate"].sudo().with_context(active_test=False).search(
            [("event_id", "=", event.id)]).filtered(lambda g: g.active or g.id in scans)
        rows = []
        for gate in gates:
            entries, exits, refused = scans.get(gate.id, (0, 0, 0))
            allowed = gate.category_ids.ids
            not_arrived = None
            if gate.direction != "out":
                not_arrived = sum(c[0] - c[1] for cat, c in categories.items() if not allowed or cat in allowed)
            rows.append({
                "id": gate.id, "name": gate.name, "direction": gate.direction, "active": gate.active,
                "entries": entries, "exits": exits, "refused": refused,
                "present": present_by_gate.get(gate.id, 0), "not_arrived": not_arrived,
            })
        return {"event_id": event.id, "totals": totals, "gates": rows}
