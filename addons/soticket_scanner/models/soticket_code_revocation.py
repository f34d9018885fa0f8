# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models

from ..tools import bus_notify


class SoticketCodeRevocation(models.Model):
    _inherit = "soticket.code.revocation"

    @api.model_create_multi
    def create(self, vals_list):
        revocations = super().create(vals_list)
        for event, revoked in revocations.grouped("event_id").items():
            bus_notify.send(self.env, event._soticket_bus_channel(), "soticket_revocation", {
                "revoked": revoked._soticket_manifest_rows(),
            })
        return revocations

    def _soticket_manifest_rows(self):
        return [{
            "ticket_id": revocation.registration_id.id,
            "version": revocation.code_version,
            "code": revocation.code,
            "barcode": revocation.barcode or None,
        } for revocation in self]
