# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from psycopg2 import errors

from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import UserError
from odoo.tools import format_datetime

_logger = logging.getLogger(__name__)

# Letters and digits that survive handwriting, AZERTY keyboards and a bad phone line
# (no 0/O, 1/I, M, Q, W).
PAIRING_ALPHABET = "23456789ABCDEFGHJKLNPRSTUVXYZ"
PAIRING_CODE_LEN = 10
PAIRING_VALIDITY = timedelta(minutes=15)
TOKEN_PREFIX = "sst_"  # noqa: S105 - a marker that makes leaked tokens easy to grep, not a secret
DEVICE_STATES = [
    ("new", "Not paired"),
    ("pairing", "Waiting for pairing"),
    ("paired", "Paired"),
    ("revoked", "Revoked"),
]
# last_seen is written at most this often per device and worker: scans of one box must
# not all update the same row (each update would conflict with the concurrent ones).
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
_last_touch = {}  # (dbname, device id) -> time.monotonic() of this worker's last update


@dataclass(frozen=True)
class DeviceScope:
    """A scanner's state and scope, cached per worker (``SoticketScannerDevice._scope``)."""

    state: str
    active: bool
    lang: str
    company_id: int
    event_ids: frozenset  # empty: every event of the venue
    gate_ids: frozenset  # empty: every gate of its events


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_pairing_code(code):
    """Upper-case, without spaces and dashes: what the operator typed, as stored."""
    if not isinstance(code, str):
        return ""
    return "".join(ch for ch in code.upper() if ch not in " -\t\r\n")[:64]


