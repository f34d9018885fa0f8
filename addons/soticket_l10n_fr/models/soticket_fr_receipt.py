# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import hashlib
import json
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import format_amount
from odoo.tools import format_datetime

from ..tools import table_pdf
from .soticket_fr_receipt_line import CHANNELS

FIGURE_KEYS = ("total_taxed", "total_untaxed", "refunds_taxed", "refunds_untaxed")
ISSUING = "soticket_fr_receipt_issuing"


class SoticketFrReceipt(models.Model):
    """The receipt record of a performance (CGI annex IV art. 50 sexies H): first and last ticket
    numbers, count, price and takings per category and channel, invitations, exempt tickets and
    refunds, printed with its date and time.

    Issued once at the end of the performance and locked: when a ticket of the performance changes
    afterwards (a refund after the show), a numbered amendment restates the figures; the issued
    record is never edited. No personal data: kept 6 years (LPF art. L. 102 B), out of reach of
    the GDPR erasure."""

    _name = "soticket.fr.receipt"
    _description = "Receipt record (bordereau de recettes)"
    _order = "performance_date desc, event_id, amendment_number desc"

    name = fields.Char("Number", required=True, readonly=True, copy=False)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", "Currency", required=True, readonly=True)
    event_id = fields.Many2one("event.event", "Performance", required=True, readonly=True, index=True,
                               ondelete="restrict")
    event_name = fields.Char("Show", readonly=True)
    venue_name = fields.Char("Place", readonly=True)
    performance_date = fields.Datetime("Performance date", readonly=True)
    amendment_number = fields.Integer(
        "Amendment", readonly=True, aggregator=None,
        help="0 for the record issued at the end of the performance, then 1, 2… for each amendment.")
    original_id = fields.Many2one("soticket.fr.receipt", "Original record", readonly=True, ondelete="restrict")
    previous_id = fields.Many2one("soticket.fr.receipt", "Amends", readonly=True, ondelete="restrict")
    issued_at = fields.Datetime("Issued on", required=True, readonly=True)
    first_ticket_number = fields.Integer("First ticket number", readonly=True, aggregator=None)
    last_ticket_number = fields.Integer("Last ticket number", readonly=True, aggregator=None)
    tickets_issued = fields.Integer("Tickets issued", readonly=True)
    tickets_refunded = fields.Integer("Tickets refunded", readonly=True)
    invitations = fields.Integer("Invitations", readonly=True)
    exempt_tickets = fields.Integer(
        "Other exempt tickets", readonly=True, help="Free tickets that are not invitations.")
    total_taxed = fields.Monetary("Takings (incl. VAT)", readonly=True)
    total_untaxed = fields.Monetary("Takings (excl. VAT)", readonly=True)
    refunds_taxed = fields.Monetary("Refunds (incl. VAT)", readonly=True)
    refunds_untaxed = fields.Monetary("Refunds (excl. VAT)", readonly=True)
    net_taxed = fields.Monetary("Net takings (incl. VAT)", readonly=True)
    net_untaxed = fields.Monetary("Net takings (excl. VAT)", readonly=True)
    line_ids = fields.One2many("soticket.fr.receipt.line", "receipt_id", "Lines", readonly=True)
    figures_key = fields.Char("Figures fingerprint", readonly=True, copy=False)
    pdf_file = fields.Binary("PDF", attachment=True, readonly=True, copy=False)
    pdf_filename = fields.Char("PDF file name", readonly=True)

    _sql_constraints = [
        ("event_amendment_uniq", "unique(event_id, amendment_number)",
         "A performance has one receipt record per amendment number."),
    ]

    # ------------------------------------------------------------------ lock
    def _check_locked(self):
        if self and not self.env.context.get(ISSUING):
            raise UserError(self.env._(
                "An issued receipt record is locked: a later change makes a numbered amendment, never an edit."))

    def write(self, vals):
        self._check_locked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A receipt record is kept 6 years (LPF art. L. 102 B): it cannot be deleted."))

    # ------------------------------------------------------------------ figures (one source)
    @api.model
    def _performance_tickets(self, event):
        """Every ticket of the performance given a number (sold), refunded, resold or not."""
        return self.env["event.registration"].sudo().with_context(active_test=False).search(
            [("event_id", "=", event.id), ("ticket_number", "!=", False)], order="ticket_number")

    @api.model
    def _performance_figures(self, event):
        """The figures of a performance, from the same ticket fields as the revenue statements
        (``price_paid``, ``price_paid_untaxed``, ``refunded``): receipt records, SIBIL declarations and
        the CNM tax all read them here."""
        currency = (event.company_id or self.env.company).currency_id
        tickets = self._performance_tickets(event)
        lines = {}
        by_kind = {}
        for ticket in tickets:
            category = ticket.event_ticket_id
            kind = category.category_kind or "full"
            key = (ticket.sale_channel or "backoffice", category.id, currency.round(ticket.price_paid))
            line = lines.setdefault(key, {
                "channel": key[0], "category_name": category.name or "", "category_kind": kind,
                "unit_price": key[2], "tickets_issued": 0, "tickets_refunded": 0,
                **dict.fromkeys(FIGURE_KEYS, 0.0),
            })
            line["tickets_issued"] += 1
            line["total_taxed"] += ticket.price_paid
            line["total_untaxed"] += ticket.price_paid_untaxed
            kind_figures = by_kind.setdefault(kind, {"count": 0, "free": 0, "net_taxed": 0.0})
            if ticket.refunded:
                line["tickets_refunded"] += 1
                line["refunds_taxed"] += ticket.price_paid
                line["refunds_untaxed"] += ticket.price_paid_untaxed
            else:
                kind_figures["count"] += 1
                kind_figures["net_taxed"] += ticket.price_paid
                if currency.is_zero(ticket.price_paid):
                    kind_figures["free"] += 1
        order = [code for code, _label in CHANNELS]
        result_lines = []
        for key in sorted(lines, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1], -k[2])):
            line = lines[key]
            for name in FIGURE_KEYS:
                line[name] = currency.round(line[name])
            result_lines.append(line)
        live = tickets.filtered(lambda t: not t.refunded)
        totals = {name: currency.round(sum(line[name] for line in result_lines)) for name in FIGURE_KEYS}
        return {
            "first_ticket_number": tickets[:1].ticket_number or 0,
            "last_ticket_number": tickets[-1:].ticket_number or 0,
            "tickets_issued": len(tickets),
            "tickets_refunded": len(tickets) - len(live),
            "invitations": len(live.filtered(lambda t: t.event_ticket_id.category_kind == "invitation")),
            "exempt_tickets": len(live.filtered(
                lambda t: t.event_ticket_id.category_kind != "invitation" and currency.is_zero(t.price_paid))),
            **totals,
            "net_taxed": currency.round(totals["total_taxed"] - totals["refunds_taxed"]),
            "net_untaxed": currency.round(totals["total_untaxed"] - totals["refunds_untaxed"]),
            "by_kind": by_kind,
            "lines": result_lines,
        }

    @api.model
    def _figures_key(self, figures):
        data = {key: value for key, value in figures.items() if key != "by_kind"}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    # ------------------------------------------------------------------ issuing
    @api.model
    def _issue(self, events):
        """Issue the receipt record of each performance, or an amendment when its figures changed
        since the last record. Returns the new records."""
        created = self.browse()
        for event in events:
            receipts = self.with_company(event.company_id or self.env.company)._issue_one(event)
            created |= receipts
        return created

    @api.model
    def _issue_one(self, event):
        figures = self._performance_figures(event)
        key = self._figures_key(figures)
        last = self.search([("event_id", "=", event.id)], order="amendment_number desc", limit=1)
        if last and last.figures_key == key:
            return self.browse()
        company = event.company_id or self.env.company
        original = last.original_id or last
        number = last.amendment_number + 1 if last else 0
        name = (f"{original.name}-R{number}" if last
                else self.env["ir.sequence"].with_company(company).next_by_code("soticket.fr.receipt"))
        vals = {key_: value for key_, value in figures.items() if key_ not in ("lines", "by_kind")}
        receipt = self.create({
            **vals,
            "name": name,
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "event_id": event.id,
            "event_name": event.name,
            "venue_name": (event.address_id or company.partner_id).name,
            "performance_date": event.date_begin,
            "amendment_number": number,
            "original_id": original.id,
            "previous_id": last.id,
            "issued_at": fields.Datetime.now(),
            "figures_key": key,
            "line_ids": [fields.Command.create(line) for line in figures["lines"]],
        })
        receipt.with_context(**{ISSUING: True}).write({
            "pdf_file": base64.b64encode(receipt._render_pdf()),
            "pdf_filename": f"{name.replace('/', '-')}.pdf",
        })
        return receipt

    @api.model
    def _cron_issue(self):
        """At the end of each performance: its receipt record; later changes: an amendment."""
        now = fields.Datetime.now()
        events = self.env["event.event"].sudo().search(
            [("date_end", "<=", now), ("date_end", ">=", now - timedelta(days=400))], order="date_end")
        events = events.browse(self._events_to_issue(events.ids))
        self.sudo()._issue(events)
        self.env["soticket.fr.cnm.declaration"].sudo()._sync_for_events(events)

    @api.model
    def _events_to_issue(self, event_ids):
        """Of these ended events, those without a record yet or with a ticket changed since their last
        record (the others cannot have changed figures): the hourly cron stays cheap. ``write_date`` is
        the start of the writing transaction, which may have started before the record was issued and
        committed after: an hour of margin catches it; the figures' fingerprint avoids duplicates."""
        if not event_ids:
            return []
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            SELECT e.id FROM event_event e
              LEFT JOIN (SELECT event_id, max(issued_at) AS issued_at FROM soticket_fr_receipt
                          GROUP BY event_id) last ON last.event_id = e.id
             WHERE e.id = ANY(%(ids)s)
               AND (last.issued_at IS NULL OR EXISTS (
                    SELECT 1 FROM event_registration r
                     WHERE r.event_id = e.id AND r.ticket_number IS NOT NULL
                       AND r.write_date >= last.issued_at - interval '1 hour'))
             ORDER BY e.date_end
            """, ids=list(event_ids)))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------ PDF
    def _render_pdf(self):
        self.ensure_one()
        lang = self.env.context.get("lang") or "fr_FR"
        receipt = self.with_context(lang=lang)
        _ = receipt.env._
        tz = receipt.event_id.date_tz or "Europe/Paris"

        def money(amount):
            return format_amount(receipt.env, amount, receipt.currency_id)

        channels = dict(self.env["soticket.fr.receipt.line"]._fields["channel"]._description_selection(receipt.env))
        first = str(receipt.first_ticket_number).zfill(6)
        last = str(receipt.last_ticket_number).zfill(6)
        header = [
            _("Venue: %(venue)s — %(place)s", venue=receipt.company_id.name, place=receipt.venue_name or ""),
            _("Show: %(show)s — performance of %(date)s", show=receipt.event_name,
              date=format_datetime(receipt.env, receipt.performance_date, tz=tz, dt_format="d MMMM y, HH:mm")),
            _("Ticket numbers: from %(first)s to %(last)s — %(count)s tickets issued, %(refunded)s refunded",
              first=first, last=last, count=receipt.tickets_issued, refunded=receipt.tickets_refunded),
            _("Invitations: %(invitations)s — other exempt tickets: %(exempt)s",
              invitations=receipt.invitations, exempt=receipt.exempt_tickets),
        ]
        if receipt.previous_id:
            header.append(_("Amendment no. %(number)s of %(original)s: restates the figures of %(previous)s.",
                            number=receipt.amendment_number, original=receipt.original_id.name,
                            previous=receipt.previous_id.name))
        rows = [[channels.get(line.channel, line.channel or ""), line.category_name, money(line.unit_price),
                 str(line.tickets_issued), money(line.total_taxed), money(line.total_untaxed),
                 str(line.tickets_refunded), money(line.refunds_taxed)] for line in receipt.line_ids]
        total = [_("Total"), "", "", str(receipt.tickets_issued), money(receipt.total_taxed),
                 money(receipt.total_untaxed), str(receipt.tickets_refunded), money(receipt.refunds_taxed)]
        labels = [_("Channel"), _("Category"), _("Unit price incl. VAT"), _("Tickets"), _("Takings incl. VAT"),
                  _("Takings excl. VAT"), _("Refunded"), _("Refunds incl. VAT")]
        net = [[_("Net takings"), "", "", str(receipt.tickets_issued - receipt.tickets_refunded),
                money(receipt.net_taxed), money(receipt.net_untaxed), "", ""]]
        return table_pdf.render(
            _("Receipt record %(name)s", name=receipt.name), header,
            [(_("Tickets per channel, category and price"), labels, [3, 4, 2, 1.5, 2, 2, 1.5, 2], rows, total),
             (_("Net"), labels, [3, 4, 2, 1.5, 2, 2, 1.5, 2], net, None)],
            _("Issued on %(date)s — CGI annex IV art. 50 sexies H",
              date=format_datetime(receipt.env, receipt.issued_at, tz=tz, dt_format="d MMMM y, HH:mm:ss")))

    def action_download_pdf(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/pdf_file/{self.pdf_filename}?download=true",
            "target": "self",
        }
