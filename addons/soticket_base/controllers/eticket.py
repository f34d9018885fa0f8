# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import http
from odoo.http import request


class ETicketController(http.Controller):
    """E-ticket downloads: a signed link that needs no login (sent in the e-mail),
    and the holder's own tickets from the portal."""

    @http.route("/soticket/eticket/<int:registration_id>/<string:token>", type="http", auth="public",
                methods=["GET"], website=True, sitemap=False)
    def eticket_signed(self, registration_id, token, layout="a4", **kwargs):
        registration = request.env["event.registration"].sudo().browse(registration_id).exists()
        if not registration or not registration._check_ticket_access_token(token):
            # An old link (the ticket was reissued or moved: the token is bound to the code
            # version) or a wrong one: say so, without telling which.
            return request.render("soticket_base.eticket_link_invalid", {}, status=404)
        return self._pdf_response(registration, layout)

    @http.route("/my/tickets/<int:registration_id>/pdf", type="http", auth="user", methods=["GET"], website=True,
                sitemap=False)
    def eticket_portal(self, registration_id, layout="a4", **kwargs):
        registration = request.env["event.registration"].browse(registration_id).exists()
        if not registration:
            raise request.not_found()
        registration.check_access("read")
        return self._pdf_response(registration.sudo(), layout)

    def _pdf_response(self, registration, layout):
        if registration.ticket_state not in ("valid", "admitted"):
            return request.render("soticket_base.eticket_unavailable", {"registration": registration})
        report = "soticket_base.report_eticket_phone" if layout == "phone" else "soticket_base.report_eticket_a4"
        pdf, _type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(report, registration.ids)
        filename = f"ticket-{registration.id}.pdf"
        return request.make_response(pdf, headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Length", str(len(pdf))),
            ("Content-Disposition", f'inline; filename="{filename}"'),
            ("Cache-Control", "private, no-store"),
        ])
