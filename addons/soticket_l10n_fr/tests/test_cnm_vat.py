# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import csv
import io
from datetime import date

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import QuarterCase


@tagged("post_install", "-at_install")
class TestCnmTax(QuarterCase):

    def _line(self, event):
        return self.env["soticket.fr.cnm.declaration"].search([("event_id", "=", event.id)])

    def test_cnm_bases_tax_deadline_and_exports(self):
        self.env["soticket.fr.receipt"]._cron_issue()
        jazz = self._line(self.jazz)
        sold = (self.web_tickets | self.box_tickets)
        untaxed = round(sum(sold.mapped("price_paid_untaxed")), 2)
        self.assertAlmostEqual(jazz.base_untaxed, untaxed, places=2)
        self.assertEqual((jazz.paid_tickets, jazz.free_tickets, jazz.month), (4, 1, "2026-08"))
        self.assertEqual(jazz.deadline, date(2026, 11, 20))
        activity = jazz.activity_ids
        self.assertEqual((len(activity), activity.date_deadline), (1, date(2026, 11, 20)))
        # The refund after the show is deducted.
        refund = self._refund_after_show()
        self.env["soticket.fr.receipt"]._cron_issue()
        base = round(untaxed - refund.price_paid_untaxed, 2)
        self.assertAlmostEqual(jazz.base_untaxed, base, places=2)
        self.assertAlmostEqual(jazz.tax_amount, round(base * 0.035, 2), places=2)
        self.assertEqual(len(jazz.activity_ids), 1, "one deadline to-do")
        # The free show takes the sale contract's amount, entered by staff.
        stage = self._line(self.open_stage)
        self.assertTrue(stage.free_show)
        self.assertEqual(stage.tax_amount, 0.0)
        stage.contract_amount_untaxed = 1500.0
        self.assertEqual((stage.base_untaxed, stage.tax_amount), (1500.0, 52.5))
        rock = self._line(self.rock)
        self.assertAlmostEqual(rock.base_untaxed, self.resale_ticket.price_paid_untaxed, places=2)

        lines = jazz | stage | rock
        rows = list(csv.reader(io.StringIO(lines._csv()), delimiter=";"))
        self.assertEqual(rows[0][0], "Month")
        months = [row for row in rows[1:] if row[1] == "Total for the month"]
        self.assertEqual([row[0] for row in months], ["2026-07", "2026-08", "2026-09"])
        self.assertEqual(months[0][12], "52.5")
        self.assertEqual(rows[1][:3], ["2026-07", "2026-07-15", "Scène ouverte"])
        self.assertTrue(lines._pdf().startswith(b"%PDF"))
        self.assertIn("/web/content/", lines.action_export_pdf()["url"])

        manager = self.env["res.users"].create({
            "name": "Régie", "login": "regie", "company_id": self.company.id,
            "company_ids": [(6, 0, self.company.ids)],
            "groups_id": [(6, 0, self.env.ref("event.group_event_manager").ids)],
        })
        with self.assertRaises(AccessError):
            jazz.with_user(manager).write({"base_untaxed": 1.0})
        stage.with_user(manager).contract_amount_untaxed = 1200.0
        self.assertEqual(stage.tax_amount, 42.0)
        lines.with_user(manager).action_mark_declared()
        self.assertEqual(set(lines.mapped("state")), {"declared"})
        self.assertFalse(jazz.activity_ids)
        with self.assertRaises(UserError):
            stage.contract_amount_untaxed = 10.0


@tagged("post_install", "-at_install")
class TestVatRates(QuarterCase):

    def test_event_vat_rate_applies_to_ticket_lines(self):
        self.assertEqual(self.jazz.soticket_fr_vat_rate, "5.5", "5.5 % by default")
        for rate, untaxed in (("20", 25.0 / 1.2), ("2.1", 25.0 / 1.021), ("5.5", 25.0 / 1.055)):
            self.rock.soticket_fr_vat_rate = rate
            self.rock_full.price = 25.0
            order = self.env["sale.order"].create({
                "partner_id": self.buyer.id,
                "order_line": [(0, 0, {
                    "product_id": self.product.id, "event_id": self.rock.id, "event_ticket_id": self.rock_full.id,
                    "product_uom_qty": 1, "price_unit": 25.0,
                })],
            })
            line = order.order_line
            self.assertEqual(line.tax_id.amount, float(rate))
            self.assertTrue(line.tax_id.price_include, "the price shown stays the price paid")
            self.assertAlmostEqual(line.price_total, 25.0, places=2)
            self.assertAlmostEqual(line.price_subtotal, round(untaxed, 2), places=2)
