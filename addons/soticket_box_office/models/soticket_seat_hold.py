# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models
from odoo.tools import SQL


class SoticketSeatHold(models.Model):
    _inherit = "soticket.seat.hold"

    @api.model
    def _seats_reserved_elsewhere(self, cr, event, regs):
        """Box-office allotments of open sessions count as taken, except the allotment of the
        session ``regs`` are sold in: those tickets consume it."""
        reserved = dict(super()._seats_reserved_elsewhere(cr, event, regs))
        pos_regs = regs.sudo().filtered("pos_order_line_id")
        selling_sessions = set(pos_regs.pos_order_line_id.order_id.session_id.ids)
        selling_sessions.update(self.env.context.get("soticket_selling_session_ids") or ())
        if pos_regs:
            self._soticket_record_session_holds(cr, event, pos_regs)
        allotments = self.env["soticket.pos.session.allotment"]._reserved_elsewhere(
            cr, event.id, exclude_session_ids=sorted(selling_sessions), exclude_registration_ids=regs.ids)
        for ticket_id, seats in allotments.items():
            reserved[ticket_id] = reserved.get(ticket_id, 0) + seats
        return reserved

    @api.model
    def _soticket_record_session_holds(self, cr, event, regs):
        """Tell the concurrent checks which session these in-flight tickets are sold in (their
        seat hold is committed with this check). Under the event's seat lock, the rows whose
        hold is gone (transaction ended) are dropped: the others' checks ignore them anyway."""
        cr.execute(SQL(
            """
            DELETE FROM soticket_pos_seat_hold h
             WHERE h.event_id = %(event)s
               AND (h.registration_id = ANY(%(mine)s)
                    OR NOT EXISTS (SELECT 1 FROM soticket_seat_hold b WHERE b.registration_id = h.registration_id))
            """, event=event.id, mine=regs.ids))
        cr.execute(SQL(
            "INSERT INTO soticket_pos_seat_hold (registration_id, session_id, event_id, event_ticket_id) "
            "SELECT unnest(%s::int[]), unnest(%s::int[]), %s, unnest(%s::int[])",
            regs.ids, [r.pos_order_line_id.order_id.session_id.id for r in regs], event.id,
            [r.event_ticket_id.id or None for r in regs]))
