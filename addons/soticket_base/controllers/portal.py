# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request
from odoo.http import route

TICKET_COUNTER = "soticket_ticket_count"


class SoticketTicketsPortal(CustomerPortal):
    """"Tickets" in the buyer's portal: their tickets, upcoming first, with the e-ticket downloads."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if TICKET_COUNTER in counters:
            Registration = request.env["event.registration"]
            values[TICKET_COUNTER] = (
                Registration.search_count(self._soticket_tickets_domain()) if Registration.has_access("read") else 0)
        return values

    def _soticket_tickets_domain(self):
        # The record rule already limits a portal user to their own tickets; this also
        # keeps internal users' "my tickets" to the tickets bought by themselves.
        partner = request.env.user.partner_id
        return [
            ("partner_id", "child_of", partner.commercial_partner_id.ids),
            ("state", "in", ("open", "done", "cancel")),
        ]

    @route("/my/tickets", type="http", auth="user", website=True, methods=["GET"], sitemap=False)
    def portal_my_tickets(self, **kwargs):
        Registration = request.env["event.registration"]
        tickets = Registration
        if Registration.has_access("read"):
            tickets = Registration.search(self._soticket_tickets_domain())
        # Read through sudo once the user's access has selected the records (events may be unpublished).
        tickets = tickets.sudo()
        now = fields.Datetime.now()
        upcoming = tickets.filtered(lambda t: t.event_id.date_end and t.event_id.date_end >= now).sorted(
            lambda t: (t.event_id.date_begin, t.id))
        past = (tickets - upcoming).sorted(lambda t: (t.event_id.date_begin or now, t.id), reverse=True)
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "soticket_tickets",
            "upcoming_tickets": upcoming,
            "past_tickets": past,
            "ticket_states": dict(Registration._fields["ticket_state"]._description_selection(request.env)),
        })
        return request.render("soticket_base.portal_my_tickets", values)
