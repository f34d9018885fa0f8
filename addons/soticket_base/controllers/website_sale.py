# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json

from odoo.addons.website_event_sale.controllers.payment import PaymentPortalOnsite
from odoo.addons.website_event_sale.controllers.sale import WebsiteEventSale
from odoo.http import request
from odoo.http import route

NEWS_OPTIN_FIELD = "soticket_news_optin"


class SoticketWebsiteSale(WebsiteEventSale):
    """The buyer's checkout: sold-out carts are stopped before payment and kept intact,
    and the venue's newsletter is offered, unticked, on the address step."""

    def _get_shop_payment_errors(self, order):
        errors = super()._get_shop_payment_errors(order)
        sentences = order._soticket_sold_out_lines() if order else []
        if sentences:
            errors.append((request.env._("Sold out while you were ordering"), "\n".join(sentences)))
        return errors

    @route()
    def shop_address_submit(self, partner_id=None, address_type="billing", use_delivery_as_billing=None,
                            callback=None, required_fields=None, **form_data):
        news_optin = form_data.pop(NEWS_OPTIN_FIELD, None)
        response = super().shop_address_submit(
            partner_id=partner_id, address_type=address_type, use_delivery_as_billing=use_delivery_as_billing,
            callback=callback, required_fields=required_fields, **form_data)
        if news_optin:
            # Calling a route's super() gives a Response wrapping the JSON text.
            result = json.loads(response.get_data(as_text=True) if hasattr(response, "get_data") else response)
            order_sudo = request.website.sale_get_order()
            if order_sudo and not result.get("invalid_fields") and not result.get("messages"):
                order_sudo.partner_id._soticket_record_news_consent("website_checkout")
        return response

    @route()
    def shop_payment_validate(self, sale_order_id=None, **post):
        order_sudo = request.website.sale_get_order()
        if order_sudo and order_sudo._soticket_sold_out_lines():
            # A free cart (confirmed here, without payment) whose seats are gone: back to the cart.
            return request.redirect("/shop/cart")
        last_order_id = request.session.get("sale_last_order_id")
        last_order_sudo = request.env["sale.order"].sudo().browse(last_order_id).exists() if last_order_id else None
        if not order_sudo and last_order_sudo and last_order_sudo._soticket_paid_not_confirmed():
            sold_out_lines = last_order_sudo._soticket_not_confirmed_lines()
            if sold_out_lines:
                # Paid, but the order could not be confirmed: no ticket, the payment is refunded.
                request.website.sale_reset()
                return request.render("soticket_base.sold_out_after_payment", {
                    "order": last_order_sudo, "sold_out_lines": sold_out_lines,
                })
        return super().shop_payment_validate(sale_order_id=sale_order_id, **post)


class SoticketPaymentPortal(PaymentPortalOnsite):

    def _validate_transaction_for_order(self, transaction, sale_order):
        """Before any payment: the seats of the cart must still be there (the error rolls
        the transaction back, the cart is left as it was)."""
        sale_order._soticket_check_seats_before_payment()
        return super()._validate_transaction_for_order(transaction, sale_order)
