# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models


class Website(models.Model):
    _inherit = "website"

    # The price shown is the price paid: the shop shows tax-included amounts, as French
    # consumer law requires, on the event page, in the cart and through the checkout.
    show_line_subtotals_tax_selection = fields.Selection(default="tax_included")

    @api.model
    def _soticket_show_prices_tax_included(self):
        """Called at installation: existing websites show tax-included prices too."""
        self.search([]).write({"show_line_subtotals_tax_selection": "tax_included"})
