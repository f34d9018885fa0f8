# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytz

from odoo import api
from odoo import fields
from odoo import models


class EventEvent(models.Model):
    _inherit = "event.event"

    guest_list_ids = fields.One2many("soticket.guest.list", "event_id", "Guest list")
    guest_count = fields.Integer("Guests", compute="_compute_guest_count")

    def _compute_guest_count(self):
        counts = dict(self.env["soticket.guest.list"]._read_group(
            [("event_id", "in", self.ids)], ["event_id"], ["places:sum"]))
        for event in self:
            event.guest_count = counts.get(event, 0)

    def action_view_guest_list(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("soticket_box_office.action_guest_list")
        action["domain"] = [("event_id", "=", self.id)]
        action["context"] = {"default_event_id": self.id}
        return action

    def _soticket_is_tonight(self, now=None):
        """Sold at the door today: the event starts before the end of the current day in its
        own time zone (a night ends at 6:00), or it is under way."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        if not self.date_begin or (self.date_end and self.date_end < now):
            return False
        if self.date_begin <= now:
            return True
        return self.date_begin < self._soticket_night_end(now, self.date_tz)

    @api.model
    def _soticket_night_end(self, now, tz_name):
        """When the night of ``now`` ends (6:00 local time in ``tz_name``), as a naive UTC datetime."""
        tz = pytz.timezone(tz_name or "Europe/Paris")
        local_now = pytz.utc.localize(now).astimezone(tz)
        night_end = datetime.combine(local_now.date() + timedelta(days=1), time(6, 0))
        if local_now.hour < 6:
            night_end -= timedelta(days=1)
        return tz.localize(night_end).astimezone(pytz.utc).replace(tzinfo=None)
