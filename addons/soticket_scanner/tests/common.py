# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import uuid
from datetime import timedelta

from odoo import fields
from odoo.addons.soticket_base.tests.common import SoticketCase

# What a scanner programmed for a US layout types on a French AZERTY keyboard (caps lock on).
AZERTY = str.maketrans("1234567890AZ", "&é\"'(-è_çàQW")


class SoticketScannerCase(SoticketCase):
    """SoticketCase's concert (in 10 days) plus a concert happening tonight, with doors
    open: a main entrance, an exit, a side door both ways, a guest-list entrance for
    invitations, and two paired door boxes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        cls.tonight = cls.env["event.event"].create({
            "name": "Concert ce soir",
            "date_begin": now - timedelta(minutes=30),
            "date_end": now + timedelta(hours=3),
            "doors_open": now - timedelta(hours=1),
            "date_tz": "Europe/Paris",
            "event_ticket_ids": [
                (0, 0, {"name": "Plein tarif", "product_id": cls.ticket_product.id, "price": 20.0}),
                (0, 0, {"name": "Invitation", "product_id": cls.ticket_product.id, "price": 0.0,
                        "category_kind": "invitation"}),
            ],
        })
        cls.tonight_full = cls.tonight.event_ticket_ids.filtered(lambda t: t.category_kind != "invitation")
        cls.tonight_invitation = cls.tonight.event_ticket_ids - cls.tonight_full
        gate = cls.env["soticket.scanner.gate"]
        cls.main_gate = gate.create({"name": "Main door", "event_id": cls.tonight.id, "direction": "in"})
        cls.exit_gate = gate.create({"name": "Exit", "event_id": cls.tonight.id, "direction": "out"})
        cls.side_gate = gate.create({"name": "Side door", "event_id": cls.tonight.id, "direction": "both"})
        cls.guest_gate = gate.create({"name": "Guest list", "event_id": cls.tonight.id, "direction": "in",
                                      "category_ids": [(6, 0, cls.tonight_invitation.ids)]})
        cls.concert_gate = gate.create({"name": "Sirène door", "event_id": cls.concert.id, "direction": "both"})
        cls.box_a, cls.token_a = cls._paired_device("Box A")
        cls.box_b, cls.token_b = cls._paired_device("Box B")

    @classmethod
    def _paired_device(cls, name, **vals):
        device = cls.env["soticket.scanner.device"].create({"name": name, **vals})
        code = device._issue_pairing_code()
        return cls.env["soticket.scanner.device"]._pair(code, f"{name} (Raspberry Pi)", "127.0.0.1")

    @classmethod
    def _ticket(cls, category=None, name="Camille Martin", state="open", **vals):
        category = category or cls.tonight_full
        return cls.env["event.registration"].create({
            "event_id": category.event_id.id, "event_ticket_id": category.id, "name": name,
            "email": "camille@example.com", "partner_id": cls.buyer.id, "state": state, **vals,
        })

    @classmethod
    def _event(cls, name, begin, end, **vals):
        event = cls.env["event.event"].create({
            "name": name, "date_begin": begin, "date_end": end, "date_tz": "Europe/Paris",
            "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": cls.ticket_product.id, "price": 15.0})],
            **vals,
        })
        gate = cls.env["soticket.scanner.gate"].create({"name": "Door", "event_id": event.id, "direction": "both"})
        return event, gate

    def _admit(self, code_or_ticket, gate=None, direction="in", nonce=None, device=None, **kwargs):
        code = code_or_ticket if isinstance(code_or_ticket, str) else code_or_ticket.ticket_code
        return self.env["soticket.admission"].admit(
            code, gate or self.main_gate, direction, nonce or uuid.uuid4().hex, device=device or self.box_a,
            **kwargs)

    def _logs(self, ticket):
        return self.env["soticket.scan.log"].search([("registration_id", "=", ticket.id)])
