# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import json
from datetime import date

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import HttpCase

VENUE_UUID = "5a1e7c1e-0000-4000-8000-00000000a11e"
TICKET_VAT = 0.055  # concerts in France
FEE_VAT = 0.20  # resale service fees


def statement_payload(year, ticket_net_untaxed, refunds_untaxed=0.0, resale_fees_untaxed=0.0, tickets=100,
                      uuid=VENUE_UUID, currency="EUR", **overrides):
    """A statement as soticket_base's get_yearly_statement returns it (format soticket.revenue.statement/1)."""

    def taxed(amount, vat):
        return round(amount * (1 + vat), 2)

    gross = ticket_net_untaxed + refunds_untaxed
    web = {
        "tickets": tickets, "gross_untaxed": gross, "gross_taxed": taxed(gross, TICKET_VAT),
        "refunds_untaxed": refunds_untaxed, "refunds_taxed": taxed(refunds_untaxed, TICKET_VAT),
        "net_untaxed": ticket_net_untaxed, "net_taxed": taxed(ticket_net_untaxed, TICKET_VAT),
    }
    fees = {
        "tickets": 0, "gross_untaxed": resale_fees_untaxed, "gross_taxed": taxed(resale_fees_untaxed, FEE_VAT),
        "refunds_untaxed": 0.0, "refunds_taxed": 0.0,
        "net_untaxed": resale_fees_untaxed, "net_taxed": taxed(resale_fees_untaxed, FEE_VAT),
    }
    empty = dict.fromkeys(web, 0)
    totals = {key: web[key] + fees[key] for key in web}
    totals.update(ticket_net_untaxed=ticket_net_untaxed, resale_fees_untaxed=resale_fees_untaxed,
                  resale_fees_taxed=fees["net_taxed"])
    payload = {
        "format": "soticket.revenue.statement/1",
        "venue": {"name": "La Sirène", "database_uuid": uuid, "currency": currency},
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "channels": {"web": web, "backoffice": dict(empty), "box_office": dict(empty), "resale": dict(empty),
                     "resale_fee": fees},
        "totals": totals,
        "generated_at": f"{year + 1}-01-05T09:30:00+00:00",
    }
    payload.update(overrides)
    return payload


class CoopBillingCase(AccountTestInvoicingCommon):
    """The cooperative's accounting (generic chart, EUR, a 20 % sales VAT on the fee product) with the
    default fee terms 2.5 % / 575 € / 3,500 €. Tests run as an accounting manager."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        eur = cls._enable_currency("EUR")
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.company = cls.env.company
        cls.eur = cls.company.currency_id
        cls.vat20 = cls.env["account.tax"].create({
            "name": "VAT 20 % (services)", "amount": 20.0, "amount_type": "percent", "type_tax_use": "sale"})
        cls.vat0 = cls.env["account.tax"].create({
            "name": "VAT 0 % (intra-EU B2B)", "amount": 0.0, "amount_type": "percent", "type_tax_use": "sale"})
        cls.fee_product = cls.env.ref("soticket_coop_billing.product_cooperative_fee")
        cls.fee_product.taxes_id = [Command.set(cls.vat20.ids)]
        cls.company.write({
            "soticket_coop_fee_rate": 2.5, "soticket_coop_fee_min": 575.0, "soticket_coop_fee_max": 3500.0,
            "soticket_coop_fee_base": "ticket_net_untaxed", "soticket_coop_fee_product_id": cls.fee_product.id,
            "soticket_coop_reminder_days": 30,
        })
        cls.intra_eu = cls.env["account.fiscal.position"].create({
            "name": "Intra-EU B2B",
            "tax_ids": [Command.create({"tax_src_id": cls.vat20.id, "tax_dest_id": cls.vat0.id})],
        })
        cls.fedelima = cls.env["soticket.coop.network"].create({
            "name": "Fédélima", "fee_rate": 2.0, "fee_min": 400.0, "fee_max": 3000.0})
        cls.sma = cls.env["soticket.coop.network"].create({
            "name": "SMA", "fee_rate": 1.5, "fee_min": 500.0, "fee_max": 2500.0})
        cls._venue_number = 0

    @classmethod
    def _venue(cls, name=None, **vals):
        cls._venue_number += 1
        return cls.env["res.partner"].create({
            "name": name or f"Venue {cls._venue_number}", "is_company": True,
            "email": f"compta{cls._venue_number}@venue.example", **vals})

    @classmethod
    def _contract(cls, name=None, date_start=date(2020, 1, 1), state="active", partner=None, **vals):
        contract = cls.env["soticket.coop.contract"].create({
            "partner_id": (partner or cls._venue(name)).id, "date_start": date_start, **vals})
        if state in ("active", "terminated"):
            contract.action_activate()
        if state == "terminated":
            contract.action_terminate()
        return contract

    @classmethod
    def _import(cls, contract, year, payload):
        wizard = contract.env["soticket.coop.statement.import"].create({
            "contract_id": contract.id, "year": year, "filename": f"statement-{year}.json",
            "statement_file": base64.b64encode(json.dumps(payload).encode()),
        })
        action = wizard.action_import()
        return contract.env["soticket.coop.statement"].browse(action["res_id"])

    @classmethod
    def _statement(cls, contract, year, ticket_net_untaxed, **kw):
        kw.setdefault("uuid", contract.venue_database_uuid or f"uuid-{contract.id}")
        return cls._import(contract, year, statement_payload(year, ticket_net_untaxed, **kw))

    def _generate(self, year):
        """Run the wizard's generation as a user would; return the year's fee invoices."""
        wizard = self.env["soticket.coop.invoice.wizard"].create({"year": year})
        self.last_notification = wizard.action_generate()["params"]
        return self._invoices(year)

    def _invoices(self, year, contracts=None):
        domain = [("soticket_coop_year", "=", year), ("soticket_coop_contract_id", "!=", False)]
        if contracts is not None:
            domain.append(("soticket_coop_contract_id", "in", contracts.ids))
        return self.env["account.move"].search(domain)

    def _fee_lines(self, invoice):
        """[(label, price_unit)] of the product lines, in order."""
        return [(line.name, line.price_unit) for line in invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product").sorted("id")]


class CoopBillingHttpCase(CoopBillingCase, HttpCase):
    """Same, with Odoo's test HTTP server running (a 'venue' the pulls can reach on 127.0.0.1)."""
