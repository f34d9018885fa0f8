# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""A register's allotment set aside at opening, and a web rush with cart holds for the rest."""
from odoo.addons.soticket_base.tests.test_cart_holds import CartRushMixin
from odoo.tests import TransactionCase
from odoo.tests import tagged

from .common import BoxOfficeMixin
from .test_concurrency import TestDoorAndWebRush


@tagged("post_install", "-at_install")
class TestAllotmentAndWebCarts(CartRushMixin, BoxOfficeMixin, TransactionCase):
    """The web sells only what the allotment leaves: no web buyer pays for a seat of the
    allotment, no paid order is left without its tickets or a refund."""

    # The concert, its register and the allotment set aside when the session opens.
    _setup_rush = TestDoorAndWebRush._setup_rush
    _cleanup_rush = TestDoorAndWebRush._cleanup_rush

    def test_allotment_and_web_carts(self):
        ids = self._setup_rush(seats_max=40, already_sold=0, web_buyers=0, allotment=10)
        carts = self._create_carts(ids["event"], ids["ticket"], 30, seed=5)
        held, paid = self._cart_rush(carts["orders"])
        held_seats = self._assert_cart_rush(carts, held, paid, 30)
        self.assertGreaterEqual(held_seats, 28, "the web sells the seats the allotment leaves")
        with self._committed_env() as env:
            sold = env["event.registration"].search_count(
                [("event_id", "=", ids["event"]), ("state", "in", ("open", "done"))])
            self.assertEqual(sold, held_seats)
            event = env["event.event"].browse(ids["event"])
            self.assertLessEqual(sold + 10, event.seats_max, "the allotment's seats stay the register's")
