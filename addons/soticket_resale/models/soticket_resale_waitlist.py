# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import hmac
from datetime import timedelta
from hashlib import sha256

from odoo import api
from odoo import fields
from odoo import models
from odoo import tools
from odoo.addons.soticket_base.tools.server_fields import check_server_fields
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import consteq
from odoo.tools.misc import hmac as hmac_sign

WAITLIST_STATES = [
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


class SoticketResaleWaitlist(models.Model):
    """A visitor waiting for a resale ticket of a sold-out category.

    When a ticket of the category is listed, the first in line gets it offered by
    e-mail for the event's offer window; nobody else can buy it meanwhile. An offer
    that lapses goes to the next in line.
    """

    _name = "soticket.resale.waitlist"
    _description = "Resale waiting list entry"
    _inherit = ["mail.thread"]
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

    @api.model_create_multi
    def create(self, vals_list):
        check_server_fields(self, vals_list, SERVER_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_server_fields(self, vals, SERVER_FIELDS)
        return super().write(vals)

    def init(self):
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS soticket_resale_waitlist_one_active_per_email "
            "ON soticket_resale_waitlist (event_ticket_id, lower(email)) WHERE state IN ('waiting', 'offered')"))

    @api.depends("name", "email", "event_ticket_id")
    def _compute_display_name(self):
        for entry in self:
            entry.display_name = f"{entry.name or entry.email} ({entry.event_ticket_id.name or ''})"

    # ------------------------------------------------------------------ joining and leaving
    @api.model
    def _soticket_join(self, category, email, name="", partner=None, lang=None):
        """Put ``email`` in the line of ``category``.

        :raise UserError: (translated) for an invalid e-mail or a category that is not sold out
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
        existing = self.sudo().search([("event_ticket_id", "=", category.id), ("state", "in", ACTIVE_STATES),
                                       ("email", "=ilike", email)], limit=1)
        if existing:
            return existing, False
        self.env.cr.execute(SQL(
            "SELECT coalesce(max(position), 0) FROM soticket_resale_waitlist WHERE event_ticket_id = %s", category.id))
        position = self.env.cr.fetchone()[0] + 1
        entry = self.sudo().create({
            "event_ticket_id": category.id, "email": email, "name": (name or "").strip()[:128],
            "partner_id": partner.id if partner else False, "position": position,
            "lang": lang or self.env.lang,
        })
        # A ticket may already be on sale and waiting for someone.
        self.env["soticket.resale.listing"].sudo().search([
            ("event_ticket_id", "=", category.id), ("state", "=", "listed"), ("offer_waitlist_id", "=", False),
        ], order="id")._soticket_offer_to_next_in_line()
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
