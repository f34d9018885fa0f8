# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from datetime import date
from datetime import datetime
from datetime import timedelta

from odoo import Command
from odoo import fields
from odoo.addons.soticket_box_office.tests.common import BoxOfficeCase

Q3 = (date(2026, 7, 1), date(2026, 9, 30))


class QuarterCase(BoxOfficeCase):
    """A quarter of shows (July to September 2026) at a venue charging 5.5 % VAT, prices tax included:

    - « Jazz à la Sirène » on 20 August: 2 full-price web tickets, 1 full + 1 reduced + 1 press invitation
      at the box office; one web ticket refunded on 25 August, after the receipt record was issued;
    - « Rock au port » on 10 September: a full-price back-office ticket resold through the venue
      (the seller's ticket taken back, a new resale ticket);
    - « Scène ouverte » on 15 July: free, two invitations only (the CNM tax takes the sale contract).

    Sales are made while the shows are ahead, then dated in the quarter (as the statement tests do)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Europe/Paris"
        cls.company = cls.env.company
        cls.company.write({
            "soticket_resale_fee_fixed": 0.5, "soticket_resale_fee_percent": 4.0, "soticket_resale_fee_cap": 0.0,
            "soticket_resale_fee_payer": "seller", "soticket_fr_siret": "12345678900012",
            "soticket_fr_venue_type": "SALLE_SPECTACLE", "soticket_fr_licence": "L-R-21-000123",
        })
        cls.company.partner_id.write({"street": "1 quai de la Sirène", "zip": "17000", "city": "La Rochelle"})
        cls.website = cls.env["website"].create({"name": "La Sirène", "company_id": cls.company.id})
        cls.jazz = cls.concert
        cls.jazz.write({"soticket_fr_sibil_domain": "Jazz", "seats_max": 50})
        cls.rock = cls._show("Rock au port", [("Plein tarif", 30.0, "full")])
        cls.rock.soticket_fr_sibil_domain = "Musiques actuelles"
        cls.open_stage = cls._show("Scène ouverte", [("Invitation", 0.0, "invitation")])

        # Jazz: web, box office (with an invitation), sold in August.
        cls.web_order, cls.web_tickets = cls._sell(cls.full, 2, "2026-08-01 10:00:00", website=True)
        session = cls.open_session(cls.config)
        cls.pos_order = cls.sync(cls.env, cls.order_data(session, [
            cls.ticket_line(cls.full, 1), cls.ticket_line(cls.reduced, 1),
            cls.ticket_line(cls.invitation, 1, invitation_reason="press", name="Presse"),
        ]))
        cls.box_tickets = cls.pos_order.lines.event_registration_ids
        cls._number(cls.box_tickets, "2026-08-20 18:30:00")
        # Rock: a back-office sale, resold through the venue.
        cls.rock_full = cls.rock.event_ticket_ids
        cls.seller = cls.env["res.partner"].create({"name": "Sacha Vendeur", "email": "sacha@example.com"})
        cls.seller_order, cls.seller_ticket = cls._sell(cls.rock_full, 1, "2026-08-05 09:00:00", partner=cls.seller)
        listing = cls.env["soticket.resale.listing"]._soticket_list(cls.seller_ticket)
        cls.resale_buyer = cls.env["res.partner"].create({"name": "Alex Acheteur", "email": "alex@example.com"})
        resale_order = cls.env["sale.order"].create({"partner_id": cls.resale_buyer.id})
        resale_order._soticket_resale_add(listing)
        resale_order.action_confirm()
        cls.resale_ticket = listing.new_registration_id
        cls._number(cls.resale_ticket, "2026-09-01 12:00:00")
        cls.seller_ticket.sudo().with_context(active_test=False).refunded_at = "2026-09-01 12:00:00"
        # Open stage: two invitations from the back office.
        cls.invite_order, cls.invite_tickets = cls._sell(cls.open_stage.event_ticket_ids, 2, "2026-07-01 10:00:00")
        # The shows happen.
        cls._move(cls.jazz, datetime(2026, 8, 20, 19, 0))
        cls._move(cls.rock, datetime(2026, 9, 10, 19, 0))
        cls._move(cls.open_stage, datetime(2026, 7, 15, 19, 0))
        cls.shows = cls.jazz | cls.rock | cls.open_stage

    @classmethod
    def _show(cls, name, categories):
        now = fields.Datetime.now()
        return cls.env["event.event"].create({
            "name": name, "company_id": cls.env.company.id, "date_tz": "Europe/Paris",
            "date_begin": now + timedelta(days=5), "date_end": now + timedelta(days=5, hours=3),
            "seats_limited": True, "seats_max": 40,
            "event_ticket_ids": [Command.create({
                "name": label, "product_id": cls.product.id, "price": price, "category_kind": kind,
            }) for label, price, kind in categories],
        })

    @classmethod
    def _number(cls, tickets, sold_at):
        tickets._ensure_ticket_number()
        # The sale date is set by the sale flows only (server-managed field): back-dated here as those
        # flows would have set it then.
        tickets.sudo().with_context(active_test=False).write({"sold_at": sold_at})

    @classmethod
    def _sell(cls, ticket, qty, sold_at, website=False, partner=None):
        order = cls.env["sale.order"].create({
            "partner_id": (partner or cls.buyer).id,
            "website_id": website and cls.website.id,
            "order_line": [Command.create({
                "product_id": ticket.product_id.id, "event_id": ticket.event_id.id, "event_ticket_id": ticket.id,
                "product_uom_qty": qty, "price_unit": ticket.price,
            })],
        })
        order.action_confirm()
        tickets = order.order_line.registration_ids
        cls._number(tickets, sold_at)
        return order, tickets

    @classmethod
    def _move(cls, event, begin):
        event.write({"date_begin": begin, "date_end": begin + timedelta(hours=3), "doors_open": False})

    def _refund_after_show(self):
        ticket = self.web_tickets[0]
        ticket._mark_refunded()
        ticket.sudo().refunded_at = "2026-08-25 10:00:00"
        return ticket
