# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import functools

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

SCAN_RESULTS = [
    ("admitted", "Admitted"),
    ("exit_recorded", "Exit recorded"),
    ("already_in", "Already inside"),
    ("invalid", "Invalid"),
    ("revoked", "Revoked"),
    ("wrong_event", "Wrong event"),
    ("not_open_yet", "Not open yet"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
SCAN_DIRECTIONS = [("in", "Entry"), ("out", "Exit")]
MAX_CODE_LEN = 512
# The audit trail of admissions: written by admission (SQL insert) and the review button only, in
# superuser mode (soticket_base/tools/server_fields.py); no one edits what a door decided.
SERVER_FIELDS = frozenset({
    "code", "registration_id", "event_id", "company_id", "gate_id", "device_id", "user_id", "direction", "result",
    "reason", "message", "scanned_at", "received_at", "nonce", "offline", "forced", "conflict", "conflict_with_id",
    "reviewed", "reviewed_by",
})


class SoticketScanLog(models.Model):
    """One scan at a door, as the scanner showed it: the audit trail of admissions.

    Written once per (device, nonce): a replayed request returns the stored outcome.
    """

    _name = "soticket.scan.log"
    _inherit = ["soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _description = "Door scan"
    _order = "id desc"
    _rec_name = "result"

    code = fields.Char(
        "Scanned code", readonly=True, groups="event.group_event_manager",
        help="As received from the scanner (up to 512 characters). A valid code admits its holder: managers only.")
    registration_id = fields.Many2one("event.registration", "Ticket", readonly=True, index="btree_not_null",
                                      ondelete="set null")
    event_id = fields.Many2one("event.event", "Event", readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Venue", readonly=True, index=True)
    gate_id = fields.Many2one("soticket.scanner.gate", "Gate", readonly=True, ondelete="restrict")
    device_id = fields.Many2one("soticket.scanner.device", "Scanner", readonly=True, ondelete="restrict")
    user_id = fields.Many2one("res.users", "Scanned by", readonly=True, ondelete="set null",
                              help="Door staff member, for scans made in the browser.")
    direction = fields.Selection(SCAN_DIRECTIONS, required=True, readonly=True)
    result = fields.Selection(SCAN_RESULTS, required=True, readonly=True, index=True)
    reason = fields.Char(readonly=True, help="Machine-readable detail of the result (e.g. forged, unpaid, reentry).")
    message = fields.Char(readonly=True, help="What the scanner displayed.")
    scanned_at = fields.Datetime("Scanned on", required=True, readonly=True)
    received_at = fields.Datetime("Received on", required=True, readonly=True)
    nonce = fields.Char(readonly=True, help="Chosen by the scanner; a request repeated with the same nonce is "
                                            "answered from this log without being processed again.")
    offline = fields.Boolean(readonly=True, help="Decided by the scanner while offline, uploaded later.")
    forced = fields.Boolean(readonly=True, help="The scanner let the holder through (offline) before the server "
                                                "could decide.")
    conflict = fields.Boolean("Needs review", readonly=True, index=True,
                              help="The scanner admitted this ticket offline although the server refuses it "
                                   "(e.g. already admitted at another gate).")
    conflict_with_id = fields.Many2one("soticket.scan.log", "Conflicts with", readonly=True, ondelete="set null")
    reviewed = fields.Boolean(readonly=True)
    reviewed_by = fields.Many2one("res.users", readonly=True, ondelete="set null")

    def init(self):
        # One log per scanner request: the nonce is unique per device (API) or per user (browser).
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS soticket_scan_log_device_nonce_uniq ON soticket_scan_log "
            "(device_id, nonce) WHERE device_id IS NOT NULL AND nonce IS NOT NULL"))
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS soticket_scan_log_user_nonce_uniq ON soticket_scan_log "
            "(user_id, nonce) WHERE device_id IS NULL AND nonce IS NOT NULL"))
        # "When and where was this ticket admitted?" (already inside, conflicts).
        self.env.cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS soticket_scan_log_registration_result_idx ON soticket_scan_log "
            "(registration_id, result, id) WHERE registration_id IS NOT NULL"))

    def _compute_display_name(self):
        results = dict(self._fields["result"]._description_selection(self.env))
        for log in self:
            log.display_name = f"{results.get(log.result, '')} — {log.registration_id.display_name or '?'}"

    def action_mark_reviewed(self):
        self.check_access("write")
        if not self.env.user.has_group("event.group_event_manager"):
            raise UserError(self.env._("Only event managers review door conflicts."))
        self.sudo().write({"reviewed": True, "reviewed_by": self.env.user.id})
        return True

    @api.model
    def _insert(self, vals):
        """Insert one log and return it, or an empty recordset if (device, nonce) is
        already taken by a log this transaction can see.

        ``ON CONFLICT DO NOTHING`` rather than the ORM: under REPEATABLE READ, a log
        with the same nonce committed by a concurrent request after this transaction
        started raises a serialization failure, so the HTTP layer retries the whole
        request, which then finds that log and answers from it. A plain INSERT would
        raise a unique violation, which Odoo does not retry.
        """
        self.flush_model()
        query, params = self._insert_query(vals)
        self.env.cr.execute(query, params, log_exceptions=False)  # a serialization failure is retried
        found = self.env.cr.fetchone()
        return self.browse(found[0]) if found else self.browse()

    @api.model
    def _insert_query(self, vals):
        """The statement of :meth:`_insert` (``RETURNING id``) and its parameters, to run
        alone or as a CTE. ``vals``: column values, possibly with an ``id`` taken from the
        sequence beforehand."""
        now = fields.Datetime.now()
        row = dict(vals, create_uid=self.env.uid, write_uid=self.env.uid, create_date=now, write_date=now)
        return _insert_statement(tuple(row)), list(row.values())


@functools.lru_cache(maxsize=16)
def _insert_statement(columns):
    # columns are our own field names, never user input
    return "INSERT INTO soticket_scan_log ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING id".format(  # noqa: S608
        ", ".join(f'"{column}"' for column in columns), ", ".join(["%s"] * len(columns)))
