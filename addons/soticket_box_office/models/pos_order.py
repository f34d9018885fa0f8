# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

PRINTABLE_TICKET_STATES = ("valid", "admitted")


class PosOrder(models.Model):
    _inherit = "pos.order"

    soticket_confirm_admitted_refund = fields.Boolean(
        "Refund of admitted tickets confirmed", copy=False, readonly=True,
        help="Set by the point of sale once the staff confirmed refunding tickets already admitted at the door.")

    # ------------------------------------------------------------------ synchronisation from the register
    @api.model
    def _process_order(self, order, existing_order):
        to_refund = self._soticket_tickets_to_refund(order, existing_order)
        admitted = to_refund.filtered(lambda r: r.state == "done")
        if admitted and not order.get("soticket_confirm_admitted_refund"):
            raise self._soticket_refusal(order, UserError(self.env._(
                "%(count)s ticket(s) of this refund were already admitted at the door (%(tickets)s): a staff "
                "member must confirm the refund on the register. Nothing was recorded.",
                count=len(admitted), tickets=", ".join(admitted.mapped("display_name")))), UserError)
        try:
            # Before the stock processing, which would only cancel them: a refunded ticket
            # is cancelled as refunded and its code revoked, so the door scanners refuse it.
            to_refund._mark_refunded()
            order_id = super()._process_order(order, existing_order)
        except ValidationError as exc:
            # Sold out, allotment or guest-list refusal: the whole synchronisation rolls back
            # (nothing is half-written) and the register shows why.
            raise self._soticket_refusal(order, exc) from exc
        pos_order = self.browse(order_id)
        if pos_order.config_id.soticket_admit_on_sale and pos_order.state in ("paid", "done", "invoiced"):
            pos_order.lines.event_registration_ids._admit_on_sale()
        return order_id

    @api.model
    def _soticket_refusal(self, order, exc, error_class=ValidationError):
        error = error_class(self.env._(
            "Order %(order)s was not recorded: %(reason)s",
            order=order.get("name") or order.get("pos_reference") or "", reason=exc.args[0]))
        # Read by the register to take the refused order out of its synchronisation queue.
        error.context = {"soticket_refused_order_uuids": [order.get("uuid")]}
        return error

    @api.model
    def _soticket_tickets_to_refund(self, order, existing_order=None):
        """Tickets the refund lines of ``order`` (a serialized order) refund: the ones of the
        refunded line not refunded yet, valid tickets before admitted ones."""
        per_line = defaultdict(float)
        for command in order.get("lines") or []:
            if command[0] in (0, 1) and isinstance(command[2], dict):
                vals = command[2]
                if vals.get("refunded_orderline_id") and (vals.get("qty") or 0) < 0:
                    per_line[vals["refunded_orderline_id"]] += -vals["qty"]
        return self._soticket_plan_refund(per_line, existing_order)

    @api.model
    def _soticket_plan_refund(self, per_line, existing_order=None):
        registrations = self.env["event.registration"]
        originals = self.env["pos.order.line"].browse(list(per_line)).exists()
        for line in originals.filtered("event_registration_ids"):
            earlier = line.refund_orderline_ids.filtered(
                lambda rl: rl.order_id != existing_order and rl.order_id.state != "cancel")
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
