# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools.misc import hmac

_logger = logging.getLogger(__name__)

# Attempts are forgotten after this long (the longest period any caller counts over).
KEEP = timedelta(days=1)


class SoticketRateLimit(models.Model):
    """Attempts counted per client (an IP address, an e-mail address…) to slow down abuse of public
    endpoints: scanner pairing codes, waiting-list joins.

    Only an HMAC of the client key is stored (no IP address or e-mail in clear), with the time of
    the attempt; attempts older than a day are deleted by the autovacuum. Callers count within
    their own transaction: an attempt must be recorded in a transaction that commits.
    """

    _name = "soticket.rate.limit"
    _description = "Rate-limited attempt"
    _log_access = False
    _order = "id desc"

    scope = fields.Char("Counted for", required=True, readonly=True)
    key_hash = fields.Char("Client (hashed)", required=True, readonly=True)
    attempted_at = fields.Datetime("Attempted on", required=True, readonly=True, default=fields.Datetime.now)

    def init(self):
        self.env.cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS soticket_rate_limit_lookup "
            "ON soticket_rate_limit (scope, key_hash, attempted_at)"))

    @api.model
    def _key_hash(self, scope, key):
        return hmac(self.env(su=True), f"soticket-rate-limit:{scope}", str(key or "").strip().lower())

    @api.model
    def _attempts(self, scope, key, period):
        """How many attempts ``key`` made in ``scope`` during the last ``period`` (a timedelta)."""
        self.env.cr.execute(SQL(
            "SELECT count(*) FROM soticket_rate_limit WHERE scope = %s AND key_hash = %s AND attempted_at > %s",
            scope, self._key_hash(scope, key), fields.Datetime.now() - period))
        return self.env.cr.fetchone()[0]

    @api.model
    def _limited(self, scope, key, limit, period):
        """True if ``key`` already made ``limit`` attempts or more in the last ``period``."""
        return bool(key) and self._attempts(scope, key, period) >= limit

    @api.model
    def _record(self, scope, key):
        """Count one attempt of ``key`` in ``scope``."""
        if not key:
            return
        self.env.cr.execute(SQL(
            "INSERT INTO soticket_rate_limit (scope, key_hash, attempted_at) VALUES (%s, %s, %s)",
            scope, self._key_hash(scope, key), fields.Datetime.now()))

    @api.autovacuum
    def _gc_attempts(self):
        self.env.cr.execute(SQL("DELETE FROM soticket_rate_limit WHERE attempted_at < %s",
                                fields.Datetime.now() - KEEP))
