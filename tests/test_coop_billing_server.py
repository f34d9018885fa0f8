# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The cooperative pulls a venue's yearly statement over HTTP from a real Odoo server and invoices it.

The test database plays both parts (the server only serves that database): as the VENUE it holds a
concert, paid web sales (sale orders from the website, confirmed) with one refund, and a reporting user
whose API key the cooperative uses; as the COOPERATIVE it holds the member's contract, whose venue URL is
the running server and whose venue database is the test database. Everything the test commits is removed
afterwards.

TODO(soticket_box_office): add box-office (POS) sales to the venue once soticket_box_office feeds them into
the statement, and assert the "box_office" channel and the fee base include them.
"""
import json
import uuid
from datetime import date

import pytest

import odoo
from odoo import SUPERUSER_ID
from odoo.exceptions import UserError

YEAR = 2019  # a year no other test sells in: the venue's statement holds exactly this test's sales
PRICE = 400.0
BUYERS = [("Camille Martin", "camille.martin@example.com"), ("Yanis Belkacem", "yanis.b@example.org")]


def _env(cr):
    return odoo.api.Environment(cr, SUPERUSER_ID, {"lang": "en_US", "tracking_disable": True})


@pytest.fixture
def registry(test_db):
    registry = odoo.registry(test_db)
    with registry.cursor() as cr:
        env = _env(cr)
        installed = set(env["ir.module.module"].search([
            ("name", "in", ["soticket_base", "soticket_coop_billing"]), ("state", "=", "installed")]).mapped("name"))
        if installed != {"soticket_base", "soticket_coop_billing"}:
            pytest.skip(f"needs soticket_base and soticket_coop_billing installed (installed: {sorted(installed)})")
        if not hasattr(env.registry.get("soticket.revenue.statement"), "get_yearly_statement"):
            pytest.skip("soticket_base does not provide soticket.revenue.statement.get_yearly_statement yet")
    return registry


@pytest.fixture
def world(registry, odoo_server, test_db):
    """Venue data (concert, web sales, reporting user + API key) and the member's contract, committed."""
    tag = uuid.uuid4().hex[:8]
    ids = {}
    with registry.cursor() as cr:
        env = _env(cr)
        company = env.company
        existing = env["event.registration"].with_context(active_test=False).search_count([
            ("sold_at", ">=", f"{YEAR - 1}-12-30"), ("sold_at", "<", f"{YEAR + 1}-01-02")])
        assert not existing, f"another test left tickets sold around {YEAR} in {test_db}"
        # --- the venue
        reporting = env["res.users"].create({
            "name": "SoTicket cooperative (reporting)", "login": f"coop-reporting-{tag}",
            "groups_id": [(6, 0, env.ref("soticket_base.group_soticket_reporting").ids)],
        })
        api_key = env["res.users.apikeys"].with_user(reporting).sudo()._generate("rpc", "SoTicket cooperative", None)
        buyers = env["res.partner"].create([{"name": name, "email": email} for name, email in BUYERS])
        product = env.ref("event_product.product_product_event")
        concert = env["event.event"].create({
            "name": f"Festival de l'été {tag}", "date_begin": f"{YEAR}-07-14 18:00:00",
            "date_end": f"{YEAR}-07-14 23:30:00", "seats_limited": False,
            "event_ticket_ids": [(0, 0, {"name": "Pass", "product_id": product.id, "price": PRICE})],
        })
        website = env["website"].search([], limit=1)
        orders = env["sale.order"]
        for buyer, quantity in zip(buyers, (40, 35), strict=True):
            order = env["sale.order"].create({
                "partner_id": buyer.id, "website_id": website.id,
                "order_line": [(0, 0, {
                    "product_id": product.id, "event_id": concert.id, "event_ticket_id": concert.event_ticket_ids.id,
                    "product_uom_qty": quantity, "price_unit": PRICE,
                })],
            })
            order.action_confirm()
            orders |= order
        tickets = orders.order_line.registration_ids
        tickets._ensure_ticket_number()
        tickets.write({"sold_at": f"{YEAR}-05-02 10:00:00"})
        refunded = tickets[:1]
        refunded._mark_refunded()
        refunded.refunded_at = f"{YEAR}-07-20 10:00:00"
        assert set(tickets.mapped("sale_channel")) == {"web"}
        sold_untaxed = sum(orders.order_line.mapped("price_subtotal"))
        refunded_untaxed = refunded.price_paid_untaxed
        # --- the cooperative
        fee_product = company._soticket_coop_fee_product()
        old_taxes = fee_product.taxes_id
        if not fee_product.taxes_id.filtered(lambda t: t.company_id == company):
            fee_product.taxes_id = [(4, company.account_sale_tax_id.id)]
        member = env["res.partner"].create({
            "name": f"Festival member {tag}", "is_company": True, "email": f"compta-{tag}@festival.example"})
        contract = env["soticket.coop.contract"].create({
            "partner_id": member.id, "date_start": date(YEAR - 2, 1, 1), "venue_url": odoo_server.url,
            "venue_db": test_db, "venue_login": reporting.login, "venue_api_key": api_key,
        })
        contract.action_activate()
        ids.update(
            reporting=reporting.id, buyers=buyers.ids, concert=concert.id, orders=orders.ids, member=member.id,
            contract=contract.id, fee_product=fee_product.id, old_taxes=old_taxes.ids,
            tax=fee_product.taxes_id.filtered(lambda t: t.company_id == company).id,
            api_key=api_key, sold_untaxed=sold_untaxed, refunded_untaxed=refunded_untaxed, tickets=len(tickets),
        )
    try:
        yield ids
    finally:
        _cleanup(registry, ids)


