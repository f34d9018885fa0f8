# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import calendar
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

import pytz

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError

STATEMENT_FORMAT = "soticket.revenue.statement/1"
CHANNELS = [
    ("web", "Website"),
    ("backoffice", "Back office"),
    ("box_office", "Box office"),
    ("resale", "Resale"),
    ("resale_fee", "Resale fees"),
]
FEE_CHANNEL = "resale_fee"
AMOUNT_KEYS = ("gross_untaxed", "gross_taxed", "refunds_untaxed", "refunds_taxed", "net_untaxed", "net_taxed")
DEFAULT_TZ = "Europe/Paris"
MIN_YEAR, MAX_YEAR = 2000, 2100
# A statement is what the cooperative bills on: only its generation writes it (in superuser mode,
# after the caller's access check; see tools/server_fields.py). Staff refresh it, never edit it.
SERVER_FIELDS = frozenset({
    "name", "date_from", "date_to", "period_type", "company_id", "currency_id", "state", "generated_at", "pulled_at",
    "line_ids", "tickets_sold", "net_untaxed", "net_taxed", "ticket_net_untaxed", "resale_fees_untaxed",
})


class SoticketRevenueStatement(models.Model):
    """What the venue sold over a period, by sales channel, in the company currency.

    Totals only, no personal data: this is what the cooperative's billing pulls
    (see get_statement / get_yearly_statement) with a reporting-only user.
    """

    _name = "soticket.revenue.statement"
    _inherit = ["soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _description = "Revenue statement"
    _order = "date_from desc, date_to desc, id desc"

    name = fields.Char("Period", required=True, readonly=True)
    date_from = fields.Date("From", required=True, readonly=True)
    date_to = fields.Date("To", required=True, readonly=True)
    period_type = fields.Selection(
        [("month", "Month"), ("year", "Year"), ("custom", "Custom")], "Period type",
        required=True, default="custom", readonly=True)
    company_id = fields.Many2one(
        "res.company", "Venue", required=True, readonly=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one("res.currency", "Currency", required=True, readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("final", "Final")], "Status", required=True, default="draft", readonly=True,
        help="Final once the period is over: its figures no longer change and are what the cooperative bills on.")
    generated_at = fields.Datetime("Computed on", readonly=True)
    pulled_at = fields.Datetime(
        "Last sent to the cooperative", readonly=True,
        help="When the cooperative's billing last fetched this statement.")
    line_ids = fields.One2many("soticket.revenue.statement.line", "statement_id", "Channels", readonly=True)
    tickets_sold = fields.Integer("Tickets sold", compute="_compute_totals", store=True)
    net_untaxed = fields.Monetary("Net (excl. VAT)", compute="_compute_totals", store=True)
    net_taxed = fields.Monetary("Net (incl. VAT)", compute="_compute_totals", store=True)
    ticket_net_untaxed = fields.Monetary(
        "Ticket net (excl. VAT)", compute="_compute_totals", store=True,
        help="Net ticket revenue, resale fees excluded.")
    resale_fees_untaxed = fields.Monetary("Resale fees (excl. VAT)", compute="_compute_totals", store=True)

    _sql_constraints = [
        ("period_company_uniq", "unique(company_id, date_from, date_to)",
         "There is already a revenue statement for this period."),
        ("period_check", "CHECK(date_from <= date_to)", "A statement period ends after it starts."),
    ]

    @api.depends("line_ids.channel", "line_ids.tickets_sold", "line_ids.net_untaxed", "line_ids.net_taxed")
    def _compute_totals(self):
        for statement in self:
            tickets = statement.line_ids.filtered(lambda line: line.channel != FEE_CHANNEL)
            fees = statement.line_ids - tickets
            statement.tickets_sold = sum(tickets.mapped("tickets_sold"))
            statement.net_untaxed = sum(statement.line_ids.mapped("net_untaxed"))
            statement.net_taxed = sum(statement.line_ids.mapped("net_taxed"))
            statement.ticket_net_untaxed = sum(tickets.mapped("net_untaxed"))
            statement.resale_fees_untaxed = sum(fees.mapped("net_untaxed"))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_final(self):
        if any(statement.state == "final" for statement in self):
            raise UserError(self.env._("A final revenue statement is kept: it is what the cooperative billed on."))

    # ------------------------------------------------------------------ API for the cooperative
    @api.model
    def get_statement(self, date_from, date_to):
        """Revenue of the current venue between two days (inclusive, venue time), as a JSON-ready dict.

        Called over JSON-RPC by the cooperative with a reporting user: only totals
        leave the database, the tickets are read internally.
        """
        self.check_access("read")
        date_from, date_to = self._check_period(date_from, date_to)
        lines = self.sudo()._statement_lines(date_from, date_to)
        return self._statement_payload(self.env.company, date_from, date_to, lines, fields.Datetime.now())

    @api.model
    def get_yearly_statement(self, year):
        """The statement of a calendar year, also stored (final once the year is over) so the venue's
        staff see what the cooperative received."""
        self.check_access("read")
        year = self._check_year(year)
        statement = self.sudo()._generate(date(year, 1, 1), date(year, 12, 31), "year")
        statement.pulled_at = fields.Datetime.now()
        return statement._to_payload()

    # ------------------------------------------------------------------ input checks
    @api.model
    def _check_date(self, value, label):
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value
        try:
            if not isinstance(value, str) or len(value.strip()) != 10:
                raise ValueError(value)
            return date.fromisoformat(value.strip())
        except ValueError:
            raise UserError(self.env._(
                "The %(label)s date “%(value)s” is not a valid date: write it as YYYY-MM-DD (e.g. 2026-01-31).",
                label=label, value=value))

    @api.model
    def _check_period(self, date_from, date_to):
        date_from = self._check_date(date_from, self.env._("start"))
        date_to = self._check_date(date_to, self.env._("end"))
        if date_from > date_to:
            raise UserError(self.env._(
                "The period starts after it ends (%(date_from)s > %(date_to)s).",
                date_from=date_from.isoformat(), date_to=date_to.isoformat()))
        for day in (date_from, date_to):
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise UserError(self.env._(
                    "Statements cover the years %(min)s to %(max)s (got %(day)s).",
                    min=MIN_YEAR, max=MAX_YEAR, day=day.isoformat()))
        return date_from, date_to

    @api.model
    def _check_year(self, year):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise UserError(self.env._(
                "The year must be a whole number between %(min)s and %(max)s (got “%(year)s”).",
                min=MIN_YEAR, max=MAX_YEAR, year=year))
        return year

    # ------------------------------------------------------------------ computation
    @api.model
    def _venue_tz(self):
        """Days are counted in the venue's time zone (its company contact's, else Paris)."""
        try:
            return pytz.timezone(self.env.company.partner_id.tz or DEFAULT_TZ)
        except pytz.UnknownTimeZoneError:
            return pytz.timezone(DEFAULT_TZ)

    @api.model
    def _period_bounds_utc(self, date_from, date_to):
        """[start, end) of the period as naive UTC datetimes, for comparing with stored datetimes."""
        tz = self._venue_tz()

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        return utc(date_from), utc(date_to + timedelta(days=1))

    @api.model
    def _empty_line(self, channel):
        return {"channel": channel, "tickets_sold": 0, **dict.fromkeys(AMOUNT_KEYS, 0.0)}

    @api.model
    def _ticket_lines(self, date_from, date_to):
        """Tickets sold in the period (by sold_at) and refunds made in it (by refunded_at), per channel.

        Aggregated in SQL: a venue sells tens of thousands of tickets a year.
        """
        start, end = self._period_bounds_utc(date_from, date_to)
        company = self.env.company
        registrations = self.env["event.registration"].sudo().with_context(active_test=False)
        aggregates = ["__count", "price_paid_untaxed:sum", "price_paid:sum"]
        lines = {}
        sold = registrations._read_group(
            [("company_id", "=", company.id), ("sold_at", ">=", start), ("sold_at", "<", end)],
            ["sale_channel"], aggregates)
        for channel, count, untaxed, taxed in sold:
            line = lines.setdefault(channel or "backoffice", self._empty_line(channel or "backoffice"))
            line["tickets_sold"] += count
            line["gross_untaxed"] += untaxed or 0.0
            line["gross_taxed"] += taxed or 0.0
        refunded = registrations._read_group(
            [("company_id", "=", company.id), ("refunded", "=", True),
             ("refunded_at", ">=", start), ("refunded_at", "<", end)],
            ["sale_channel"], aggregates)
        for channel, _count, untaxed, taxed in refunded:
            line = lines.setdefault(channel or "backoffice", self._empty_line(channel or "backoffice"))
            line["refunds_untaxed"] += untaxed or 0.0
            line["refunds_taxed"] += taxed or 0.0
        return list(lines.values())

    @api.model
    def _statement_extra_lines(self, date_from, date_to):
        """Hook for other addons (soticket_resale adds the "resale_fee" channel).

        :param date date_from: first day of the period (venue time), inclusive
        :param date date_to: last day of the period (venue time), inclusive
        :return: a list of line dicts with the keys of ``_empty_line`` (net amounts may be left
            out: they are recomputed as gross minus refunds), amounts in the company currency.
            ``_period_bounds_utc`` gives the matching UTC bounds.
        """
        return []

    @api.model
    def _statement_lines(self, date_from, date_to):
        """All lines of a period, one per channel with activity, amounts rounded to the currency."""
        currency = self.env.company.currency_id
        merged = {}
        for line in self._ticket_lines(date_from, date_to) + self._statement_extra_lines(date_from, date_to):
            target = merged.setdefault(line["channel"], self._empty_line(line["channel"]))
            target["tickets_sold"] += int(line.get("tickets_sold") or 0)
            for key in AMOUNT_KEYS[:4]:
                target[key] += line.get(key) or 0.0
        order = [code for code, _label in CHANNELS]
        result = []
        for channel in sorted(merged, key=lambda c: order.index(c) if c in order else len(order)):
            line = merged[channel]
            for key in AMOUNT_KEYS[:4]:
                line[key] = currency.round(line[key])
            line["net_untaxed"] = currency.round(line["gross_untaxed"] - line["refunds_untaxed"])
            line["net_taxed"] = currency.round(line["gross_taxed"] - line["refunds_taxed"])
            result.append(line)
        return result

    @api.model
    def _statement_payload(self, company, date_from, date_to, lines, generated_at):
        """The exchange format "soticket.revenue.statement/1" (see readme/USAGE.md)."""
        currency = company.currency_id
        channels = {}
        for line in lines:
            channels[line["channel"]] = {
                "tickets": int(line["tickets_sold"]),
                **{key: float(currency.round(line[key])) for key in AMOUNT_KEYS},
            }
        ticket_lines = [values for channel, values in channels.items() if channel != FEE_CHANNEL]
        fees = channels.get(FEE_CHANNEL, {})
        totals = {
            "tickets": sum(values["tickets"] for values in ticket_lines),
            **{key: float(currency.round(sum(values[key] for values in channels.values()))) for key in AMOUNT_KEYS},
            "ticket_net_untaxed": float(currency.round(sum(values["net_untaxed"] for values in ticket_lines))),
            "resale_fees_untaxed": float(fees.get("net_untaxed", 0.0)),
            "resale_fees_taxed": float(fees.get("net_taxed", 0.0)),
        }
        return {
            "format": STATEMENT_FORMAT,
            "venue": {
                "name": company.name,
                "database_uuid": self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
                "currency": currency.name,
            },
            "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "channels": channels,
            "totals": totals,
            "generated_at": generated_at.replace(tzinfo=timezone.utc).isoformat(timespec="seconds"),
        }

    # ------------------------------------------------------------------ stored statements
    @api.model
    def _period_name(self, date_from, date_to, period_type):
        if period_type == "year":
            return str(date_from.year)
        if period_type == "month":
            return f"{date_from.year}-{date_from.month:02d}"
        return f"{date_from.isoformat()} / {date_to.isoformat()}"

    @api.model
    def _period_type(self, date_from, date_to):
        if (date_from.month, date_from.day, date_to.month, date_to.day) == (1, 1, 12, 31) \
                and date_from.year == date_to.year:
            return "year"
        last_day = calendar.monthrange(date_from.year, date_from.month)[1]
        if date_from.day == 1 and date_to == date_from.replace(day=last_day):
            return "month"
        return "custom"

    @api.model
    def _venue_today(self):
        return datetime.now(pytz.utc).astimezone(self._venue_tz()).date()

    @api.model
    def _generate(self, date_from, date_to, period_type=None):
        """Create or refresh the venue's statement of a period; a final statement is returned unchanged."""
        date_from, date_to = self._check_period(date_from, date_to)
        period_type = period_type or self._period_type(date_from, date_to)
        company = self.env.company
        statement = self.search(
            [("company_id", "=", company.id), ("date_from", "=", date_from), ("date_to", "=", date_to)], limit=1)
        if statement.state == "final":
            return statement
        lines = self._statement_lines(date_from, date_to)
        vals = {
            "name": self._period_name(date_from, date_to, period_type),
            "period_type": period_type,
            "currency_id": company.currency_id.id,
            "generated_at": fields.Datetime.now(),
            "state": "final" if date_to < self._venue_today() else "draft",
        }
        if statement:
            statement.line_ids.unlink()
            statement.write({**vals, "line_ids": [fields.Command.create(line) for line in lines]})
        else:
            statement = self.create({
                **vals, "company_id": company.id, "date_from": date_from, "date_to": date_to,
                "line_ids": [fields.Command.create(line) for line in lines],
            })
        return statement

    def action_refresh(self):
        """Recompute draft statements (final ones do not change)."""
        self.check_access("write")
        for statement in self:
            if statement.state == "final":
                raise UserError(self.env._(
                    "%(statement)s is final: its figures no longer change.", statement=statement.display_name))
            statement.sudo().with_company(statement.company_id)._generate(
                statement.date_from, statement.date_to, statement.period_type)
        return True

    def _to_payload(self):
        self.ensure_one()
        lines = [line._to_dict() for line in self.line_ids]
        return self._statement_payload(self.company_id, self.date_from, self.date_to, lines, self.generated_at)
