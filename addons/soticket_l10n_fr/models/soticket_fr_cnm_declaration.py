# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import csv
import io

from dateutil.relativedelta import relativedelta

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import format_amount
from odoo.tools import format_date

from ..tools import table_pdf

CNM_RATE = 3.5


class SoticketFrCnmDeclaration(models.Model):
    """The CNM tax on music and variety shows of one performance (CIBS art. L. 452-14 to 27): 3.5 %
    of the ticket revenue excluding VAT, refunds deducted; for a free show, 3.5 % of the sale
    contract's amount excluding VAT, entered by staff. Declared within 3 months of the show
    (monthly grouping allowed) on the CNM's online form."""

    _name = "soticket.fr.cnm.declaration"
    _description = "CNM show tax"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "performance_date desc, id desc"

    name = fields.Char("Performance", compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    event_id = fields.Many2one("event.event", "Show", required=True, readonly=True, ondelete="restrict")
    performance_date = fields.Datetime("Performance date", readonly=True)
    month = fields.Char("Month", readonly=True, index=True, help="Year and month of the performance, for grouping.")
    deadline = fields.Date("Declaration deadline", readonly=True, help="3 months after the performance.")
    paid_tickets = fields.Integer("Paying admissions", readonly=True)
    free_tickets = fields.Integer("Free admissions", readonly=True)
    revenue_untaxed = fields.Monetary("Ticket revenue (excl. VAT)", readonly=True)
    refunds_untaxed = fields.Monetary("Refunds (excl. VAT)", readonly=True)
    net_revenue_untaxed = fields.Monetary("Net ticket revenue (excl. VAT)", readonly=True)
    free_show = fields.Boolean("Free show", compute="_compute_tax", store=True)
    contract_amount_untaxed = fields.Monetary(
        "Sale contract (excl. VAT)", tracking=True,
        help="For a free show: the amount of the sale contract (contrat de cession), excluding VAT.")
    base_untaxed = fields.Monetary("Tax base", compute="_compute_tax", store=True)
    tax_amount = fields.Monetary("CNM tax (3.5 %)", compute="_compute_tax", store=True)
    state = fields.Selection([("to_declare", "To declare"), ("declared", "Declared")], "Status",
                             default="to_declare", required=True, readonly=True, tracking=True)
    declared_on = fields.Date("Declared on", readonly=True)

    _sql_constraints = [("event_uniq", "unique(event_id)", "A performance has one CNM tax line.")]

    @api.depends("event_id.name", "performance_date")
    def _compute_name(self):
        for line in self:
            day = line.performance_date.date().isoformat() if line.performance_date else ""
            line.name = f"{line.event_id.name or ''} {day}".strip()

    @api.depends("net_revenue_untaxed", "paid_tickets", "contract_amount_untaxed")
    def _compute_tax(self):
        for line in self:
            line.free_show = not line.paid_tickets and line.currency_id.is_zero(line.net_revenue_untaxed)
            base = line.contract_amount_untaxed if line.free_show else line.net_revenue_untaxed
            line.base_untaxed = base
            line.tax_amount = line.currency_id.round(base * CNM_RATE / 100)

    def write(self, vals):
        if not self.env.su and set(vals) - {"contract_amount_untaxed"}:
            raise AccessError(self.env._(
                "The CNM tax figures are computed from the tickets: only the sale contract's amount of a free "
                "show is entered by hand."))
        if "contract_amount_untaxed" in vals and any(line.state == "declared" for line in self):
            raise UserError(self.env._("This CNM tax line is declared: its amounts no longer change."))
        return super().write(vals)

    # ------------------------------------------------------------------ figures
    @api.model
    def _sync_for_events(self, events):
        """Create the line of each ended performance (with its deadline to-do) and refresh the
        figures of those not declared yet, from the receipt-record figures."""
        Receipt = self.env["soticket.fr.receipt"]
        existing = self.search([("event_id", "in", events.ids)])
        for event in events:
            line = existing.filtered(lambda rec, e=event: rec.event_id == e)
            if line.state == "declared":
                continue
            figures = Receipt._performance_figures(event)
            free = sum(kind["free"] for kind in figures["by_kind"].values())
            live = figures["tickets_issued"] - figures["tickets_refunded"]
            vals = {
                "performance_date": event.date_begin,
                "month": event.date_begin.strftime("%Y-%m"),
                "deadline": (event.date_end or event.date_begin).date() + relativedelta(months=3),
                "paid_tickets": live - free,
                "free_tickets": free,
                "revenue_untaxed": figures["total_untaxed"],
                "refunds_untaxed": figures["refunds_untaxed"],
                "net_revenue_untaxed": figures["net_untaxed"],
            }
            if line:
                line.write({key: value for key, value in vals.items() if line[key] != value})
                continue
            line = self.create({**vals, "event_id": event.id, "company_id": (event.company_id or self.env.company).id})
            user = event.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
            line.activity_schedule(
                "mail.mail_activity_data_todo", date_deadline=line.deadline,
                user_id=user.id if user else self.env.uid,
                summary=self.env._("Declare the CNM show tax"),
                note=self.env._("Declare %(name)s on monespace.cnm.fr before %(deadline)s.",
                                name=line.name, deadline=format_date(self.env, line.deadline)))

    def action_mark_declared(self):
        self.check_access("write")
        self.sudo().write({"state": "declared", "declared_on": fields.Date.context_today(self)})
        self.sudo().activity_feedback(["mail.mail_activity_data_todo"])
        return True

    # ------------------------------------------------------------------ exports
    def _summary(self):
        """Rows of the CNM form, grouped by month: (month, rows, totals)."""
        money = self.currency_id[:1] or self.env.company.currency_id
        months = []
        for month, month_lines in sorted(self.grouped("month").items()):
            lines = month_lines.sorted("performance_date")
            rows = [line._form_row() for line in lines]
            totals = {
                "paid_tickets": sum(lines.mapped("paid_tickets")), "free_tickets": sum(lines.mapped("free_tickets")),
                "base_untaxed": money.round(sum(lines.mapped("base_untaxed"))),
                "tax_amount": money.round(sum(lines.mapped("tax_amount"))),
            }
            months.append((month, rows, totals))
        return months

    def _form_row(self):
        self.ensure_one()
        place = self.event_id.address_id or self.company_id.partner_id
        return {
            "month": self.month, "date": self.performance_date.date().isoformat(), "show": self.event_id.name,
            "place": place.name or "", "city": place.city or "", "paid_tickets": self.paid_tickets,
            "free_tickets": self.free_tickets, "revenue_untaxed": self.revenue_untaxed,
            "refunds_untaxed": self.refunds_untaxed, "contract_amount_untaxed": self.contract_amount_untaxed,
            "base_untaxed": self.base_untaxed, "rate": CNM_RATE, "tax_amount": self.tax_amount,
            "deadline": self.deadline.isoformat(),
        }

    def _columns(self):
        _ = self.env._
        return [
            ("month", _("Month")), ("date", _("Performance date")), ("show", _("Show")), ("place", _("Place")),
            ("city", _("City")), ("paid_tickets", _("Paying admissions")), ("free_tickets", _("Free admissions")),
            ("revenue_untaxed", _("Ticket revenue excl. VAT")), ("refunds_untaxed", _("Refunds excl. VAT")),
            ("contract_amount_untaxed", _("Sale contract excl. VAT (free show)")), ("base_untaxed", _("Tax base")),
            ("rate", _("Rate (%)")), ("tax_amount", _("CNM tax")), ("deadline", _("Declaration deadline")),
        ]

    def _csv(self):
        columns = self._columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow([label for _key, label in columns])
        for month, rows, totals in self._summary():
            for row in rows:
                writer.writerow([row[key] for key, _label in columns])
            writer.writerow([month, self.env._("Total for the month"), "", "", "", totals["paid_tickets"],
                             totals["free_tickets"], "", "", "", totals["base_untaxed"], CNM_RATE,
                             totals["tax_amount"], ""])
        return buffer.getvalue()

    def _pdf(self):
        company = self.company_id[:1] or self.env.company
        currency = company.currency_id
        columns = self._columns()
        amount_keys = {"revenue_untaxed", "refunds_untaxed", "contract_amount_untaxed", "base_untaxed", "tax_amount"}

        def cell(key, value):
            return format_amount(self.env, value, currency) if key in amount_keys else str(value)

        tables = []
        for month, rows, totals in self._summary():
            body = [[cell(key, row[key]) for key, _label in columns[1:]] for row in rows]
            total = [self.env._("Total"), "", "", "", str(totals["paid_tickets"]), str(totals["free_tickets"]), "",
                     "", "", cell("base_untaxed", totals["base_untaxed"]), "",
                     cell("tax_amount", totals["tax_amount"]), ""]
            tables.append((month, [label for _key, label in columns[1:]],
                           [2, 4, 3, 2, 1.5, 1.5, 2, 2, 2, 2, 1, 2, 2], body, total))
        return table_pdf.render(
            self.env._("CNM show tax — %(venue)s", venue=company.name),
            [self.env._("Licence: %(licence)s — SIRET: %(siret)s", licence=company.soticket_fr_licence or "-",
                        siret=company.soticket_fr_siret or "-"),
             self.env._("3.5 % of ticket revenue excluding VAT, refunds deducted (CIBS art. L. 452-14 to 27)")],
            tables, self.env._("Printed on %(date)s", date=fields.Datetime.now().strftime("%Y-%m-%d %H:%M")))

    def _download(self, name, raw, mimetype):
        attachment = self.env["ir.attachment"].sudo().create({
            "name": name, "raw": raw, "mimetype": mimetype, "res_model": self._name, "res_id": self[:1].id,
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def action_export_csv(self):
        self.check_access("read")
        return self._download("taxe-cnm.csv", self._csv().encode("utf-8"), "text/csv")

    def action_export_pdf(self):
        self.check_access("read")
        return self._download("taxe-cnm.pdf", self._pdf(), "application/pdf")
