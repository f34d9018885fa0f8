# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models

from ..tools import bus_notify

# Context key set by soticket.admission while it records a scan.
ADMISSION_CONTEXT = "soticket_admission"
WATCHED_FIELDS = {"state", "active", "ticket_code_version", "event_ticket_id", "event_id", "refunded"}


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
        res = super().write(vals)
        if WATCHED_FIELDS.intersection(vals) and not self.env.context.get(ADMISSION_CONTEXT):
            self._soticket_notify_scanners()
        return res

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


def _iso(value):
    return (value and value.isoformat(timespec="seconds") + "Z") or None
