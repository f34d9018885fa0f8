# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import Q3
from .common import QuarterCase


@tagged("post_install", "-at_install")
class TestReceiptRecord(QuarterCase):

    def _receipts(self, event):
        return self.env["soticket.fr.receipt"].search([("event_id", "=", event.id)], order="amendment_number")

    def test_receipt_per_performance_then_amendment_after_refund(self):
        Receipt = self.env["soticket.fr.receipt"]
        Receipt._cron_issue()
        jazz = self._receipts(self.jazz)
        self.assertEqual(len(jazz), 1)
        numbers = (self.web_tickets | self.box_tickets).mapped("ticket_number")
        self.assertEqual((jazz.first_ticket_number, jazz.last_ticket_number), (min(numbers), max(numbers)))
        self.assertEqual((jazz.tickets_issued, jazz.tickets_refunded, jazz.invitations, jazz.exempt_tickets),
                         (5, 0, 1, 0))
        self.assertEqual((jazz.total_taxed, jazz.refunds_taxed, jazz.net_taxed), (90.0, 0.0, 90.0))
        untaxed = sum((self.web_tickets | self.box_tickets).mapped("price_paid_untaxed"))
        self.assertAlmostEqual(jazz.total_untaxed, untaxed, places=2)
        self.assertEqual(
            [(line.channel, line.category_name, line.unit_price, line.tickets_issued, line.total_taxed)
             for line in jazz.line_ids],
            [("web", "Plein tarif", 25.0, 2, 50.0), ("box_office", "Plein tarif", 25.0, 1, 25.0),
             ("box_office", "Réduit", 15.0, 1, 15.0), ("box_office", "Invitation", 0.0, 1, 0.0)])
        self.assertEqual(jazz.amendment_number, 0)
        self.assertTrue(jazz.name.startswith("BR/"))
        pdf = base64.b64decode(jazz.pdf_file)
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertIn(jazz.name.encode(), pdf, "the PDF is titled with the record's number")
        rock = self._receipts(self.rock)
        self.assertEqual((rock.tickets_issued, rock.tickets_refunded, rock.total_taxed, rock.refunds_taxed),
                         (2, 1, 60.0, 30.0))
        self.assertEqual(rock.line_ids.mapped("channel"), ["backoffice", "resale"])
        stage = self._receipts(self.open_stage)
        self.assertEqual((stage.tickets_issued, stage.invitations, stage.net_taxed), (2, 2, 0.0))

        # Nothing changed: the cron and the button issue nothing more.
        Receipt._cron_issue()
        self.jazz.action_soticket_fr_issue_receipt()
        self.assertEqual(len(self._receipts(self.jazz)), 1)
        # Locked, even for the superuser.
        with self.assertRaises(UserError):
            jazz.sudo().write({"total_taxed": 0.0})
        with self.assertRaises(UserError):
            jazz.line_ids[0].sudo().write({"tickets_issued": 99})
        with self.assertRaises(UserError):
            jazz.sudo().unlink()

        # A refund after the show: a numbered amendment, the original record untouched.
        self._refund_after_show()
        Receipt._cron_issue()
        jazz_all = self._receipts(self.jazz)
        self.assertEqual(len(jazz_all), 2)
        original, amendment = jazz_all
        self.assertEqual(original, jazz)
        self.assertEqual((original.total_taxed, original.refunds_taxed), (90.0, 0.0))
        self.assertEqual((amendment.amendment_number, amendment.name, amendment.previous_id, amendment.original_id),
                         (1, f"{jazz.name}-R1", original, original))
        self.assertEqual((amendment.tickets_refunded, amendment.refunds_taxed, amendment.net_taxed), (1, 25.0, 65.0))
        self.assertEqual(amendment.line_ids[0].tickets_refunded, 1)
        self.assertEqual((amendment.first_ticket_number, amendment.last_ticket_number),
                         (original.first_ticket_number, original.last_ticket_number))

    def test_receipt_totals_equal_the_revenue_statement(self):
        self._refund_after_show()
        Receipt = self.env["soticket.fr.receipt"]
        Receipt._cron_issue()
        latest = Receipt.browse()
        for event in self.shows:
            latest |= self._receipts(event)[-1:]
        statement = self.env["soticket.revenue.statement"].sudo()._generate(*Q3)
        for key in ("gross_taxed", "gross_untaxed", "refunds_taxed", "refunds_untaxed"):
            receipt_key = key.replace("gross", "total")
            for line in statement.line_ids.filtered(lambda line: line.channel != "resale_fee"):
                lines = latest.line_ids.filtered(lambda receipt_line, c=line.channel: receipt_line.channel == c)
                self.assertAlmostEqual(sum(lines.mapped(receipt_key)), line[key], places=2,
                                       msg=f"{line.channel} {key}")
        self.assertAlmostEqual(sum(latest.mapped("net_untaxed")), statement.ticket_net_untaxed, places=2)
        self.assertEqual(sum(latest.mapped("tickets_issued")), statement.tickets_sold)

    def test_gdpr_erasure_leaves_the_fiscal_records(self):
        """No personal data in receipt records or the trace: forgetting a buyer changes neither."""
        Receipt = self.env["soticket.fr.receipt"]
        Receipt._cron_issue()
        receipts = Receipt.search([("event_id", "in", self.shows.ids)])
        operations = self.env["soticket.fr.operation"].search([("company_id", "=", self.company.id)])
        before = ([(r.name, r.figures_key, r.pdf_file) for r in receipts],
                  operations.read(["number", "kind", "amount_taxed"]))
        self.buyer.sudo()._soticket_forget_buyer()
        self.assertNotEqual(self.web_tickets[0].name, "Camille Martin")
        Receipt._cron_issue()
        self.assertEqual(Receipt.search([("event_id", "in", self.shows.ids)]), receipts, "no amendment")
        after = [(r.name, r.figures_key, r.pdf_file) for r in receipts], self.env["soticket.fr.operation"].search(
            [("company_id", "=", self.company.id)]).read(["number", "kind", "amount_taxed"])
        self.assertEqual(after, before)
