# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging

from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid web order that cannot be confirmed (its seats went to someone else during the
        payment, any refusal at confirmation) issues no ticket and does not fail the payment's
        post-processing over and over: it is cancelled and its payment refunded automatically
        after commit (see sale.order ``_soticket_on_sold_out_after_payment``)."""
        confirmed = self.env["sale.order"]
        for tx in self:
            try:
                with self.env.cr.savepoint():
                    confirmed |= super(PaymentTransaction, tx)._check_amount_and_confirm_order()
            except (ValidationError, UserError) as error:
                orders = tx.sale_order_ids.filtered(lambda so: so.state in ("draft", "sent"))
                if not orders or tx.state not in ("authorized", "done"):
                    raise
                # The seat holds the failed confirmation took are given back now, not after commit.
                self.env["soticket.seat.hold"].sudo()._committed_query(SQL(
                    "DELETE FROM soticket_seat_hold WHERE registration_id = ANY(%s)",
                    orders.order_line.registration_ids.ids))
                _logger.info("Transaction %s paid but order(s) %s not confirmed (%s): refunded.",
                             tx.reference, ", ".join(orders.mapped("name")), error)
                orders._soticket_on_sold_out_after_payment(error)
        return confirmed
