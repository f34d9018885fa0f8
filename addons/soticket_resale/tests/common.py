# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_base.tests.common import SoticketCase


class SoticketResaleCase(SoticketCase):
    """SoticketCase's concert (25.00 full price, 10 seats, in 10 days) with a seller's paid
    ticket, a buyer, and a venue fee of 0.50 + 4 % (1.50 on 25.00) paid by the seller."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({
            "soticket_resale_fee_fixed": 0.5, "soticket_resale_fee_percent": 4.0, "soticket_resale_fee_cap": 0.0,
            "soticket_resale_fee_payer": "seller", "soticket_resale_hold_minutes": 15,
        })
        cls.seller = cls.env["res.partner"].create({"name": "Sacha Vendeur", "email": "sacha@example.com"})
        cls.resale_buyer = cls.env["res.partner"].create({"name": "Alex Acheteur", "email": "alex@example.com"})
        cls.seller_order = cls._sale_order(cls.full_price, 1, partner=cls.seller)
        cls.seller_order.action_confirm()
        cls.seller_ticket = cls.seller_order.order_line.registration_ids
        cls.Listing = cls.env["soticket.resale.listing"]

    @classmethod
    def _sold_ticket(cls, partner, category=None):
        order = cls._sale_order(category or cls.full_price, 1, partner=partner)
        order.action_confirm()
        return order.order_line.registration_ids

    def _list(self, ticket=None, **kwargs):
        return self.Listing._soticket_list(ticket or self.seller_ticket, **kwargs)

    def _buyer_cart(self, partner=None):
        return self.env["sale.order"].create({"partner_id": (partner or self.resale_buyer).id})

    def _buy(self, listing, partner=None, waitlist=None):
        """A buyer's cart with ``listing``, confirmed as a paid web order would be."""
        order = self._buyer_cart(partner)
        order._soticket_resale_add(listing, waitlist=waitlist)
        order.action_confirm()
        return order

    def _revocations(self, ticket):
        return self.env["soticket.code.revocation"].search([("registration_id", "=", ticket.id)])
