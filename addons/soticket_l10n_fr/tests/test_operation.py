# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import QuarterCase


@tagged("post_install", "-at_install")
class TestTicketOperations(QuarterCase):

    def _operations(self):
        return self.env["soticket.fr.operation"].search([("company_id", "=", self.company.id)], order="number")

    def test_every_operation_is_traced_numbered_and_never_altered(self):
        self._refund_after_show()
        self.box_tickets[0].action_reissue_code()
        self.invite_tickets[0].action_cancel()
        ops = self._operations()
        self.assertEqual(ops.mapped("number"), list(range(1, len(ops) + 1)), "numbered without gaps")
        number = {ticket: ticket.with_context(active_test=False).ticket_number
                  for ticket in self.web_tickets | self.box_tickets | self.seller_ticket | self.resale_ticket
                  | self.invite_tickets}
        self.assertEqual([(op.kind, op.ticket_number) for op in ops], [
            *[("sale", number[t]) for t in self.web_tickets],
            *[("sale", number[t]) for t in self.box_tickets.sorted("ticket_number")],
            ("sale", number[self.seller_ticket]),
            ("resold", number[self.seller_ticket]),
            ("resale", number[self.resale_ticket]),
            *[("sale", number[t]) for t in self.invite_tickets],
            ("refund", number[self.web_tickets[0]]),
            ("reissue", number[self.box_tickets[0]]),
            ("cancellation", number[self.invite_tickets[0]]),
        ])
        refund = ops.filtered(lambda op: op.kind == "refund")
        self.assertEqual((refund.amount_taxed, refund.event_name, refund.category_name, refund.channel),
                         (-25.0, "Jazz à la Sirène", "Plein tarif", "web"))
        self.assertEqual(ops.filtered(lambda op: op.kind == "resold").amount_taxed, -30.0)
        self.assertEqual(ops.filtered(lambda op: op.kind == "resale").amount_taxed, 30.0)
        self.assertEqual(refund.performance_date, self.jazz.date_begin)
        # Renaming the show later does not alter the trace.
        self.jazz.name = "Autre nom"
        self.assertEqual(ops[0].event_name, "Jazz à la Sirène")
        with self.assertRaises(UserError):
            ops[0].sudo().write({"amount_taxed": 0.0})
        with self.assertRaises(UserError):
            ops[0].sudo().unlink()
        with self.assertRaises(UserError):
            self.env["soticket.fr.operation"].sudo().create({"number": 999, "kind": "sale"})

    def test_sale_numbered_after_commit_is_traced(self):
        """The numbering that runs after a sale commits (on its own cursor) traces the sale."""
        order = self.env["sale.order"].create({
            "partner_id": self.buyer.id,
            "order_line": [Command.create({
                "product_id": self.product.id, "event_id": self.rock.id, "event_ticket_id": self.rock_full.id,
                "product_uom_qty": 2, "price_unit": 30.0,
            })],
        })
        order.action_confirm()
        tickets = order.order_line.registration_ids
        self.assertFalse(any(tickets.mapped("ticket_number")), "numbered after commit only")
        before = self._operations()
        self.env.flush_all()
        self.env["event.registration"]._number_tickets(self.env.cr, {self.company.id})
        tickets.invalidate_recordset(["ticket_number"])
        new = self._operations() - before
        self.assertEqual([(op.number, op.kind, op.ticket_number, op.amount_taxed) for op in new],
                         [(before[-1].number + index + 1, "sale", ticket.ticket_number, 30.0)
                          for index, ticket in enumerate(tickets.sorted("ticket_number"))])

    def test_category_change_is_traced_as_an_exchange(self):
        ticket = self.web_tickets[1]
        ticket.event_ticket_id = self.reduced
        last = self._operations()[-1]
        self.assertEqual((last.kind, last.ticket_number, last.category_name),
                         ("exchange", ticket.ticket_number, "Réduit"))

    def _assert_refused(self, func, model):
        try:
            with self.env.cr.savepoint():
                func()
        except (AccessError, UserError):
            return
        self.fail(f"{model}: the inspector changed something")

    def test_tax_inspector_reads_and_exports_and_changes_nothing(self):
        self.env["soticket.fr.receipt"]._cron_issue()
        self.env["soticket.fr.sibil.declaration"]._for_events(self.shows)
        inspector = self.env["res.users"].create({
            "name": "Inspectrice DGFiP", "login": "inspectrice", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "groups_id": [Command.set(self.env.ref("soticket_l10n_fr.group_soticket_fr_inspector").ids)],
        })
        env = self.env(user=inspector)
        models = ["soticket.fr.operation", "soticket.fr.receipt", "soticket.fr.receipt.line",
                  "soticket.fr.sibil.declaration", "soticket.fr.cnm.declaration"]
        for model in models:
            records = env[model].search([])
            self.assertTrue(records, model)
            exported = records.export_data(["id", "display_name"])["datas"]
            self.assertEqual(len(exported), len(records), model)
            self._assert_refused(lambda r=records: r[:1].write({"create_date": "2026-01-01"}), model)
            self._assert_refused(lambda r=records: r[:1].unlink(), model)
            self._assert_refused(lambda m=model: env[m].create({}), model)
        ops = env["soticket.fr.operation"].search([])
        self.assertEqual(ops, self._operations(), "the live trace, all of it")
        # What the web client reads for the inspector's list and form views.
        for model in models:
            views = env[model].get_views([(False, "list"), (False, "form")])
            for view_type, view in views["views"].items():
                names = {node.get("name") for node in etree.fromstring(view["arch"]).iter("field")
                         if node.get("name") in env[model]._fields}
                spec = {name: {"fields": {"display_name": {}}} if env[model]._fields[name].type == "many2one"
                        else {} for name in names if env[model]._fields[name].type != "one2many"}
                result = env[model].web_search_read([], spec)
                self.assertTrue(result["records"], f"{model} {view_type}")
        self.assertIn("Jazz à la Sirène", str(ops.export_data(["event_name"])["datas"]))
        receipt = env["soticket.fr.receipt"].search([], limit=1)
        self.assertTrue(receipt.pdf_file)
        receipt.action_download_pdf()
        env["soticket.fr.cnm.declaration"].search([]).action_export_csv()
        with self.assertRaises(AccessError):
            env["soticket.fr.sibil.declaration"].search([]).action_send()
        with self.assertRaises(AccessError):
            env["soticket.fr.cnm.declaration"].search([]).action_mark_declared()
        with self.assertRaises(AccessError):
            self.jazz.with_user(inspector).action_soticket_fr_issue_receipt()
        with self.assertRaises(AccessError):
            self.web_tickets[0].with_user(inspector).write({"name": "x"})
        self.assertEqual(len(self._operations()), len(ops), "nothing traced by the inspector")
