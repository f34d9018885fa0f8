# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict

from markupsafe import Markup

from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount


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

    # ------------------------------------------------------------------ seats left for the cart
    def _soticket_seat_shortages(self):
        """The categories and events of this cart that no longer have the seats it asks for.

        Counts the seats already sold (confirmed tickets, this cart's own tickets are
        drafts and not counted) against the category and event limits.
        :return: list of dicts ``{"event", "ticket" (False for the whole event), "cart_tickets"
                 (the cart's categories concerned), "left", "asked"}``
        """
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            return []
        lines = self.order_line.filtered(lambda line: line.event_ticket_id and line.product_uom_qty > 0)
        if not lines:
            return []
        asked_per_ticket = defaultdict(int)
        asked_per_event = defaultdict(int)
        for line in lines:
            asked_per_ticket[line.event_ticket_id] += int(line.product_uom_qty)
            asked_per_event[line.event_id] += int(line.product_uom_qty)
        tickets = lines.event_ticket_id.sudo()
        events = lines.event_id.sudo()
        # Seats are counted by SQL in non-stored computes: recount them now.
        self.env["event.registration"].flush_model(["state", "active", "event_id", "event_ticket_id"])
        tickets.invalidate_recordset(["seats_available", "seats_taken"])
        events.invalidate_recordset(["seats_available", "seats_taken"])
        shortages = []
        for ticket in tickets:
            asked = asked_per_ticket[ticket]
            if ticket.seats_max and asked > ticket.seats_available:
                shortages.append({"event": ticket.event_id, "ticket": ticket, "cart_tickets": ticket,
                                  "left": max(ticket.seats_available, 0), "asked": asked})
        for event in events:
            asked = asked_per_event[event]
            if event.seats_limited and event.seats_max and asked > event.seats_available:
                shortages.append({"event": event, "ticket": False,
                                  "cart_tickets": tickets.filtered(lambda t, event=event: t.event_id == event),
                                  "left": max(event.seats_available, 0), "asked": asked})
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

    # ------------------------------------------------------------------ paid, but sold out at confirmation
    def _soticket_paid_not_confirmed(self):
        """The buyer's payment went through but the order could not be confirmed (its seats sold out)."""
        self.ensure_one()
        return self.state in ("draft", "sent") and bool(
            self.transaction_ids.filtered(lambda tx: tx.state in ("authorized", "done")))

    def _soticket_on_sold_out_after_payment(self, error):
        """The seats went to someone else between the buyer's payment and the confirmation:
        no ticket is issued, the order stays a quotation with its lines, and the venue is
        asked to refund the payment."""
        for order in self:
            txs = order.transaction_ids.filtered(lambda tx: tx.state in ("authorized", "done"))
            note = Markup("<p>%s</p><p>%s</p>") % (
                order.env._("Paid online (%(references)s) but not confirmed: the seats sold out during the payment. "
                            "No ticket was issued. Refund the buyer.",
                            references=", ".join(txs.mapped("reference"))),
                str(error),
            )
            order.message_post(body=note, subtype_xmlid="mail.mt_note")
            responsible = (order.user_id or order.website_id.salesperson_id or order.team_id.user_id
                           or order.order_line.event_id.user_id[:1] or order.env.ref("base.user_admin"))
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=order.env._("Refund: sold out after payment"),
                note=order.env._("The buyer paid %(amount)s but their seats sold out before the order was "
                                 "confirmed. Refund the payment.",
                                 amount=format_amount(order.env, order.amount_paid, order.currency_id)),
                user_id=responsible.id,
            )
