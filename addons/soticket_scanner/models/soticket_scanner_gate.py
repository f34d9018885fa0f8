# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from dataclasses import dataclass
from datetime import datetime

from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError

GATE_DIRECTIONS = [
    ("in", "Entry"),
    ("out", "Exit"),
    ("both", "Entry and exit"),
]


@dataclass(frozen=True)
class Door:
    """What a scan at a gate needs to know about the gate and its event, cached per worker
    (``SoticketScannerGate._door``) so that a scan reads only the ticket from the database."""

    gate_id: int
    gate_name: str
    active: bool
    direction: str
    category_ids: frozenset
    event_id: int
    event_name: str
    company_id: int
    tz: str
    opens: datetime | None
    closes: datetime | None
    policy: str
    channel: str
    category_names: tuple  # ((event.event.ticket id, name in the cached language), ...)

    def category_name(self, category_id):
        return dict(self.category_names).get(category_id, "")


class SoticketScannerGate(models.Model):
    """A door of an event where tickets are scanned in, out, or both."""

    _name = "soticket.scanner.gate"
    _description = "Door gate"
    _order = "event_id, sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    event_id = fields.Many2one("event.event", "Event", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="event_id.company_id", store=True, index=True)
    direction = fields.Selection(GATE_DIRECTIONS, default="both", required=True)
    category_ids = fields.Many2many(
        "event.event.ticket", string="Allowed categories", domain="[('event_id', '=', event_id)]",
        help="Only tickets of these categories enter through this gate. Empty: every category.")

    @api.constrains("category_ids", "event_id")
    def _check_categories(self):
        for gate in self:
            if gate.category_ids.event_id - gate.event_id:
                raise ValidationError(self.env._(
                    'Gate "%(gate)s": its categories must belong to its event "%(event)s".',
                    gate=gate.name, event=gate.event_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # Door snapshots
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @tools.ormcache("self.id", "self.env.lang")
    def _door(self):
        """The gate and its event's admission settings, as a frozen Door (None if no such gate).

        Cached in every worker; any write on a gate, or on an event's admission
        settings, clears the cache (and Odoo signals that to the other workers)."""
        self.ensure_one()
        gate = self.sudo().with_context(active_test=False).exists()
        if not gate:
            return None
        event = gate.event_id
        opens, closes = event._soticket_admission_window()
        return Door(
            gate_id=gate.id, gate_name=gate.name, active=gate.active, direction=gate.direction,
            category_ids=frozenset(gate.category_ids.ids), event_id=event.id, event_name=event.name,
            company_id=event.company_id.id or 0, tz=event.date_tz or "Europe/Paris", opens=opens or None,
            closes=closes or None, policy=event.soticket_admission_policy, channel=event._soticket_bus_channel(),
            category_names=tuple((ticket.id, ticket.name) for ticket in event.event_ticket_ids),
        )

    def _allows_direction(self, direction):
        self.ensure_one()
        return self._door().direction in ("both", direction)

    def _allows_category(self, category):
        self.ensure_one()
        categories = self._door().category_ids
        return not categories or category.id in categories

    def _api_data(self):
        return [{
            "id": gate.id,
            "name": gate.name,
            "event_id": gate.event_id.id,
            "direction": gate.direction,
            "category_ids": gate.category_ids.ids,
        } for gate in self]
