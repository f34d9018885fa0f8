# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools import format_amount
from odoo.tools import format_date
from odoo.tools import formatLang

from ..tools import fee as fee_tools
from ..tools import statement_client

_logger = logging.getLogger(__name__)

TIMEOUT_PARAM = "soticket_coop_billing.statement_timeout"


class SoticketCoopContract(models.Model):
    """A member venue's contract with the cooperative: term, fee terms and where to read its revenue."""

    _name = "soticket.coop.contract"
    _description = "Cooperative membership contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _rec_names_search = ["name", "partner_id"]
    _check_company_auto = True

    name = fields.Char("Reference", required=True, copy=False, readonly=True, default="/", index="trigram")
    partner_id = fields.Many2one(
        "res.partner", "Member venue", required=True, tracking=True, index=True, check_company=True)
    company_id = fields.Many2one(
        "res.company", "Cooperative", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", "Account manager", default=lambda self: self.env.user, tracking=True,
        domain="[('share', '=', False)]", help="Gets the reminder before the notice deadline.")
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("terminated", "Terminated")],
        default="draft", required=True, tracking=True, copy=False)
    date_start = fields.Date("Start date", required=True, tracking=True, default=fields.Date.context_today)
    term_years = fields.Integer("Term (years)", default=3, required=True)
    date_term_end = fields.Date(
        "Current term ends", compute="_compute_date_term_end", store=True, readonly=False, tracking=True,
        copy=False, help="Renewed tacitly for another term on this date unless the contract is terminated.")
    notice_months = fields.Integer(
        "Notice period (months)", default=3, required=True,
        help="Either party may terminate the contract at the end of the term with this much notice.")
    date_notice_deadline = fields.Date(
        "Notice deadline", compute="_compute_date_notice_deadline", store=True,
        help="Last day to give notice for the contract to end with the current term.")
    date_end = fields.Date(
        "End date", tracking=True, copy=False,
        help="Last day covered by the contract once terminated; the fee of that year is prorated.")
    reminder_term_end = fields.Date(
        "Reminder sent for term", copy=False, readonly=True,
        help="Term end for which the notice reminder has been created.")
    network_ids = fields.Many2many(
        "soticket.coop.network", "soticket_coop_contract_network_rel", "contract_id", "network_id", "Networks",
        check_company=True, tracking=True)
    use_custom_terms = fields.Boolean(
        "Specific fee terms", tracking=True,
        help="Use this contract's rate, minimum and maximum instead of the network's or the cooperative's.")
    custom_fee_rate = fields.Float("Specific rate (%)", digits=(6, 3), tracking=True)
    custom_fee_min = fields.Monetary("Specific minimum", currency_field="currency_id", tracking=True)
    custom_fee_max = fields.Monetary("Specific maximum", currency_field="currency_id", tracking=True)
    fee_rate = fields.Float("Fee rate (%)", digits=(6, 3), compute="_compute_fee_terms")
    fee_min = fields.Monetary("Minimum fee", currency_field="currency_id", compute="_compute_fee_terms")
    fee_max = fields.Monetary("Maximum fee", currency_field="currency_id", compute="_compute_fee_terms")
    fee_terms_origin = fields.Char("Fee terms from", compute="_compute_fee_terms")
    venue_url = fields.Char(
        "Venue URL", tracking=True, help="Address of the venue's SoTicket, e.g. https://billetterie.lasirene.fr")
    venue_allow_insecure = fields.Boolean(
        "Allow plain HTTP / local network", tracking=True,
        help="Off (default): statements are pulled over https from a public address only, so the API key never "
             "travels in clear and the pull cannot reach the cooperative's own network. Turn on only for tests or "
             "a venue server on a trusted local network.")
    venue_db = fields.Char("Venue database", tracking=True)
    venue_login = fields.Char("Statement user", tracking=True,
                              help="Login of the venue's user in the group 'SoTicket: cooperative reporting'.")
    venue_api_key = fields.Char(
        "Statement API key", copy=False, groups="account.group_account_manager",
        help="API key of that user (stored for the statement pulls; only accounting managers can read it).")
    venue_api_key_set = fields.Boolean("API key stored", compute="_compute_venue_api_key_set", compute_sudo=True)
    venue_database_uuid = fields.Char(
        "Venue database UUID", copy=False, readonly=True, tracking=True,
        help="Set by the first statement received; later statements must come from the same database.")
    statement_ids = fields.One2many("soticket.coop.statement", "contract_id", "Revenue statements")
    invoice_ids = fields.One2many("account.move", "soticket_coop_contract_id", "Fee invoices")
    statement_count = fields.Integer(compute="_compute_counts")
    invoice_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        ("term_years_positive", "CHECK(term_years > 0)", "The term must last at least one year."),
        ("notice_months_positive", "CHECK(notice_months >= 0)", "The notice period cannot be negative."),
        ("end_after_start", "CHECK(date_end IS NULL OR date_end >= date_start)",
         "The end date cannot be before the start date."),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = " · ".join(filter(None, [contract.name, contract.partner_id.display_name]))

    @api.depends("date_start", "term_years")
    def _compute_date_term_end(self):
        for contract in self:
            if contract.date_start and contract.term_years > 0:
                contract.date_term_end = contract.date_start + relativedelta(years=contract.term_years, days=-1)
            else:
                contract.date_term_end = False

    @api.depends("date_term_end", "notice_months")
    def _compute_date_notice_deadline(self):
        for contract in self:
            contract.date_notice_deadline = contract.date_term_end and (
                contract.date_term_end - relativedelta(months=contract.notice_months))

    @api.depends("use_custom_terms", "custom_fee_rate", "custom_fee_min", "custom_fee_max",
                 "network_ids.fee_rate", "network_ids.fee_min", "network_ids.fee_max", "network_ids.active",
                 "company_id.soticket_coop_fee_rate", "company_id.soticket_coop_fee_min",
                 "company_id.soticket_coop_fee_max")
    def _compute_fee_terms(self):
        for contract in self:
            rate, minimum, maximum, origin = contract._get_fee_terms()
            contract.fee_rate, contract.fee_min, contract.fee_max, contract.fee_terms_origin = (
                rate, minimum, maximum, origin)

    def _compute_venue_api_key_set(self):
        for contract in self:
            contract.venue_api_key_set = bool(contract.venue_api_key)

    def _compute_counts(self):
        for contract in self:
            contract.statement_count = len(contract.statement_ids)
            contract.invoice_count = len(contract.invoice_ids)

    # ------------------------------------------------------------------ constraints and CRUD
    @api.constrains("use_custom_terms", "custom_fee_rate", "custom_fee_min", "custom_fee_max")
    def _check_custom_terms(self):
        self.env["soticket.coop.network"]._check_fee_terms(
            self.filtered("use_custom_terms"), "custom_fee_rate", "custom_fee_min", "custom_fee_max")

    @api.constrains("venue_url", "venue_allow_insecure")
    def _check_venue_url(self):
        for contract in self.filtered("venue_url"):
            try:
                statement_client.endpoint(contract.venue_url, allow_insecure=contract.venue_allow_insecure)
            except statement_client.StatementClientError as exc:
                raise ValidationError(contract._venue_url_refusal(exc)) from exc

    def _venue_url_refusal(self, exc):
        """The translated reason a venue URL is refused (StatementClientError ``url``/``insecure``/``private``)."""
        _ = self.env._
        url = self.sudo().venue_url
        if exc.kind == "insecure":
            return _("The venue URL must start with https:// (%(url)s): over plain http the API key would travel "
                     "in clear. For tests or a local network, tick \"Allow plain HTTP / local network\".", url=url)
        if exc.kind == "private":
            return _("The venue URL %(url)s points to a loopback, private or link-local address (%(host)s): "
                     "statements are pulled from public addresses only. For tests or a local network, tick "
                     "\"Allow plain HTTP / local network\".", url=url, host=exc.detail)
        return _("The venue URL must start with https:// or http:// (%(url)s).", url=url)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "soticket.coop.contract") or "/"
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.invoice_ids or self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only draft contracts without invoices can be deleted; terminate it instead."))

    # ------------------------------------------------------------------ lifecycle
    def action_activate(self):
        self.check_access("write")
        for contract in self.filtered(lambda c: c.state == "draft"):
            contract.state = "active"
        return True

    def action_terminate(self):
        """End the contract on its end date (by default the end of the current term): no more renewal,
        and the fee of its last year is prorated to that date."""
        self.check_access("write")
        for contract in self:
            if contract.state != "active":
                raise UserError(self.env._("Only an active contract can be terminated (%(contract)s).",
                                           contract=contract.display_name))
            end = contract.date_end or contract.date_term_end
            contract.write({"state": "terminated", "date_end": end})
            contract.message_post(body=self.env._("Contract terminated: it ends on %(date)s.",
                                                  date=format_date(self.env, end)))
        return True

    def action_reopen(self):
        """Undo a termination: the contract is renewed tacitly again."""
        self.check_access("write")
        for contract in self.filtered(lambda c: c.state == "terminated"):
            contract.write({"state": "active", "date_end": False})
        return True

    @api.model
    def _cron_renew_and_remind(self, today=None):
        """Daily: renew contracts tacitly at term and remind account managers of notice deadlines."""
        today = today or fields.Date.context_today(self)
        due = self.search([("state", "=", "active"), ("date_term_end", "<", today)])
        for contract in due:
            old_end = contract.date_term_end
            new_end = old_end
            while new_end < today:
                new_end += relativedelta(years=contract.term_years)
            contract.date_term_end = new_end
            contract.message_post(body=self.env._(
                "Renewed tacitly: the term ended on %(old)s; the new term ends on %(new)s.",
                old=format_date(self.env, old_end), new=format_date(self.env, new_end)))
        for company in self.env["res.company"].search([]):
            horizon = today + relativedelta(days=company.soticket_coop_reminder_days)
            to_remind = self.search([
                ("company_id", "=", company.id), ("state", "=", "active"),
                ("date_notice_deadline", ">=", today), ("date_notice_deadline", "<=", horizon),
            ]).filtered(lambda c: c.reminder_term_end != c.date_term_end)
            for contract in to_remind:
                contract.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=contract.date_notice_deadline,
                    summary=self.env._("Notice deadline for %(venue)s", venue=contract.partner_id.display_name),
                    note=self.env._(
                        "The contract is renewed tacitly on %(renewal)s unless notice is given by %(deadline)s.",
                        renewal=format_date(self.env, contract.date_term_end + relativedelta(days=1)),
                        deadline=format_date(self.env, contract.date_notice_deadline)),
                    user_id=(contract.user_id or self.env.user).id,
                )
                contract.reminder_term_end = contract.date_term_end
        return True

    # ------------------------------------------------------------------ fee terms
    def _get_fee_terms(self):
        """(rate, minimum, maximum, origin): the contract's specific terms, else the terms of the network
        with the lowest rate among the venue's networks (ties: lowest minimum, then maximum, then name),
        else the cooperative's defaults."""
        self.ensure_one()
        _ = self.env._
        if self.use_custom_terms:
            return self.custom_fee_rate, self.custom_fee_min, self.custom_fee_max, _("This contract")
        networks = self.network_ids.filtered("active")
        if networks:
            best = networks.sorted(lambda n: (n.fee_rate, n.fee_min, n.fee_max, n.name))[0]
            return best.fee_rate, best.fee_min, best.fee_max, _("Network %(network)s", network=best.name)
        company = self.company_id or self.env.company
        return (company.soticket_coop_fee_rate, company.soticket_coop_fee_min, company.soticket_coop_fee_max,
                _("Cooperative defaults"))

    def _days_covered(self, year):
        self.ensure_one()
        if self.state == "draft" or not self.date_start:
            return 0
        return fee_tools.days_covered(year, self.date_start, self.date_end)

    def _compute_fee(self, year, statement):
        """The fee of `year` for this contract (tools/fee.py), from the statement's base."""
        self.ensure_one()
        rate, minimum, maximum, _origin = self._get_fee_terms()
        base_key = self.company_id.soticket_coop_fee_base
        try:
            return fee_tools.compute_fee(
                statement._get_fee_base(base_key), rate, minimum, maximum,
                self._days_covered(year), fee_tools.days_in_year(year))
        except ValueError as exc:
            raise UserError(self.env._(
                "The fee of %(contract)s for %(year)s cannot be computed (%(reason)s).",
                contract=self.display_name, year=year, reason=str(exc))) from exc

    # ------------------------------------------------------------------ statements
    def _fetch_statement_payload(self, year):
        """Ask the venue's database for its statement of `year` over JSON-RPC (nothing stored)."""
        self.ensure_one()
        _ = self.env._
        contract = self.sudo()  # the API key is read here only, never sent to the browser
        missing = [label for label, value in [
            (_("venue URL"), contract.venue_url), (_("venue database"), contract.venue_db),
            (_("statement user"), contract.venue_login), (_("API key"), contract.venue_api_key)] if not value]
        if missing:
            raise UserError(_("%(contract)s cannot pull statements: fill in its %(fields)s.",
                              contract=self.display_name, fields=", ".join(missing)))
        timeout = float(self.env["ir.config_parameter"].sudo().get_param(
            TIMEOUT_PARAM, statement_client.DEFAULT_TIMEOUT))
        try:
            return statement_client.fetch_yearly_statement(
                contract.venue_url, contract.venue_db, contract.venue_login, contract.venue_api_key, year,
                timeout=timeout, allow_insecure=contract.venue_allow_insecure)
        except statement_client.StatementClientError as exc:
            _logger.info("Statement pull failed for %s (%s): %s", self.name, contract.venue_url, exc)
            raise UserError(self._statement_error_message(exc)) from exc

    def _statement_error_message(self, exc):
        _ = self.env._
        venue, url = self.partner_id.display_name, self.sudo().venue_url
        messages = {
            "url": _("The venue URL of %(venue)s is not an http(s) address: %(url)s.", venue=venue, url=url),
            "unreachable": _("The venue database of %(venue)s cannot be reached at %(url)s (%(detail)s). "
                             "Check the URL, or import the statement file the venue sends you.",
                             venue=venue, url=url, detail=exc.detail),
            "http": _("The server of %(venue)s at %(url)s answered with an error (%(detail)s). "
                      "Check the URL, or import the statement file the venue sends you.",
                      venue=venue, url=url, detail=exc.detail),
            "protocol": _("The address %(url)s of %(venue)s does not answer like an Odoo server.",
                          venue=venue, url=url),
            "login": _("The venue database of %(venue)s refused the statement user %(login)s: check the database "
                       "name, the login and the API key.", venue=venue, login=self.sudo().venue_login),
            "remote": _("The venue database of %(venue)s could not give its statement: %(detail)s",
                        venue=venue, detail=exc.detail),
        }
        if exc.kind in ("insecure", "private"):
            return self._venue_url_refusal(exc)
        return messages.get(exc.kind, messages["remote"])

    def action_pull_statement(self, year=None):
        """Pull and store the statement of `year` (default: last year) for each contract."""
        # Billing users only (statements are theirs to receive), before the venue is called.
        self.check_access("read")
        self.env["soticket.coop.statement"].check_access("create")
        year = year or fields.Date.context_today(self).year - 1
        statements = self.env["soticket.coop.statement"]
        for contract in self:
            payload = contract._fetch_statement_payload(year)
            statements |= statements._store_payload(contract, year, payload, "pulled")
        return statements

    def action_open_pull_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "soticket.coop.statement.pull",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_ids": self.ids},
        }

    def action_view_statements(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("soticket_coop_billing.action_soticket_coop_statement")
        action["domain"] = [("contract_id", "in", self.ids)]
        action["context"] = {"default_contract_id": self[:1].id}
        return action

    def action_view_invoices(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.pop("path", None)
        action["domain"] = [("soticket_coop_contract_id", "in", self.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    # ------------------------------------------------------------------ invoicing
    def _is_invoiced_for(self, year):
        return bool(self.env["account.move"].search_count([
            ("soticket_coop_contract_id", "=", self.id), ("soticket_coop_year", "=", year),
            ("state", "!=", "cancel")], limit=1))

    @api.model
    def _invoicing_candidates(self, year, company=None):
        """Contracts that covered at least one day of `year` (active, or terminated after 1 January)."""
        company = company or self.env.company
        return self.search([
            ("company_id", "=", company.id), ("state", "in", ("active", "terminated")),
            ("date_start", "<=", date(year, 12, 31)),
            "|", ("date_end", "=", False), ("date_end", ">=", date(year, 1, 1)),
        ])

    def _create_fee_invoices(self, year):
        """Draft fee invoices of `year` for these contracts, one per contract with a statement.

        Returns (invoices, already_invoiced, without_statement). Idempotent: a contract that already has a
        (non-cancelled) invoice for the year is skipped. Everything is checked before the first invoice is
        created, so a problem leaves nothing behind."""
        moves = self.env["account.move"]
        if not self:
            return moves, self, self
        # Serialise concurrent runs: the second one waits, then sees the first one's invoices.
        self.env.cr.execute(SQL("SELECT id FROM soticket_coop_contract WHERE id IN %s FOR UPDATE", tuple(self.ids)))
        contracts = self.filtered(lambda c: c._days_covered(year) > 0)
        invoiced = contracts.filtered(lambda c: c._is_invoiced_for(year))
        contracts -= invoiced
        statements = self.env["soticket.coop.statement"].search([
            ("contract_id", "in", contracts.ids), ("year", "=", year)])
        statement_by_contract = {s.contract_id: s for s in statements}
        without_statement = contracts.filtered(lambda c: c not in statement_by_contract)
        contracts -= without_statement
        vals_list = []
        for contract in contracts:
            contract._check_invoiceable()
            statement = statement_by_contract[contract]
            fee = contract._compute_fee(year, statement)
            vals_list.append(contract._prepare_fee_invoice_vals(year, statement, fee))
        for company, company_vals in self._group_by_company(contracts, vals_list):
            moves |= moves.with_company(company).with_context(default_move_type="out_invoice").create(company_vals)
        for move in moves:
            move.soticket_coop_statement_id.invoice_id = move
        return moves, invoiced, without_statement

    @api.model
    def _group_by_company(self, contracts, vals_list):
        grouped = {}
        for contract, vals in zip(contracts, vals_list, strict=True):
            grouped.setdefault(contract.company_id, []).append(vals)
        return grouped.items()

    def _check_invoiceable(self):
        self.ensure_one()
        _ = self.env._
        product = self.company_id._soticket_coop_fee_product()
        if not product:
            raise UserError(_("Choose the cooperative fee product in the Invoicing settings."))
        taxes = product.taxes_id.filtered_domain(self.env["account.tax"]._check_company_domain(self.company_id))
        if not taxes:
            raise UserError(_(
                "The product %(product)s has no sales tax for %(company)s: set the cooperative's VAT on it "
                "(Invoicing > Configuration > Products) before generating fee invoices.",
                product=product.display_name, company=self.company_id.name))

    def _prepare_fee_invoice_vals(self, year, statement, fee):
        """One invoice: the proportional fee line, the minimum/maximum adjustment line if any, and a note
        saying where the revenue comes from (and the proration for a partial year)."""
        self.ensure_one()
        contract = self.with_context(lang=self.partner_id.lang or self.env.lang)
        env, _ = contract.env, contract.env._
        currency = self.company_id.currency_id
        product = self.company_id._soticket_coop_fee_product()
        base_label = dict(self.company_id._fields["soticket_coop_fee_base"]._description_selection(env))[
            self.company_id.soticket_coop_fee_base]
        lines = [Command.create({
            "product_id": product.id,
            "name": _("Cooperative fee %(year)s: %(rate)s %% of %(base)s (%(base_label)s)",
                      year=year, rate=contract._format_rate(fee.rate),
                      base=format_amount(env, float(fee.base), currency), base_label=base_label),
            "quantity": 1,
            "price_unit": float(fee.proportional),
        })]
        if fee.adjustment_kind:
            full = self._get_fee_terms()[1 if fee.adjustment_kind == "minimum" else 2]
            bound = fee.minimum if fee.adjustment_kind == "minimum" else fee.maximum
            if fee.prorated:
                bound_text = _("%(amount)s, i.e. %(full)s × %(days)s/%(year_days)s days",  # noqa: RUF001
                               amount=format_amount(env, float(bound), currency),
                               full=format_amount(env, full, currency),
                               days=fee.days_covered, year_days=fee.days_in_year)
            else:
                bound_text = format_amount(env, float(bound), currency)
            name = (_("Minimum fee adjustment: fee raised to the minimum of %(bound)s", bound=bound_text)
                    if fee.adjustment_kind == "minimum" else
                    _("Maximum fee adjustment: fee capped at the maximum of %(bound)s", bound=bound_text))
            lines.append(Command.create({
                "product_id": product.id, "name": name, "quantity": 1, "price_unit": float(fee.adjustment)}))
        note = _("Revenue %(year)s stated by %(venue)s on %(date)s (%(origin)s).", year=year,
                 venue=statement.venue_name or self.partner_id.display_name,
                 date=format_date(env, statement.generated_at or statement.received_at),
                 origin=dict(statement._fields["source"]._description_selection(env))[statement.source].lower())
        if fee.prorated:
            first = max(self.date_start, date(year, 1, 1))
            last = min(self.date_end or date(year, 12, 31), date(year, 12, 31))
            note += " " + _("Membership covers %(days)s of the %(year_days)s days of %(year)s (%(first)s to %(last)s): "
                            "the minimum and maximum fees are prorated.",
                            days=fee.days_covered, year_days=fee.days_in_year, year=year,
                            first=format_date(env, first), last=format_date(env, last))
        lines.append(Command.create({"display_type": "line_note", "name": note}))
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": currency.id,
            "invoice_origin": self.name,
            "soticket_coop_contract_id": self.id,
            "soticket_coop_year": year,
            "soticket_coop_statement_id": statement.id,
            "invoice_line_ids": lines,
        }

    def _format_rate(self, rate):
        """2.5 → '2.5', 3 → '3' in the current language (no trailing zeros)."""
        decimals = max(0, -Decimal(str(rate)).normalize().as_tuple().exponent)
        return formatLang(self.env, float(rate), digits=decimals)
