# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict

from odoo.addons.website_event_sale.controllers.main import WebsiteEventSaleController
from odoo.addons.website_event_sale.controllers.payment import PaymentPortalOnsite
from odoo.addons.website_event_sale.controllers.sale import WebsiteEventSale
from odoo.http import request
from odoo.http import route

from ..models.event_event import SoticketSaleRefused


class SoticketEventRegistrationRule(WebsiteEventSaleController):
    """The event page's registration form, free and paid, goes through the buyer's rule
    (``event.event._soticket_web_sale_refusal``) before anything is written."""

    def _soticket_form_refusal(self, event, quantities):
        """The reason the buyer may not have ``quantities`` (``{category id or 0: count}``) of
        ``event``, counting what their cart already holds for it; ``""`` if allowed."""
        Ticket = request.env["event.event.ticket"].sudo()
        asked = defaultdict(int)
        for ticket_id, count in quantities.items():
            asked[Ticket.browse(ticket_id or []).exists()] += count
        cart = request.website.sale_get_order()
        if cart:
            for ticket, count in cart._soticket_event_quantities().get(event.sudo(), {}).items():
                asked[ticket] += count
        return event.sudo()._soticket_web_sale_refusal(dict(asked))

    @staticmethod
    def _soticket_int(value):
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            return -1  # no such category: refused by the rule

    @route()
    def registration_new(self, event, **post):
        quantities = defaultdict(int)
        for key, value in post.items():
            if key.startswith("nb_register-"):
                quantities[self._soticket_int(key.split("-", 1)[1])] += max(self._soticket_int(value), 0)
        reason = self._soticket_form_refusal(event, {tid: qty for tid, qty in quantities.items() if qty})
        if reason:
            raise SoticketSaleRefused(reason)
        return super().registration_new(event, **post)

    @route()
    def registration_confirm(self, event, **post):
        quantities = defaultdict(int)
        for key, value in post.items():
            if key.endswith("-event_ticket_id"):
                quantities[self._soticket_int(value)] += 1
        reason = self._soticket_form_refusal(event, quantities) if quantities else ""
        if reason:
            return request.render("soticket_base.sale_refused", {
                "message": reason,
                "back_url": event.sudo().website_url if event.sudo().website_published else "/event",
            }, status=400)
        return super().registration_confirm(event, **post)

    def _create_attendees_from_registration_post(self, event, registration_data):
        # Free tickets taken on the website have no order: record them as web sales all the same.
        for registration_values in registration_data:
            registration_values["sale_channel"] = "web"
        return super()._create_attendees_from_registration_post(event, registration_data)


class SoticketShopRule(WebsiteEventSale):
    """Checkout: a cart the buyer may no longer have (a category whose sale closed…) cannot be paid."""

    def _get_shop_payment_errors(self, order):
        errors = super()._get_shop_payment_errors(order)
        reasons = order._soticket_web_sale_refusals() if order else []
        if reasons:
            errors.append((request.env._("These tickets cannot be ordered"), "\n".join(reasons)))
        return errors


class SoticketPaymentRule(PaymentPortalOnsite):

    def _validate_transaction_for_order(self, transaction, sale_order):
        """No payment starts for a cart the buyer may no longer have."""
        sale_order._soticket_check_web_sale()
        return super()._validate_transaction_for_order(transaction, sale_order)
