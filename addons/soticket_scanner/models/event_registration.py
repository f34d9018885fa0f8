# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import uuid

from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.soticket_base.tools import ticket_code

from ..tools import bus_notify
from .soticket_scan_log import MAX_CODE_LEN

# Context key set by soticket.admission while it records a scan.
ADMISSION_CONTEXT = "soticket_admission"
WATCHED_FIELDS = {"state", "active", "ticket_code_version", "event_ticket_id", "event_id", "refunded"}
# soticket.admission results -> the statuses the stock Registration Desk displays.
DESK_STATUSES = {
    "admitted": "confirmed_registration",
    "already_in": "already_registered",
    "cancelled": "canceled_registration",
    "revoked": "canceled_registration",
    "invalid": "canceled_registration",  # unpaid: a known ticket that does not enter
    "not_open_yet": "not_ongoing_event",
    "closed": "not_ongoing_event",
    "wrong_event": "need_manual_confirmation",
}


class EventRegistration(models.Model):
    _inherit = "event.registration"

    soticket_inside = fields.Boolean(
        "Inside", copy=False, readonly=True,
        help="Scanned in and not scanned out since: the holder is in the venue.")
    soticket_scan_log_ids = fields.One2many("soticket.scan.log", "registration_id", "Door scans", readonly=True)

    @api.constrains("state", "event_id", "event_ticket_id", "active")
    def _check_seats_availability(self):
        # Admission only moves a confirmed ticket to attended: the seat is already
        # counted. Skipping the seat check keeps scans from queueing on the
        # per-event seat lock of soticket_base.
        if self.env.context.get(ADMISSION_CONTEXT):
            return
        super()._check_seats_availability()

    def write(self, vals):
        if (vals.get("state") in ("draft", "open", "cancel") and "soticket_inside" not in vals
                and not self.env.context.get(ADMISSION_CONTEXT)):
            # Attendance undone by hand (the desk's "Undo", back office): the holder is not inside.
            vals = dict(vals, soticket_inside=False)
        res = super().write(vals)
        if WATCHED_FIELDS.intersection(vals) and not self.env.context.get(ADMISSION_CONTEXT):
            self._soticket_notify_scanners()
        return res

    def action_set_done(self):
        """Marked attended by hand (the Registration Desk's "Continue" after a manual check,
        the back office's button): the holder is inside, and the scan log and the live
        attendance say so, as a manual admission by this user."""
        if self.env.context.get(ADMISSION_CONTEXT):
            return super().action_set_done()
        entering = self.filtered(lambda reg: reg.state != "done")
        res = super().action_set_done()
        if entering:
            entering.with_context(**{ADMISSION_CONTEXT: True}).write({"soticket_inside": True})
            entering._soticket_log_manual_admission()
        return res

    def _soticket_log_manual_admission(self):
        now = fields.Datetime.now()
        admission = self.env["soticket.admission"].sudo()
        gates = self.env["soticket.scanner.gate"].sudo().search(
            [("event_id", "in", self.event_id.ids), ("direction", "in", ("in", "both"))])
        for reg in self.sudo():
            gate = gates.filtered(lambda g, event=reg.event_id: g.event_id == event)[:1]
            vals = {
                "code": reg.ticket_code or "", "registration_id": reg.id, "event_id": reg.event_id.id,
                "company_id": reg.company_id.id or None, "gate_id": gate.id or None, "device_id": None,
                "user_id": self.env.uid, "direction": "in", "result": "admitted", "reason": "manual",
                "message": self.env._("Admitted by hand by %(user)s.", user=self.env.user.name),
                "scanned_at": now, "received_at": now, "nonce": f"manual-{uuid.uuid4().hex}",
                "offline": False, "forced": True, "conflict": False, "conflict_with_id": None,
            }
            log = self.env["soticket.scan.log"].sudo()._insert(vals)
            vals["id"] = log.id
            bus_notify.send(self.env, reg.event_id._soticket_bus_channel(), "soticket_scan",
                            admission._scan_message(vals, reg, {}))

    def _soticket_notify_scanners(self):
        """Tell the scanners of each event that these tickets changed (cancelled,
        reissued…), so offline boxes refuse them without waiting for a manifest."""
        for event, regs in self.grouped("event_id").items():
            if not event:
                continue
            bus_notify.send(self.env, event._soticket_bus_channel(), "soticket_ticket", {
                "tickets": regs._soticket_manifest_rows(),
            })

    def _soticket_manifest_rows(self):
        return [{
            "id": reg.id,
            "version": reg.ticket_code_version,
            "state": reg.ticket_state,
            "inside": reg.soticket_inside,
            "category_id": reg.event_ticket_id.id or 0,
        } for reg in self.with_context(active_test=False)]

    def _soticket_holder_label(self):
        """First name and initial ("Camille M."): enough for the door, no more."""
        self.ensure_one()
        parts = (self.name or "").split()
        if not parts:
            return ""
        if len(parts) == 1:
            return parts[0]
        return f"{parts[0]} {parts[-1][0]}."

    def _soticket_summary(self, door=None):
        """The ticket as a scanner shows it (``door``: the gate's cached Door, saves reading the event)."""
        self.ensure_one()
        event_name = door.event_name if door and door.event_id == self.event_id.id else self.event_id.name
        return {
            "id": self.id,
            "number": self.ticket_number or None,
            "event": {"id": self.event_id.id, "name": event_name},
            "category": {"id": self.event_ticket_id.id, "name": door.category_name(self.event_ticket_id.id)
                         if door and door.event_id == self.event_id.id else self.event_ticket_id.name}
            if self.event_ticket_id else None,
            "holder": self._soticket_holder_label(),
            "state": self.ticket_state,
            "inside": self.soticket_inside,
            "admitted_at": _iso(self.date_closed),
        }

    # ------------------------------------------------------------------ registration desk
    @api.model
    def register_attendee(self, barcode, event_id=False):
        """The stock Registration Desk's scan. A SoTicket code, or the stock barcode of a
        ticket the desk would admit, goes through soticket.admission like any door scan:
        admitted exactly once and logged under the desk user. A revoked barcode (of a code
        version since replaced) is refused as its revoked code is."""
        self.check_access("write")  # the desk's right; refused to anyone else before any lookup
        raw = barcode[:MAX_CODE_LEN] if isinstance(barcode, str) else ""
        code = ticket_code.normalize(raw)
        verified = ticket_code.verify(code, self.env["soticket.admission"]._public_key())
        if verified.status == ticket_code.STATUS_VALID:
            ticket_id, code_event_id = verified.payload.ticket_id, verified.payload.event_id
        else:
            # A stock barcode dies with its code version (reissue, move, resale, refund): an
            # old one is refused through the admission of the code it stood for, and logged.
            self.check_access("write")
            revoked = self.env["soticket.code.revocation"].sudo().search([("barcode", "=", raw)], limit=1) \
                if raw else None
            if revoked:
                code, ticket_id, code_event_id = revoked.code, revoked.registration_id.id, revoked.event_id.id
            else:
                attendee = self.search([("barcode", "=", barcode)], limit=1) if raw else self
                if attendee.state != "open" or not attendee.ticket_code:
                    return super().register_attendee(barcode, event_id)
                code, ticket_id, code_event_id = attendee.ticket_code, attendee.id, attendee.event_id.id
        if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id <= 0:
            event_id = code_event_id
        return self._soticket_desk_admit(code, ticket_id, event_id)

    @api.model
    def _soticket_desk_admit(self, code, ticket_id, event_id):
        """Admit a verified ``code`` at an entry gate of ``event_id``, as the desk user."""
        # The desk's own right (event.group_event_registration_desk): admit the tickets it sees.
        self.check_access("write")
        registration = self.with_context(active_test=False).browse(ticket_id).exists()
        registration.check_access("write")
        gates = self.env["soticket.scanner.gate"].sudo().search(
            [("event_id", "=", event_id), ("direction", "in", ("in", "both"))])
        # the first entry gate that lets this ticket's category in, else the first one (which refuses it)
        category = registration.event_ticket_id.id
        gate = next((g for g in gates if not g.category_ids or category in g.category_ids.ids), gates[:1])
        if not gate:
            return self._soticket_desk_no_gate(registration, code, event_id)
        outcome = self.env["soticket.admission"].sudo().admit(
            code, gate, "in", f"desk-{uuid.uuid4().hex}", user=self.env.user)
        if not registration:
            return {"error": "invalid_ticket"}
        summary = registration._get_registration_summary()
        summary.update(status=DESK_STATUSES.get(outcome["result"], "canceled_registration"),
                       message=outcome["message"])
        return summary

    def _soticket_desk_no_gate(self, registration, code, event_id):
        """No entry gate: nothing is admitted nor logged; the desk staff may confirm by hand."""
        if not registration:
            return {"error": "invalid_ticket"}
        if registration.state in ("cancel", "draft") or not registration.active or registration.ticket_code != code:
            status = "canceled_registration"
        elif registration.state == "done":
            status = "already_registered"
        elif registration.event_id.is_finished:
            status = "not_ongoing_event"
        else:
            status = "need_manual_confirmation"
        event = self.env["event.event"].sudo().browse(event_id).exists()
        summary = registration._get_registration_summary()
        summary.update(status=status, message=self.env._(
            'The event "%(event)s" has no entry gate: this scan was not recorded. Add a gate in its Door '
            "tab to admit tickets at the desk.", event=event.name))
        return summary


def _iso(value):
    return (value and value.isoformat(timespec="seconds") + "Z") or None
