# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

PRINTABLE_TICKET_STATES = ("valid", "admitted")
# A refund order in these states has been paid: only then are its tickets refunded.
PAID_STATES = ("paid", "done", "invoiced")


class PosOrder(models.Model):
    _inherit = "pos.order"

    soticket_confirm_admitted_refund = fields.Boolean(
        "Refund of admitted tickets confirmed", copy=False, readonly=True,
        help="Set by the point of sale once the staff confirmed refunding tickets already admitted at the door.")

    # ------------------------------------------------------------------ synchronisation from the register
    @api.model
    def _process_order(self, order, existing_order):
        # A refund order is also synchronised while still a draft (a register saving its open
        # orders for another one, printing a preparation ticket...): its tickets stay valid until
        # the refund is paid. Stock pos_event cancels them on any synchronisation: not here.
        try:
            order_id = super(PosOrder, self.with_context(soticket_pos_sync=True))._process_order(
                order, existing_order)
        except ValidationError as exc:
            # Sold out, allotment or guest-list refusal: the whole synchronisation rolls back
            # (nothing is half-written) and the register shows why.
            raise self._soticket_refusal(order, exc) from exc
        pos_order = self.browse(order_id)
        if pos_order.state not in PAID_STATES:
            return order_id
        # Paid: the refunded tickets are cancelled as refunded and their codes revoked, so the
        # door scanners refuse them.
        to_refund = pos_order._soticket_refunded_tickets()
        admitted = to_refund.filtered(lambda r: r.state == "done")
        confirmed = order.get("soticket_confirm_admitted_refund") or pos_order.soticket_confirm_admitted_refund
        if admitted and not confirmed:
            raise self._soticket_refusal(order, UserError(self.env._(
                "%(count)s ticket(s) of this refund were already admitted at the door (%(tickets)s): a staff "
                "member must confirm the refund on the register. Nothing was recorded.",
                count=len(admitted), tickets=", ".join(admitted.mapped("display_name")))), UserError)
        to_refund._mark_refunded()
        if pos_order.config_id.soticket_admit_on_sale:
            pos_order.lines.event_registration_ids._admit_on_sale()
        return order_id

    def _process_saved_order(self, draft):
        order_id = super()._process_saved_order(draft)
        if not self.env.context.get("soticket_pos_sync") and self.state in PAID_STATES:
            # A draft refund paid from the back office (Payment button): its tickets are refunded
            # now (staff paying it there confirm it, admitted tickets included).
            self._soticket_refunded_tickets()._mark_refunded()
        return order_id

    @api.model
    def _soticket_refusal(self, order, exc, error_class=ValidationError):
        error = error_class(self.env._(
            "Order %(order)s was not recorded: %(reason)s",
            order=order.get("name") or order.get("pos_reference") or "", reason=exc.args[0]))
        # Read by the register to take the refused order out of its synchronisation queue.
        error.context = {"soticket_refused_order_uuids": [order.get("uuid")]}
        return error

    def _soticket_refunded_tickets(self):
        """Tickets this (paid) refund order refunds: the ones of the refunded lines not refunded
        yet, valid tickets before admitted ones."""
        self.ensure_one()
        per_line = defaultdict(float)
        for line in self.lines.filtered(lambda rl: rl.refunded_orderline_id and rl.qty < 0):
            per_line[line.refunded_orderline_id.id] += -line.qty
        return self._soticket_plan_refund(per_line, self)

    @api.model
    def _soticket_plan_refund(self, per_line, existing_order=None):
        registrations = self.env["event.registration"]
        originals = self.env["pos.order.line"].browse(list(per_line)).exists()
        for line in originals.filtered("event_registration_ids"):
            # Only paid refunds count: a draft refund has refunded nothing yet.
            earlier = line.refund_orderline_ids.filtered(
                lambda rl: rl.order_id != existing_order and rl.order_id.state in PAID_STATES)
            target = round(-sum(earlier.mapped("qty")) + per_line[line.id])
            tickets = line.event_registration_ids
            missing = target - len(tickets.filtered(lambda r: r.state == "cancel"))
            if missing > 0:
                candidates = tickets.filtered(lambda r: r.state != "cancel").sorted(lambda r: (r.state == "done", r.id))
                registrations |= candidates[:missing]
        return registrations

    @api.model
    def soticket_check_ticket_refund(self, line_quantities):
        """Asked by the register before paying a refund: which tickets it would refund, and which
        of them were already admitted (staff confirmation needed). ``line_quantities``: [[line id, qty]]."""
        self.check_access("read")
        per_line = defaultdict(float)
        for line_id, qty in line_quantities or []:
            per_line[int(line_id)] += abs(float(qty))
        tickets = self._soticket_plan_refund(per_line)
        tickets.check_access("read")
        return {
            "tickets": [{"id": r.id, "name": r.display_name, "state": r.ticket_state} for r in tickets],
            "admitted": [{"id": r.id, "name": r.display_name, "event": r.event_id.name,
                          "number": r.ticket_number} for r in tickets.filtered(lambda r: r.state == "done")],
        }

    # ------------------------------------------------------------------ tickets on the receipt
    def soticket_receipt_tickets(self):
        """The tickets of these orders as printed on the receipt (codes and numbers are only known
        once the order is synchronised: the register asks for them right after)."""
        self.check_access("read")
        registrations = self.sudo().lines.event_registration_ids.filtered(
            lambda r: r.ticket_state in PRINTABLE_TICKET_STATES).sorted("id")
        if registrations:
            registrations._ensure_ticket_number()
        return [reg._soticket_receipt_ticket() for reg in registrations]

    def action_print_soticket_tickets(self):
        """Reprint the tickets at receipt width (80 mm) from the back office."""
        registrations = self.lines.event_registration_ids.filtered(lambda r: r.ticket_state in PRINTABLE_TICKET_STATES)
        if not registrations:
            raise UserError(self.env._("This order has no valid ticket to print."))
        return self.env.ref("soticket_box_office.report_pos_receipt_tickets").report_action(self, config=False)
