# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64

from odoo import api
from odoo import models

from ..tools import ticket_code

PRIVATE_KEY_PARAM = "soticket_base.ticket_signing_private_key"
PUBLIC_KEY_PARAM = "soticket_base.ticket_signing_public_key"


class SoticketSigningKey(models.AbstractModel):
    """The database's Ed25519 key pair for ticket codes.

    The private key lives in a system parameter (readable by Settings
    administrators only, never sent to a client); the public key is what
    scanners download to check codes offline.
    """

    _name = "soticket.signing.key"
    _description = "Ticket signing key"

    @api.model
    def _ensure_key(self):
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param(PRIVATE_KEY_PARAM):
            private = ticket_code.generate_private_key()
            params.set_param(PRIVATE_KEY_PARAM, base64.b64encode(private).decode())
            params.set_param(PUBLIC_KEY_PARAM, base64.b64encode(ticket_code.public_key_from_private(private)).decode())
        return True

    @api.model
    def _private_key(self):
        self._ensure_key()
        return base64.b64decode(self.env["ir.config_parameter"].sudo().get_param(PRIVATE_KEY_PARAM))

    @api.model
    @api.private
    def public_key(self):
        """Raw 32-byte public key."""
        self._ensure_key()
        return base64.b64decode(self.env["ir.config_parameter"].sudo().get_param(PUBLIC_KEY_PARAM))
