# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import Command
from odoo import fields
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.addons.soticket_base.tools import ticket_code
from odoo.tests import tagged

from .common import tonight_dates


@tagged("post_install", "-at_install")
class TestBoxOfficeTour(TestPointOfSaleHttpCommon):
    """The box office in Chromium: open the register, sell two tickets from tonight's tiles,
    the receipt prints both with their QR codes, refund one: its code is revoked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls.env["product.product"].create({
            "name": "Door ticket", "type": "service", "service_tracking": "event", "available_in_pos": True,
            "list_price": 20.0, "taxes_id": False,
        })
        now = fields.Datetime.now()
        cls.concert = cls.env["event.event"].create({
            "name": "Tonight at the Sirène",
            "user_id": cls.pos_admin.id,
            "date_begin": tonight_dates(cls.env, now)[0],
            "date_end": tonight_dates(cls.env, now)[1],
            "date_tz": "Europe/Paris",
            "seats_limited": True,
            "seats_max": 8,
            "event_ticket_ids": [
                Command.create({"name": "Door full price", "product_id": product.id, "price": 20.0}),
                Command.create({"name": "Door invitation", "product_id": product.id, "price": 0.0,
                                "category_kind": "invitation"}),
            ],
        })
        cls.env["soticket.guest.list"].create({
            "event_id": cls.concert.id, "name": "Lou Martin", "reason": "press", "plus_ones": 1})

    def test_sell_print_refund(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("SoticketBoxOfficeTour", login="pos_user")

        tickets = self.env["event.registration"].with_context(active_test=False).search(
            [("event_id", "=", self.concert.id)])
        invitation = tickets.filtered("guest_list_id")
        self.assertEqual((invitation.invitation_reason, invitation.name, invitation.price_paid),
                         ("press", "Lou Martin", 0.0))
        self.assertEqual(invitation.guest_list_id.checked_in_count, 1)
        tickets -= invitation
        self.assertEqual(len(tickets), 2)
        self.assertEqual(set(tickets.mapped("sale_channel")), {"box_office"})
        self.assertEqual(sorted(tickets.mapped("ticket_state")), ["refunded", "valid"])
        self.assertTrue(all(tickets.mapped("ticket_number")), "both were numbered to be printed")
        refunded = tickets.filtered(lambda r: r.ticket_state == "refunded")
        kept = tickets - refunded
        revocation = self.env["soticket.code.revocation"].search([("registration_id", "=", refunded.id)])
        self.assertEqual((revocation.reason, revocation.code), ("refunded", refunded.ticket_code))
        public = self.env["soticket.signing.key"].public_key()
        self.assertEqual(ticket_code.verify(kept.ticket_code, public).status, "valid")

        if "soticket.admission" in self.env:
            # The door scanner refuses the refunded code and admits the other one.
            gate = self.env["soticket.scanner.gate"].create({"name": "Main door", "event_id": self.concert.id})
            admission = self.env["soticket.admission"]
            self.concert.date_begin = fields.Datetime.now() - timedelta(minutes=5)
            refused = admission.admit(refunded.ticket_code, gate, "in", "tour-refunded")
            # The code is on the revocation list; the scanner names the refusal after the refund.
            self.assertEqual((refused["result"], refused["reason"]), ("revoked", "refunded"), refused)
            admitted = admission.admit(kept.ticket_code, gate, "in", "tour-kept")
            self.assertEqual(admitted["result"], "admitted")

    def test_offline_sale_within_allotment(self):
        full = self.concert.event_ticket_ids.filtered(lambda t: t.name == "Door full price")
        self.env["soticket.pos.allotment"].create({
            "config_id": self.main_pos_config.id, "event_id": self.concert.id, "event_ticket_id": full.id,
            "quantity": 1})
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("SoticketBoxOfficeOfflineTour", login="pos_user")

        session = self.main_pos_config.current_session_id
        allotment = session.soticket_allotment_ids
        self.assertEqual((allotment.quantity, allotment.state), (1, "open"))
        ticket = self.env["event.registration"].search([("event_id", "=", self.concert.id)])
        self.assertEqual(len(ticket), 1, "offline, the register refused the ticket beyond its allotment")
        self.assertEqual((ticket.ticket_state, ticket.pos_session_id), ("valid", session))
        self.assertEqual(allotment.remaining, 0)
