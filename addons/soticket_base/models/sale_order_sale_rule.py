# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict

from odoo import models

from .event_event import SoticketSaleRefused


class SaleOrder(models.Model):
    """The buyer's rule (``event.event._soticket_web_sale_refusal``) on the web cart: every cart
    route goes through ``_verify_updated_quantity``, and a web order is checked again when it is
    confirmed by its payment (a cart built before a sale window closed)."""

    _inherit = "sale.order"

    def _soticket_event_quantities(self, extra=None):
        """``{event: {category: quantity}}`` of this order's ticket lines, plus ``extra``
        (``{category: quantity}`` about to be added)."""
        per_event = defaultdict(lambda: defaultdict(int))
        for line in self.order_line.filtered(lambda line: line.event_ticket_id and line.product_uom_qty > 0):
            per_event[line.event_ticket_id.event_id][line.event_ticket_id] += int(line.product_uom_qty)
        for ticket, quantity in (extra or {}).items():
            per_event[ticket.event_id][ticket] += quantity
        return per_event

    def _soticket_web_sale_refusals(self, extra=None):
        """Why a buyer may not have this cart (with ``extra`` added): translated sentences, one per
        event refused. Lines already in the cart count too (a category whose sale has closed cannot
        be paid for); with ``extra``, only the events of ``extra`` are checked."""
        reasons = []
        for order in self:
            for event, quantities in order._soticket_event_quantities(extra).items():
                if extra and event not in {ticket.event_id for ticket in extra}:
                    continue
                reason = event._soticket_web_sale_refusal(quantities)
                if reason:
                    reasons.append(reason)
        return reasons

    def _soticket_check_web_sale(self, extra=None):
        """Raise ``SoticketSaleRefused`` with the reasons of :meth:`_soticket_web_sale_refusals`."""
        reasons = self._soticket_web_sale_refusals(extra=extra)
        if reasons:
            raise SoticketSaleRefused("\n".join(reasons))

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        new_qty, warning = super()._verify_updated_quantity(order_line, product_id, new_qty, **kwargs)
        ticket = order_line.event_ticket_id or self.env["event.event.ticket"].browse(
            kwargs.get("event_ticket_id") or []).exists()
        added = new_qty - (order_line.product_uom_qty if order_line else 0)
        if ticket and added > 0:
            # Raised, not returned as a warning: the request is rolled back, nothing is written.
            self._soticket_check_web_sale(extra={ticket: int(added)})
        return new_qty, warning

    def _soticket_buyer_confirms(self):
        """Confirmed by the buyer's side (payment post-processing, free cart, cron, all as superuser or
        as the buyer), not by a staff member from the back office."""
        return self.env.su or not self.env.user._is_internal()

    def action_confirm(self):
        if self._soticket_buyer_confirms():
            self.filtered("website_id")._soticket_check_web_sale()
        return super().action_confirm()
