# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        res = super().action_confirm()
        # event_sale confirms tickets through a compute, not write(): number them here.
        self.order_line.registration_ids._schedule_numbering()
        return res
