# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import hmac
from datetime import timedelta
from hashlib import sha256

from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import consteq
from odoo.tools.misc import hmac as hmac_sign

WAITLIST_STATES = [
    ("pending", "E-mail not confirmed"),
    ("waiting", "Waiting"),
    ("offered", "Offer sent"),
    ("bought", "Bought"),
    ("expired", "Offer lapsed"),
    ("cancelled", "Left the list"),
]
ACTIVE_STATES = ("waiting", "offered")
# Place in line and offers: written by joining, leaving, offers and their expiry only, in
# superuser mode after their checks (soticket_base/tools/server_fields.py).
SERVER_FIELDS = frozenset({"event_ticket_id", "position", "state", "offer_listing_id", "offered_at", "offer_until"})
# An address in line or waiting to confirm it: one entry per category.
OPEN_STATES = ("pending", *ACTIVE_STATES)
# Joins that send a confirmation e-mail, per address and per client (IP), and their period; system
# parameters soticket_resale.waitlist_joins_per_email, soticket_resale.waitlist_joins_per_client,
# soticket_resale.waitlist_joins_period_minutes.
JOINS_PER_EMAIL = 3
JOINS_PER_CLIENT = 10
JOINS_PERIOD_MINUTES = 60
# An entry not confirmed within this delay is dropped.
PENDING_DAYS = 2


