# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    soticket_resale_fee_fixed = fields.Monetary(related="company_id.soticket_resale_fee_fixed", readonly=False)
    soticket_resale_fee_percent = fields.Float(related="company_id.soticket_resale_fee_percent", readonly=False)
    soticket_resale_fee_cap = fields.Monetary(related="company_id.soticket_resale_fee_cap", readonly=False)
    soticket_resale_fee_payer = fields.Selection(related="company_id.soticket_resale_fee_payer", readonly=False)
    soticket_resale_hold_minutes = fields.Integer(related="company_id.soticket_resale_hold_minutes", readonly=False)
    soticket_resale_max_per_cart = fields.Integer(related="company_id.soticket_resale_max_per_cart", readonly=False)
