# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Errors of the scanner API: an HTTP status, a stable machine code and a translated message."""

from odoo.exceptions import UserError


class ScannerError(UserError):
    """A request the scanner API refuses as a whole (nothing is written).

    ``status`` is the HTTP status the controller answers with, ``code`` a stable
    machine-readable reason (``bad_request``, ``invalid_token``…); the message is
    translated by the caller in the device's language. ``rollback=False``: what the
    request wrote is kept (a failed pairing attempt, counted for the rate limit).
    """

    def __init__(self, message, status=400, code="bad_request", rollback=True):
        super().__init__(message)
        self.status = status
        self.code = code
        self.rollback = rollback
