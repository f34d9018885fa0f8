# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import hmac
from contextlib import closing
from hashlib import sha256

from psycopg2.errors import LockNotAvailable
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import _
from odoo import api
from odoo import fields
from odoo import models
from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import format_amount
from odoo.tools import format_datetime

from ..tools import eticket_pdf
from ..tools import ticket_code

NUMBER_LOCK_SPACE = 0x50715EA8 & 0x7FFFFFFF
# A ticket gets its signed code when it is confirmed, never before (an unpaid cart has none).
CODE_STATES = ("open", "done")
# The admission credentials (signed code, stock barcode) are for event staff only: the buyer
# gets them through the e-ticket (PDF, signed link, e-mail), rendered with sudo after the
# ownership or token check.
STAFF_GROUPS = "event.group_event_registration_desk"
TICKET_STATES = [
    ("pending", "Awaiting payment"),
    ("valid", "Valid"),
    ("admitted", "Admitted"),
    ("cancelled", "Cancelled"),
    ("refunded", "Refunded"),
    ("revoked", "Revoked"),
]


class EventRegistration(models.Model):
    """A SoTicket ticket is an event.registration: one seat, one holder, one live signed code."""

    _inherit = "event.registration"

    ticket_code = fields.Char(
        "Ticket code", compute="_compute_ticket_code", store=True, copy=False, index=True, groups=STAFF_GROUPS,
        help="The signed code printed as a QR code on the ticket. Only the latest version is valid at the door.")
    barcode = fields.Char(groups=STAFF_GROUPS)
    ticket_code_version = fields.Integer(
        "Code version", default=1, copy=False, readonly=True,
        help="Raised each time the code is reissued; every older code is revoked.")
    ticket_state = fields.Selection(
        TICKET_STATES, "Ticket status", compute="_compute_ticket_state", store=True, index=True)
    refunded = fields.Boolean(copy=False, readonly=True, help="The buyer was refunded for this cancelled ticket.")
    ticket_number = fields.Integer(
        "Ticket number", copy=False, readonly=True, aggregator=None,
        help="Uninterrupted sequence per venue (CGI art. 290 quater), given once the sale is committed.")
    sold_at = fields.Datetime(
        "Sold on", copy=False, readonly=True, index=True,
        help="When the sale committed (set with the ticket number); revenue statements count sales by this date.")
    refunded_at = fields.Datetime("Refunded on", copy=False, readonly=True)
    sale_channel = fields.Selection(
        [("web", "Website"), ("backoffice", "Back office"), ("box_office", "Box office"), ("resale", "Resale")],
        "Sales channel", compute="_compute_sale_channel", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    price_paid = fields.Monetary(
        "Price paid", compute="_compute_price_paid", store=True, currency_field="currency_id",
        help="What the buyer paid for this ticket, taxes included.")
    price_paid_untaxed = fields.Monetary(
        "Price paid (excl. VAT)", compute="_compute_price_paid", store=True, currency_field="currency_id")
    revocation_ids = fields.One2many("soticket.code.revocation", "registration_id", "Revoked codes", readonly=True)

    _sql_constraints = [
        ("ticket_number_company_uniq", "unique(company_id, ticket_number)",
         "A ticket number is used once per venue."),
    ]

    def init(self):
        super().init()
        # Databases from before codes were issued at confirmation only: unpaid tickets never
        # sold (no ticket number) lose the code they were given (it is signed again, the same,
        # if they are ever confirmed).
        self.env.cr.execute(
            "UPDATE event_registration SET ticket_code = NULL WHERE ticket_code IS NOT NULL "
            "AND ticket_number IS NULL AND state IN ('draft', 'cancel')")

    # ------------------------------------------------------------------ computes
    @api.depends("event_id", "event_ticket_id", "ticket_code_version", "state")
    def _compute_ticket_code(self):
        # A code is issued when the ticket is confirmed, never before (a cart has none): a signed
        # code proves the venue sold the seat, which is what an offline door box relies on for a
        # ticket it does not know yet. Once issued it stays, re-signed at each version, whatever
        # the state (a cancelled ticket's code is refused at the door by its state).
        private = self.env["soticket.signing.key"]._private_key()
        for reg in self:
            # reg.ticket_code is the value before this computation (Odoo marks it computed first)
            issued = reg.state in CODE_STATES or bool(reg.id and reg.ticket_code)
            if not reg.id or not reg.event_id or not issued:
                reg.ticket_code = False
                continue
            reg.ticket_code = ticket_code.encode(
                private, reg.id, reg.event_id.id, reg.event_ticket_id.id or 0, reg.ticket_code_version or 1)

    @api.depends("state", "active", "refunded")
    def _compute_ticket_state(self):
        by_state = {"draft": "pending", "open": "valid", "done": "admitted"}
        for reg in self:
            if not reg.active:
                reg.ticket_state = "revoked"
            elif reg.state == "cancel":
                reg.ticket_state = "refunded" if reg.refunded else "cancelled"
            else:
                reg.ticket_state = by_state.get(reg.state, "pending")

    @api.depends("sale_order_id.website_id")
    def _compute_sale_channel(self):
        for reg in self:
            if reg.sale_order_id:
                reg.sale_channel = "web" if reg.sale_order_id.website_id else "backoffice"
            elif not reg.sale_channel:
                reg.sale_channel = "backoffice"

    @api.depends("sale_order_line_id.price_total", "sale_order_line_id.price_subtotal",
                 "sale_order_line_id.product_uom_qty")
    def _compute_price_paid(self):
        for reg in self:
            line = reg.sale_order_line_id
            if line and line.product_uom_qty:
                reg.price_paid = line.price_total / line.product_uom_qty
                reg.price_paid_untaxed = line.price_subtotal / line.product_uom_qty
            elif not line:
                reg.price_paid = reg.price_paid or 0.0
                reg.price_paid_untaxed = reg.price_paid_untaxed or 0.0

    # ------------------------------------------------------------------ capacity
    @api.constrains("state", "event_id", "event_ticket_id", "active")
    def _check_seats_availability(self):
        # Replaces the stock check, which counts seats in this transaction's snapshot
        # and so oversells under concurrent confirmations (see soticket.seat.hold).
        self.env["soticket.seat.hold"]._reserve(self)

    # ------------------------------------------------------------------ lifecycle
    @api.model_create_multi
    def create(self, vals_list):
        registrations = super().create(vals_list)
        registrations._schedule_numbering()
        return registrations

    def write(self, vals):
        # A code signs event and category: moving the ticket is a new code version, with a
        # new barcode and e-ticket link, and every credential of the old version is revoked.
        moved = "event_id" in vals or "event_ticket_id" in vals
        old_credentials = self._soticket_credentials() if moved else {}
        old_places = {reg.id: (reg.event_id, reg.event_ticket_id) for reg in self} if moved else {}
        res = super().write(vals)
        if moved:
            moved_regs = self.filtered(
                lambda r: old_credentials[r.id][0] and old_places[r.id] != (r.event_id, r.event_ticket_id))
            if moved_regs:
                moved_regs.sudo()._bump_code_version()
                moved_regs._record_revocation("category_changed", old_credentials)
        if "state" in vals:
            self._schedule_numbering()
        return res

    def _mark_refunded(self):
        """Called by the refund flows (POS refund, resale, credit note): the ticket is
        cancelled and its price counts as refunded in the revenue statements."""
        to_refund = self.filtered(lambda r: not r.refunded)
        to_refund._record_revocation("refunded")
        to_refund.sudo().write({"refunded": True, "refunded_at": fields.Datetime.now(), "state": "cancel"})

    def _bump_code_version(self):
        """A new code version: new signed code, new stock barcode, new e-ticket link. Record the
        old credentials first (``_soticket_credentials`` then ``_record_revocation``)."""
        for reg in self:
            reg.write({"ticket_code_version": reg.ticket_code_version + 1, "barcode": reg._get_random_barcode()})

    def _soticket_credentials(self):
        """{ticket id: (signed code, code version, stock barcode)}: what admits the holder now."""
        regs = self.sudo().with_context(active_test=False)
        return {reg.id: (reg.ticket_code, reg.ticket_code_version, reg.barcode) for reg in regs}

    def _record_revocation(self, reason, old_codes=None):
        """Put these tickets' credentials on the revocation list (``old_codes``: the
        credentials of a version already replaced, from ``_soticket_credentials``; a
        (code, version) pair is also accepted, the barcode is then the current one)."""
        vals_list = []
        current = self._soticket_credentials()
        for reg in self:
            entry = (old_codes or {}).get(reg.id) or current[reg.id]
            code, version = entry[:2]
            barcode = entry[2] if len(entry) > 2 else current[reg.id][2]
            if code:
                vals_list.append({
                    "registration_id": reg.id, "event_id": reg.event_id.id, "code": code,
                    "code_version": version, "barcode": barcode or False, "reason": reason,
                })
        if vals_list:
            self.env["soticket.code.revocation"].sudo().create(vals_list)

    def action_reissue_code(self):
        """Give each ticket a new code and revoke the old one (leaked or lost ticket)."""
        self.check_access("write")
        for reg in self:
            if reg.ticket_state not in ("valid", "pending"):
                raise UserError(_("Only a valid ticket can be reissued (%(ticket)s is %(state)s).",
                                  ticket=reg.display_name,
                                  state=dict(self._fields["ticket_state"]._description_selection(self.env))[
                                      reg.ticket_state]))
        old_codes = self._soticket_credentials()
        self.sudo()._bump_code_version()
        self._record_revocation("reissued", old_codes)
        for reg in self:
            reg.message_post(body=_("Ticket code reissued (version %(version)s); the previous code is revoked.",
                                    version=reg.ticket_code_version))
        return True

    # ------------------------------------------------------------------ numbering
    def _schedule_numbering(self):
        """Number sold tickets once their transaction has committed: numbers given
        inside a transaction that may still roll back (a sold-out refusal) would
        leave holes in a sequence the law wants uninterrupted."""
        to_number = self.filtered(lambda r: r.state in ("open", "done") and not r.ticket_number)
        if not to_number:
            return
        company_ids = set(to_number.company_id.ids)
        dbname = self.env.cr.dbname
        registry = self.env.registry

        def number_after_commit():
            if registry.in_test_mode():
                return
            with closing(sql_db.db_connect(dbname).cursor()) as cr:
                cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                self._number_tickets(cr, company_ids)
                cr.commit()  # pylint: disable=invalid-commit

        self.env.cr.postcommit.add(number_after_commit)

    @api.model
    def _number_tickets(self, cr, company_ids):
        for company_id in sorted(company_ids):
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_SPACE, company_id])
            cr.execute(SQL(
                """
                UPDATE event_registration r SET ticket_number = n.num, sold_at = now() AT TIME ZONE 'UTC'
                  FROM (SELECT id, (SELECT coalesce(max(ticket_number), 0) FROM event_registration
                                     WHERE company_id = %(company)s) + row_number() OVER (ORDER BY id) AS num
                          FROM event_registration
                         WHERE company_id = %(company)s AND ticket_number IS NULL AND state IN ('open', 'done')) n
                 WHERE r.id = n.id
                """, company=company_id))

    def _ensure_ticket_number(self):
        """Number these tickets now, inside the current transaction, if the after-commit
        numbering has not run yet (printing at confirmation, uncommitted test data).

        The per-venue lock keeps other numberings out until this transaction ends; the
        last number is read on a separate connection as well, since this transaction's
        snapshot may predate a sale numbered meanwhile. Only these tickets are numbered."""
        missing = self.filtered(lambda r: r.state in ("open", "done") and not r.ticket_number)
        if not missing:
            return
        self.env.flush_all()
        for company, regs in missing.grouped("company_id").items():
            self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_SPACE, company.id])
            last = self._last_ticket_number(company.id)
            ids = regs.sorted("id").ids
            self.env.cr.execute(SQL(
                "UPDATE event_registration SET ticket_number = %s + array_position(%s::int[], id), "
                "sold_at = coalesce(sold_at, now() AT TIME ZONE 'UTC') WHERE id = ANY(%s)",
                last, ids, ids))
        missing.invalidate_recordset(["ticket_number", "sold_at"])

    def _last_ticket_number(self, company_id):
        query = "SELECT coalesce(max(ticket_number), 0) FROM event_registration WHERE company_id = %s"
        self.env.cr.execute(query, [company_id])
        last = self.env.cr.fetchone()[0]
        if self.env.registry.ready and not self.env.registry.in_test_mode():
            with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as cr:
                cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                cr.execute("SET LOCAL lock_timeout = '10s'")
                try:
                    cr.execute(query, [company_id])
                    last = max(last, cr.fetchone()[0])
                except LockNotAvailable:
                    pass  # a schema change in this transaction (install): nobody else sells meanwhile
        return last

    # ------------------------------------------------------------------ access
    def _ticket_access_token(self):
        """Token of the signed e-ticket link: bound to the code version, so a reissued
        ticket's old link stops working."""
        self.ensure_one()
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        message = f"soticket-eticket:{self.id}:{self.ticket_code_version}".encode()
        return hmac.new(secret.encode(), message, sha256).hexdigest()[:32]

    def _check_ticket_access_token(self, token):
        self.ensure_one()
        return bool(token) and hmac.compare_digest(self._ticket_access_token(), str(token))

    def _get_eticket_url(self, layout="a4"):
        self.ensure_one()
        return f"/soticket/eticket/{self.id}/{self._ticket_access_token()}?layout={layout}"

    # ------------------------------------------------------------------ e-ticket
    def _eticket_price_text(self):
        self.ensure_one()
        if self.event_ticket_id.category_kind == "invitation":
            return _("Invitation")
        if self.currency_id.is_zero(self.price_paid):
            return _("Exempt")
        return format_amount(self.env, self.price_paid, self.currency_id)

    def _eticket_order_reference(self):
        """The order the ticket was sold in (extended by the box office and resale)."""
        return self.sale_order_id.name

    def _eticket_data(self):
        """The ticket's mentions, formatted in the holder's language and the event's time zone."""
        self.ensure_one()
        lang = self.partner_id.lang or self.event_id.lang or self.env.lang or "fr_FR"
        reg = self.with_context(lang=lang)
        event = reg.event_id
        company = event.company_id or self.env.company
        tz = event.date_tz or "Europe/Paris"
        address = event.address_id or company.partner_id
        number = f"{reg.ticket_number:06d}"
        return eticket_pdf.ETicket(
            venue_name=company.name,
            venue_address=", ".join(filter(None, [address.name if address != company.partner_id else "",
                                                  address.street, address.zip, address.city])),
            order_number=reg._eticket_order_reference() or number,
            ticket_number=number,
            event_name=event.name,
            event_date=format_datetime(reg.env, event.date_begin, tz=tz, dt_format="EEEE d MMMM y, HH:mm"),
            doors_open=format_datetime(reg.env, event.doors_open, tz=tz, dt_format="HH:mm") if event.doors_open else "",
            category_name=reg.event_ticket_id.name or _("Admission"),
            price_text=reg._eticket_price_text(),
            holder_name=reg.name or "",
            code=reg.ticket_code,
            labels=eticket_pdf.Labels(
                order=_("Order"), ticket=_("Ticket no."), category=_("Category"), price_paid=_("Price paid"),
                doors_open=_("Doors open"), holder=_("Holder"),
                instructions=_("Present this code at the door, printed or on your phone screen. Each code admits "
                               "one person once: do not share or copy it. Keep this ticket until the end of the "
                               "event."),
                footer=_("Ticket issued by %(venue)s under article 290 quater of the French General Tax Code.",
                         venue=company.name),
            ),
        )
