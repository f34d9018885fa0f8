# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    soticket_coop_fee_rate = fields.Float(related="company_id.soticket_coop_fee_rate", readonly=False)
    soticket_coop_fee_min = fields.Monetary(related="company_id.soticket_coop_fee_min", readonly=False)
    soticket_coop_fee_max = fields.Monetary(related="company_id.soticket_coop_fee_max", readonly=False)
    soticket_coop_fee_base = fields.Selection(related="company_id.soticket_coop_fee_base", readonly=False)
    soticket_coop_fee_product_id = fields.Many2one(
        related="company_id.soticket_coop_fee_product_id", readonly=False)
    soticket_coop_reminder_days = fields.Integer(related="company_id.soticket_coop_reminder_days", readonly=False)
