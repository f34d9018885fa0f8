# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.soticket_base.models.event_registration import NUMBER_LOCK_SPACE
from odoo.exceptions import UserError
from odoo.tools import SQL

OPERATION_KINDS = [
    ("sale", "Sale"),
    ("resale", "Resale (new ticket)"),
    ("resold", "Resold (ticket taken back)"),
    ("cancellation", "Cancellation"),
    ("refund", "Refund"),
    ("reissue", "Reissue"),
    ("exchange", "Exchange (category or performance changed)"),
]
# Operations that give money back: their amount is negative.
NEGATIVE_KINDS = ("resold", "refund")


class SoticketFrOperation(models.Model):
    """The trace of every ticket operation (arrêté of 8 March 1993): numbered per venue without gaps,
    written once and never altered.

    Rows are appended in SQL under the venue's ticket-numbering lock, so that the sale of a ticket is
    traced in the very transaction that numbers it, and numbers follow each other in commit order.
    The venue, show, performance and category are copied into the row: renaming a show later does
    not change what was traced. No personal data is kept (the ticket number identifies the ticket)."""

    _name = "soticket.fr.operation"
    _description = "Ticket operation (fiscal trace)"
    _order = "company_id, number desc"
    _rec_name = "number"

    number = fields.Integer("Number", required=True, readonly=True, aggregator=None)
    operated_at = fields.Datetime("Date", required=True, readonly=True, index=True)
    kind = fields.Selection(OPERATION_KINDS, "Operation", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    venue_name = fields.Char("Place", readonly=True)
    # References by id only, no foreign key: the row is a snapshot that outlives the ticket, show
    # or category it names (and several cascading SET NULL paths onto one row fail in PostgreSQL).
    registration_ref = fields.Integer("Ticket id", readonly=True, index="btree_not_null", aggregator=None)
    ticket_number = fields.Integer("Ticket number", readonly=True, index=True, aggregator=None)
    event_ref = fields.Integer("Show id", readonly=True, index=True, aggregator=None)
    event_name = fields.Char("Show name", readonly=True)
    performance_date = fields.Datetime("Performance", readonly=True)
    category_ref = fields.Integer("Category id", readonly=True, aggregator=None)
    category_name = fields.Char("Category name", readonly=True)
    channel = fields.Char("Sales channel", readonly=True)
    amount_taxed = fields.Float("Amount (incl. VAT)", readonly=True, digits=(16, 2))
    amount_untaxed = fields.Float("Amount (excl. VAT)", readonly=True, digits=(16, 2))
    user_id = fields.Many2one("res.users", "By", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("number_company_uniq", "unique(company_id, number)", "An operation number is used once per venue."),
    ]

    def _compute_display_name(self):
        for operation in self:
            operation.display_name = f"{operation.number:08d}"

    @api.model_create_multi
    def create(self, vals_list):
        raise UserError(self.env._("Ticket operations are traced by the ticketing itself and cannot be created."))

    def write(self, vals):
        raise UserError(self.env._("A traced ticket operation is never altered."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A traced ticket operation is never deleted (kept 6 years, LPF art. L. 102 B)."))

    @api.model
    def _append(self, cr, company_id, registration_ids, kind, uid=None, lang="fr_FR"):
        """Trace ``kind`` for these tickets of one venue, in SQL on ``cr`` (the numbering runs on a
        cursor of its own, without an environment). Takes the venue's numbering lock: the caller's
        transaction holds it until it ends, so numbers never collide nor leave holes."""
        if not registration_ids:
            return
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_SPACE, company_id])
        cr.execute(SQL(
            """
            INSERT INTO soticket_fr_operation (
                number, operated_at, kind, company_id, venue_name, registration_ref, ticket_number,
                event_ref, event_name, performance_date, category_ref, category_name, channel,
                amount_taxed, amount_untaxed, user_id, create_uid, write_uid, create_date, write_date)
            SELECT (SELECT coalesce(max(number), 0) FROM soticket_fr_operation WHERE company_id = %(company)s)
                       + row_number() OVER (ORDER BY r.ticket_number, r.id),
                   now() AT TIME ZONE 'UTC',
                   CASE WHEN %(kind)s = 'sale' AND r.sale_channel = 'resale' THEN 'resale' ELSE %(kind)s END,
                   r.company_id, coalesce(venue.name, company.name), r.id, r.ticket_number,
                   e.id, coalesce(e.name->>%(lang)s, e.name->>'en_US'), e.date_begin,
                   t.id, coalesce(t.name->>%(lang)s, t.name->>'en_US'), r.sale_channel,
                   %(sign)s * coalesce(r.price_paid, 0), %(sign)s * coalesce(r.price_paid_untaxed, 0),
                   %(uid)s, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM event_registration r
              JOIN event_event e ON e.id = r.event_id
              JOIN res_company company ON company.id = r.company_id
              LEFT JOIN res_partner venue ON venue.id = e.address_id
              LEFT JOIN event_event_ticket t ON t.id = r.event_ticket_id
             WHERE r.id = ANY(%(ids)s) AND r.company_id = %(company)s AND r.ticket_number IS NOT NULL
            """,
            company=company_id, kind=kind, lang=lang, ids=list(registration_ids), uid=uid,
            sign={"cancellation": 0, "reissue": 0, "exchange": 0}.get(kind, -1 if kind in NEGATIVE_KINDS else 1),
        ))

    @api.model
    def _trace(self, registrations, kind):
        """Trace ``kind`` for these (numbered) tickets in the current transaction."""
        registrations = registrations.filtered("ticket_number")
        if not registrations:
            return
        self.env.flush_all()
        for company, regs in registrations.grouped("company_id").items():
            self._append(self.env.cr, company.id, regs.ids, kind, uid=self.env.uid)
        self.invalidate_model()
