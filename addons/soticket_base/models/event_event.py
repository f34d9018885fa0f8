# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime


class SoticketSaleRefused(ValidationError):
    """A buyer asked for tickets the website may not sell them (see ``event.event._soticket_web_sale_refusal``)."""


class EventEvent(models.Model):
    _inherit = "event.event"

    doors_open = fields.Datetime("Doors open", help="Printed on the tickets; scanners admit from this time.")
    soticket_max_per_order = fields.Integer(
        "Max. tickets per order", default=10, required=True,
        help="The most tickets of this event a buyer can take in one order on the website. The box office and "
             "the back office are not limited.")

    _sql_constraints = [
        ("soticket_max_per_order_positive", "CHECK(soticket_max_per_order > 0)",
         "The maximum number of tickets per order must be at least 1."),
    ]

    @api.constrains("doors_open", "date_begin", "date_end")
    def _check_doors_open(self):
        for event in self:
            if event.doors_open and event.date_end and event.doors_open > event.date_end:
                raise ValidationError(_('"%(event)s": doors cannot open after the event ends.', event=event.name))

    @api.constrains("seats_max", "seats_limited", "event_ticket_ids")
    def _check_category_capacity(self):
        for event in self:
            if event.seats_limited and event.seats_max < 0:
                raise ValidationError(_('"%(event)s": the capacity cannot be negative.', event=event.name))
            if not (event.seats_limited and event.seats_max):
                continue
            for ticket in event.event_ticket_ids:
                if ticket.seats_max > event.seats_max:
                    raise ValidationError(_(
                        '"%(ticket)s" offers %(ticket_seats)s seats but "%(event)s" holds only %(event_seats)s.',
                        ticket=ticket.name, ticket_seats=ticket.seats_max, event=event.name,
                        event_seats=event.seats_max))

    def _get_tickets_access_hash(self, registration_ids):
        """The stock ticket links (/event/<id>/my_tickets, in Odoo's e-mails and pages) show the
        tickets' stock barcodes: bound to the tickets' code versions, like the e-ticket link, so
        that the link of a ticket since reissued or moved stops working."""
        self.ensure_one()
        ids = sorted(i for i in registration_ids if isinstance(i, int) and not isinstance(i, bool))
        if len(ids) != len(registration_ids):
            return super()._get_tickets_access_hash(registration_ids)
        registrations = self.env["event.registration"].sudo().with_context(active_test=False).browse(ids).exists()
        versions = sorted((reg.id, reg.ticket_code_version) for reg in registrations)
        return tools.hmac(self.env(su=True), "soticket-event-ticket-report-access", (self.id, ids, versions))

    # ------------------------------------------------------------------ the buyer's rule
    def _soticket_web_sale_refusal(self, quantities, now=None):
        """The one rule for what a buyer (website, cart, portal, payment) may take without staff.

        Staff channels (back office, box office, guest list) do not go through it.

        :param quantities: ``{event.event.ticket (empty recordset for an event without categories):
            number of tickets}``, everything the order would hold for this event
        :return: why it is refused (translated), or ``""``
        """
        self.ensure_one()
        _ = self.env._
        event = self.sudo()
        now = now or fields.Datetime.now()
        tz = event.date_tz or "UTC"
        if not event.active or not event.website_published:
            return _('"%(event)s" is not on sale online.', event=event.name)
        if event.date_end and event.date_end <= now:
            return _('"%(event)s" is over: its tickets are no longer on sale.', event=event.name)
        if event.stage_id.pipe_end:
            return _('Registrations for "%(event)s" are closed.', event=event.name)
        total = 0
        for category, quantity in quantities.items():
            total += quantity
            ticket = category.sudo()
            if not ticket:
                if event.event_ticket_ids:
                    return _('Choose a ticket category for "%(event)s".', event=event.name)
                continue
            if ticket.event_id != event:
                return _('"%(ticket)s" is not a ticket category of "%(event)s".', ticket=ticket.name,
                         event=event.name)
            if ticket.category_kind == "invitation":
                return _('"%(ticket)s" is an invitation: invitations are given by the venue, they cannot be '
                         'ordered online.', ticket=ticket.name)
            if ticket.start_sale_datetime and ticket.start_sale_datetime > now:
                return _('"%(ticket)s" for "%(event)s" is not on sale yet: sales open on %(date)s.',
                         ticket=ticket.name, event=event.name,
                         date=format_datetime(self.env, ticket.start_sale_datetime, tz=tz, dt_format="short"))
            if ticket.end_sale_datetime and ticket.end_sale_datetime <= now:
                return _('"%(ticket)s" for "%(event)s" is no longer on sale: sales ended on %(date)s.',
                         ticket=ticket.name, event=event.name,
                         date=format_datetime(self.env, ticket.end_sale_datetime, tz=tz, dt_format="short"))
        if total > event.soticket_max_per_order:
            return _('At most %(max)s tickets per order for "%(event)s": you asked for %(asked)s.',
                     max=event.soticket_max_per_order, event=event.name, asked=total)
        return ""

    def _soticket_check_web_sale(self, quantities, now=None):
        """Raise :class:`SoticketSaleRefused` with the reason if :meth:`_soticket_web_sale_refusal` refuses."""
        reason = self._soticket_web_sale_refusal(quantities, now=now)
        if reason:
            raise SoticketSaleRefused(reason)

    def _soticket_web_categories(self):
        """What the event page shows buyers before any click: the categories they may take
        (no invitation), each with its price as paid (VAT included unless the website shows
        prices without VAT) and its seats left (``None``: not limited)."""
        self.ensure_one()
        event = self.sudo()
        website = self.env["website"].get_current_website()
        tax_included = website.show_line_subtotals_tax_selection != "tax_excluded"
        now = fields.Datetime.now()
        seats_left_per_ticket = self.env["soticket.seat.hold"].sudo()._seats_left(event)
        categories = []
        for ticket in event.event_ticket_ids.filtered(lambda t: t.category_kind != "invitation").sorted("sequence"):
            seats_left = seats_left_per_ticket[ticket.id]
            if ticket.start_sale_datetime and ticket.start_sale_datetime > now:
                status = "upcoming"
            elif ticket.end_sale_datetime and ticket.end_sale_datetime <= now:
                status = "ended"
            elif seats_left == 0:
                status = "sold_out"
            else:
                status = "on_sale"
            categories.append({
                "ticket": ticket,
                "name": ticket.name,
                "price": ticket.price_reduce_taxinc if tax_included else ticket.price_reduce,
                "currency": event.company_id.currency_id,
                "seats_left": seats_left,
                "status": status,
                "start": ticket.start_sale_datetime and format_datetime(
                    self.env, ticket.start_sale_datetime, tz=event.date_tz or "UTC", dt_format="short"),
            })
        return categories

    @api.model
    def _soticket_archive_sample_events(self):
        """Demo data: Odoo's own sample events (conferences, fairs…) are unpublished and archived,
        so that the demo venue shows only its concerts."""
        samples = self.env["ir.model.data"].sudo().search([
            ("model", "=", "event.event"), ("module", "not like", "soticket_%")])
        events = self.sudo().with_context(active_test=False).browse(samples.mapped("res_id")).exists()
        events.write({"website_published": False, "active": False})