class SoticketResaleWaitlist(models.Model):
    """A visitor waiting for a resale ticket of a sold-out category.

    When a ticket of the category is listed, the first in line gets it offered by
    e-mail for the event's offer window; nobody else can buy it meanwhile. An offer
    that lapses goes to the next in line.
    """

    _name = "soticket.resale.waitlist"
    _description = "Resale waiting list entry"
    _inherit = ["mail.thread", "soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _order = "event_ticket_id, position, id"

    event_id = fields.Many2one("event.event", "Event", related="event_ticket_id.event_id", store=True, index=True)
    event_ticket_id = fields.Many2one("event.event.ticket", "Category", required=True, readonly=True, index=True,
                                      ondelete="cascade")
    company_id = fields.Many2one("res.company", "Venue", related="event_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", "Contact", readonly=True, index="btree_not_null")
    name = fields.Char("Name", readonly=True)
    email = fields.Char("E-mail", required=True, readonly=True)
    lang = fields.Char("Language", readonly=True)
    position = fields.Integer("Position", required=True, readonly=True, aggregator=None,
                              help="Order of arrival in the category's line: the lowest waiting one is served first.")
    state = fields.Selection(WAITLIST_STATES, "Status", default="waiting", required=True, readonly=True, index=True,
                             tracking=True)
    offer_listing_id = fields.Many2one("soticket.resale.listing", "Ticket offered", readonly=True)
    offered_at = fields.Datetime("Offered on", readonly=True)
    offer_until = fields.Datetime("Offer valid until", readonly=True)

    def init(self):
        # (replaces the index without the unconfirmed entries)
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS soticket_resale_waitlist_one_active_per_email"))
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS soticket_resale_waitlist_one_open_per_email "
            "ON soticket_resale_waitlist (event_ticket_id, lower(email)) "
            "WHERE state IN ('pending', 'waiting', 'offered')"))

    @api.depends("name", "email", "event_ticket_id")
    def _compute_display_name(self):
        for entry in self:
            entry.display_name = f"{entry.name or entry.email} ({entry.event_ticket_id.name or ''})"

    # ------------------------------------------------------------------ joining and leaving
    @api.model
    def _soticket_join(self, category, email, name="", partner=None, lang=None, ip=None, confirmed=False):
        """Put ``email`` in the line of ``category``, once the address is confirmed.

        Double opt-in: unless ``confirmed`` (the address of the logged-in visitor's own account), the
        entry waits for its address to be confirmed from the link e-mailed to it, and gets no offer
        before. Joins that send that e-mail are limited per address and per client (``ip``).

        :raise UserError: (translated) for an invalid e-mail, a category that is not sold out, or too
            many joins; nothing is written then
        :return: (entry, created): an e-mail already in line keeps its place
        """
        _ = self.env._
        category = category.sudo()
        email = tools.email_normalize(email or "")
        if not email:
            raise UserError(_("Give a valid e-mail address to join the waiting list."))
        event = category.event_id
        closed = event._soticket_resale_closed_reason()
        if closed:
            raise UserError(closed)
        if not (category.is_sold_out or event.event_registrations_sold_out):
            raise UserError(_('"%(category)s" is not sold out: buy your ticket directly.', category=category.name))
        # Positions are given one at a time per category.
        self.env.cr.execute(SQL("SELECT id FROM event_event_ticket WHERE id = %s FOR NO KEY UPDATE", category.id))
        existing = self.sudo().search([("event_ticket_id", "=", category.id), ("state", "in", OPEN_STATES),
                                       ("email", "=ilike", email)], limit=1)
        if existing and (existing.state != "pending" or confirmed):
            if confirmed:
                existing._soticket_confirm()
            return existing, False
        if not confirmed:
            self._soticket_check_join_rate(email, ip)
        if existing:  # not confirmed yet: the link again
            existing._soticket_send_confirmation()
            return existing, False
        entry = self.sudo().create({
            "event_ticket_id": category.id, "email": email, "name": (name or "").strip()[:128],
            "partner_id": partner.id if partner else False, "position": 0, "state": "pending",
            "lang": lang or self.env.lang,
        })
        if confirmed:
            entry._soticket_confirm()
        else:
            entry._soticket_send_confirmation()
        return entry, True

    def _soticket_rank(self):
        """1 for the first one waiting in the category."""
        self.ensure_one()
        if self.state not in ACTIVE_STATES:
            return 0
        return self.sudo().search_count([
            ("event_ticket_id", "=", self.event_ticket_id.id), ("state", "in", ACTIVE_STATES),
            ("position", "<", self.position)]) + 1

    def action_leave(self):
        """Take these entries out of the line (an offer in progress goes to the next one).

        Venue staff may do it for anyone; a logged-in visitor only for their own entries.
        Anonymous visitors use the signed link of their e-mail, never this method."""
        self._soticket_check_may_leave()
        return self.sudo()._soticket_leave()

    def _soticket_check_may_leave(self):
        if self.env.su or not self:
            return
        if self.env.user.has_group("event.group_event_user"):
            self.check_access("write")
            return
        partner = self.env.user.partner_id.commercial_partner_id
        if self.env.user._is_public() or any(
                entry.partner_id.commercial_partner_id != partner for entry in self.sudo()):
            raise AccessError(self.env._("You can only take your own entries off a waiting list."))

    def _soticket_leave(self):
        for entry in self.sudo():
            if entry.state not in ACTIVE_STATES:
                continue
            listing = entry.offer_listing_id if entry.state == "offered" else self.env["soticket.resale.listing"]
            entry.write({"state": "cancelled", "offer_listing_id": False, "offer_until": False})
            if listing:
                listing._lock()
                if listing.offer_waitlist_id == entry:
                    listing.write({"offer_waitlist_id": False, "offer_until": False})
                    listing._soticket_offer_to_next_in_line()
        return True

    # ------------------------------------------------------------------ offers
    def _soticket_make_offer(self, listing):
        """Offer ``listing`` to this entry for the event's offer window (not past the resale cutoff)."""
        self.ensure_one()
        now = fields.Datetime.now()
        event = listing.event_id
        until = now + timedelta(hours=event.soticket_resale_offer_hours or 2.0)
        if event.soticket_resale_cutoff:
            until = min(until, event.soticket_resale_cutoff)
        self.write({"state": "offered", "offer_listing_id": listing.id, "offered_at": now, "offer_until": until})
        listing.write({"offer_waitlist_id": self.id, "offer_until": until})
        listing.message_post(body=self.env._("Offered to the waiting list (position %(position)s) until %(until)s.",
                                             position=self.position,
                                             until=listing._soticket_format_time(until)))
        template = self.env.ref("soticket_resale.mail_template_resale_offer", raise_if_not_found=False)
        if template:
            template.sudo().send_mail(self.id, force_send=False, email_layout_xmlid="mail.mail_notification_light")

    def _soticket_expire_offer(self):
        """Offers whose window lapsed: the entry loses its turn, the ticket goes to the next in line."""
        now = fields.Datetime.now()
        listings = self.env["soticket.resale.listing"]
        for entry in self.sudo():
            if entry.state != "offered" or not entry.offer_until or entry.offer_until > now:
                continue
            listing = entry.offer_listing_id
            entry.write({"state": "expired"})
            entry.message_post(body=self.env._("The offer lapsed without a purchase."))
            if listing:
                listing._lock()
                if listing.offer_waitlist_id == entry and listing.state == "listed":
                    listing.write({"offer_waitlist_id": False, "offer_until": False})
                    listings |= listing
        listings._soticket_offer_to_next_in_line()
        return True

    def _soticket_offer_token(self):
        self.ensure_one()
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        message = f"soticket-resale-offer:{self.id}:{self.offer_listing_id.id}:{self.email}".encode()
        return hmac.new(secret.encode(), message, sha256).hexdigest()[:32]

    def _soticket_check_offer_token(self, token):
        self.ensure_one()
        return bool(token) and bool(self.offer_listing_id) and hmac.compare_digest(
            self._soticket_offer_token(), str(token))

    # ------------------------------------------------------------------ leaving by a signed link
    def _soticket_leave_token(self):
        """Signs the entry and its e-mail: the link to leave the line, for a visitor without account."""
        self.ensure_one()
        return hmac_sign(self.env(su=True), "soticket-resale-waitlist-leave", (self.id, self.email))[:32]

    def _soticket_check_leave_token(self, token):
        self.ensure_one()
        return isinstance(token, str) and consteq(self._soticket_leave_token(), token)

    def _soticket_leave_url(self):
        self.ensure_one()
        return f"/soticket/resale/waitlist/{self.id}/{self._soticket_leave_token()}/leave"

    def _soticket_offer_url(self):
        self.ensure_one()
        return f"/soticket/resale/offer/{self.id}/{self._soticket_offer_token()}"

    # ------------------------------------------------------------------ double opt-in and rate limit
    @api.model
    def _soticket_join_limits(self):
        """(per address, per client, period): joins that send a confirmation e-mail."""
        params = self.env["ir.config_parameter"].sudo()
        try:
            per_email = int(params.get_param("soticket_resale.waitlist_joins_per_email", JOINS_PER_EMAIL))
            per_client = int(params.get_param("soticket_resale.waitlist_joins_per_client", JOINS_PER_CLIENT))
            minutes = int(params.get_param("soticket_resale.waitlist_joins_period_minutes", JOINS_PERIOD_MINUTES))
        except ValueError:
            per_email, per_client, minutes = JOINS_PER_EMAIL, JOINS_PER_CLIENT, JOINS_PERIOD_MINUTES
        return max(per_email, 1), max(per_client, 1), timedelta(minutes=max(minutes, 1))

    @api.model
    def _soticket_check_join_rate(self, email, ip=None):
        """Count a join of ``email`` from ``ip``; refuse it (translated UserError) past the limits."""
        per_email, per_client, period = self._soticket_join_limits()
        limits = self.env["soticket.rate.limit"].sudo()
        if limits._limited("soticket_resale.waitlist_email", email, per_email, period) or \
                limits._limited("soticket_resale.waitlist_client", ip, per_client, period):
            raise UserError(self.env._(
                "Too many requests to join the waiting list from this address or this device: try again in "
                "%(minutes)s minutes.", minutes=int(period.total_seconds() // 60)))
        limits._record("soticket_resale.waitlist_email", email)
        limits._record("soticket_resale.waitlist_client", ip)

    def _soticket_confirm_token(self):
        """Signs the entry and its address: the link that confirms the address."""
        self.ensure_one()
        return hmac_sign(self.env(su=True), "soticket-resale-waitlist-confirm", f"{self.id}:{self.email}")[:32]

    def _soticket_check_confirm_token(self, token):
        self.ensure_one()
        return isinstance(token, str) and consteq(self._soticket_confirm_token(), token)

    def _soticket_confirm_url(self):
        self.ensure_one()
        return f"/soticket/resale/waitlist/{self.id}/{self._soticket_confirm_token()}/confirm"

    def _soticket_send_confirmation(self):
        template = self.env.ref("soticket_resale.mail_template_resale_waitlist_confirm", raise_if_not_found=False)
        for entry in self.filtered(lambda e: e.state == "pending"):
            if template:
                template.sudo().send_mail(entry.id, force_send=False,
                                          email_layout_xmlid="mail.mail_notification_light")

    def _soticket_confirm(self):
        """The address is confirmed: the entry takes the next place in line and may get offers."""
        for entry in self.sudo().filtered(lambda e: e.state == "pending"):
            category = entry.event_ticket_id
            self.env.cr.execute(SQL("SELECT id FROM event_event_ticket WHERE id = %s FOR NO KEY UPDATE",
                                    category.id))
            self.env.cr.execute(SQL(
                "SELECT coalesce(max(position), 0) FROM soticket_resale_waitlist WHERE event_ticket_id = %s",
                category.id))
            entry.write({"state": "waiting", "position": self.env.cr.fetchone()[0] + 1})
            entry.message_post(body=self.env._("E-mail address confirmed: in line at position %(position)s.",
                                               position=entry.position))
            # A ticket may already be on sale and waiting for someone.
            self.env["soticket.resale.listing"].sudo().search([
                ("event_ticket_id", "=", category.id), ("state", "=", "listed"), ("offer_waitlist_id", "=", False),
            ], order="id")._soticket_offer_to_next_in_line()
        return True

    @api.autovacuum
    def _gc_unconfirmed(self):
        """Entries whose address was not confirmed in time are dropped."""
        self.sudo().search([("state", "=", "pending"),
                            ("create_date", "<", fields.Datetime.now() - timedelta(days=PENDING_DAYS))]).unlink()
