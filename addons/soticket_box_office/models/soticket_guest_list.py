# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

INVITATION_REASONS = [("press", "Press"), ("artist", "Artist"), ("partner", "Partner"), ("other", "Other")]


class SoticketGuestList(models.Model):
    """One guest (and the friends they may bring) on an event's guest list, checked at the door:
    the box office issues their free invitation tickets from the point of sale."""

    _name = "soticket.guest.list"
    _inherit = ["pos.load.mixin"]
    _description = "Guest list entry"
    _order = "event_id, name, id"

    event_id = fields.Many2one("event.event", "Event", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="event_id.company_id", store=True, index=True)
    name = fields.Char("Guest", required=True)
    reason = fields.Selection(INVITATION_REASONS, "Reason", required=True, default="partner")
    invited_by = fields.Char("Invited by", help="Who put the guest on the list (label, tour manager, press office).")
    plus_ones = fields.Integer("Plus-ones", default=0, help="Friends the guest may bring in on the same list entry.")
    places = fields.Integer("Places", compute="_compute_places", store=True, help="The guest and their plus-ones.")
    note = fields.Char("Note")
    registration_ids = fields.One2many("event.registration", "guest_list_id", "Invitation tickets", readonly=True)
    checked_in_count = fields.Integer(
        "Checked in", compute="_compute_checked_in_count", store=True,
        help="Invitation tickets issued at the box office for this entry (refunded or cancelled ones excluded).")
    remaining = fields.Integer("Places left", compute="_compute_checked_in_count", store=True)

    _sql_constraints = [
        ("plus_ones_positive", "CHECK(plus_ones >= 0)", "The number of plus-ones cannot be negative."),
    ]

    @api.depends("plus_ones")
    def _compute_places(self):
        for guest in self:
            guest.places = 1 + max(guest.plus_ones, 0)

    @api.depends("places", "registration_ids.state", "registration_ids.active")
    def _compute_checked_in_count(self):
        for guest in self:
            issued = guest.registration_ids.filtered(lambda r: r.active and r.state in ("open", "done"))
            guest.checked_in_count = len(issued)
            guest.remaining = max(guest.places - len(issued), 0)

    @api.constrains("places", "checked_in_count")
    def _check_places(self):
        for guest in self:
            if guest.checked_in_count > guest.places:
                raise ValidationError(self.env._(
                    'Guest list: "%(guest)s" has %(places)s place(s) for "%(event)s" and %(issued)s invitation(s) '
                    "would be issued. Nothing was recorded.",
                    guest=guest.name, places=guest.places, event=guest.event_id.name,
                    issued=guest.checked_in_count))

    # ------------------------------------------------------------------ point of sale
    @api.model
    def _load_pos_data_domain(self, data):
        event_ids = [event["id"] for event in data.get("event.event", {}).get("data", [])]
        return [("event_id", "in", event_ids)]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ["id", "event_id", "name", "reason", "invited_by", "plus_ones", "places", "note",
                "checked_in_count", "remaining", "write_date"]
