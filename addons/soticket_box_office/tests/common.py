# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import uuid
from datetime import timedelta

from odoo import Command
from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def tonight_dates(env, now, starts_in=timedelta(hours=2), duration=timedelta(hours=3)):
    """Dates of a concert the box office sells tonight whatever the hour the tests run: it starts in
    ``starts_in``, or, in the small hours when the night ends sooner (6:00 in Paris), it began half an
    hour ago (under way)."""
    begin = now + starts_in
    if begin >= env["event.event"]._soticket_night_end(now, "Europe/Paris"):
        begin = now - timedelta(minutes=30)
    return begin, begin + duration


def box_office_fixtures(env, *, seats_max=10, name="Jazz à la Sirène", starts_in=timedelta(hours=2)):
    """A concert tonight (25 € full price, 15 € reduced, free invitations) sold by a register.

    The ticket price includes 5.5 % VAT (French reduced rate for concerts). Returns a dict."""
    company = env.company
    vat = env["account.tax"].create({
        "name": "TVA 5,5 % (billetterie)", "amount": 5.5, "amount_type": "percent", "type_tax_use": "sale",
        "price_include_override": "tax_included", "company_id": company.id,
    })
    product = env["product.product"].create({
        "name": "Concert ticket", "type": "service", "service_tracking": "event", "available_in_pos": True,
        "list_price": 25.0, "taxes_id": [Command.set(vat.ids)], "company_id": company.id,
    })
    date_begin, date_end = tonight_dates(env, fields.Datetime.now(), starts_in)
    concert = env["event.event"].create({
        "name": name,
        "company_id": company.id,
        "date_begin": date_begin,
        "date_end": date_end,
        "date_tz": "Europe/Paris",
        "seats_limited": True,
        "seats_max": seats_max,
        "event_ticket_ids": [
            Command.create({"name": "Plein tarif", "product_id": product.id, "price": 25.0}),
            Command.create({"name": "Réduit", "product_id": product.id, "price": 15.0, "category_kind": "reduced"}),
            Command.create({"name": "Invitation", "product_id": product.id, "price": 0.0,
                            "category_kind": "invitation", "seats_max": 5}),
        ],
    })
    tickets = {t.category_kind: t for t in concert.event_ticket_ids}
    journals = env["account.journal"].search([("company_id", "=", company.id), ("type", "in", ("cash", "bank"))])
    cash_journal = journals.filtered(lambda j: j.type == "cash")[:1]
    bank_journal = journals.filtered(lambda j: j.type == "bank")[:1]
    cash = env["pos.payment.method"].create({
        "name": "Espèces box office", "journal_id": cash_journal.id, "company_id": company.id})
    card = env["pos.payment.method"].create({
        "name": "Carte box office", "journal_id": bank_journal.id, "company_id": company.id})
    config = env["pos.config"].create({
        "name": f"Billetterie {uuid.uuid4().hex[:6]}", "company_id": company.id,
        "payment_method_ids": [Command.set([cash.id, card.id])],
    })
    return {
        "vat": vat, "product": product, "concert": concert, "full": tickets["full"],
        "reduced": tickets["reduced"], "invitation": tickets["invitation"], "cash": cash, "card": card,
        "config": config,
    }


class BoxOfficeMixin:
    """Builds the orders the register sends to ``pos.order.sync_from_ui`` (the server API of a sale)."""

    @staticmethod
    def open_session(config):
        config.open_ui()
        session = config.current_session_id
        session.set_opening_control(0, "")
        return session

    @staticmethod
    def ticket_line(ticket, qty=1, price=None, **registration_vals):
        """One order line of ``qty`` tickets, each with its registration, as the register serializes it."""
        price = ticket.price if price is None else price
        taxes = ticket.product_id.taxes_id
        totals = taxes.compute_all(price, quantity=qty) if taxes else {
            "total_excluded": price * qty, "total_included": price * qty}
        return Command.create({
            "uuid": str(uuid.uuid4()),
            "product_id": ticket.product_id.id,
            "full_product_name": ticket.name,
            "qty": qty,
            "price_unit": price,
            "price_subtotal": totals["total_excluded"],
            "price_subtotal_incl": totals["total_included"],
            "tax_ids": [Command.set(taxes.ids)],
            "event_ticket_id": ticket.id,
            "event_registration_ids": [Command.create({
                "event_id": ticket.event_id.id, "event_ticket_id": ticket.id, **registration_vals,
            }) for _index in range(int(qty))],
        })

    @staticmethod
    def refund_line(line, qty=1):
        ratio = qty / line.qty
        return Command.create({
            "uuid": str(uuid.uuid4()),
            "product_id": line.product_id.id,
            "full_product_name": line.full_product_name,
            "qty": -qty,
            "price_unit": line.price_unit,
            "price_subtotal": -line.price_subtotal * ratio,
            "price_subtotal_incl": -line.price_subtotal_incl * ratio,
            "tax_ids": [Command.set(line.tax_ids.ids)],
            "refunded_orderline_id": line.id,
        })

    @staticmethod
    def order_data(session, lines, payment_method=None, **extra):
        order_uuid = str(uuid.uuid4())
        total = sum(line[2]["price_subtotal_incl"] for line in lines)
        untaxed = sum(line[2]["price_subtotal"] for line in lines)
        method = payment_method or session.config_id.payment_method_ids.sorted(lambda m: not m.is_cash_count)[:1]
        payments = [Command.create({
            "amount": total, "name": fields.Datetime.now(), "payment_method_id": method.id,
        })] if total else []
        return {
            "uuid": order_uuid,
            "name": f"Order {order_uuid[:8]}",
            "session_id": session.id,
            "sequence_number": 1,
            "user_id": session.env.uid,
            "pricelist_id": session.config_id.pricelist_id.id,
            "fiscal_position_id": False,
            "partner_id": False,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "amount_paid": total,
            "amount_return": 0,
            "amount_tax": total - untaxed,
            "amount_total": total,
            "lines": lines,
            "payment_ids": payments,
            "state": "paid",
            "to_invoice": False,
            "last_order_preparation_change": "{}",
            **extra,
        }

    @staticmethod
    def sync(env, *orders):
        """What the register does when a sale is paid: returns the pos.order records."""
        result = env["pos.order"].sync_from_ui(list(orders))
        return env["pos.order"].browse([order["id"] for order in result["pos.order"]])


class BoxOfficeCase(BoxOfficeMixin, AccountTestInvoicingCommon):
    """A venue with a chart of accounts, a register and tonight's concert (10 seats)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        fixtures = box_office_fixtures(cls.env)
        for key, value in fixtures.items():
            setattr(cls, key, value)
        cls.buyer = cls.env["res.partner"].create({"name": "Camille Martin", "email": "camille@example.com"})

    def sell_backoffice(self, ticket, qty):
        """Tickets sold (and paid) from the back office or the website, competing for the same seats."""
        order = self.env["sale.order"].create({
            "partner_id": self.buyer.id,
            "order_line": [Command.create({
                "product_id": ticket.product_id.id, "event_id": ticket.event_id.id, "event_ticket_id": ticket.id,
                "product_uom_qty": qty, "price_unit": ticket.price,
            })],
        })
        order.action_confirm()
        return order
