# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools import format_amount
from odoo.tools import format_datetime

_logger = logging.getLogger(__name__)

STATES = [
    ("listed", "On sale"),
    ("reserved", "In a buyer's cart"),
    ("sold", "Sold"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Not sold"),
]
OPEN_STATES = ("listed", "reserved")
# Everything that decides who gets the ticket and who pays or receives what: written by the
# listing, cart, settlement and closing flows only, in superuser mode after their own checks
# (see soticket_base/tools/server_fields.py). Staff act through the buttons, never by editing.
SERVER_FIELDS = frozenset({
    "registration_id", "company_id", "currency_id", "state", "origin",
    "price", "price_untaxed", "fee_total", "fee_untaxed", "buyer_fee", "seller_fee", "buyer_price", "seller_payout",
    "tax_ids", "reserved_order_id", "reserved_until", "offer_waitlist_id", "offer_until", "buyer_order_id",
    "buyer_order_line_id", "new_registration_id", "listed_at", "sold_at", "closed_at",
})


class SoticketResaleUnavailable(ValidationError):
    """A resale ticket a cart or an order asks for is no longer available to it."""


class SoticketResaleListing(models.Model):
    """A ticket put up for resale by its holder, at the face value they paid.

    The seller's ticket stays valid until a buyer's payment confirms. Then, in the
    buyer's confirmation transaction, the listing row is locked and checked again,
    the seller's ticket is revoked (its code on the revocation list, the ticket
    archived), a new ticket with a new code is issued to the buyer, and the seller's
    refund (face value minus their part of the fee) is recorded.
    """

    _name = "soticket.resale.listing"
    _description = "Resale listing"
    _inherit = ["mail.thread", "soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _order = "id desc"

    name = fields.Char("Reference", compute="_compute_name", store=True)
    registration_id = fields.Many2one(
        "event.registration", "Seller's ticket", required=True, readonly=True, index=True, ondelete="restrict",
        context={"active_test": False})
    event_id = fields.Many2one(
        "event.event", "Event", related="registration_id.event_id", store=True, index=True)
    event_ticket_id = fields.Many2one(
        "event.event.ticket", "Category", related="registration_id.event_ticket_id", store=True, index=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", "Currency", required=True, readonly=True)
    state = fields.Selection(STATES, "Status", default="listed", required=True, readonly=True, index=True,
                             tracking=True)
    origin = fields.Selection(
        [("portal", "Customer account"), ("link", "E-ticket link"), ("backoffice", "Back office")], "Listed from",
        readonly=True)
    seller_partner_id = fields.Many2one("res.partner", "Seller", readonly=True, index="btree_not_null")
    seller_name = fields.Char("Seller name", readonly=True)
    seller_email = fields.Char("Seller e-mail", readonly=True)
    # Amounts, fixed when the ticket is listed: what each side was shown before committing.
    price = fields.Monetary("Face value", readonly=True, help="What the seller paid for this ticket, taxes included.")
    price_untaxed = fields.Monetary("Face value (excl. VAT)", readonly=True)
    fee_total = fields.Monetary("Service fee", readonly=True, aggregator="sum")
    fee_untaxed = fields.Monetary("Service fee (excl. VAT)", readonly=True, aggregator="sum")
    buyer_fee = fields.Monetary("Fee paid by the buyer", readonly=True)
    seller_fee = fields.Monetary("Fee paid by the seller", readonly=True)
    buyer_price = fields.Monetary("Buyer pays", readonly=True, index=True)
    seller_payout = fields.Monetary("Seller receives", readonly=True)
    tax_ids = fields.Many2many(
        "account.tax", string="Taxes", readonly=True,
        help="The VAT of the seller's ticket; the service fee follows the ticket's VAT.")
    # Cart hold and waiting-list offer.
    reserved_order_id = fields.Many2one("sale.order", "Held for cart", readonly=True, index="btree_not_null")
    reserved_until = fields.Datetime("Held until", readonly=True)
    held_order_ids = fields.Many2many(
        "sale.order", "soticket_resale_listing_held_order_rel", "listing_id", "order_id", "Carts that held it",
        readonly=True, copy=False,
        help="Each cart holds a resale ticket once, for the hold time: its hold is not renewed.")
    offer_waitlist_id = fields.Many2one("soticket.resale.waitlist", "Offered to", readonly=True)
    offer_until = fields.Datetime("Offer valid until", readonly=True)
    # Outcome.
    buyer_order_id = fields.Many2one("sale.order", "Buyer's order", readonly=True, index="btree_not_null")
    buyer_order_line_id = fields.Many2one("sale.order.line", "Buyer's order line", readonly=True)
    buyer_partner_id = fields.Many2one("res.partner", "Buyer", readonly=True)
    new_registration_id = fields.Many2one(
        "event.registration", "Buyer's ticket", readonly=True, context={"active_test": False})
    refund_ids = fields.One2many("soticket.resale.refund", "listing_id", "Refunds", readonly=True)
    refund_state = fields.Selection(
        [("none", "None"), ("to_pay", "To pay"), ("requested", "Requested"), ("done", "Paid")], "Seller refund",
        compute="_compute_refund_state", store=True)
    listed_at = fields.Datetime("Listed on", default=fields.Datetime.now, required=True, readonly=True)
    sold_at = fields.Datetime("Sold on", readonly=True, index=True)
    closed_at = fields.Datetime("Withdrawn or expired on", readonly=True)

    _sql_constraints = [
        ("price_positive", "CHECK(price > 0)", "Only a paid ticket can be resold."),
        ("payout_not_negative", "CHECK(seller_payout >= 0)", "The seller's part of the fee exceeds the face value."),
    ]

    def init(self):
        # One open listing per ticket, whatever the timing of two requests.
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS soticket_resale_listing_one_open_per_ticket "
            "ON soticket_resale_listing (registration_id) WHERE state IN ('listed', 'reserved')"))

    @api.depends("create_date")
    def _compute_name(self):
        for listing in self:
            listing.name = f"RS{listing.id or 0:06d}"

    @api.depends("refund_ids.state", "refund_ids.kind")
    def _compute_refund_state(self):
        for listing in self:
            refunds = listing.refund_ids.filtered(lambda r: r.kind == "seller_payout" and r.state != "cancelled")
            if not refunds:
                listing.refund_state = "none"
            elif any(r.state == "to_pay" for r in refunds):
                listing.refund_state = "to_pay"
            elif any(r.state == "requested" for r in refunds):
                listing.refund_state = "requested"
            else:
                listing.refund_state = "done"

    # ------------------------------------------------------------------ locking
    def _lock(self):
        """Lock the listing rows (in id order) until the end of the transaction, then re-read them.

        Every change of a listing's state goes through this lock first: a withdrawal, a cart
        hold and a settlement of the same listing run one after the other. Under Odoo's
        REPEATABLE READ, a transaction that waited for a row updated meanwhile fails with a
        serialization error and is retried by Odoo from scratch, so it sees the new state.
        """
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(SQL(
            "SELECT id FROM soticket_resale_listing WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids)))
        self.invalidate_recordset()
        return self

    # ------------------------------------------------------------------ listing
    @api.model
    def _soticket_list(self, registration, origin="link", posted_price=None):
        """Put ``registration`` up for resale at its face value.

        :param posted_price: a price the seller sent, if any: the price is always the face value,
            so any other value is refused.
        :raise UserError: with a translated reason; nothing is written then
        :return: the new listing (sudo)
        """
        registration = registration.with_env(self.env).sudo()  # messages in the caller's language
        registration.ensure_one()
        _ = self.env._
        # One listing at a time per ticket: wait for any other request listing the same ticket.
        # (Pending state changes go to the database first: its unique index sees them.)
        self.flush_model(["state"])
        self.env.cr.execute(SQL("SELECT id FROM event_registration WHERE id = %s FOR NO KEY UPDATE",
                                registration.id))
        registration.invalidate_recordset()
        if posted_price not in (None, ""):
            try:
                asked = float(str(posted_price).replace(",", "."))
            except ValueError:
                asked = None
            if asked is None or registration.currency_id.compare_amounts(asked, registration.price_paid) != 0:
                raise UserError(_(
                    "The resale price is the face value you paid, %(price)s: it cannot be changed. Nothing was "
                    "put up for resale.",
                    price=format_amount(self.env, registration.price_paid, registration.currency_id)))
        refusal = registration._soticket_resale_refusal()
        if refusal:
            raise UserError(refusal)
        company = registration.company_id or registration.event_id.company_id or self.env.company
        values = self._soticket_amounts(registration, company)
        listing = self.sudo().create({
            **values,
            "registration_id": registration.id,
            "company_id": company.id,
            "currency_id": registration.currency_id.id or company.currency_id.id,
            "origin": origin,
            "seller_partner_id": registration.partner_id.id,
            "seller_name": registration.name or registration.partner_id.name,
            "seller_email": registration.email or registration.partner_id.email,
        })
        listing.message_post(body=_("Put up for resale at %(price)s; the seller will receive %(payout)s.",
                                    price=format_amount(self.env, listing.price, listing.currency_id),
                                    payout=format_amount(self.env, listing.seller_payout, listing.currency_id)))
        registration.message_post(body=_("Put up for resale (%(listing)s). The ticket stays valid until it is "
                                         "bought.", listing=listing._get_html_link(title=listing.name)))
        listing._soticket_offer_to_next_in_line()
        return listing

    @api.model
    def _soticket_amounts(self, registration, company):
        """Face value, fees and taxes of a resale of ``registration``, fixed when it is listed."""
        currency = registration.currency_id or company.currency_id
        price = currency.round(registration.price_paid)
        fees = company._soticket_resale_fees(price)
        taxes = registration.sale_order_line_id.tax_id or registration.event_ticket_id.product_id.taxes_id.filtered(
            lambda t: t.company_id == company)
        fee_untaxed = fees["total"]
        if taxes and fees["total"]:
            fee_untaxed = taxes.with_context(force_price_include=True).compute_all(
                fees["total"], currency=currency)["total_excluded"]
        return {
            "price": price,
            "price_untaxed": currency.round(registration.price_paid_untaxed or price),
            "fee_total": fees["total"],
            "fee_untaxed": currency.round(fee_untaxed),
            "buyer_fee": fees["buyer"],
            "seller_fee": fees["seller"],
            "buyer_price": currency.round(price + fees["buyer"]),
            "seller_payout": currency.round(price - fees["seller"]),
            "tax_ids": [fields.Command.set(taxes.ids)],
        }

    # ------------------------------------------------------------------ withdrawal and closing
    def action_withdraw(self):
        """Withdraw the ticket from resale (its holder keeps it), unless a buyer is paying for it."""
        self.check_access("write")
        self._lock()
        _ = self.env._
        for listing in self:
            if listing.state == "sold":
                raise UserError(_("This ticket was already bought: it can no longer be withdrawn."))
            if listing.state not in OPEN_STATES:
                raise UserError(_("This ticket is not on resale any more."))
            if listing._soticket_held_by_cart():
                raise UserError(_(
                    "A buyer is paying for this ticket right now: it cannot be withdrawn before %(time)s. "
                    "If their payment fails, try again then.", time=listing._soticket_format_time(
                        listing.reserved_until)))
        self._soticket_close(_("Withdrawn by the ticket holder; the ticket stays valid."), state="withdrawn")
        return True

    def _soticket_close(self, reason, state="withdrawn"):
        """Take listings off the exchange (withdrawn or not sold): their tickets stay valid."""
        for listing in self._lock():
            if listing.state not in OPEN_STATES:
                continue
            offered = listing.offer_waitlist_id.filtered(lambda w: w.state == "offered")
            listing.sudo().write({"state": state, "closed_at": fields.Datetime.now(), "reserved_order_id": False,
                                  "reserved_until": False, "offer_waitlist_id": False, "offer_until": False})
            # The person the ticket was offered to did nothing wrong: back in line, same place.
            offered.sudo().write({"state": "waiting", "offer_listing_id": False, "offer_until": False})
            listing.message_post(body=reason)
            listing.registration_id.message_post(body=reason)

    # ------------------------------------------------------------------ availability
    def _soticket_held_by_cart(self, order=None, now=None):
        """True if a cart other than ``order`` holds the listing right now."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return bool(self.state == "reserved" and self.reserved_order_id and self.reserved_order_id != order
                    and self.reserved_until and self.reserved_until > now)

    def _soticket_offer_live(self, now=None):
        self.ensure_one()
        now = now or fields.Datetime.now()
        return bool(self.offer_waitlist_id and self.offer_until and self.offer_until > now
                    and self.offer_waitlist_id.state == "offered")

    def _soticket_unavailable_reason(self, order=None, waitlist=None, now=None):
        """Why ``order`` (or a new cart) cannot have this listing now (translated), or ``""``.

        :param waitlist: the waiting-list entry the cart comes from (its offer link)
        """
        self.ensure_one()
        _ = self.env._
        now = now or fields.Datetime.now()
        listing = self.sudo()
        what = _('The resale ticket "%(category)s" for %(event)s', category=listing.event_ticket_id.name,
                 event=listing.event_id.name)
        if listing.state == "sold":
            if order and listing.buyer_order_id == order:
                return ""
            return _("%(what)s was bought by another buyer.", what=what)
        if listing.state == "withdrawn":
            return _("%(what)s was withdrawn by its holder.", what=what)
        if listing.state == "expired":
            return _("%(what)s is no longer on sale: resale has closed.", what=what)
        seller_ticket = listing.registration_id
        if not seller_ticket.active or seller_ticket.ticket_state != "valid":
            return _("%(what)s is no longer available.", what=what)
        held_for_order = bool(order) and listing.reserved_order_id == order
        if not held_for_order:
            closed = listing.event_id._soticket_resale_closed_reason(now=now)
            if closed:
                return closed
        if listing._soticket_held_by_cart(order=order, now=now):
            return _("%(what)s is in another buyer's cart.", what=what)
        if listing._soticket_offer_live(now=now):
            line_waitlist = waitlist or (order and order.order_line.filtered(
                lambda line: line.soticket_resale_listing_id == listing).soticket_resale_waitlist_id)
            if listing.offer_waitlist_id != line_waitlist:
                return _("%(what)s is offered to the waiting list.", what=what)
        return ""

    def _soticket_buyable_publicly(self, now=None):
        """Listed, not held by a cart, not offered to the waiting list: any visitor may buy it now."""
        self.ensure_one()
        return not self._soticket_unavailable_reason(now=now)

    # ------------------------------------------------------------------ cart hold
    def _soticket_hold_for(self, order, waitlist=None):
        """Hold the listing for ``order`` for the venue's hold time (raises if it is not available to it).

        One hold period per cart: while it runs, asking again (adding it again, starting the payment)
        keeps the same end; once it lapsed, the cart cannot hold the listing again. A cart holds at
        most the venue's number of resale tickets at a time.
        """
        self.ensure_one()
        self._lock()
        reason = self._soticket_unavailable_reason(order=order, waitlist=waitlist)
        if reason:
            raise SoticketResaleUnavailable(reason)
        now = fields.Datetime.now()
        if self.state == "reserved" and self.reserved_order_id == order and self.reserved_until \
                and self.reserved_until > now:
            return self.reserved_until
        _ = self.env._
        what = _('The resale ticket "%(category)s" for %(event)s', category=self.event_ticket_id.name,
                 event=self.event_id.name)
        minutes = self.company_id.soticket_resale_hold_minutes or 15
        if order in self.held_order_ids:
            raise SoticketResaleUnavailable(_(
                "%(what)s was already held in your cart for %(minutes)s minutes: a hold is not renewed. Remove it "
                "from your cart; if nobody else takes it, it stays on sale on the event page.",
                what=what, minutes=minutes))
        held = self.search_count([("reserved_order_id", "=", order.id), ("state", "=", "reserved"),
                                  ("reserved_until", ">", now), ("id", "!=", self.id)])
        limit = self.company_id.soticket_resale_max_per_cart or 1
        if held >= limit:
            raise SoticketResaleUnavailable(_(
                "A cart holds at most %(max)s resale tickets at a time: pay for those in your cart first.",
                max=limit))
        until = now + timedelta(minutes=minutes)
        vals = {"state": "reserved", "reserved_order_id": order.id, "reserved_until": until,
                "held_order_ids": [fields.Command.link(order.id)]}
        if waitlist and self.offer_waitlist_id == waitlist and self.offer_until and self.offer_until > until:
            vals["reserved_until"] = self.offer_until
        self.sudo().write(vals)
        return vals["reserved_until"]

    def _soticket_release(self, order):
        """The cart ``order`` gave the listing up (line removed, cart cancelled)."""
        for listing in self._lock():
            if listing.state == "reserved" and listing.reserved_order_id == order:
                listing.sudo().write({"state": "listed", "reserved_order_id": False, "reserved_until": False})

    # ------------------------------------------------------------------ settlement
    def _soticket_settle(self, line):
        """The buyer's order ``line`` is confirmed: transfer the ticket. Called inside the
        order's confirmation transaction, with the listing already locked and checked."""
        self.ensure_one()
        _ = self.env._
        listing = self.sudo()
        order = line.order_id
        seller_ticket = listing.registration_id.with_context(active_test=False)
        now = fields.Datetime.now()
        # 1. The seller's ticket dies: its code goes on the revocation list, the ticket is archived
        #    (status "revoked": its e-ticket link and the door scanners refuse it) and its price
        #    counts as refunded in the revenue statements. It is not cancelled: a scanner tells
        #    "cancelled" (refund at the box office) from "revoked" (resold or replaced).
        old_codes = {seller_ticket.id: (seller_ticket.ticket_code, seller_ticket.ticket_code_version)}
        seller_ticket._record_revocation("resold", old_codes)
        seller_ticket.write({"active": False, "refunded": True, "refunded_at": now})
        # 2. The buyer's ticket: a new registration, so a new id and a new code.
        buyer = order.partner_id
        new_ticket = self.env["event.registration"].sudo().create({
            "event_id": listing.event_id.id,
            "event_ticket_id": listing.event_ticket_id.id,
            "partner_id": buyer.id,
            "name": buyer.name,
            "email": buyer.email,
            "phone": buyer.phone,
            "sale_order_id": order.id,
            "soticket_resale_origin_id": listing.id,
            "price_paid": listing.price,
            "price_paid_untaxed": listing.price_untaxed,
        })
        # 3. The listing is sold; the fees are what the buyer's line actually carried.
        listing.write({
            "state": "sold",
            "sold_at": now,
            "buyer_order_id": order.id,
            "buyer_order_line_id": line.id,
            "buyer_partner_id": buyer.id,
            "new_registration_id": new_ticket.id,
            "reserved_order_id": False,
            "reserved_until": False,
            "offer_until": False,
        })
        if line.soticket_resale_waitlist_id:
            line.soticket_resale_waitlist_id.sudo().write({"state": "bought"})
        # 4. The seller's refund: face value minus their part of the fee.
        refund = self.env["soticket.resale.refund"].sudo()._soticket_create_seller_payout(listing)
        # 5. Everything on both tickets and the listing.
        amount = format_amount(self.env, listing.seller_payout, listing.currency_id)
        seller_ticket.message_post(body=_(
            "Resold through %(listing)s: code version %(version)s revoked, ticket replaced by %(new)s. "
            "Refund to the seller: %(amount)s (%(refund)s).",
            listing=listing._get_html_link(title=listing.name), version=old_codes[seller_ticket.id][1],
            new=new_ticket._get_html_link(title=new_ticket.display_name), amount=amount,
            refund=refund._get_html_link(title=refund.display_name)))
        new_ticket.message_post(body=_(
            "Issued by resale %(listing)s (order %(order)s), replacing ticket %(old)s whose code is revoked.",
            listing=listing._get_html_link(title=listing.name), order=order.name,
            old=seller_ticket._get_html_link(title=seller_ticket.display_name)))
        listing.message_post(body=_(
            "Sold to %(buyer)s (order %(order)s). New ticket %(new)s; the seller's code is revoked. "
            "Refund to the seller: %(amount)s.",
            buyer=buyer.name or buyer.email or "", order=order.name,
            new=new_ticket._get_html_link(title=new_ticket.display_name), amount=amount))
        listing._soticket_notify_seller_sold()
        return new_ticket

    def _soticket_notify_seller_sold(self):
        template = self.env.ref("soticket_resale.mail_template_resale_sold", raise_if_not_found=False)
        for listing in self.filtered("seller_email"):
            if template:
                template.sudo().send_mail(listing.id, force_send=False,
                                          email_layout_xmlid="mail.mail_notification_light")

    # ------------------------------------------------------------------ waiting list
    def _soticket_offer_to_next_in_line(self):
        """Offer each listing to the first person waiting for its category, if any."""
        Waitlist = self.env["soticket.resale.waitlist"].sudo()
        now = fields.Datetime.now()
        for listing in self.sudo():
            if listing.state != "listed" or listing._soticket_offer_live(now=now):
                continue
            if listing.event_id._soticket_resale_closed_reason(now=now):
                continue
            entry = Waitlist.search([("event_ticket_id", "=", listing.event_ticket_id.id), ("state", "=", "waiting")],
                                    order="position, id", limit=1)
            if not entry:
                listing.write({"offer_waitlist_id": False, "offer_until": False})
                continue
            entry._soticket_make_offer(listing)

    # ------------------------------------------------------------------ crons
    @api.model
    def _cron_housekeeping(self):
        """Cart holds that lapsed, waiting-list offers that lapsed (next in line), listings past the cutoff."""
        now = fields.Datetime.now()
        lapsed_holds = self.search([("state", "=", "reserved"), ("reserved_until", "<", now)])
        for listing in lapsed_holds:
            listing._lock()
            if listing.state == "reserved" and listing.reserved_until and listing.reserved_until < now:
                listing.write({"state": "listed", "reserved_order_id": False, "reserved_until": False})
        lapsed_offers = self.env["soticket.resale.waitlist"].search(
            [("state", "=", "offered"), ("offer_until", "<", now)])
        lapsed_offers._soticket_expire_offer()
        past_cutoff = self.search([("state", "=", "listed")]).filtered(
            lambda lst: lst.event_id._soticket_resale_closed_reason(now=now))
        past_cutoff._soticket_close(self.env._("Not sold before resale closed; the ticket stays valid."),
                                    state="expired")
        return True

    # ------------------------------------------------------------------ helpers
    def _soticket_amount_text(self, amount):
        self.ensure_one()
        return format_amount(self.env, amount, self.currency_id)

    def _soticket_format_time(self, value):
        self.ensure_one()
        return format_datetime(self.env, value, tz=self.event_id.date_tz or "Europe/Paris", dt_format="HH:mm")
