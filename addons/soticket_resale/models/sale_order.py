# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from markupsafe import Markup

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

from .soticket_resale_listing import SoticketResaleUnavailable


class SaleOrder(models.Model):
    """Resale tickets in the buyer's cart and the settlement when the order is confirmed."""

    _inherit = "sale.order"

    soticket_resale_listing_ids = fields.Many2many(
        "soticket.resale.listing", string="Resale tickets", compute="_compute_soticket_resale_listing_ids")

    @api.depends("order_line.soticket_resale_listing_id")
    def _compute_soticket_resale_listing_ids(self):
        for order in self:
            order.soticket_resale_listing_ids = order.order_line.soticket_resale_listing_id

    # ------------------------------------------------------------------ cart
    def _soticket_resale_add(self, listing, waitlist=None):
        """Put ``listing`` in this cart and hold it for the venue's hold time.

        :raise UserError: (translated) if the listing is not available to this cart; nothing changes then
        :return: the cart line
        """
        self.ensure_one()
        _ = self.env._
        if self.state not in ("draft", "sent"):
            raise UserError(_("This order is already confirmed: start a new one."))
        listing = listing.sudo()
        seller = listing.registration_id.partner_id
        if seller and self.partner_id and seller == self.partner_id and not self.env.user._is_public():
            raise UserError(_("This is your own ticket: withdraw it from resale instead of buying it."))
        try:
            listing._soticket_hold_for(self, waitlist=waitlist)
        except SoticketResaleUnavailable as error:
            raise UserError(str(error.args[0]))
        line = self.order_line.filtered(lambda line: line.soticket_resale_listing_id == listing)
        if line:
            return line
        product = self.env.ref("soticket_resale.product_resale_ticket")
        taxes = self.fiscal_position_id.map_tax(listing.tax_ids) if listing.tax_ids else listing.tax_ids
        price = self.env["soticket.resale.refund"]._soticket_unit_price(listing.buyer_price, listing.tax_ids)
        description = _("Resale ticket: %(event)s, %(category)s", event=listing.event_id.name,
                        category=listing.event_ticket_id.name or "")
        if listing.buyer_fee:
            description += "\n" + _("Face value %(price)s + service fee %(fee)s",
                                    price=listing._soticket_amount_text(listing.price),
                                    fee=listing._soticket_amount_text(listing.buyer_fee))
        return self.env["sale.order.line"].sudo().create({
            "order_id": self.id,
            "product_id": product.id,
            "name": description,
            "product_uom_qty": 1,
            "price_unit": price,
            "technical_price_unit": price,
            "tax_id": [fields.Command.set(taxes.ids)],
            "event_id": listing.event_id.id,
            "soticket_resale_listing_id": listing.id,
            "soticket_resale_waitlist_id": waitlist.id if waitlist else False,
        })

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        if order_line.soticket_resale_listing_id and new_qty > 1:
            return 1, self.env._("A resale ticket is one seat: it cannot be ordered twice.")
        return super()._verify_updated_quantity(order_line, product_id, new_qty, **kwargs)

    # ------------------------------------------------------------------ before payment
    def _soticket_resale_shortages(self):
        """The resale tickets of this cart it can no longer have, as base's seat shortages."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return []
        shortages = []
        for line in self.order_line.filtered("soticket_resale_listing_id"):
            listing = line.soticket_resale_listing_id.sudo()
            reason = listing._soticket_unavailable_reason(order=self, waitlist=line.soticket_resale_waitlist_id)
            if reason:
                shortages.append({"event": listing.event_id, "ticket": listing.event_ticket_id, "left": 0,
                                  "asked": 1, "soticket_resale_listing": listing, "reason": reason})
        return shortages

    def _soticket_seat_shortages(self):
        return super()._soticket_seat_shortages() + self._soticket_resale_shortages()

    def _soticket_sold_out_lines(self, shortages=None):
        shortages = self._soticket_seat_shortages() if shortages is None else shortages
        resale = [s for s in shortages if s.get("soticket_resale_listing")]
        seats = [s for s in shortages if not s.get("soticket_resale_listing")]
        sentences = super()._soticket_sold_out_lines(seats) if seats else []
        return sentences + [s["reason"] + " " + self.env._("Remove it from your cart.") for s in resale]

    def _soticket_check_seats_before_payment(self):
        res = super()._soticket_check_seats_before_payment()
        # The buyer is about to pay: their cart must still hold its resale tickets (a hold is not renewed).
        for line in self.order_line.filtered("soticket_resale_listing_id"):
            line.soticket_resale_listing_id._soticket_hold_for(self, waitlist=line.soticket_resale_waitlist_id)
        return res

    # ------------------------------------------------------------------ confirmation = settlement
    def action_confirm(self):
        resale_lines = self.order_line.filtered("soticket_resale_listing_id")
        if resale_lines:
            # Lock first, then check: of two orders confirming the same listing, the second
            # waits here and then sees it sold (or is retried by Odoo and sees it sold).
            resale_lines.soticket_resale_listing_id.sudo()._lock()
            for line in resale_lines:
                listing = line.soticket_resale_listing_id.sudo()
                if listing.state == "sold" and listing.buyer_order_id == line.order_id:
                    continue
                reason = listing._soticket_unavailable_reason(
                    order=line.order_id, waitlist=line.soticket_resale_waitlist_id)
                if reason:
                    raise SoticketResaleUnavailable(
                        self.env._("Order %(order)s cannot be confirmed: %(reason)s",
                                   order=line.order_id.name, reason=reason))
        res = super().action_confirm()
        for line in resale_lines:
            listing = line.soticket_resale_listing_id.sudo()
            if listing.state != "sold":
                listing._soticket_settle(line)
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        for order in self:
            order.order_line.soticket_resale_listing_id._soticket_release(order)
        return res

    # ------------------------------------------------------------------ paid, but the resale ticket went elsewhere
    def _soticket_on_sold_out_after_payment(self, error):
        resale_orders = self.filtered(lambda order: order._soticket_resale_shortages())
        seat_orders = self - resale_orders
        if seat_orders:
            super(SaleOrder, seat_orders)._soticket_on_sold_out_after_payment(error)
        for order in resale_orders - seat_orders:
            reasons = [s["reason"] for s in order._soticket_resale_shortages()]
            refund = self.env["soticket.resale.refund"].sudo()._soticket_create_buyer_refund(order, "\n".join(reasons))
            order.message_post(body=Markup("<p>%s</p><p>%s</p>") % (
                self.env._("Paid online but not confirmed: the resale ticket went to someone else. No ticket was "
                           "issued; the payment is refunded (%(refund)s).", refund=refund.name),
                "\n".join(reasons)), subtype_xmlid="mail.mt_note")
