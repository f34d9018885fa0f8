# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from lxml import html

from odoo import Command
from odoo import fields
from odoo import http
from odoo.exceptions import AccessError
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_website import SoticketWebsiteCase


@tagged("post_install", "-at_install")
class TestSaleRule(SoticketWebsiteCase):
    """One rule for what a buyer may take without staff, on every path: the registration form
    (free and paid), the cart routes, RPC, and the confirmation of a web order."""

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    # ------------------------------------------------------------------ helpers
    def _written(self):
        """What a refused request must not have written: the concert's tickets and order lines."""
        self.env.invalidate_all()
        return (self.env["event.registration"].search_count([("event_id", "=", self.concert.id)]),
                self.env["sale.order.line"].search_count([("event_id", "=", self.concert.id)]))

    def _post_attendees(self, ticket, qty):
        questions = {q.question_type: q for q in self.concert.question_ids}
        data = {"csrf_token": http.Request.csrf_token(self)}
        for index in range(1, qty + 1):
            data[f"{index}-event_ticket_id"] = ticket.id
            data[f"{index}-name-{questions['name'].id}"] = f"Attendee {index}"
            data[f"{index}-email-{questions['email'].id}"] = f"attendee{index}@example.com"
        return self._open(f"/event/{self.concert.id}/registration/confirm", data=data)

    def _cart_add(self, ticket, qty):
        return self._json("/shop/cart/update_json", {
            "product_id": ticket.product_id.id, "add_qty": qty, "event_ticket_id": ticket.id})

    @mute_logger("odoo.http")
    def _assert_refused_everywhere(self, ticket, qty, message, event_hidden=False):
        """The ticket step of the form, the attendee form and the cart route each refuse, say why,
        and write nothing (each path is a sub-test of its own).

        :param event_hidden: the visitor cannot see the event: its form answers "not found"."""
        with self.subTest(path="registration/new"):
            before = self._written()
            answer = self._json(f"/event/{self.concert.id}/registration/new", {f"nb_register-{ticket.id}": qty})
            self.assertIn("error", answer, "the ticket step refuses")
            self.assertIn("404 Not Found" if event_hidden else message, answer["error"]["data"]["message"])
            self.assertEqual(self._written(), before)

        with self.subTest(path="registration/confirm"):
            before = self._written()
            response = self._post_attendees(ticket, qty)
            if event_hidden:
                self.assertEqual(response.status_code, 404)
            else:
                self.assertEqual(response.status_code, 400)
                page = html.fromstring(response.text)
                self.assertIn(message, page.xpath("string(//div[hasclass('o_soticket_sale_refused')])"))
            self.assertEqual(self._written(), before, "the form wrote nothing")

        with self.subTest(path="/shop/cart/update_json"):
            self.authenticate(None, None)  # a new visitor, without the cart a failed step may have left
            before = self._written()
            answer = self._cart_add(ticket, qty)
            self.assertIn("error", answer, "the cart route refuses")
            self.assertIn(message, answer["error"]["data"]["message"])
            self.assertNotIn("Traceback", answer["error"]["data"]["message"])
            self.assertEqual(self._written(), before, "the cart route wrote nothing")

    # ------------------------------------------------------------------ refusals
    def test_invitation_is_refused(self):
        self._assert_refused_everywhere(
            self.invitation, 1, '"Invitation" is an invitation: invitations are given by the venue')

    def test_category_before_its_sale_window_is_refused(self):
        self.full_price.start_sale_datetime = fields.Datetime.now() + timedelta(days=2)
        self._assert_refused_everywhere(self.full_price, 1, '"Plein tarif" for "Jazz à la Sirène" is not on sale yet')

    def test_category_after_its_sale_window_is_refused(self):
        self.full_price.end_sale_datetime = fields.Datetime.now() - timedelta(hours=1)
        self._assert_refused_everywhere(self.full_price, 1, '"Plein tarif" for "Jazz à la Sirène" is no longer on sale')

    def test_unpublished_event_is_refused(self):
        self.concert.website_published = False
        # Its ticket product is also sold for another, published concert (as the stock event product is).
        self.env["event.event"].create({
            "name": "Another concert", "website_published": True, "date_begin": self.concert.date_begin,
            "date_end": self.concert.date_end, "event_ticket_ids": [Command.create({
                "name": "Plein tarif", "product_id": self.web_ticket_product.id, "price": 25.0})]})
        self._assert_refused_everywhere(self.full_price, 1, '"Jazz à la Sirène" is not on sale online.',
                                        event_hidden=True)

    def test_closed_event_is_refused(self):
        self.concert.stage_id = self.env["event.stage"].create({"name": "Closed", "pipe_end": True})
        self._assert_refused_everywhere(self.full_price, 1, 'Registrations for "Jazz à la Sirène" are closed.')

    def test_event_over_is_refused(self):
        now = fields.Datetime.now()
        self.concert.write({"doors_open": False, "date_begin": now - timedelta(hours=4),
                            "date_end": now - timedelta(hours=1)})
        self._assert_refused_everywhere(self.full_price, 1, '"Jazz à la Sirène" is over')

    def test_more_than_the_per_order_maximum_is_refused(self):
        self.assertEqual(self.concert.soticket_max_per_order, 10, "10 per order by default")
        self.concert.soticket_max_per_order = 3
        self._assert_refused_everywhere(
            self.full_price, 4, 'At most 3 tickets per order for "Jazz à la Sirène": you asked for 4.')

    @mute_logger("odoo.http")
    def test_per_order_maximum_counts_the_whole_cart(self):
        self.concert.soticket_max_per_order = 3
        self.assertIn("result", self._cart_add(self.full_price, 2))
        order = self.env["sale.order"].search([("order_line.event_ticket_id", "=", self.full_price.id)])
        answer = self._cart_add(self.full_price, 2)
        self.assertIn("At most 3 tickets per order", answer["error"]["data"]["message"])
        self.assertEqual(order.order_line.product_uom_qty, 2, "the cart is unchanged")
        # The registration form adds to the same cart: refused as well.
        response = self._post_attendees(self.full_price, 2)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(order.order_line.product_uom_qty, 2)
        self.assertIn("result", self._cart_add(self.full_price, 1), "up to the maximum is fine")
        self.assertEqual(order.order_line.product_uom_qty, 3)

    @mute_logger("odoo.http")
    def test_cart_built_before_the_window_closed_cannot_be_paid_nor_confirmed(self):
        order = self._order_tickets_on_website(self.full_price, 2)
        self._open(self._submit_address())
        self.full_price.end_sale_datetime = fields.Datetime.now() - timedelta(minutes=1)
        answer = self._start_payment(order)
        self.assertIn("error", answer, "no payment starts")
        self.assertIn('"Plein tarif" for "Jazz à la Sirène" is no longer on sale', answer["error"]["data"]["message"])
        self.assertFalse(order.transaction_ids)
        self.assertIn("is no longer on sale", self._open("/shop/payment").text)
        # Confirmed by the payment's post-processing (superuser), it is refused all the same.
        with self.assertRaisesRegex(ValidationError, "is no longer on sale"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(set(order.order_line.registration_ids.mapped("ticket_state")), {"pending"})

    def test_staff_are_not_affected(self):
        manager = new_test_user(self.env, "soticket_rule_manager", groups="sales_team.group_sale_manager,"
                                "event.group_event_manager")
        # Outside the sale window, an invitation, more than the web maximum: the back office may.
        self.full_price.end_sale_datetime = fields.Datetime.now() - timedelta(hours=1)
        self.concert.soticket_max_per_order = 3
        order = self._sale_order(self.invitation, 2)
        order.write({"order_line": [Command.create({
            "product_id": self.full_price.product_id.id, "event_id": self.concert.id,
            "event_ticket_id": self.full_price.id, "product_uom_qty": 8, "price_unit": 25.0})]})
        order.with_user(manager).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(set(order.order_line.registration_ids.mapped("sale_channel")), {"backoffice"})

    def test_portal_user_cannot_write_tickets_or_orders_over_rpc(self):
        portal = new_test_user(self.env, "soticket_rule_portal", groups="base.group_portal")
        self.authenticate("soticket_rule_portal", "soticket_rule_portal")
        before = self._written()
        for model, vals in (
            ("event.registration", {"event_id": self.concert.id, "event_ticket_id": self.invitation.id,
                                    "name": "Forged", "state": "open"}),
            ("sale.order", {"partner_id": portal.partner_id.id, "website_id": self.website.id}),
        ):
            with mute_logger("odoo.http"):
                answer = self._json("/web/dataset/call_kw", {"model": model, "method": "create", "args": [vals],
                                                             "kwargs": {}})
            self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", answer)
        with self.assertRaises(AccessError):
            self.env["event.registration"].with_user(portal).create({
                "event_id": self.concert.id, "event_ticket_id": self.full_price.id, "name": "Forged"})
        self.assertEqual(self._written(), before)
        # Logged in, the buyer's cart goes through the same rule as a visitor's.
        answer = self._cart_add(self.invitation, 1)
        self.assertIn("invitations are given by the venue", answer["error"]["data"]["message"])
        self.assertEqual(self._written(), before)

    # ------------------------------------------------------------------ free web tickets
    def test_free_web_ticket_is_a_web_sale(self):
        self.full_price.write({"price": 0.0, "product_id": self.ticket_product.id})
        self.invitation.unlink()
        response = self._post_attendees(self.full_price, 1)
        self.assertEqual(response.status_code, 200)
        self.assertIn("/registration/success", response.url)
        ticket = self.env["event.registration"].search([("event_id", "=", self.concert.id)])
        self.assertEqual(len(ticket), 1)
        self.assertFalse(ticket.sale_order_id, "the free shortcut: no order")
        self.assertEqual(ticket.ticket_state, "valid")
        self.assertEqual(ticket.sale_channel, "web")

    # ------------------------------------------------------------------ the buyer's face
    def test_event_page_lists_categories_with_price_and_seats_left(self):
        vat_excluded = self.env["account.tax"].create({
            "name": "VAT 5.5% excl.", "amount": 5.5, "amount_type": "percent", "type_tax_use": "sale",
            "tax_group_id": self.vat_5_5.tax_group_id.id})
        reduced_product = self.env["product.product"].create({
            "name": "Reduced ticket", "type": "service", "service_tracking": "event", "list_price": 10.0,
            "taxes_id": [Command.set(vat_excluded.ids)]})
        reduced = self.env["event.event.ticket"].create({
            "name": "Réduit", "event_id": self.concert.id, "product_id": reduced_product.id, "price": 10.0,
            "category_kind": "reduced", "seats_max": 4})
        self._fill_event_by_box_office(3)
        self.concert.invalidate_recordset()

        page = html.fromstring(self._open(f"/event/{self.concert.id}/register").text)
        rows = page.xpath("//*[hasclass('o_soticket_categories')]//*[hasclass('o_soticket_category')]")
        shown = {
            row.xpath("string(.//*[hasclass('o_soticket_category_name')])").strip(): (
                float(row.xpath("string(.//*[hasclass('o_soticket_category_price')]//"
                                "span[hasclass('oe_currency_value')])").replace(",", "")),
                row.xpath("string(.//*[hasclass('o_soticket_category_seats')])").split())
            for row in rows
        }
        self.assertEqual(set(shown), {"Plein tarif", "Réduit"}, "invitations are not offered to buyers")
        self.assertEqual(shown["Plein tarif"][0], 25.0, "the price paid, VAT included")
        self.assertEqual(shown["Réduit"][0], 10.55, "the price paid, VAT included")
        self.assertIn("7", shown["Plein tarif"][1], "10 seats, 3 sold at the box office")
        self.assertIn("4", shown["Réduit"][1])
        self.assertEqual(reduced.seats_available, 4)

    def test_demo_hides_odoo_sample_events_only(self):
        sample = self.env["event.event"].create({
            "name": "Conference", "website_published": True, "date_begin": self.concert.date_begin,
            "date_end": self.concert.date_end})
        self.env["ir.model.data"].create({"module": "event", "name": "soticket_test_sample_event",
                                          "model": "event.event", "res_id": sample.id})
        self.env["ir.model.data"].create({"module": "soticket_base", "name": "soticket_test_own_event",
                                          "model": "event.event", "res_id": self.concert.id})
        self.env["event.event"]._soticket_archive_sample_events()
        self.assertFalse(sample.active)
        self.assertFalse(sample.website_published)
        self.assertTrue(self.concert.active)
        self.assertTrue(self.concert.website_published)
