# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging

from odoo import models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid web order whose seats sold out during the payment stays a quotation with
        its lines (no ticket issued) instead of failing the payment's post-processing over
        and over; the venue gets a to-do to refund it (see sale.order)."""
        confirmed = self.env["sale.order"]
        for tx in self:
            try:
                with self.env.cr.savepoint():
                    confirmed |= super(PaymentTransaction, tx)._check_amount_and_confirm_order()
            except ValidationError as error:
                orders = tx.sale_order_ids.filtered(lambda so: so.state in ("draft", "sent"))
                if not orders or not any(order._soticket_seat_shortages() for order in orders):
                    raise
                _logger.info("Transaction %s paid but order(s) %s sold out: not confirmed.",
                             tx.reference, ", ".join(orders.mapped("name")))
                orders._soticket_on_sold_out_after_payment(error)
        return confirmed
