# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import SoticketResaleCase


@tagged("post_install", "-at_install")
class TestResaleAccess(HttpCase, SoticketResaleCase):
    """Public methods check the caller first; money and status fields move only through methods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.full_price.seats_max = 2
        cls._sold_ticket(cls.buyer)  # sold out: the waiting list opens
        cls.Waitlist = cls.env["soticket.resale.waitlist"]
        cls.portal = new_test_user(cls.env, "resale-portal", groups="base.group_portal", password="resale-portal-pw",
                                   email="portal@example.com")
        cls.officer = new_test_user(cls.env, "resale-officer", groups="base.group_user,event.group_event_user")
        cls.manager = new_test_user(cls.env, "resale-manager", groups="base.group_user,event.group_event_manager")

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}})

    # ------------------------------------------------------------------ item 1: public methods
    @mute_logger("odoo.http")
    def test_portal_cannot_leave_someone_elses_waitlist_entry_over_rpc(self):
        other, _created = self.Waitlist._soticket_join(self.full_price, "someone@example.com", name="Someone",
                                                       confirmed=True)
        own, _created = self.Waitlist._soticket_join(self.full_price, "portal@example.com",
                                                     partner=self.portal.partner_id, confirmed=True)
        self.authenticate("resale-portal", "resale-portal-pw")
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("soticket.resale.waitlist", "action_leave", [other.ids])
        self.assertEqual(other.state, "waiting", "nothing changed")
        # Their own entry: allowed.
        self.assertTrue(self._call_kw("soticket.resale.waitlist", "action_leave", [own.ids]))
        own.invalidate_recordset()
        self.assertEqual(own.state, "cancelled")

    def test_leave_checks_the_caller(self):
        entry, _created = self.Waitlist._soticket_join(self.full_price, "someone@example.com", confirmed=True)
        with self.assertRaisesRegex(AccessError, "You can only take your own entries off a waiting list"):
            entry.with_user(self.portal).action_leave()
        self.assertEqual(entry.state, "waiting")
        entry.with_user(self.officer).action_leave()  # venue staff may
        self.assertEqual(entry.state, "cancelled")

    def test_anonymous_visitor_leaves_with_the_signed_link_only(self):
        entry, _created = self.Waitlist._soticket_join(self.full_price, "someone@example.com", name="Someone",
                                                       confirmed=True)
        other, _created = self.Waitlist._soticket_join(self.full_price, "other@example.com", name="Other",
                                                       confirmed=True)
        self.authenticate(None, None)
        url = entry._soticket_leave_url()
        # A GET (an e-mail link checker) only asks for confirmation.
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Leave the waiting list", page.text)
        self.assertEqual(entry.state, "waiting")
        # Forged, or another entry's token: refused, nothing changes.
        csrf = http.Request.csrf_token(self)
        for forged in (f"/soticket/resale/waitlist/{entry.id}/{'0' * 32}/leave",
                       f"/soticket/resale/waitlist/{other.id}/{entry._soticket_leave_token()}/leave"):
            response = self.url_open(forged, data={"csrf_token": csrf}, allow_redirects=False)
            self.assertEqual(response.status_code, 404, forged)
        self.assertEqual((entry.state, other.state), ("waiting", "waiting"))
        response = self.url_open(url, data={"csrf_token": csrf}, allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("You are no longer on the waiting list", response.text)
        entry.invalidate_recordset()
        self.assertEqual((entry.state, other.state), ("cancelled", "waiting"))

    def test_withdraw_checks_the_caller(self):
        listing = self._list()
        with self.assertRaises(AccessError):
            listing.with_user(self.portal).action_withdraw()
        self.assertEqual(listing.state, "listed")
        listing.with_user(self.officer).action_withdraw()
        self.assertEqual(listing.state, "withdrawn")

    # ------------------------------------------------------------------ item 8: money fields
    def test_officer_cannot_write_listing_money_or_state(self):
        listing = self._list()
        before = (listing.buyer_price, listing.seller_payout, listing.state)
        for vals in ({"buyer_price": 1.0}, {"seller_payout": 99.0}, {"state": "sold"}, {"price": 2.0}):
            for user in (self.officer, self.manager):
                with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket itself"):
                    listing.with_user(user).write(vals)
        listing.invalidate_recordset()
        self.assertEqual((listing.buyer_price, listing.seller_payout, listing.state), before)
        with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket itself"):
            self.Listing.with_user(self.manager).create({
                "registration_id": self.seller_ticket.id, "company_id": self.company.id,
                "currency_id": self.company.currency_id.id, "price": 25.0, "buyer_price": 1.0})

    def test_manager_cannot_write_refund_amount_or_state(self):
        listing = self._list()
        self._buy(listing)
        refund = listing.refund_ids
        self.assertTrue(refund)
        for vals in ({"amount": 1000.0}, {"state": "done"}, {"method": "provider"}):
            with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket itself"):
                refund.with_user(self.manager).write(vals)
        refund.invalidate_recordset()
        self.assertEqual((refund.amount, refund.state), (23.5, "to_pay"))
        # The buttons still work, after their own checks.
        refund.with_user(self.manager).action_mark_paid()
        self.assertEqual(refund.state, "done")

    @mute_logger("odoo.http")
    def test_money_fields_refused_over_rpc(self):
        listing = self._list()
        self.authenticate("resale-officer", "resale-officer")
        with self.assertRaisesRegex(JsonRpcException, "odoo.exceptions.AccessError"):
            self._call_kw("soticket.resale.listing", "write", [listing.ids, {"buyer_price": 0.01}])
        listing.invalidate_recordset()
        self.assertEqual(listing.buyer_price, 25.0)

    def test_waitlist_place_is_not_editable(self):
        entry, _created = self.Waitlist._soticket_join(self.full_price, "someone@example.com", confirmed=True)
        with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket itself"):
            entry.with_user(self.officer).write({"position": 0})
        with self.assertRaisesRegex(AccessError, "can only be changed by SoTicket itself"):
            entry.with_user(self.officer).write({"state": "offered"})
