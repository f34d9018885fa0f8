# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

_logger = logging.getLogger(__name__)


class SoticketSoldOut(ValidationError):
    """Not enough seats left for a web cart. Its ``context`` travels with the JSON-RPC
    error, so the payment form can send the buyer back to the cart, where the same
    message is shown."""

    def __init__(self, message):
        super().__init__(message)
        self.context = {"soticket_sold_out": True}


class SaleOrder(models.Model):
    """The web cart side of ticket sales: seats check before payment, and what
    happens when the seats went to someone else while the buyer was paying."""

    _inherit = "sale.order"

    soticket_refund_state = fields.Selection(
        [("to_refund", "To refund"), ("refunded", "Refunded"), ("failed", "Refund failed")],
        string="Automatic refund", readonly=True, copy=False, index="btree_not_null",
        help="Paid online but the order could not be confirmed: its payment is refunded automatically.")
    soticket_refund_note = fields.Text("Why not confirmed", readonly=True, copy=False)

    # ------------------------------------------------------------------ seats left for the cart
    def _soticket_seat_shortages(self):
        """The categories and events of this cart that no longer have the seats it asks for.

        Asks for the cart's seats (see ``soticket.seat.hold._hold_cart``): an unexpired cart hold
        keeps them, an expired or missing one is asked again with the one seat count that the
        confirmation uses (committed tickets, running confirmations, other carts, allotments).
        :return: list of dicts ``{"event", "ticket" (False for the whole event), "cart_tickets"
                 (the cart's categories concerned), "left", "asked"}``
        """
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return []
        lines = self.order_line.filtered(lambda line: line.event_ticket_id and line.product_uom_qty > 0)
        if not lines and not self.id:
            return []
        tickets = lines.event_ticket_id.sudo()
        shortages = []
        for item in self.env["soticket.seat.hold"].sudo()._hold_cart(self):
            event = item["event"].sudo()
            if item["ticket_id"]:
                ticket = tickets.browse(item["ticket_id"])
                shortages.append({"event": event, "ticket": ticket, "cart_tickets": ticket,
                                  "left": item["left"], "asked": item["asked"]})
            else:
                shortages.append({"event": event, "ticket": False,
                                  "cart_tickets": tickets.filtered(lambda t, event=event: t.event_id == event),
                                  "left": item["left"], "asked": item["asked"]})
        return shortages

    def _soticket_sold_out_lines(self, shortages=None):
        """One translated sentence per sold-out category or event of this cart."""
        self.ensure_one()
        shortages = self._soticket_seat_shortages() if shortages is None else shortages
        sentences = []
        for shortage in shortages:
            values = {
                "event": shortage["event"].name,
                "ticket": ", ".join(f'"{name}"' for name in shortage["cart_tickets"].mapped("name")),
                "left": shortage["left"],
                "asked": shortage["asked"],
            }
            if shortage["ticket"]:  # the category's own limit
                if shortage["left"]:
                    sentences.append(self.env._(
                        "%(ticket)s for %(event)s: only %(left)s seat(s) left in this category, your cart has "
                        "%(asked)s.", **values))
                else:
                    sentences.append(self.env._(
                        "%(ticket)s for %(event)s is sold out: no seat left in this category, your cart has "
                        "%(asked)s.", **values))
            elif shortage["left"]:  # the hall is full, whatever the category
                sentences.append(self.env._(
                    "%(ticket)s for %(event)s: only %(left)s seat(s) left for this event, your cart has %(asked)s.",
                    **values))
            else:
                sentences.append(self.env._(
                    "%(ticket)s for %(event)s is sold out: no seat left for this event, your cart has %(asked)s.",
                    **values))
        return sentences

    def _soticket_check_seats_before_payment(self):
        """Refuse to start a payment for seats that are gone: nothing is written, the cart stays as it is."""
        self.ensure_one()
        sentences = self._soticket_sold_out_lines()
        if sentences:
            raise SoticketSoldOut(
                self.env._("Sold out while you were ordering. Your cart is unchanged: lower the number of "
                           "tickets or remove them, then pay again.") + "\n" + "\n".join(sentences))

    # ------------------------------------------------------------------ seats held in the cart
    def _cart_update(self, product_id, line_id=None, add_qty=0, set_qty=0, **kwargs):
        """A ticket put in (or taken out of) the cart holds (or gives back) its seats at once."""
        values = super()._cart_update(product_id, line_id=line_id, add_qty=add_qty, set_qty=set_qty, **kwargs)
        self._soticket_hold_cart_seats()
        return values

    def _soticket_hold_cart_seats(self):
        """Hold the seats of this cart's tickets; what cannot be held is shown as sold out on the cart."""
        for order in self:
            if order.state in ("draft", "sent"):
                order._soticket_seat_shortages()

    def _soticket_cart_hold_expiry(self):
        """When this cart's seats stop being held (UTC datetime), or False if none is held."""
        self.ensure_one()
        if self.state not in ("draft", "sent") or not self.order_line.event_ticket_id:
            return False
        return self.env["soticket.seat.hold"].sudo()._cart_expiry(self)

    def _soticket_cart_hold_seconds(self):
        """Seconds left before this cart's seats stop being held (0 if none is held)."""
        expiry = self._soticket_cart_hold_expiry()
        return max(int((expiry - fields.Datetime.now()).total_seconds()), 0) if expiry else 0

    # ------------------------------------------------------------------ paid, but not confirmable: refunded
    def _soticket_paid_not_confirmed(self):
        """The buyer's payment went through but the order could not be confirmed."""
        self.ensure_one()
        return bool(self.soticket_refund_state) or (self.state in ("draft", "sent") and bool(
            self.transaction_ids.filtered(lambda tx: tx.state in ("authorized", "done"))))

    def _soticket_not_confirmed_lines(self):
        """Why this paid order was not confirmed, one sentence a line, for the buyer."""
        self.ensure_one()
        if self.soticket_refund_state:
            note = (self.soticket_refund_note or "").splitlines()
            return note[1:] or note
        return self._soticket_sold_out_lines()

    def _soticket_on_sold_out_after_payment(self, error):
        """Paid (or authorised) but the order cannot be confirmed (its seats went to someone else
        during a very long payment, or any other refusal at confirmation): no ticket is issued,
        the quotation is cancelled and the payment is refunded or voided through the provider
        after this transaction commits (``_soticket_process_refunds``), exactly once."""
        for order in self:
            txs = order.transaction_ids.filtered(lambda tx: tx.state in ("authorized", "done"))
            order.message_post(body=Markup("<p>%s</p><p>%s</p>") % (
                order.env._("Paid online (%(references)s) but not confirmed: no ticket was issued. The payment "
                            "is refunded automatically.", references=", ".join(txs.mapped("reference"))),
                str(error),
            ), subtype_xmlid="mail.mt_note")
            order.soticket_refund_note = str(error)
            order.soticket_refund_state = "to_refund"
            order._action_cancel()
        self.env["soticket.seat.hold"].sudo()._release_cart(self.ids)
        order_ids = list(self.ids)
        registry = self.env.registry

        def refund():
            with registry.cursor() as cr:
                cr.transaction = api.Transaction(registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["sale.order"].browse(order_ids)._soticket_process_refunds()

        self.env.cr.postcommit.add(refund)

    def _cron_soticket_process_refunds(self):
        """Safety net for the refunds that could not run right after their commit (worker killed)."""
        self.search([("soticket_refund_state", "=", "to_refund")], limit=100)._soticket_process_refunds()

    def _soticket_process_refunds(self):
        """Refund (or void) the payments of the orders marked ``to_refund``, each exactly once: the
        order row is locked and its state moved in the same transaction as the refund request."""
        for order in self.sudo():
            self.env.cr.execute(
                "SELECT soticket_refund_state FROM sale_order WHERE id = %s FOR UPDATE SKIP LOCKED", [order.id])
            row = self.env.cr.fetchone()
            if not row or row[0] != "to_refund":
                continue
            order.invalidate_recordset(["soticket_refund_state"])
            try:
                with self.env.cr.savepoint():
                    done = order._soticket_refund_payments()
            except Exception as error:
                _logger.warning("Automatic refund of order %s failed: %s", order.name, error)
                order._soticket_refund_failed(error)
            else:
                order.soticket_refund_state = "refunded"
                order.message_post(body=order.env._(
                    "Payment refunded automatically: %(references)s.", references=", ".join(done.mapped("reference"))
                    or "-"), subtype_xmlid="mail.mt_note")
                template = order.env.ref("soticket_base.mail_template_refund_not_confirmed", raise_if_not_found=False)
                if template and order.partner_id.email:
                    template.with_context(lang=order.partner_id.lang).send_mail(order.id)
            if not self.env.registry.in_test_mode():
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _soticket_refund_payments(self):
        """Ask the provider to refund each paid transaction (or void an authorised one) not yet refunded.
        :return: the refund transactions and the voided ones"""
        self.ensure_one()
        done = self.env["payment.transaction"]
        for tx in self.transaction_ids.filtered(lambda tx: tx.operation != "refund"):
            if tx.state == "authorized":
                tx._send_void_request()
                done |= tx
            elif tx.state == "done":
                refunded = -sum(tx.child_transaction_ids.filtered(
                    lambda child: child.operation == "refund" and child.state != "error").mapped("amount"))
                remaining = tx.amount - refunded
                if tx.currency_id.compare_amounts(remaining, 0) <= 0:
                    continue
                if tx.provider_id.support_refund == "none" or (
                        tx.provider_id.support_refund == "full_only" and refunded):
                    raise UserError(self.env._("The payment provider %(provider)s cannot refund automatically.",
                                               provider=tx.provider_id.name))
                done |= tx._send_refund_request(amount_to_refund=remaining)
        return done

    def _soticket_refund_failed(self, error):
        """The provider refused or cannot refund: staff refund by hand (a to-do, the error in the chatter)."""
        self.ensure_one()
        self.soticket_refund_state = "failed"
        self.message_post(body=Markup("<p>%s</p><p>%s</p>") % (
            self.env._("The automatic refund failed. Refund the buyer by hand."), str(error)),
            subtype_xmlid="mail.mt_note")
        responsible = (self.user_id or self.website_id.salesperson_id or self.team_id.user_id
                       or self.order_line.event_id.user_id[:1] or self.env.ref("base.user_admin"))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Refund: paid but not confirmed"),
            note=self.env._("The buyer paid %(amount)s but the order could not be confirmed and the automatic "
                            "refund failed. Refund the payment.",
                            amount=format_amount(self.env, self.amount_paid, self.currency_id)),
            user_id=responsible.id,
        )
