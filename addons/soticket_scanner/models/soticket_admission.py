# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The one place that decides whether a scanned ticket enters (pretix's ``perform_checkin``).

Every path that admits a ticket (scanner API scan and offline sync, browser door
page, later the POS "admit on sale") goes through :meth:`SoticketAdmission.admit`:

1. the code is verified with the venue's public key;
2. the ticket row is locked (``SELECT ... FOR NO KEY UPDATE``) and read by the same
   query, so concurrent scans of one ticket queue on that lock;
3. :meth:`_decide` computes the result from what is now a stable row;
4. one statement logs the scan, which claims the nonce (one row per scanner and
   nonce), and only if the nonce was free updates the ticket and stores the bus
   message for the event's scanners and screens: a request already answered gets
   its stored outcome back and changes nothing.

A scan is two queries inside its transaction: the door's busiest path stays in SQL
where the ORM would add queries and nothing else (see :meth:`_applied`).

Odoo transactions run at REPEATABLE READ: a scan that waited on the lock while
another one admitted the ticket gets a serialization failure at step 3. Callers
must then retry the whole transaction (HTTP routes do, through
``odoo.service.model.retrying``); the retry sees the ticket admitted and
answers ``already_in``. Exactly one scan is ever ``admitted``.
"""

import base64
import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.addons.soticket_base.tools import ticket_code
from odoo.tools import SQL
from odoo.tools import format_datetime

from ..tools import bus_notify
from ..tools.scanner_errors import ScannerError
from .event_registration import ADMISSION_CONTEXT
from .soticket_scan_log import MAX_CODE_LEN
from .soticket_scan_log import SCAN_RESULTS

RESULTS = [key for key, _label in SCAN_RESULTS]
ACCEPTED = ("admitted", "exit_recorded")
REFUSED = tuple(r for r in RESULTS if r not in ACCEPTED)
MAX_NONCE_LEN = 128
MAX_ID = 2**31 - 1
MAX_SYNC_SCANS = 1000
# Failed pairing attempts a client (IP address) may make per period before it is refused for a while;
# system parameters soticket_scanner.pairing_attempts and soticket_scanner.pairing_period_minutes.
PAIRING_ATTEMPTS = 10
PAIRING_PERIOD_MINUTES = 15
PAIRING_SCOPE = "soticket_scanner.pair"
# Clock skew tolerated on scanned_at before it is taken as "now".
MAX_CLOCK_SKEW = timedelta(minutes=5)
# A manifest cursor re-sends rows written this long before it: a transaction that
# started earlier (its write_date) may commit after the cursor was handed out.
MANIFEST_OVERLAP = timedelta(minutes=5)
# What admit() reads from the locked ticket: all that _decide(), the answer and the bus message use.
TICKET_COLUMNS = ("state", "active", "refunded", "event_id", "event_ticket_id", "ticket_code_version",
                  "soticket_inside", "ticket_number", "name", "ticket_state", "date_closed", "company_id")
# The ticket's columns a scan may write (see SoticketAdmission._changes).
CHANGED_COLUMNS = ("soticket_inside", "state", "date_closed", "ticket_state")
# Plain query strings: composing odoo.tools.SQL objects costs more than the queries on this path.
_NEXT_LOG_ID = ("SELECT nextval('soticket_scan_log_id_seq'), "
                "EXISTS (SELECT FROM soticket_code_revocation WHERE code = %s)")
_NONCE_RE = re.compile(r"[\x21-\x7e]{1,128}")
_logger = logging.getLogger(__name__)
_ISO_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?")


@dataclass(frozen=True)
class Decision:
    result: str  # one of RESULTS: the stable API contract
    reason: str  # finer machine-readable detail (garbled, forged, unpaid, reentry…)
    message: str  # translated, for the door staff


def parse_timestamp(value):
    """ISO 8601 text (``Z``, an offset, or naive = UTC) -> naive UTC datetime, or None."""
    if not isinstance(value, str) or not _ISO_RE.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def iso(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


class SoticketAdmission(models.AbstractModel):
    _name = "soticket.admission"
    _description = "Door admission"

    # ------------------------------------------------------------------ decision
    def _decide(self, registration, verified, gate, direction, now, code="", revoked=None, door=None):
        """Return the Decision for a scan, without writing anything.

        ``registration``: the (locked) ticket named by the code, or an empty recordset;
        ``verified``: the ticket_code.VerifyResult of the scanned code; ``gate``: where
        it was scanned; ``direction``: "in" or "out"; ``now``: the time the scan is
        judged at (naive UTC); ``code``: the normalized code, for the revocation list;
        ``revoked``: whether it is on that list, ``door``: ``gate._door()``, if the
        caller already knows.
        """
        _ = self.env._
        if verified.status != ticket_code.STATUS_VALID:
            messages = {
                ticket_code.STATUS_GARBLED: _("Unreadable code: this is not a ticket of ours. Scan it again."),
                ticket_code.STATUS_FORGED: _("Forged code: its signature is wrong. Refuse it and call a manager."),
                ticket_code.STATUS_OTHER_VENUE: _("This ticket was issued by another venue."),
            }
            return Decision("invalid", verified.status, messages.get(verified.status, messages["garbled"]))
        payload = verified.payload
        if not registration:
            return Decision("invalid", "unknown_ticket", _("Unknown ticket: it is not in this venue's records."))
        if registration.state == "cancel":
            if registration.refunded:
                # the refund revoked its code (soticket_base): the scanner says so
                return Decision("revoked", "refunded", _("Refunded ticket: its code was revoked. Refuse it."))
            return Decision("cancelled", "cancelled", _("Cancelled ticket: refuse it."))
        if not registration.active:
            return Decision("revoked", "withdrawn", _("Withdrawn ticket (resold or replaced): refuse it."))
        live = (registration.event_id.id, registration.event_ticket_id.id or 0, registration.ticket_code_version)
        if (payload.event_id, payload.category_id, payload.version) != live or (
                self._is_revoked_code(code) if revoked is None else revoked):
            return Decision("revoked", "reissued", _(
                "Old code: this ticket was reissued. Ask the holder for the latest e-ticket."))
        door = door or gate._door()
        if registration.event_id.id != door.event_id:
            other = registration.event_id
            return Decision("wrong_event", "wrong_event", _(
                "Ticket for another event: %(event)s, %(date)s.", event=other.name,
                date=self._format_time(other.date_tz, other.date_begin, "EEE d MMM, HH:mm")))
        if registration.state == "draft":
            return Decision("invalid", "unpaid", _("Unpaid ticket: send the holder to the box office."))
        if direction == "out":
            if not registration.soticket_inside:
                return Decision("exit_recorded", "exit_not_inside", _(
                    "Exit recorded (this ticket was not recorded inside)."))
            if door.policy == "reentry":
                return Decision("exit_recorded", "exit", _("Exit recorded: re-entry allowed with this ticket."))
            return Decision("exit_recorded", "exit", _("Exit recorded: no re-entry for this event."))
        category = registration.event_ticket_id
        if door.category_ids and category.id not in door.category_ids:
            return Decision("wrong_event", "category_not_allowed", _(
                "%(category)s tickets do not enter through %(gate)s.", category=category.name, gate=door.gate_name))
        if door.opens and now < door.opens:
            return Decision("not_open_yet", "not_open_yet", _(
                "Too early: admission opens at %(time)s.", time=self._format_time(door.tz, door.opens)))
        if door.closes and now > door.closes:
            return Decision("closed", "closed", _(
                "The event is over: admission closed at %(time)s.", time=self._format_time(door.tz, door.closes)))
        if registration.state == "done":
            if registration.soticket_inside or door.policy != "reentry":
                return self._already_in(registration, door)
            return Decision("admitted", "reentry", _("Welcome back! Re-entry."))
        return Decision("admitted", "admitted", _("Welcome! %(category)s", category=door.category_name(category.id)))

    def _already_in(self, registration, door):
        _ = self.env._
        previous = self._last_admission(registration)
        when = previous.scanned_at if previous else registration.date_closed
        time = self._format_time(door.tz, when) if when else "?"
        if not registration.soticket_inside:
            return Decision("already_in", "no_reentry", _(
                "Already admitted at %(time)s, and this event allows no re-entry.", time=time))
        if previous.gate_id:
            return Decision("already_in", "already_in", _(
                "Already inside: admitted at %(time)s at %(gate)s.", time=time, gate=previous.gate_id.name))
        return Decision("already_in", "already_in", _("Already inside: admitted at %(time)s.", time=time))

    def _is_revoked_code(self, code):
        if not code:
            return False
        self.env["soticket.code.revocation"].flush_model(["code"])
        self.env.cr.execute("SELECT 1 FROM soticket_code_revocation WHERE code = %s LIMIT 1", [code])
        return bool(self.env.cr.fetchone())

    def _last_admission(self, registration):
        return self.env["soticket.scan.log"].sudo().search(
            [("registration_id", "=", registration.id), ("result", "=", "admitted")], order="id desc", limit=1)

    def _format_time(self, tz, value, dt_format="HH:mm"):
        return format_datetime(self.env, value, tz=tz or "Europe/Paris", dt_format=dt_format)

    # ------------------------------------------------------------------ admission
    @api.model
    @api.private
    def admit(self, code, gate, direction, nonce, scanned_at=None, device=None, forced=False, offline=False,
              local_result=None, user=None):
        """Decide one scan and record it exactly once; return the outcome (API shape).

        ``gate``: soticket.scanner.gate; ``direction``: "in"/"out"; ``nonce``: the
        caller's idempotency key (unique per device, or per user without device);
        ``scanned_at``: naive UTC (offline scans are judged at that time);
        ``offline``/``forced``/``local_result``: an offline scan uploaded later, that
        the scanner accepted (forced) or refused, showing ``local_result``.

        Run it inside a transaction the caller retries on serialization failures
        (see the module docstring).
        """
        device = device or self.env["soticket.scanner.device"]
        user = user or (self.env["res.users"] if device else self.env.user)
        door = gate._door()
        received_at = fields.Datetime.now()
        when = received_at
        if offline and scanned_at:
            when = min(scanned_at, received_at + MAX_CLOCK_SKEW)
        raw = code[:MAX_CODE_LEN] if isinstance(code, str) else ""
        normalized = ticket_code.normalize(raw)
        verified = ticket_code.verify(normalized, self._public_key())
        ticket_id = verified.payload.ticket_id if verified.status == ticket_code.STATUS_VALID else None
        registration, revoked, log_id = self._lock_ticket(ticket_id, normalized)
        decision = self._decide(registration, verified, gate, direction, when, normalized, revoked=revoked, door=door)
        apply, conflict_with = True, self.env["soticket.scan.log"]
        if offline:
            decision, apply, conflict_with = self._reconcile_offline(
                decision, registration, gate, direction, when, forced, local_result)
        vals = {
            "id": log_id, "code": raw, "registration_id": registration.id or None,
            "event_id": door.event_id,
            "company_id": door.company_id or None, "gate_id": gate.id, "device_id": device.id or None,
            "user_id": user.id or None, "direction": direction, "result": decision.result, "reason": decision.reason,
            "message": decision.message, "scanned_at": scanned_at or received_at, "received_at": received_at,
            "nonce": nonce or None, "offline": bool(offline), "forced": bool(forced),
            "conflict": bool(conflict_with) or (bool(forced) and direction == "in" and decision.result in REFUSED),
            "conflict_with_id": conflict_with.id or None,
        }
        changes = self._changes(decision, registration, when if offline else received_at) if apply else {}
        # The insert claims the nonce: no row back means this request was already answered,
        # and the ticket update and the bus message, which hang on that row, are not written.
        # (No look-up beforehand: a replay is rare, a query per scan is not.)
        query, params = self.env["soticket.scan.log"].sudo()._insert_query(vals)
        query = [f"WITH log AS ({query})"]
        if changes:
            query.append(_ticket_update(tuple(changes)))
            params += [*changes.values(), self.env.uid, registration.id]
        query.append(f", bus AS ({bus_notify.INSERT} FROM log) SELECT id FROM log")  # noqa: S608 - constants
        params += bus_notify.insert_params(self.env, door.channel, "soticket_scan",
                                           self._scan_message(vals, registration, changes))
        # a serialization failure (lost race on the nonce) is retried, not an error
        self.env.cr.execute("".join(query), params, log_exceptions=False)
        if not self.env.cr.fetchone():
            log = self._find_nonce(device, user, nonce)
            self._check_same_scan(log, normalized, gate, direction)
            return self._outcome(log, replayed=True)
        if changes:
            self._applied(registration, changes)
        bus_notify.notify_after_commit(self.env, door.channel)
        return self._outcome_from_vals(self.env["soticket.scan.log"].sudo().browse(log_id), vals, registration, door)

    @api.model
    @tools.ormcache()
    def _public_key(self):
        # Cached per worker: changing the key writes a system parameter, which clears it.
        return self.env["soticket.signing.key"].public_key()

    def _lock_ticket(self, ticket_id, code):
        """Lock the scanned ticket's row and read in the same query what admit() needs:
        the ticket's TICKET_COLUMNS (into the ORM cache, as a fetch would), whether
        ``code`` is on the revocation list, and an id for the scan log.

        Return (registration or an empty recordset, revoked, log id)."""
        registrations = self.env["event.registration"].sudo().with_context(active_test=False)
        self.env.flush_all()  # what follows reads and writes in SQL
        cr = self.env.cr
        if ticket_id and 0 < ticket_id <= 2**63 - 1:
            columns, query = _lock_ticket_query(type(registrations))
            # A serialization failure here is a lost race, retried by the caller: not worth an ERROR log line.
            cr.execute(query, [code, ticket_id], log_exceptions=False)
            row = cr.fetchone()
            if row:
                registration = registrations.browse(ticket_id)
                fields_ = registrations._fields
                for name, value in zip(columns, row[2:], strict=True):
                    self.env.cache.update_raw(registration, fields_[name], [value])
                return registration, row[1], row[0]
        cr.execute(_NEXT_LOG_ID, [code])
        log_id, revoked = cr.fetchone()
        return registrations.browse(), revoked, log_id

    def _lock_registrations(self, ids):
        """Lock the tickets' rows for this transaction (ids sorted: no deadlock between
        two syncs) and return the existing ones, freshly read."""
        ids = sorted({i for i in ids if 0 < i <= 2**63 - 1})
        if not ids:
            return self.env["event.registration"]
        self.env["event.registration"].flush_model()
        # A serialization failure here is a lost race, retried by the caller: not worth an ERROR log line.
        self.env.cr.execute(
            "SELECT id FROM event_registration WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids],
            log_exceptions=False)
        found = [row[0] for row in self.env.cr.fetchall()]
        registrations = self.env["event.registration"].sudo().with_context(active_test=False).browse(found)
        registrations.invalidate_recordset()
        return registrations

    def _reconcile_offline(self, decision, registration, gate, direction, when, forced, local_result):
        """Turn the server's decision on an uploaded offline scan into what is recorded.

        Return (decision, apply, conflicting log). A scan the box refused changes
        nothing; a scan the box accepted happened: it is applied when the server
        agrees (or only the time window differs), and flagged for staff otherwise.
        """
        _ = self.env._
        door = gate._door()
        no_log = self.env["soticket.scan.log"]
        if not forced:
            shown = local_result if local_result in REFUSED else decision.result
            if decision.result == shown:
                return decision, False, no_log
            labels = dict(self.env["soticket.scan.log"]._fields["result"]._description_selection(self.env))
            return Decision(shown, "offline_refused", _(
                "Refused offline by the scanner (%(result)s).", result=labels.get(shown, shown))), False, no_log
        if direction == "out" or decision.result == "admitted":
            return decision, decision.result in ACCEPTED, no_log
        if decision.result in ("not_open_yet", "closed"):
            # The box judged the time window with its own clock: the holder is in.
            return Decision("admitted", "admitted_offline", _("Admitted offline by the scanner.")), True, no_log
        if decision.result == "already_in":
            previous = self._last_admission(registration)
            return Decision("already_in", "offline_conflict", _(
                "Admitted offline at %(gate)s at %(time)s, but this ticket had already entered "
                "(%(other)s): check who is inside.",
                gate=door.gate_name, time=self._format_time(door.tz, when), other=decision.message)), False, previous
        return Decision(decision.result, decision.reason, _(
            "Admitted offline although the ticket is refused: %(reason)s", reason=decision.message)), False, no_log

    def _changes(self, decision, registration, when):
        """The ticket's columns that the scan sets ({} if none), as admit() writes them."""
        if not registration or decision.result not in ACCEPTED:
            return {}
        if decision.result == "admitted":
            changes = {"soticket_inside": True}
            if registration.state != "done":
                # what action_set_done() writes, plus our presence flag, and the
                # ticket_state soticket_base computes from the state of an active ticket
                changes.update(state="done", date_closed=when, ticket_state="admitted")
            return changes
        return {"soticket_inside": False} if registration.soticket_inside else {}

    def _applied(self, registration, changes):
        """Bring the ORM up to date once admit() has written ``changes`` on the ticket in SQL.

        This is what ``write()`` does besides its UPDATE: cache, dependent fields,
        constraints, and soticket_base's numbering of a confirmed ticket. The other
        overrides of ``write()`` do nothing for these values (event's mail schedulers
        only run for a draft or cancelled ticket, which is never admitted; tracking is
        off and the scanners' own notification is the scan message)."""
        reg = registration.with_context(**{ADMISSION_CONTEXT: True, "tracking_disable": True})
        for name, value in changes.items():
            self.env.cache.update_raw(reg, reg._fields[name], [value])
        reg.invalidate_recordset(["write_uid", "write_date"], flush=False)
        with self.env.protecting([reg._fields[name] for name in changes], reg):
            for name in changes:  # one at a time: cheaper than merging their trigger trees
                reg.modified([name])
        reg._validate_fields(changes)
        if "state" in changes:
            reg._schedule_numbering()

    def _find_nonce(self, device, user, nonce):
        if not nonce:
            return self.env["soticket.scan.log"]
        domain = [("nonce", "=", nonce)]
        domain += [("device_id", "=", device.id)] if device else [("device_id", "=", False), ("user_id", "=", user.id)]
        return self.env["soticket.scan.log"].sudo().search(domain, limit=1)

    def _check_same_scan(self, log, normalized, gate, direction):
        """A nonce already answered comes back: it must be the same scan (code, gate, direction),
        else the scanner reused a nonce for another scan, which is refused (HTTP 409) rather than
        answered with the first scan's outcome. Nothing was written for it."""
        if not log:
            return
        log = log.sudo()
        if (ticket_code.normalize(log.code or "") != normalized or log.gate_id.id != gate.id
                or log.direction != direction):
            raise ScannerError(self.env._(
                "Scan identifier (nonce) %(nonce)s was already used for another scan: give each scan its own "
                "nonce. This scan was not recorded.", nonce=log.nonce), status=409, code="nonce_mismatch")

    def _scan_message(self, vals, registration, changes):
        """The bus message that tells every scanner and staff screen of the event about
        the scan (live attendance, other gates), with the ticket as ``changes`` leave it."""
        ticket = None
        if registration:
            ticket = registration._soticket_manifest_rows()[0]
            ticket.update(state=changes.get("ticket_state", ticket["state"]),
                          inside=changes.get("soticket_inside", ticket["inside"]))
        return {
            "scan_id": vals["id"],
            "result": vals["result"],
            "reason": vals["reason"],
            "direction": vals["direction"],
            "gate_id": vals["gate_id"],
            "device_id": vals["device_id"],
            "ticket": ticket,
            "scanned_at": iso(vals["scanned_at"]),
            "conflict": vals["conflict"],
        }

    def _outcome_from_vals(self, log, vals, registration, door):
        return {
            "scan_id": log.id,
            "nonce": vals["nonce"],
            "result": vals["result"],
            "reason": vals["reason"],
            "message": vals["message"],
            "ticket": registration._soticket_summary(door) if registration else None,
            "gate_id": vals["gate_id"],
            "direction": vals["direction"],
            "scanned_at": iso(vals["scanned_at"]),
            "received_at": iso(vals["received_at"]),
            "offline": vals["offline"],
            "conflict": vals["conflict"],
            "replayed": False,
        }

    def _outcome(self, log, replayed=False):
        log = log.sudo()
        return {
            "scan_id": log.id,
            "nonce": log.nonce,
            "result": log.result,
            "reason": log.reason,
            "message": log.message,
            "ticket": log.registration_id.with_context(active_test=False)._soticket_summary()
            if log.registration_id else None,
            "gate_id": log.gate_id.id,
            "direction": log.direction,
            "scanned_at": iso(log.scanned_at),
            "received_at": iso(log.received_at),
            "offline": log.offline,
            "conflict": log.conflict,
            "replayed": replayed,
        }

    # ------------------------------------------------------------------ scanner API
    @api.model
    def _parse_scan(self, device, data, offline=False):
        """Validate one scan of the API; return admit()'s keyword arguments or raise ScannerError."""
        _ = self.env._
        if not isinstance(data, dict):
            raise ScannerError(_("A scan must be a JSON object."))
        code = data.get("code")
        if not isinstance(code, str):
            raise ScannerError(_('"code" is required and must be a string.'), code="invalid_field")
        nonce = data.get("nonce")
        if not isinstance(nonce, str) or not _NONCE_RE.fullmatch(nonce):
            raise ScannerError(_('"nonce" is required: 1 to %(max)s printable characters, no spaces.',
                                 max=MAX_NONCE_LEN), code="invalid_field")
        direction = data.get("direction")
        if direction not in ("in", "out"):
            raise ScannerError(_('"direction" must be "in" or "out".'), code="invalid_field")
        gate, door = self._api_gate(device, data.get("gate_id"))
        if door.direction not in ("both", direction):
            raise ScannerError(
                _('Gate "%(gate)s" is entry only.', gate=door.gate_name) if door.direction == "in"
                else _('Gate "%(gate)s" is exit only.', gate=door.gate_name), code="wrong_direction")
        scanned_at = None
        if data.get("scanned_at") is not None or offline:
            scanned_at = parse_timestamp(data.get("scanned_at"))
            if not scanned_at:
                raise ScannerError(_('"scanned_at" must be an ISO 8601 date and time, e.g. 2026-03-12T20:30:00Z.'),
                                   code="invalid_field")
        kwargs = {"code": code, "gate": gate, "direction": direction, "nonce": nonce, "scanned_at": scanned_at,
                  "device": device}
        if offline:
            local_result = data.get("local_result")
            if local_result not in RESULTS:
                raise ScannerError(_('"local_result" must be what the scanner showed: one of %(results)s.',
                                     results=", ".join(RESULTS)), code="invalid_field")
            kwargs.update(offline=True, forced=local_result in ACCEPTED, local_result=local_result)
        return kwargs

    @api.model
    def _api_gate(self, device, gate_id):
        _ = self.env._
        if not isinstance(gate_id, int) or isinstance(gate_id, bool) or not 0 < gate_id <= MAX_ID:
            raise ScannerError(_('"gate_id" is required and must be a gate id (an integer).'), code="invalid_field")
        gate = self.env["soticket.scanner.gate"].sudo().browse(gate_id)
        door = gate._door()
        if not door or not door.active:
            raise ScannerError(_("Unknown gate %(gate)s.", gate=gate_id), status=404, code="unknown_gate")
        if not device._may_scan_gate(gate, door):
            raise ScannerError(_('This scanner may not scan at gate "%(gate)s".', gate=door.gate_name), status=403,
                               code="gate_not_allowed")
        return gate, door

    @api.model
    @api.private
    def api_scan(self, device, data):
        """POST /scan: one online scan."""
        return self.admit(**self._parse_scan(device, data))

    @api.model
    @api.private
    def api_sync(self, device, data):
        """POST /sync: scans made offline, in any order, possibly already sent.

        Invalid items get an error entry and are not processed; the others are
        processed in the order they were scanned. Outcomes come in request order.
        """
        _ = self.env._
        scans = data.get("scans") if isinstance(data, dict) else None
        if not isinstance(scans, list):
            raise ScannerError(_('Send {"scans": [...]}: a list of offline scans.'))
        if len(scans) > MAX_SYNC_SCANS:
            raise ScannerError(_("At most %(max)s scans per sync: send the rest in another request.",
                                 max=MAX_SYNC_SCANS), status=413, code="too_many_scans")
        outcomes = [None] * len(scans)
        todo = []
        first_of_nonce = {}
        first_kwargs = {}
        for index, item in enumerate(scans):
            try:
                kwargs = self._parse_scan(device, item, offline=True)
            except ScannerError as exc:
                nonce = item.get("nonce") if isinstance(item, dict) and isinstance(item.get("nonce"), str) else None
                outcomes[index] = {"nonce": nonce, "error": exc.code, "message": exc.args[0]}
                continue
            if kwargs["nonce"] in first_of_nonce:  # sent twice in one batch: one outcome for both
                if not self._same_scan_kwargs(first_kwargs[kwargs["nonce"]], kwargs):
                    outcomes[index] = {"nonce": kwargs["nonce"], "error": "nonce_mismatch", "message": _(
                        "Scan identifier (nonce) %(nonce)s was already used for another scan: give each scan its "
                        "own nonce. This scan was not recorded.", nonce=kwargs["nonce"])}
                    continue
                first_of_nonce[kwargs["nonce"]].append(index)
                continue
            first_of_nonce[kwargs["nonce"]] = [index]
            first_kwargs[kwargs["nonce"]] = kwargs
            todo.append((index, kwargs))
        # Lock every ticket of the batch up front, in id order (two syncs cannot deadlock).
        ids = []
        for _index, kwargs in todo:
            payload = ticket_code.decode_unverified(ticket_code.normalize(kwargs["code"][:MAX_CODE_LEN]))
            if payload:
                ids.append(payload.ticket_id)
        self._lock_registrations(ids)
        for _index, kwargs in sorted(todo, key=lambda item: (item[1]["scanned_at"], item[0])):
            try:
                outcome = self.admit(**kwargs)
            except ScannerError as exc:  # nonce_mismatch: nothing was written for this scan
                outcome = {"nonce": kwargs["nonce"], "error": exc.code, "message": exc.args[0]}
            for same in first_of_nonce[kwargs["nonce"]]:
                outcomes[same] = outcome
        return {"results": outcomes}

    @staticmethod
    def _same_scan_kwargs(first, other):
        def code(kwargs):
            return ticket_code.normalize(kwargs["code"][:MAX_CODE_LEN])

        return (code(first) == code(other) and first["gate"] == other["gate"]
                and first["direction"] == other["direction"])

    @api.model
    @api.private
    def api_manifest(self, device, event_id, since=None):
        """GET /manifest: what an offline scanner needs to decide alone.

        ``since``: the cursor of a previous manifest; only tickets and revocations
        written since (with an overlap) are sent. Rows may repeat: apply them as upserts.
        """
        _ = self.env._
        try:
            event_id = int(event_id)
        except (TypeError, ValueError):
            event_id = 0
        if not 0 < event_id <= MAX_ID:
            raise ScannerError(_('"event_id" is required and must be an event id (an integer).'),
                               code="invalid_field")
        event = self.env["event.event"].sudo().browse(event_id).exists()
        if not event:
            raise ScannerError(_("Unknown event %(event)s.", event=event_id), status=404, code="unknown_event")
        if not device._may_scan_event(event):
            raise ScannerError(_('This scanner may not scan "%(event)s".', event=event.name), status=403,
                               code="event_not_allowed")
        since_dt = None
        if since:
            since_dt = parse_timestamp(since)
            if not since_dt:
                raise ScannerError(_('"since" must be the cursor of a previous manifest.'), code="invalid_field")
        cursor = self.env.cr.now()
        self.env["event.registration"].flush_model()
        self.env["soticket.code.revocation"].flush_model()
        changed = SQL("TRUE") if not since_dt else SQL("write_date >= %s", since_dt - MANIFEST_OVERLAP)
        self.env.cr.execute(SQL(
            "SELECT id, ticket_code_version, ticket_state, soticket_inside, event_ticket_id FROM event_registration "
            "WHERE event_id = %s AND %s ORDER BY id", event.id, changed))
        tickets = [
            {"id": rid, "version": version, "state": state, "inside": bool(inside), "category_id": category or 0}
            for rid, version, state, inside, category in self.env.cr.fetchall()
        ]
        revoked_since = SQL("TRUE") if not since_dt else SQL("revoked_at >= %s", since_dt - MANIFEST_OVERLAP)
        self.env.cr.execute(SQL(
            "SELECT registration_id, code_version, code, barcode FROM soticket_code_revocation "
            "WHERE event_id = %s AND %s ORDER BY id", event.id, revoked_since))
        revoked = [{"ticket_id": rid, "version": version, "code": code, "barcode": barcode or None}
                   for rid, version, code, barcode in self.env.cr.fetchall()]
        public = self.env["soticket.signing.key"].public_key()
        gates = event.soticket_gate_ids
        if device.gate_ids:
            gates &= device.gate_ids
        start, end = event._soticket_admission_window()
        return {
            "cursor": cursor.isoformat(timespec="microseconds") + "Z",
            "full": not since_dt,
            "server_time": iso(fields.Datetime.now()),
            "public_key": base64.b64encode(public).decode(),
            "key_id": ticket_code.key_id(public).hex(),
            "event": {
                "id": event.id,
                "name": event.name,
                "date_begin": iso(event.date_begin),
                "date_end": iso(event.date_end),
                "doors_open": iso(event.doors_open),
                "admission_start": iso(start),
                "admission_end": iso(end),
                "policy": event.soticket_admission_policy,
                "offline_unknown_policy": event.soticket_offline_unknown_policy,
                "tz": event.date_tz,
            },
            "gates": gates._api_data(),
            "categories": [{"id": t.id, "name": t.name, "kind": t.category_kind} for t in event.event_ticket_ids],
            "revoked": revoked,
            "tickets": tickets,
            "messages": self._offline_messages(device),
            "bus": {"channel": event._soticket_bus_channel(),
                    "types": ["soticket_scan", "soticket_ticket", "soticket_revocation"]},
        }

    @api.model
    def _pairing_rate_limit(self):
        """(attempts, period): failed pairings a client may make per period."""
        params = self.env["ir.config_parameter"].sudo()
        try:
            limit = int(params.get_param("soticket_scanner.pairing_attempts", PAIRING_ATTEMPTS))
            minutes = int(params.get_param("soticket_scanner.pairing_period_minutes", PAIRING_PERIOD_MINUTES))
        except ValueError:
            limit, minutes = PAIRING_ATTEMPTS, PAIRING_PERIOD_MINUTES
        return max(limit, 1), timedelta(minutes=max(minutes, 1))

    @api.model
    @api.private
    def api_pair(self, data, ip=None):
        """POST /pair: trade a one-time pairing code for the device token."""
        _ = self.env._
        if not isinstance(data, dict) or not isinstance(data.get("pairing_code"), str):
            raise ScannerError(_('Send {"pairing_code": "...", "device_name": "..."}.'), code="invalid_field")
        name = data.get("device_name")
        if name is not None and not isinstance(name, str):
            raise ScannerError(_('"device_name" must be a string.'), code="invalid_field")
        limit, period = self._pairing_rate_limit()
        RateLimit = self.env["soticket.rate.limit"].sudo()
        if RateLimit._limited(PAIRING_SCOPE, ip, limit, period):
            raise ScannerError(_("Too many failed pairing attempts from this address: wait %(minutes)s minutes, "
                                 "then try again with a new code.", minutes=int(period.total_seconds() // 60)),
                               status=429, code="too_many_attempts")
        device, token = self.env["soticket.scanner.device"]._pair(data["pairing_code"], name, ip)
        if not device:
            # Counted (kept although the request fails); reported once per client, when it reaches the limit.
            RateLimit._record(PAIRING_SCOPE, ip)
            if ip and RateLimit._attempts(PAIRING_SCOPE, ip, period) == limit:
                _logger.warning("Scanner pairing: %s failed attempts from %s within %s minutes, refusing it for now",
                                limit, ip, int(period.total_seconds() // 60))
            raise ScannerError(_("Unknown or expired pairing code: ask a manager for a new one."), status=401,
                               code="invalid_pairing_code", rollback=False)
        now = fields.Datetime.now()
        gate_domain = [("event_id.date_end", ">=", now), ("company_id", "in", [device.company_id.id, False])]
        if device.event_ids:
            gate_domain.append(("event_id", "in", device.event_ids.ids))
        if device.gate_ids:
            gate_domain.append(("id", "in", device.gate_ids.ids))
        events = self.env["event.event"].sudo().search(
            device._allowed_events_domain() + [("date_end", ">=", now)], order="date_begin", limit=50)
        return {
            "token": token,
            "device_id": device.id,
            "device_name": device.name,
            "events": [{"id": e.id, "name": e.name, "date_begin": iso(e.date_begin)} for e in events],
            "gates": self.env["soticket.scanner.gate"].sudo().search(gate_domain, limit=200)._api_data(),
        }


@functools.lru_cache(maxsize=4)
def _lock_ticket_query(registration_class):
    """(columns, query) of SoticketAdmission._lock_ticket in this registry.

    The columns are TICKET_COLUMNS, plus the ticket's many2one fields through which a
    change of CHANGED_COLUMNS reaches stored fields of other records (e.g. the counts of
    a guest list, with soticket_box_office): ``modified()`` reads them, and reading one
    that is not in cache would fetch the whole ticket row."""
    registry = registration_class.pool
    extra = set()
    for name in CHANGED_COLUMNS:
        for via in registry.get_field_trigger_tree(registration_class._fields[name]):
            extra.update(
                inverse.name for inverse in registry.field_inverses[via]
                if inverse.model_name == registration_class._name and inverse.type == "many2one" and inverse.store)
    columns = TICKET_COLUMNS + tuple(sorted(extra - set(TICKET_COLUMNS)))
    query = "{}, {} FROM event_registration WHERE id = %s FOR NO KEY UPDATE".format(
        _NEXT_LOG_ID, ", ".join(f'"{name}"' for name in columns))
    return columns, query


@functools.lru_cache(maxsize=8)
def _ticket_update(columns):
    """admit()'s ticket UPDATE, a CTE run only if the scan log was written (``log``);
    parameters: the values of ``columns`` (our own field names), write_uid, ticket id."""
    return (", ticket AS (UPDATE event_registration SET {}, write_uid = %s, "  # noqa: S608 - fixed names
            "write_date = now() AT TIME ZONE 'UTC' WHERE id = %s AND EXISTS (SELECT FROM log))").format(
        ", ".join(f'"{name}" = %s' for name in columns))
