# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_base.tools import ticket_code
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_website import SoticketWebsiteCase


@tagged("post_install", "-at_install")
class TestCredentials(SoticketWebsiteCase):
    """Every admission credential (signed code, stock barcode, e-ticket link) belongs to one
    code version and dies with it; a ticket gets them only once confirmed; only event staff
    read them, the buyer gets them through the e-ticket."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, login="camille_portal", groups="base.group_portal",
                                        name="Camille Portal", email="camille.portal@example.com")

    def _confirmed_ticket(self):
        order = self._sale_order(self.full_price, 1, partner=self.portal_user.partner_id)
        order.action_confirm()
        return order.order_line.registration_ids

    def _draft_ticket(self):
        return self.env["event.registration"].create({
            "event_id": self.concert.id, "event_ticket_id": self.full_price.id, "state": "draft",
            "partner_id": self.portal_user.partner_id.id, "name": "Camille Portal",
        })

    def _assert_link_refused(self, url):
        response = self._open(url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))
        self.assertIn("This e-ticket link is not valid", response.text)
        self.assertIn("reissued", response.text)

    # ------------------------------------------------------------------ one version, one set of credentials
    def test_reissue_renews_barcode_and_link(self):
        ticket = self._confirmed_ticket()
        old_code, old_barcode, old_url = ticket.ticket_code, ticket.barcode, ticket._get_eticket_url()
        ticket.action_reissue_code()
        self.assertNotEqual(ticket.barcode, old_barcode, "the stock barcode dies with the code version")
        self.assertTrue(ticket.barcode)
        revocation = ticket.revocation_ids
        self.assertEqual((revocation.code, revocation.barcode, revocation.code_version, revocation.reason),
                         (old_code, old_barcode, 1, "reissued"))
        self._assert_link_refused(old_url)
        response = self._open(ticket._get_eticket_url())
        self.assertEqual(response.headers["Content-Type"], "application/pdf", "the new link works")

    def test_category_move_is_a_new_version(self):
        ticket = self._confirmed_ticket()
        old_code, old_barcode, old_url = ticket.ticket_code, ticket.barcode, ticket._get_eticket_url()
        ticket.event_ticket_id = self.invitation
        self.assertEqual(ticket.ticket_code_version, 2)
        self.assertNotEqual(ticket.barcode, old_barcode)
        payload = ticket_code.decode_unverified(ticket.ticket_code)
        self.assertEqual((payload.category_id, payload.version), (self.invitation.id, 2))
        revocation = ticket.revocation_ids
        self.assertEqual((revocation.code, revocation.barcode, revocation.code_version, revocation.reason),
                         (old_code, old_barcode, 1, "category_changed"))
        self._assert_link_refused(old_url)

    @mute_logger("odoo.http")
    def test_wrong_link_says_so_without_telling_which(self):
        ticket = self._confirmed_ticket()
        self._assert_link_refused(f"/soticket/eticket/{ticket.id}/{'0' * 32}")
        self._assert_link_refused(f"/soticket/eticket/{ticket.id + 1000}/{'0' * 32}")

    # ------------------------------------------------------------------ codes for confirmed tickets only
    def test_code_is_issued_at_confirmation_only(self):
        draft = self._draft_ticket()
        self.assertFalse(draft.ticket_code, "an unpaid ticket has no code")
        cart = self._sale_order(self.full_price, 1, partner=self.portal_user.partner_id)
        cart.order_line._init_registrations()  # the registrations of an unpaid order (website cart)
        cart_tickets = cart.order_line.registration_ids
        self.assertTrue(cart_tickets)
        self.assertEqual(set(cart_tickets.mapped("state")), {"draft"})
        self.assertEqual(cart_tickets.mapped("ticket_code"), [False])
        cart.action_cancel()
        self.assertEqual(set(cart_tickets.mapped("state")), {"cancel"})
        self.assertEqual(cart_tickets.mapped("ticket_code"), [False], "a cancelled cart never had a code")

        draft.action_confirm()
        result = ticket_code.verify(draft.ticket_code, self.env["soticket.signing.key"].public_key())
        self.assertEqual((result.status, result.payload.ticket_id), ("valid", draft.id))
        code = draft.ticket_code
        draft.action_cancel()
        self.assertEqual(draft.ticket_code, code, "a code once issued stays (the door refuses it by its state)")

    def test_portal_buyer_cannot_read_codes_over_rpc(self):
        draft, confirmed = self._draft_ticket(), self._confirmed_ticket()
        self.authenticate("camille_portal", "camille_portal")

        def call(method, args, kwargs=None):
            return self._json("/web/dataset/call_kw", {
                "model": "event.registration", "method": method, "args": args, "kwargs": kwargs or {}})

        ok = call("read", [(draft | confirmed).ids, ["name", "ticket_state"]])
        self.assertEqual({row["id"] for row in ok["result"]}, set((draft | confirmed).ids),
                         "the buyer reads their own tickets")
        with mute_logger("odoo.http"):
            for field in ("ticket_code", "barcode"):
                for ticket in (draft, confirmed):
                    answer = call("read", [ticket.ids, [field]])
                    self.assertNotIn("result", answer, field)
                    self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", field)
                answer = call("search_read", [[(field, "!=", False)]], {"fields": ["name"]})
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", field)
            answer = call("search_read", [[("id", "=", confirmed.id)]], {"fields": []})
            self.assertNotIn("ticket_code", answer.get("result", [{}])[0])
            self.assertNotIn("barcode", answer.get("result", [{}])[0])
        # The e-ticket still carries the code to the buyer.
        self.assertEqual(self._open(f"/my/tickets/{confirmed.id}/pdf").headers["Content-Type"], "application/pdf")
        self.assertEqual(self._open(confirmed._get_eticket_url()).headers["Content-Type"], "application/pdf")

    def test_update_clears_codes_given_to_unpaid_tickets_before(self):
        draft, confirmed = self._draft_ticket(), self._confirmed_ticket()
        confirmed._ensure_ticket_number()
        self.env.flush_all()
        # what a database from before this rule holds: a signed code on an unpaid ticket
        self.env.cr.execute("UPDATE event_registration SET ticket_code = %s WHERE id = %s",
                            [confirmed.ticket_code.replace("S", "T", 1), draft.id])
        self.env["event.registration"].init()  # run on each update of the module
        self.env.invalidate_all()
        self.assertFalse(draft.ticket_code)
        self.assertTrue(confirmed.ticket_code, "a sold ticket keeps its code")

    @mute_logger("odoo.http")
    def test_stock_ticket_link_dies_with_the_code_version(self):
        ticket = self._confirmed_ticket()
        event = ticket.event_id

        def stock_link():
            return (f"/event/{event.id}/my_tickets?registration_ids=[{ticket.id}]"
                    f"&tickets_hash={event._get_tickets_access_hash(ticket.ids)}&responsive_html=1")

        old_link = stock_link()
        self.assertEqual(self._open(old_link).status_code, 200)
        ticket.action_reissue_code()
        self.assertEqual(self._open(old_link).status_code, 404, "Odoo's ticket page showed the new barcode")
        response = self._open(stock_link())
        self.assertEqual(response.status_code, 200)
        self.assertIn(ticket.barcode, response.text)
