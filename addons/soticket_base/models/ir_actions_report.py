# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import _
from odoo import models
from odoo.exceptions import UserError

from ..tools import eticket_pdf

ETICKET_REPORTS = {
    "soticket_base.report_eticket_a4": "a4",
    "soticket_base.report_eticket_phone": "phone",
}


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # E-tickets are drawn with reportlab (milliseconds per page), not HTML through wkhtmltopdf.
        report = self._get_report(report_ref)
        layout = ETICKET_REPORTS.get(report.report_name)
        if not layout:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        if isinstance(res_ids, int):
            res_ids = [res_ids]
        registrations = self.env["event.registration"].browse(res_ids or [])
        return self._render_etickets(registrations, layout), "pdf"

    def _render_etickets(self, registrations, layout):
        printable = registrations.filtered(lambda r: r.ticket_state in ("valid", "admitted"))
        if not printable:
            raise UserError(_("No valid ticket to print: a ticket is printable once paid, and until it is cancelled."))
        printable._ensure_ticket_number()
        return eticket_pdf.render_tickets([reg._eticket_data() for reg in printable], layout)
