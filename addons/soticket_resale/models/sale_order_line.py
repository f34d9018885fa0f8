# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models


class SaleOrderLine(models.Model):
    """A resale ticket in a cart: one line per listing, at the listing's buyer price,
    with the VAT of the ticket it replaces."""

    _inherit = "sale.order.line"

    soticket_resale_listing_id = fields.Many2one(
        "soticket.resale.listing", "Resale listing", readonly=True, copy=False, index="btree_not_null",
        ondelete="restrict")
    soticket_resale_waitlist_id = fields.Many2one(
        "soticket.resale.waitlist", "Waiting-list offer", readonly=True, copy=False, ondelete="set null")

    @api.depends("soticket_resale_listing_id")
    def _compute_tax_id(self):
        resale = self.filtered("soticket_resale_listing_id")
        super(SaleOrderLine, self - resale)._compute_tax_id()
        for line in resale:
            taxes = line.soticket_resale_listing_id.sudo().tax_ids
            line.tax_id = line.order_id.fiscal_position_id.map_tax(taxes) if taxes else False

    def _reset_price_unit(self):
        listing = self.soticket_resale_listing_id.sudo()
        if not listing:
            return super()._reset_price_unit()
        price = self.env["soticket.resale.refund"]._soticket_unit_price(listing.buyer_price, listing.tax_ids)
        self.update({"price_unit": price, "technical_price_unit": price})
        return None

    def unlink(self):
        releases = [(line.soticket_resale_listing_id, line.order_id) for line in self.sudo()
                    if line.soticket_resale_listing_id and line.order_id.state in ("draft", "sent")]
        res = super().unlink()
        for listing, order in releases:
            listing._soticket_release(order)
        return res
