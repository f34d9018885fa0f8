# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import hmac
from datetime import timedelta
from hashlib import sha256

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

# Fields copied into the gates' cached Door snapshots.
DOOR_FIELDS = {"name", "date_begin", "date_end", "doors_open", "date_tz", "company_id",
               "soticket_admission_policy", "soticket_open_minutes_before"}
# What an offline door box does with a signed code of this event that its manifest does not
# list (a ticket sold after the box's last update). A code is only issued to a confirmed ticket.
OFFLINE_UNKNOWN_POLICIES = [
    ("admit", "Admit, checked at sync"),
    ("refuse", "Refuse"),
]
ADMISSION_POLICIES = [
    ("single", "Single entry"),
    ("reentry", "Re-entry after exit"),
]


class EventEvent(models.Model):
    _inherit = "event.event"

    soticket_admission_policy = fields.Selection(
        ADMISSION_POLICIES, "Admission policy", default="single", required=True,
        help="Single entry: a ticket admits once, even after an exit scan.\n"
             "Re-entry after exit: a ticket scanned out at an exit gate may come back in.")
    soticket_offline_unknown_policy = fields.Selection(
        OFFLINE_UNKNOWN_POLICIES, "Offline: unknown tickets", default="admit", required=True,
        help="What a door box that lost the server does with a correctly signed ticket it does not know yet "
             "(sold after its last update).\n"
             "Admit, checked at sync: the signature proves the venue issued it to a confirmed ticket; the server "
             "reviews the scan when the box syncs and flags a refused one for staff.\n"
             "Refuse: only tickets the box knows get in while it is offline.")
    soticket_open_minutes_before = fields.Integer(
        "Admission opens (minutes before start)", default=60,
        help="When no doors-open time is set, scanners admit from this many minutes before the start.")
    soticket_admission_start = fields.Datetime(
        "Admission opens", compute="_compute_soticket_admission_window",
        help="Scanners refuse tickets before this time (doors open, or the start minus the margin above).")
    soticket_admission_end = fields.Datetime(
        "Admission closes", compute="_compute_soticket_admission_window",
        help="Scanners refuse tickets after the end of the event.")
    soticket_gate_ids = fields.One2many("soticket.scanner.gate", "event_id", "Gates")
    soticket_admitted_count = fields.Integer("Admitted", compute="_compute_soticket_attendance")
    soticket_inside_count = fields.Integer("Inside now", compute="_compute_soticket_attendance")

    def write(self, vals):
        if DOOR_FIELDS.intersection(vals):
            self.env.registry.clear_cache()  # soticket.scanner.gate._door
        return super().write(vals)

    @api.constrains("soticket_open_minutes_before")
    def _check_soticket_open_minutes_before(self):
        for event in self:
            if event.soticket_open_minutes_before < 0:
                raise ValidationError(self.env._(
                    '"%(event)s": admission cannot open a negative number of minutes before the start.',
                    event=event.name))

    @api.depends("doors_open", "date_begin", "date_end", "soticket_open_minutes_before")
    def _compute_soticket_admission_window(self):
        for event in self:
            event.soticket_admission_start, event.soticket_admission_end = event._soticket_admission_window()

    def _compute_soticket_attendance(self):
        registrations = self.env["event.registration"].sudo()
        admitted = dict(registrations._read_group(
            [("event_id", "in", self._origin.ids), ("state", "=", "done")], ["event_id"], ["__count"]))
        inside = dict(registrations._read_group(
            [("event_id", "in", self._origin.ids), ("soticket_inside", "=", True)], ["event_id"], ["__count"]))
        for event in self:
            event.soticket_admitted_count = admitted.get(event._origin, 0)
            event.soticket_inside_count = inside.get(event._origin, 0)

    def _soticket_admission_window(self):
        """(opens, closes) in UTC, naive like every Odoo datetime; either may be False."""
        self.ensure_one()
        start = self.doors_open or (
            self.date_begin and self.date_begin - timedelta(minutes=self.soticket_open_minutes_before))
        return start or False, self.date_end or False

    def _soticket_bus_channel(self):
        """Bus channel of this event's door notifications.

        Anonymous websocket clients may subscribe to any string channel, so the
        name carries a secret derived from the database secret: only paired
        scanners (through the manifest) and staff learn it.
        """
        self.ensure_one()
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        digest = hmac.new(secret.encode(), f"soticket-scanner-channel:{self.id}".encode(), sha256).hexdigest()
        return f"soticket_scanner_event_{self.id}_{digest[:24]}"