def _cleanup(registry, ids):
    with registry.cursor() as cr:
        env = _env(cr)
        contract = env["soticket.coop.contract"].browse(ids["contract"]).exists()
        if contract:
            contract.invoice_ids.filtered(lambda m: m.state == "posted").button_draft()
            contract.invoice_ids.unlink()
            contract.statement_ids.unlink()
            contract.write({"state": "draft"})
            contract.unlink()
        env["product.product"].browse(ids["fee_product"]).taxes_id = [(6, 0, ids["old_taxes"])]
        # the venue keeps its final statements (its own unlink refuses): this one was the test's only
        cr.execute("DELETE FROM soticket_revenue_statement WHERE date_from = %s AND date_to = %s",
                   [date(YEAR, 1, 1), date(YEAR, 12, 31)])
        orders = env["sale.order"].browse(ids["orders"])
        registrations = orders.order_line.registration_ids.with_context(active_test=False)
        env["soticket.code.revocation"].search([("registration_id", "in", registrations.ids)]).unlink()
        registrations.unlink()
        orders._action_cancel()
        orders.unlink()
        env["event.event"].browse(ids["concert"]).unlink()
        reporting = env["res.users"].browse(ids["reporting"])
        reporting_partner = reporting.partner_id
        reporting.unlink()
        partners = env["res.partner"].browse([*ids["buyers"], ids["member"]]) | reporting_partner
        partners.message_ids.unlink()
        partners.unlink()


def _pull(registry, contract_id, year=YEAR):
    with registry.cursor() as cr:
        env = _env(cr)
        contract = env["soticket.coop.contract"].browse(contract_id)
        statement = contract.action_pull_statement(year)
        return statement.id


def test_cooperative_pulls_the_statement_over_http_and_invoices_it(registry, world):
    statement_id = _pull(registry, world["contract"])
    with registry.cursor() as cr:
        env = _env(cr)
        statement = env["soticket.coop.statement"].browse(statement_id)
        contract = statement.contract_id
        currency = contract.company_id.currency_id
        expected_base = currency.round(world["sold_untaxed"] - world["refunded_untaxed"])
        assert statement.source == "pulled"
        assert statement.tickets == world["tickets"]
        assert statement.gross_untaxed == pytest.approx(world["sold_untaxed"])
        assert statement.refunds_untaxed == pytest.approx(world["refunded_untaxed"])
        assert statement.ticket_net_untaxed == pytest.approx(expected_base)
        assert contract.venue_database_uuid == env["ir.config_parameter"].get_param("database.uuid")

        invoices, _invoiced, _missing = contract._create_fee_invoices(YEAR)
        assert len(invoices) == 1
        invoice = invoices
        # 2.5 % of 75 x 400 (minus one refund): between the minimum (575) and the maximum (3,500)
        expected_fee = currency.round(expected_base * 2.5 / 100)
        assert 575 < expected_fee < 3500
        assert invoice.amount_untaxed == pytest.approx(expected_fee)
        product_lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        assert len(product_lines) == 1
        assert "2.5 % of" in product_lines.name
        tax = env["account.tax"].browse(world["tax"])
        assert product_lines.tax_ids == tax
        assert invoice.amount_tax == pytest.approx(currency.round(expected_fee * tax.amount / 100))
        assert statement.locked
        # idempotent: a second run creates nothing
        again, invoiced, _missing = contract._create_fee_invoices(YEAR)
        assert not again and invoiced == contract
        invoice.action_post()
        assert invoice.state == "posted"

        # the venue's personal data never crosses
        stored = statement.raw_json
        for name, email in BUYERS:
            assert name not in stored and email not in stored
        assert "@" not in stored


def test_the_venue_sends_totals_only(registry, world, odoo_server, test_db):
    """What goes over the wire (the cooperative's own client, as the pull uses it) has no buyer data."""
    from odoo.addons.soticket_coop_billing.tools import statement_client

    with registry.cursor() as cr:
        login = _env(cr)["res.users"].browse(world["reporting"]).login
    payload = statement_client.fetch_yearly_statement(odoo_server.url, test_db, login, world["api_key"], YEAR)
    wire = json.dumps(payload, ensure_ascii=False)
    for name, email in BUYERS:
        assert name not in wire and email not in wire
    assert set(payload) == {"format", "venue", "period", "channels", "totals", "generated_at"}
    assert payload["channels"]["web"]["tickets"] == world["tickets"]


def test_wrong_api_key_is_refused_with_a_clear_message(registry, world):
    with registry.cursor() as cr:
        env = _env(cr)
        contract = env["soticket.coop.contract"].browse(world["contract"])
        contract.venue_api_key = "0" * 40
        with pytest.raises(UserError, match="refused the statement user"):
            contract.action_pull_statement(YEAR)
        assert not contract.statement_ids
        cr.rollback()


def test_statement_of_another_venue_database_is_refused(registry, world):
    """The first pull ties the contract to the venue database (its UUID); a statement from any other
    database (e.g. the URL now points at another venue) is refused and the stored one is untouched."""
    _pull(registry, world["contract"])
    with registry.cursor() as cr:
        env = _env(cr)
        contract = env["soticket.coop.contract"].browse(world["contract"])
        before = contract.statement_ids.read(["ticket_net_untaxed", "received_at"])
        contract.sudo().venue_database_uuid = "uuid-of-another-venue"
        with pytest.raises(UserError, match="comes from another venue database"):
            contract.action_pull_statement(YEAR)
        assert contract.statement_ids.read(["ticket_net_untaxed", "received_at"]) == before
        cr.rollback()
