# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError


class EventEvent(models.Model):
    """Per-event resale switch, cutoff and waiting-list offer window."""

    _inherit = "event.event"

    soticket_resale_open = fields.Boolean(
        "Resale open", default=True,
        help="Ticket holders may put their tickets up for resale at face value through the venue.")
    soticket_resale_cutoff_hours = fields.Float(
        "Resale closes (hours before doors)", default=2.0,
        help="Listing and buying resale tickets stop this many hours before the doors open (or the event "
             "begins): door scanners working offline must have received the revoked codes.")
    soticket_resale_visibility = fields.Selection(
        [("sold_out", "When the category is sold out"), ("always", "Always")], "Resale section shown",
        default="sold_out", required=True,
        help="When the event page lists the resale tickets of a category.")
    soticket_resale_offer_hours = fields.Float(
        "Waiting-list offer valid (hours)", default=2.0,
        help="How long the first person in line has to buy a resale ticket offered to them before it goes to "
             "the next one.")
    soticket_resale_cutoff = fields.Datetime(
        "Resale closes on", compute="_compute_soticket_resale_cutoff",
        help="After this time no ticket can be listed or bought on the resale exchange.")
    soticket_resale_listing_ids = fields.One2many("soticket.resale.listing", "event_id", "Resale listings")
    soticket_resale_listed_count = fields.Integer(
        "Tickets on resale", compute="_compute_soticket_resale_counts")
    soticket_resale_sold_count = fields.Integer("Tickets resold", compute="_compute_soticket_resale_counts")

    @api.constrains("soticket_resale_cutoff_hours", "soticket_resale_offer_hours")
    def _check_soticket_resale_hours(self):
        for event in self:
            if event.soticket_resale_cutoff_hours < 0:
                raise ValidationError(self.env._('"%(event)s": the resale cutoff cannot be negative.',
                                                 event=event.name))
            if event.soticket_resale_offer_hours <= 0:
                raise ValidationError(self.env._('"%(event)s": a waiting-list offer lasts more than 0 hours.',
                                                 event=event.name))

    @api.depends("doors_open", "date_begin", "soticket_resale_cutoff_hours")
    def _compute_soticket_resale_cutoff(self):
        for event in self:
            start = event.doors_open or event.date_begin
            event.soticket_resale_cutoff = start and start - timedelta(hours=event.soticket_resale_cutoff_hours)

    def _compute_soticket_resale_counts(self):
        Listing = self.env["soticket.resale.listing"].sudo()
        listed = dict(Listing._read_group(
            [("event_id", "in", self.ids), ("state", "in", ("listed", "reserved"))], ["event_id"], ["__count"]))
        sold = dict(Listing._read_group(
            [("event_id", "in", self.ids), ("state", "=", "sold")], ["event_id"], ["__count"]))
        for event in self:
            event.soticket_resale_listed_count = listed.get(event, 0)
            event.soticket_resale_sold_count = sold.get(event, 0)

    def _soticket_resale_closed_reason(self, now=None):
        """Why no ticket of this event can be listed or bought on resale now (translated), or ``""``."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        if not self.soticket_resale_open:
            return self.env._('Resale is closed for "%(event)s".', event=self.name)
        if self.soticket_resale_cutoff and now >= self.soticket_resale_cutoff:
            hours = f"{self.soticket_resale_cutoff_hours:g}"
            return self.env._('Resale for "%(event)s" has closed: it stops %(hours)s hour(s) before the doors '
                              'open.', event=self.name, hours=hours)
        return ""

    def _soticket_resale_categories(self):
        """What the event page shows in its "Resale" section, per category (sudo reads, public page).

        :return: list of dicts ``category``, ``listings`` (buyable now, cheapest first), ``sold_out``,
            ``waitlist`` (True if a visitor may join the waiting list of this category)
        """
        self.ensure_one()
        event = self.sudo()
        if event._soticket_resale_closed_reason():
            return []
        Listing = self.env["soticket.resale.listing"].sudo()
        listings = Listing.search([("event_id", "=", event.id), ("state", "in", ("listed", "reserved"))],
                                  order="buyer_price, id")
        result = []
        for category in event.event_ticket_ids:
            sold_out = bool(category.is_sold_out or event.event_registrations_sold_out)
            if event.soticket_resale_visibility == "sold_out" and not sold_out:
                continue
            buyable = listings.filtered(
                lambda lst, cat=category: lst.event_ticket_id == cat and lst._soticket_buyable_publicly())
            if not buyable and not sold_out:
                continue
            result.append({"category": category, "listings": buyable, "sold_out": sold_out, "waitlist": sold_out})
        return result

    def action_soticket_resale_open(self):
        self.check_access("write")
        self.write({"soticket_resale_open": True})
        return True

    def action_soticket_resale_close(self):
        """Close resale: tickets already listed are withdrawn (their holders keep them)."""
        self.check_access("write")
        self.write({"soticket_resale_open": False})
        listings = self.env["soticket.resale.listing"].sudo().search(
            [("event_id", "in", self.ids), ("state", "=", "listed")])
        listings._soticket_close(self.env._("Resale was closed for this event by the venue."))
        return True

    def action_view_soticket_resale_listings(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("soticket_resale.action_resale_listing")
        action["domain"] = [("event_id", "=", self.id)]
        action["context"] = {"default_event_id": self.id, "search_default_filter_open": 0}
        return action
