# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from collections import defaultdict
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    soticket_allotment_ids = fields.One2many(
        "soticket.pos.session.allotment", "session_id", "Seats set aside", readonly=True)
    soticket_ticket_count = fields.Integer("Tickets sold", compute="_compute_soticket_ticket_count")

    def _compute_soticket_ticket_count(self):
        counts = dict(self.env["event.registration"].sudo()._read_group(
            [("pos_session_id", "in", self.ids)], ["pos_session_id"], ["__count"]))
        for session in self:
            session.soticket_ticket_count = counts.get(session, 0)

    # ------------------------------------------------------------------ allotments follow the session
    def write(self, vals):
        state = vals.get("state")
        opening = self.filtered(lambda s: s.state == "opening_control") if state == "opened" else self.browse()
        res = super().write(vals)
        if opening:
            self.env["soticket.pos.session.allotment"]._reserve_for_sessions(opening)
        if state in ("closing_control", "closed"):
            self.sudo().soticket_allotment_ids._release()
        return res

    # ------------------------------------------------------------------ point of sale data
    @api.model
    def _load_pos_data_models(self, config_id):
        return super()._load_pos_data_models(config_id) + ["soticket.guest.list"]

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        if result.get("data"):
            result["data"][0]["_soticket_seats"] = self._soticket_box_office_seats()
        return result

    def soticket_box_office_seats(self):
        """Asked by the register (after opening, after each sale): seats and allotment left."""
        self.ensure_one()
        self.check_access("read")
        return self._soticket_box_office_seats()

    def _soticket_box_office_events(self):
        """Events the register sells tonight (or under way), and those it holds an allotment for."""
        self.ensure_one()
        now = fields.Datetime.now()
        events = self.env["event.event"].sudo().search([
            ("company_id", "in", [self.config_id.company_id.id, False]),
            ("date_end", ">=", now), ("date_begin", "<=", now + timedelta(days=2)),
        ]).filtered(lambda e: e._soticket_is_tonight(now))
        return events | self.sudo().soticket_allotment_ids.filtered(lambda a: a.state == "open").event_id

    def _soticket_box_office_seats(self, events=None):
        """Seats left for this register and its allotment left, per event and per category.

        ``left`` is what this register may sell: the capacity minus the tickets sold (anywhere),
        minus what the other open registers set aside (None: no limit). ``allotment_left`` is
        the part of this session's allotment not sold yet: the register may sell it offline."""
        self.ensure_one()
        open_allotments = self.sudo().soticket_allotment_ids.filtered(lambda a: a.state == "open")
        if events is None:
            events = self._soticket_box_office_events()
        else:
            now = fields.Datetime.now()
            company = self.config_id.company_id
            events = events.sudo().filtered(
                lambda e: e.company_id in (company, e.browse()) and (
                    e in open_allotments.event_id or e._soticket_is_tonight(now)))
        allotments = self.env["soticket.pos.session.allotment"].sudo()
        self.env.flush_all()
        cr = self.env.cr
        own = allotments._open_remaining(cr, events.ids, only_session_ids=self.ids)
        granted = defaultdict(int)
        for allotment in open_allotments:
            granted[allotment.event_id.id, allotment.event_ticket_id.id or None] += allotment.quantity
        result = {"session_id": self.id, "events": {}, "tickets": {}}
        for event in events:
            taken = allotments.with_context(soticket_selling_session_ids=self.ids)._taken_seats(cr, event)
            event_left = None
            if event.seats_limited and event.seats_max:
                event_left = max(event.seats_max - sum(taken.values()), 0)
            result["events"][event.id] = {
                "left": event_left,
                "allotment": granted.get((event.id, None), 0),
                "allotment_left": own.get((self.id, event.id, None), 0),
                "tonight": event._soticket_is_tonight(),
            }
            for ticket in event.event_ticket_ids:
                left = event_left
                if ticket.seats_max:
                    ticket_left = max(ticket.seats_max - taken.get(ticket.id, 0), 0)
                    left = ticket_left if left is None else min(left, ticket_left)
                result["tickets"][ticket.id] = {
                    "event_id": event.id,
                    "left": left,
                    "allotment": granted.get((event.id, ticket.id), 0),
                    "allotment_left": own.get((self.id, event.id, ticket.id), 0),
                }
        return result

    # ------------------------------------------------------------------ session report
    def action_soticket_box_office_report(self):
        return self.env.ref("soticket_box_office.action_report_session_box_office").report_action(self, config=False)

    def action_view_soticket_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("soticket_box_office.action_box_office_tickets")
        action["domain"] = [("pos_session_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    def _soticket_box_office_report(self):
        """Per event: tickets by category and payment method, invitations by reason, refunds."""
        self.ensure_one()
        no_payment = self.env._("No payment")
        unspecified = self.env._("Unspecified")
        reasons = dict(self.env["event.registration"]._fields["invitation_reason"]._description_selection(self.env))
        tickets = self.env["event.registration"].sudo().with_context(active_test=False).search(
            [("pos_session_id", "=", self.id)])
        method_of_order = {}
        for order in tickets.pos_order_id:
            methods = order.payment_ids.filtered(lambda p: not p.is_change and p.amount).payment_method_id
            method_of_order[order.id] = ", ".join(sorted(methods.mapped("name"))) or no_payment
        report = {}

        def event_block(event):
            return report.setdefault(event.id, {
                "event": event, "rows": defaultdict(lambda: [0, 0.0]), "invitations": defaultdict(int),
                "refunds": [0, 0.0], "count": 0, "amount": 0.0,
            })

        for reg in tickets:
            block = event_block(reg.event_id)
            method = method_of_order.get(reg.pos_order_id.id, no_payment)
            row = block["rows"][reg.event_ticket_id.name or "", method]
            row[0] += 1
            row[1] += reg.price_paid
            block["count"] += 1
            block["amount"] += reg.price_paid
            if reg.event_ticket_id.category_kind == "invitation" or reg.guest_list_id:
                block["invitations"][reasons.get(reg.invitation_reason, unspecified)] += 1
        refund_lines = self.order_ids.lines.filtered(
            lambda rl: rl.refunded_orderline_id.event_ticket_id and rl.qty < 0).sudo()
        for refund_line in refund_lines:
            block = event_block(refund_line.refunded_orderline_id.event_ticket_id.event_id)
            block["refunds"][0] += int(-refund_line.qty)
            block["refunds"][1] += -refund_line.price_subtotal_incl
        blocks = []
        for block in sorted(report.values(), key=lambda b: (b["event"].date_begin, b["event"].id)):
            blocks.append({
                "event": block["event"],
                "rows": [{"category": category, "method": method, "count": count, "amount": amount}
                         for (category, method), (count, amount) in sorted(block["rows"].items())],
                "invitations": sorted(block["invitations"].items()),
                "refund_count": block["refunds"][0],
                "refund_amount": block["refunds"][1],
                "count": block["count"],
                "amount": block["amount"],
                "allotments": self.sudo().soticket_allotment_ids.filtered(lambda a, e=block["event"]: a.event_id == e),
            })
        return blocks