class SoticketScannerDevice(models.Model):
    """A door scanner (IoT box, phone or laptop app) that talks to the scanner API.

    It is paired with a one-time pairing code and then authenticates with a
    bearer token; only the SHA-256 of the token is stored, the token itself is
    handed to the device once.
    """

    _name = "soticket.scanner.device"
    _description = "Door scanner"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, default=lambda self: self.env.company)
    event_ids = fields.Many2many(
        "event.event", string="Events",
        help="Events this scanner may scan. Empty: every event of the venue.")
    gate_ids = fields.Many2many(
        "soticket.scanner.gate", string="Gates",
        help="Gates this scanner may scan at. Empty: every gate of its events.")
    state = fields.Selection(DEVICE_STATES, default="new", required=True, readonly=True, tracking=True)
    lang = fields.Selection(
        "_lang_get", "Language", default=lambda self: self.env.company.partner_id.lang or self.env.lang,
        help="Language of the messages shown on the scanner.")
    pairing_code_hash = fields.Char(copy=False, readonly=True, groups="base.group_system")
    pairing_expires_at = fields.Datetime("Pairing code expires", copy=False, readonly=True)
    token_hash = fields.Char(copy=False, readonly=True, index=True, groups="base.group_system")
    token_hint = fields.Char(
        "Token ends with", copy=False, readonly=True,
        help="The last characters of the device token, to recognise a box's configuration.")
    hardware_name = fields.Char("Reported name", copy=False, readonly=True,
                                help="The name the scanner gave itself when it paired.")
    paired_at = fields.Datetime(copy=False, readonly=True)
    revoked_at = fields.Datetime(copy=False, readonly=True)
    last_seen = fields.Datetime("Last seen", copy=False, readonly=True)
    last_ip = fields.Char("Last address", copy=False, readonly=True)
    scan_log_ids = fields.One2many("soticket.scan.log", "device_id", "Scans")
    scan_count = fields.Integer(compute="_compute_scan_count")

    _sql_constraints = [
        ("token_hash_uniq", "unique(token_hash)", "A device token belongs to one scanner."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _token_scope, _scope
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    def _lang_get(self):
        return self.env["res.lang"].get_installed()

    def _compute_scan_count(self):
        counts = dict(self.env["soticket.scan.log"]._read_group(
            [("device_id", "in", self._origin.ids)], ["device_id"], ["__count"]))
        for device in self:
            device.scan_count = counts.get(device._origin, 0)

    # ------------------------------------------------------------------ pairing
    def action_generate_pairing_code(self):
        """Issue a one-time pairing code (valid 15 minutes), shown once to the manager.

        Pairing again replaces the device's token: the old one stops working."""
        self.ensure_one()
        code = self._issue_pairing_code()
        shown = f"{code[:5]}-{code[5:]}"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Pairing code for %(device)s", device=self.name),
                "message": self.env._(
                    "Enter %(code)s on the scanner within 15 minutes. It works once and is not shown again.",
                    code=shown),
                "sticky": True,
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _issue_pairing_code(self):
        """Store the hash of a new pairing code and return the code (the only time it exists in clear)."""
        self.ensure_one()
        self.check_access("write")
        code = "".join(secrets.choice(PAIRING_ALPHABET) for _i in range(PAIRING_CODE_LEN))
        expires = fields.Datetime.now() + PAIRING_VALIDITY
        self.sudo().write({"pairing_code_hash": _hash(code), "pairing_expires_at": expires, "state": "pairing"})
        self.message_post(body=self.env._("Pairing code issued, valid until %(time)s.",
                                          time=format_datetime(self.env, expires, dt_format="HH:mm")))
        return code

    @api.model
    def _pair(self, pairing_code, hardware_name=None, ip=None):
        """Consume a pairing code; return (device, token) or (None, None).

        The token is returned here only: the database keeps its hash.
        """
        code = normalize_pairing_code(pairing_code)
        if len(code) != PAIRING_CODE_LEN:
            _logger.debug("Scanner pairing refused (malformed code) from %s", ip or "?")
            return None, None
        device = self.sudo().search([
            ("pairing_code_hash", "=", _hash(code)), ("state", "=", "pairing"),
            ("pairing_expires_at", ">", fields.Datetime.now()),
        ], limit=1)
        if not device:
            # Counted and reported once per client by the caller (api_pair), not logged one by one.
            _logger.debug("Scanner pairing refused (unknown or expired code) from %s", ip or "?")
            return None, None
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        device.write({
            "pairing_code_hash": False, "pairing_expires_at": False, "state": "paired",
            "token_hash": _hash(token), "token_hint": token[-4:], "paired_at": fields.Datetime.now(),
            "revoked_at": False, "hardware_name": (hardware_name or "")[:128] or False,
            "last_seen": fields.Datetime.now(), "last_ip": ip or False,
        })
        device.message_post(body=self.env._("Scanner paired (%(name)s, from %(ip)s).",
                                            name=hardware_name or "?", ip=ip or "?"))
        return device, token

    def action_revoke(self):
        """Withdraw the scanner's token at once (lost or stolen box)."""
        self.check_access("write")
        for device in self:
            if device.state == "revoked":
                raise UserError(self.env._("%(device)s is already revoked.", device=device.name))
        self.sudo().write({
            "state": "revoked", "revoked_at": fields.Datetime.now(),
            "pairing_code_hash": False, "pairing_expires_at": False,
        })
        for device in self:
            device.message_post(body=self.env._("Scanner revoked: its token no longer works."))
        return True

    # ------------------------------------------------------------------ API authentication
    @api.model
    def _authenticate_token(self, token):
        """Return (device, its DeviceScope, error) for a bearer token; error is None or
        (code, message), and then device is empty and scope None.

        Answered from a per-worker cache: revoking or re-pairing a scanner writes on it,
        which clears the cache in every worker before their next request."""
        device_id, scope = 0, None
        if isinstance(token, str) and token.startswith(TOKEN_PREFIX) and len(token) <= 128:
            device_id, scope = self._token_scope(_hash(token))
        if not device_id:
            return self.browse(), None, ("invalid_token", self.env._("Unknown scanner token: pair this scanner again."))
        if scope.state == "revoked" or not scope.active:
            return self.browse(), None, ("revoked_token", self.env._(
                "This scanner was revoked by the venue. Ask a manager to pair it again."))
        if scope.state != "paired":
            return self.browse(), None, ("invalid_token", self.env._(
                "This scanner's token was replaced by a new pairing: pair it again."))
        return self.browse(device_id), scope, None

    @api.model
    @tools.ormcache("token_hash")
    def _token_scope(self, token_hash):
        """(device id, DeviceScope) of a token hash, (0, None) if unknown: one cache look-up per request."""
        device = self.sudo().with_context(active_test=False).search([("token_hash", "=", token_hash)], limit=1)
        return (device.id, device._scope()) if device else (0, None)

    @tools.ormcache("self.id")
    def _scope(self):
        self.ensure_one()
        device = self.sudo().with_context(active_test=False)
        return DeviceScope(
            state=device.state, active=device.active, lang=device.lang or "", company_id=device.company_id.id,
            event_ids=frozenset(device.event_ids.ids), gate_ids=frozenset(device.gate_ids.ids))

    def _touch(self, ip=None):
        """Record that the scanner called, at most once a minute per worker.

        Best effort: when a concurrent request of the same scanner holds or has
        just changed the row, its value is as good as ours, so the update is
        skipped instead of failing the scan with a serialization error.
        """
        self.ensure_one()
        key = (self.env.cr.dbname, self.id)
        if time.monotonic() - _last_touch.get(key, -1e9) < LAST_SEEN_RESOLUTION.total_seconds():
            return
        _last_touch[key] = time.monotonic()
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT id FROM soticket_scanner_device WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                           [self.id], log_exceptions=False)
                cr.execute("UPDATE soticket_scanner_device SET last_seen = %s, last_ip = COALESCE(%s, last_ip) "
                           "WHERE id = %s", [fields.Datetime.now(), ip, self.id], log_exceptions=False)
        except (errors.LockNotAvailable, errors.SerializationFailure):
            return
        self.invalidate_recordset(["last_seen", "last_ip"])

    # ------------------------------------------------------------------ scope
    def _allowed_events_domain(self):
        self.ensure_one()
        domain = [("company_id", "in", [self.company_id.id, False])]
        if self.event_ids:
            domain.append(("id", "in", self.event_ids.ids))
        return domain

    def _may_scan_event(self, event):
        self.ensure_one()
        scope = self._scope()
        if event.company_id and event.company_id.id != scope.company_id:
            return False
        return not scope.event_ids or event.id in scope.event_ids

    def _may_scan_gate(self, gate, door=None):
        """A gate of the scanner's venue and events, and one of its gates if it is restricted to some.

        ``door``: ``gate._door()``, if the caller has it."""
        self.ensure_one()
        scope, door = self._scope(), door or gate._door()
        if scope.gate_ids and gate.id not in scope.gate_ids:
            return False
        if door.company_id and door.company_id != scope.company_id:
            return False
        return not scope.event_ids or door.event_id in scope.event_ids
