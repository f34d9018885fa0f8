# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import time

from odoo.tests import tagged

from .test_website import SoticketWebsiteCase


@tagged("post_install", "-at_install")
class TestBuyTicketsTour(SoticketWebsiteCase):

    def test_visitor_buys_two_tickets_and_gets_their_etickets(self):
        started = time.monotonic()
        self.start_tour("/event", "soticket_buy_tickets", timeout=180)
        self.env.invalidate_all()
        order = self.env["sale.order"].search([("order_line.event_ticket_id", "=", self.full_price.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_total, 50.0, "2 x 25.00 shown, 50.00 paid")
        self.assertEqual(order.amount_paid, 50.0)
        tickets = order.order_line.registration_ids
        self.assertEqual(tickets.mapped("ticket_state"), ["valid", "valid"])
        self.assertTrue(all(tickets.mapped("ticket_code")))
        self.assertEqual(sorted(tickets.mapped("name")), ["Camille Martin", "Louis Martin"])
        buyer = order.partner_id
        self.assertEqual(buyer.email, "camille@example.com")
        self.assertTrue(buyer.soticket_news_consent, "the visitor ticked the news box")
        self.assertEqual(buyer.soticket_news_consent_source, "website_checkout")
        self._logger.info("soticket_buy_tickets tour took %.1fs", time.monotonic() - started)
