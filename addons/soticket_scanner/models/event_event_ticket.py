# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models


class EventEventTicket(models.Model):
    _inherit = "event.event.ticket"

    # Category names are part of the gates' cached Door snapshots (soticket.scanner.gate._door).
    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if "name" in vals or "event_id" in vals:
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
