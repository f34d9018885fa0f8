# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_base.tests.common import ForgetBuyerMixin
from odoo.tests import tagged

from .common import BoxOfficeCase


@tagged("post_install", "-at_install")
class TestGdprBoxOffice(ForgetBuyerMixin, BoxOfficeCase):
    GDPR_TABLES = (*ForgetBuyerMixin.GDPR_TABLES, "soticket_guest_list", "pos_order")

    def test_forget_buyer_on_the_guest_list(self):
        manager = self._gdpr_manager()
        guests = self.env["soticket.guest.list"].create([
            {"event_id": self.concert.id, "name": "Camille  Martin", "reason": "press", "plus_ones": 1,
             "invited_by": "Label Sirène", "note": "Camille's photographer comes too"},
            {"event_id": self.concert.id, "name": "Dominique Autre", "reason": "artist", "note": "Backstage"},
        ])
        guest, other = guests
        session = self.open_session(self.config)
        order = self.sync(self.env, self.order_data(session, [self.ticket_line(
            self.invitation, 1, name="Camille Martin", email="camille@example.com", partner_id=self.buyer.id,
            guest_list_id=guest.id, invitation_reason="press")], partner_id=self.buyer.id))
        ticket = order.lines.event_registration_ids
        self.assertEqual(guest.checked_in_count, 1)
        needles = ("Camille", "camille@example.com")
        self.assertTrue(self._leftovers(*needles, tables=("soticket_guest_list",)), "the scenario stores her name")

        self._forget(self.buyer, manager)

        self.assertEqual(self._leftovers(*needles), {})
        self.assertEqual(guest.name, f"Anonymised guest {guest.id}")
        self.assertFalse(guest.note)
        self.assertEqual((guest.reason, guest.places, guest.checked_in_count, guest.invited_by),
                         ("press", 2, 1, "Label Sirène"), "the invitation record is kept")
        self.assertEqual((other.name, other.note), ("Dominique Autre", "Backstage"))
        self.assertEqual((ticket.ticket_state, ticket.guest_list_id), ("valid", guest))
        self.assertFalse(ticket.name)
        self.assertEqual(order.partner_id, self.buyer)
