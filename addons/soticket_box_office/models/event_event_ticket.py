# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models


class EventEventTicket(models.Model):
    _inherit = "event.event.ticket"

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ["category_kind"]
