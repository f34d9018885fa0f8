# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models
from odoo.exceptions import UserError

from ..tools import receipt_pdf

RECEIPT_TICKETS_REPORT = "soticket_box_office.report_pos_receipt_tickets"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # Box-office tickets at receipt width are drawn with reportlab, like the e-tickets.
        report = self._get_report(report_ref)
        if report.report_name != RECEIPT_TICKETS_REPORT:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if isinstance(res_ids, int):
            res_ids = [res_ids]
        orders = self.env["pos.order"].browse(res_ids or [])
        orders.check_access("read")
        tickets = orders.sudo().lines.event_registration_ids.filtered(
            lambda r: r.ticket_state in ("valid", "admitted")).sorted("id")
        if not tickets:
            raise UserError(self.env._("No valid ticket to print: refunded or cancelled tickets are not printed."))
        tickets._ensure_ticket_number()
        reasons = dict(tickets._fields["invitation_reason"]._description_selection(self.env))
        extra = {
            index: [self.env._("Reason: %(reason)s", reason=reasons[reg.invitation_reason])]
            for index, reg in enumerate(tickets) if reg.invitation_reason
        }
        return receipt_pdf.render_receipt_tickets([reg._eticket_data() for reg in tickets], extra), "pdf"
