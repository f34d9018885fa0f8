# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import date

from odoo.tests import tagged

from ..tools import fee as fee_tools
from .common import CoopBillingCase

NBSP = "\N{NO-BREAK SPACE}"


def eur(text):
    return f"{text}{NBSP}€"


@tagged("post_install", "-at_install")
class TestFeeTable(CoopBillingCase):
    """The fee a member is invoiced: 2.5 % of the year's revenue, at least 575 €, at most 3,500 €."""

    def _invoice_for(self, year, ticket_net_untaxed, contract=None, **kw):
        contract = contract or self._contract()
        self._statement(contract, year, ticket_net_untaxed, **kw)
        self._generate(year)
        invoice = self._invoices(year, contract)
        self.assertEqual(len(invoice), 1)
        return invoice

    def test_full_year_table(self):
        """2025 (365 days), cooperative defaults, one contract per revenue level."""
        cases = [
            # revenue, proportional fee, adjustment, total
            (1_000.00, 25.00, 550.00, 575.00),  # far below the minimum
            (0.00, 0.00, 575.00, 575.00),  # a year without sales still owes the minimum
            (23_000.00, 575.00, None, 575.00),  # exactly at the minimum: no adjustment line
            (50_000.00, 1_250.00, None, 1_250.00),  # between
            (140_000.00, 3_500.00, None, 3_500.00),  # exactly at the maximum
            (500_000.00, 12_500.00, -9_000.00, 3_500.00),  # far above the maximum
        ]
        contracts = {revenue: self._contract() for revenue, *_rest in cases}
        for revenue, contract in contracts.items():
            self._statement(contract, 2025, revenue)
        self._generate(2025)
        for revenue, proportional, adjustment, total in cases:
            with self.subTest(revenue=revenue):
                invoice = self._invoices(2025, contracts[revenue])
                self.assertEqual(len(invoice), 1)
                lines = self._fee_lines(invoice)
                self.assertEqual(lines[0][1], proportional)
                self.assertIn("2.5 % of", lines[0][0])
                if adjustment is None:
                    self.assertEqual(len(lines), 1, "no adjustment line when the fee is within the bounds")
                else:
                    self.assertEqual(len(lines), 2)
                    self.assertEqual(lines[1][1], adjustment)
                    kind = "Minimum" if adjustment > 0 else "Maximum"
                    self.assertTrue(lines[1][0].startswith(f"{kind} fee adjustment"), lines[1][0])
                self.assertEqual(invoice.amount_untaxed, total)
                self.assertAlmostEqual(invoice.amount_tax, round(total * 0.2, 2))
                self.assertEqual(invoice.state, "draft")

    def test_line_labels_show_base_rate_and_minimum(self):
        invoice = self._invoice_for(2025, 12_345.00)
        (label, price), (adj_label, adj_price) = self._fee_lines(invoice)
        self.assertEqual(label, f"Cooperative fee 2025: 2.5 % of {eur('12,345.00')} "
                                "(Ticket revenue excl. VAT, refunds deducted, resale service fees excluded)")
        self.assertEqual(price, 308.63, "308.625 rounds half up to the cent")
        self.assertEqual(adj_label, f"Minimum fee adjustment: fee raised to the minimum of {eur('575.00')}")
        self.assertEqual(adj_price, 266.37)
        note = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "line_note")
        self.assertIn("Revenue 2025 stated by La Sirène", note.name)

    def test_refunds_are_deducted(self):
        """Sales 80,000 €, refunds 20,000 €: the fee is on the 60,000 € kept, not on the sales."""
        invoice = self._invoice_for(2025, 60_000.00, refunds_untaxed=20_000.00)
        self.assertEqual(invoice.amount_untaxed, 1_500.00)
        self.assertIn("2.5 % of " + eur("60,000.00"), self._fee_lines(invoice)[0][0])

    def test_fee_base_setting(self):
        """Default: ticket revenue excl. VAT without resale fees; the two alternatives are a setting."""
        expectations = [
            ("ticket_net_untaxed", 1_500.00),  # 2.5 % x 60,000
            ("net_untaxed", 1_525.00),  # 2.5 % x (60,000 + 1,000 resale fees)
            ("ticket_net_taxed", 1_582.50),  # 2.5 % x 63,300 (60,000 + 5.5 % VAT)
        ]
        for year, (base, expected) in enumerate(expectations, start=2023):
            with self.subTest(base=base):
                self.company.soticket_coop_fee_base = base
                invoice = self._invoice_for(year, 60_000.00, resale_fees_untaxed=1_000.00)
                self.assertEqual(invoice.amount_untaxed, expected)

    def test_network_rates(self):
        """A venue in Fédélima (2 %) and SMA (1.5 %) gets SMA's terms, the lowest rate; a contract's own
        terms come first; without network nor own terms, the cooperative's defaults."""
        both = self._contract(network_ids=[(6, 0, (self.fedelima | self.sma).ids)])
        fedelima = self._contract(network_ids=[(6, 0, self.fedelima.ids)])
        own = self._contract(network_ids=[(6, 0, self.sma.ids)], use_custom_terms=True,
                             custom_fee_rate=3.0, custom_fee_min=0.0, custom_fee_max=10_000.0)
        default = self._contract()
        self.assertEqual(both.fee_terms_origin, "Network SMA")
        self.assertEqual((both.fee_rate, both.fee_min, both.fee_max), (1.5, 500.0, 2500.0))
        self.assertEqual(own.fee_terms_origin, "This contract")
        for contract in both | fedelima | own | default:
            self._statement(contract, 2025, 100_000.00)
        self._generate(2025)
        self.assertEqual(self._invoices(2025, both).amount_untaxed, 1_500.00)
        self.assertEqual(self._invoices(2025, fedelima).amount_untaxed, 2_000.00)
        self.assertEqual(self._invoices(2025, own).amount_untaxed, 3_000.00)
        self.assertEqual(self._invoices(2025, default).amount_untaxed, 2_500.00)
        # SMA's maximum (2,500) caps a large venue, below the cooperative's 3,500
        big = self._contract(network_ids=[(6, 0, self.sma.ids)])
        self.assertEqual(self._invoice_for(2024, 1_000_000.00, contract=big).amount_untaxed, 2_500.00)

    def test_cooperative_defaults_are_settings(self):
        settings = self.env["res.config.settings"].sudo().create({
            "soticket_coop_fee_rate": 3.0, "soticket_coop_fee_min": 600.0, "soticket_coop_fee_max": 4000.0})
        settings.execute()
        self.assertEqual(self.company.soticket_coop_fee_rate, 3.0)
        self.assertEqual(self._invoice_for(2025, 50_000.00).amount_untaxed, 1_500.00)
        self.assertEqual(self._invoice_for(2025, 1_000.00).amount_untaxed, 600.00)

    def test_partial_year_joined_mid_year(self):
        """Member from 1 July 2024 (leap year): 184 of 366 days, minimum 575 x 184 / 366 = 289.07 €."""
        contract = self._contract(date_start=date(2024, 7, 1))
        invoice = self._invoice_for(2024, 1_000.00, contract=contract)
        (_label, proportional), (adj_label, adjustment) = self._fee_lines(invoice)
        self.assertEqual(proportional, 25.00)
        self.assertEqual(adjustment, 264.07)
        self.assertEqual(invoice.amount_untaxed, 289.07)
        self.assertIn(f"{eur('289.07')}, i.e. {eur('575.00')} × 184/366 days", adj_label)  # noqa: RUF001
        note = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "line_note").name
        self.assertIn("184 of the 366 days of 2024", note)

    def test_partial_year_terminated(self):
        """Ended on 31 March 2025: 90 of 365 days, maximum 3,500 x 90 / 365 = 863.01 €; nothing in 2026."""
        contract = self._contract(date_start=date(2020, 1, 1), date_end=date(2025, 3, 31), state="terminated")
        self.assertEqual(contract.state, "terminated")
        invoice = self._invoice_for(2025, 500_000.00, contract=contract)
        self.assertEqual(invoice.amount_untaxed, 863.01)
        self._statement(contract, 2026, 10_000.00)
        self._generate(2026)
        self.assertFalse(self._invoices(2026, contract), "not invoiced past its end")

    def test_fee_tool_edges(self):
        self.assertEqual(fee_tools.days_covered(2024, date(2023, 5, 1)), 366)
        self.assertEqual(fee_tools.days_covered(2024, date(2024, 12, 31)), 1)
        self.assertEqual(fee_tools.days_covered(2024, date(2025, 1, 1)), 0)
        self.assertEqual(fee_tools.days_covered(2024, date(2020, 1, 1), date(2023, 12, 31)), 0)
        self.assertEqual(fee_tools.days_covered(2025, date(2025, 3, 1), date(2025, 3, 31)), 31)
        one_day = fee_tools.compute_fee(0, 2.5, 575, 3500, 1, 365)
        self.assertEqual(str(one_day.total), "1.58")  # 575 / 365
        with self.assertRaises(ValueError):
            fee_tools.compute_fee(-1, 2.5, 575, 3500, 365, 365)
