# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase


class SoticketCase(TransactionCase):
    """A venue with one concert: 10 seats, a 25 € full-price category and free invitations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.ticket_product = cls.env.ref("event_product.product_product_event")
        cls.buyer = cls.env["res.partner"].create({"name": "Camille Martin", "email": "camille@example.com"})
        now = fields.Datetime.now()
        cls.concert = cls.env["event.event"].create({
            "name": "Jazz à la Sirène",
            "date_begin": now + timedelta(days=10),
            "date_end": now + timedelta(days=10, hours=3),
            "doors_open": now + timedelta(days=10, hours=-1),
            "date_tz": "Europe/Paris",
            "seats_limited": True,
            "seats_max": 10,
            "event_ticket_ids": [
                (0, 0, {"name": "Plein tarif", "product_id": cls.ticket_product.id, "price": 25.0}),
                (0, 0, {"name": "Invitation", "product_id": cls.ticket_product.id, "price": 0.0,
                        "category_kind": "invitation", "seats_max": 5}),
            ],
        })
        cls.full_price, cls.invitation = cls.concert.event_ticket_ids.sorted("price").sorted(
            lambda t: t.category_kind != "full")

    @classmethod
    def _sale_order(cls, ticket, qty, partner=None):
        return cls.env["sale.order"].create({
            "partner_id": (partner or cls.buyer).id,
            "order_line": [(0, 0, {
                "product_id": ticket.product_id.id, "event_id": ticket.event_id.id,
                "event_ticket_id": ticket.id, "product_uom_qty": qty, "price_unit": ticket.price,
            })],
        })
