# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The cooperative pulls a venue's yearly statement over HTTP and invoices it: two databases, one server.

- The VENUE is the test database (every SoTicket addon installed): a concert with paid web sales (two
  website orders, one ticket refunded) and box-office sales (a POS order synced like a register does),
  and a reporting user whose API key the cooperative holds.
- The COOPERATIVE is a database of its own, installed here with soticket_coop_billing only: it knows
  the member venue by a contract naming the venue's URL, database, login and API key.

One real Odoo server on 127.0.0.1 serves both databases. The cooperative's staff actions (pull the
statements, generate the fee invoices, post them) are called over JSON-RPC on the cooperative database;
the pull itself then calls the venue database over HTTP. The venue data stays in the test database,
which `make test` drops; the cooperative database is dropped at the end of this module.
"""
import json
import os
import subprocess
import sys
import uuid
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from conftest import OdooServer

import odoo
from odoo import SUPERUSER_ID
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import SQL

WEB_PRICE = 400.0
BUYERS = [("Camille Martin", "camille.martin@example.com"), ("Yanis Belkacem", "yanis.b@example.org")]
POS_BUYER = ("Inès Moreau", "ines.moreau@example.net")
COOP_ADMIN = ("admin", "admin")


def _env(cr):
    return odoo.api.Environment(cr, SUPERUSER_ID, {"lang": "en_US", "tracking_disable": True})


def _free_year(env):
    """A past year without any ticket sold or refunded: the venue's statement holds exactly this test's sales."""
    Registration = env["event.registration"].with_context(active_test=False)
    for year in range(2019, 2000, -1):
        bounds = [f"{year - 1}-12-30", f"{year + 1}-01-02"]
        if not Registration.search_count(
            ["|", "&", ("sold_at", ">=", bounds[0]), ("sold_at", "<", bounds[1]),
             "&", ("refunded_at", ">=", bounds[0]), ("refunded_at", "<", bounds[1])]
        ) and not env["soticket.revenue.statement"].search_count([("date_from", "=", date(year, 1, 1))]):
            return year
    raise AssertionError("no free year between 2001 and 2019 in the test database")


def _drop_database(name):
    odoo.sql_db.close_db(name)
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True  # DROP DATABASE cannot run in a transaction (Odoo's exp_drop does the same)
        cr.execute(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(name)))


@pytest.fixture(scope="module")
def coop_db(test_db):
    """The cooperative's own database: soticket_coop_billing and what it depends on, nothing of the venue."""
    name = f"{test_db}_coop"
    _drop_database(name)
    log = Path(os.environ.get("SOTICKET_LOG_DIR", ".local/logs")) / f"install-{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    odoo_bin = Path(os.environ["SOTICKET_ODOO_SRC"]) / "odoo-bin"
    done = subprocess.run(
        [sys.executable, str(odoo_bin), "-c", os.environ["ODOO_RC"], "-d", name, "-i", "soticket_coop_billing",
         "--without-demo=all", "--stop-after-init", "--max-cron-threads=0", f"--logfile={log}"],
        check=False, timeout=1800,
    )
    assert done.returncode == 0, f"installing the cooperative database failed, see {log}"
    errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line]
    assert not errors, errors
    # Load its registry now, outside pytest-odoo's test mode (which would run its at-install tests).
    test_enable, odoo.tools.config["test_enable"] = odoo.tools.config["test_enable"], False
    try:
        Registry(name)
    finally:
        odoo.tools.config["test_enable"] = test_enable
    yield name
    _drop_database(name)


@pytest.fixture(scope="module")
def server(test_db, coop_db):
    """One Odoo server serving the venue database and the cooperative database."""
    server = OdooServer(test_db, db_filter=f"^({test_db}|{coop_db})$").start()
    yield server
    server.stop()
    assert not server.log_errors(), f"ERROR lines in {server.log_path}"


@pytest.fixture(scope="module")
def venue(test_db):
    """The venue's year: web sales with one refund, box-office sales, and the cooperative's reporting user."""
    from odoo.addons.soticket_box_office.tests.common import BoxOfficeMixin
    from odoo.addons.soticket_box_office.tests.common import box_office_fixtures

    registry = Registry(test_db)
    tag = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = _env(cr)
        year = _free_year(env)
        reporting = env["res.users"].create({
            "name": "SoTicket cooperative (reporting)", "login": f"coop-reporting-{tag}",
            "groups_id": [(6, 0, env.ref("soticket_base.group_soticket_reporting").ids)],
        })
        api_key = env["res.users.apikeys"].with_user(reporting).sudo()._generate("rpc", "SoTicket cooperative", None)
        # --- web sales
        buyers = env["res.partner"].create([{"name": name, "email": email} for name, email in BUYERS])
        product = env.ref("event_product.product_product_event")
        concert = env["event.event"].create({
            "name": f"Festival de l'été {tag}", "date_begin": f"{year}-07-14 18:00:00",
            "date_end": f"{year}-07-14 23:30:00", "seats_limited": False,
            "event_ticket_ids": [(0, 0, {"name": "Pass", "product_id": product.id, "price": WEB_PRICE})],
        })
        website = env["website"].search([], limit=1)
        orders = env["sale.order"]
        for buyer, quantity in zip(buyers, (40, 35), strict=True):
            order = env["sale.order"].create({
                "partner_id": buyer.id, "website_id": website.id,
                "order_line": [(0, 0, {
                    "product_id": product.id, "event_id": concert.id, "event_ticket_id": concert.event_ticket_ids.id,
                    "product_uom_qty": quantity, "price_unit": WEB_PRICE,
                })],
            })
            # Recorded by the venue's staff (the buyer's rule caps web orders at 10 tickets per order).
            order.with_user(env.ref("base.user_admin")).action_confirm()
            orders |= order
        web_tickets = orders.order_line.registration_ids
        web_tickets._ensure_ticket_number()
        web_tickets.write({"sold_at": f"{year}-05-02 10:00:00"})
        refunded = web_tickets[:1]
        refunded._mark_refunded()
        refunded.refunded_at = f"{year}-07-20 10:00:00"
        # --- box-office sales: a register sells 4 full-price and 2 reduced tickets, paid by card
        box = box_office_fixtures(env, seats_max=50, name=f"Jazz à la Sirène {tag}")
        session = BoxOfficeMixin.open_session(box["config"])
        pos_order = BoxOfficeMixin.sync(env, BoxOfficeMixin.order_data(session, [
            BoxOfficeMixin.ticket_line(box["full"], qty=4, name=POS_BUYER[0], email=POS_BUYER[1]),
            BoxOfficeMixin.ticket_line(box["reduced"], qty=2),
        ], payment_method=box["card"]))
        pos_tickets = pos_order.lines.event_registration_ids
        assert len(pos_tickets) == 6 and set(pos_tickets.mapped("sale_channel")) == {"box_office"}
        pos_tickets._ensure_ticket_number()  # numbered now, not after commit (which stamps sold_at)
        pos_tickets.write({"sold_at": f"{year}-07-14 19:30:00"})
        assert set(web_tickets.mapped("sale_channel")) == {"web"}
        facts = {
            "year": year, "login": reporting.login, "api_key": api_key,
            "database_uuid": env["ir.config_parameter"].get_param("database.uuid"),
            "web_tickets": len(web_tickets), "web_untaxed": sum(orders.order_line.mapped("price_subtotal")),
            "refunded_untaxed": refunded.price_paid_untaxed,
            "pos_tickets": len(pos_tickets), "pos_untaxed": sum(pos_tickets.mapped("price_paid_untaxed")),
        }
        cr.commit()
    return facts


class CoopRpc:
    """The cooperative's staff, over JSON-RPC on the cooperative database."""

    def __init__(self, server, db):
        from odoo.addons.soticket_coop_billing.tools import statement_client

        self.client, self.server, self.db = statement_client, server, db
        self.uid = self.client.call(server.url, "common", "login", [db, *COOP_ADMIN])
        assert self.uid, "the cooperative's admin cannot log in"

    def __call__(self, model, method, *args, **kwargs):
        return self.client.call(self.server.url, "object", "execute_kw",
                                [self.db, self.uid, COOP_ADMIN[1], model, method, list(args), kwargs], timeout=120)


@pytest.fixture
def coop(server, coop_db):
    return CoopRpc(server, coop_db)


def _pull(coop, contract_id, year):
    """The staff's "Pull statements" wizard for one contract (it raises the venue's error as is)."""
    wizard = coop("soticket.coop.statement.pull", "create", {"year": year, "contract_ids": [(6, 0, [contract_id])]})
    coop("soticket.coop.statement.pull", "action_pull", [wizard])


def _new_contract(coop, server, venue, test_db, api_key=None):
    tag = uuid.uuid4().hex[:8]
    member = coop("res.partner", "create", {
        "name": f"Festival member {tag}", "is_company": True, "email": f"compta-{tag}@festival.example"})
    contract = coop("soticket.coop.contract", "create", {
        "partner_id": member, "date_start": date(venue["year"] - 2, 1, 1).isoformat(), "venue_url": server.url,
        "venue_db": test_db, "venue_login": venue["login"], "venue_api_key": api_key or venue["api_key"],
        # the test server listens on http://127.0.0.1: refused unless the contract allows it
        "venue_allow_insecure": True,
    })
    coop("soticket.coop.contract", "action_activate", [contract])
    return contract


def test_cooperative_pulls_the_statement_over_http_and_invoices_it(coop, server, coop_db, venue, test_db):
    year = venue["year"]
    contract_id = _new_contract(coop, server, venue, test_db)
    # the cooperative's staff: pull the year's statement, generate the fee invoices, post and send them
    _pull(coop, contract_id, year)
    with Registry(coop_db).cursor() as cr:
        env = _env(cr)
        company = env.company
        if not env["product.product"].browse(company._soticket_coop_fee_product().id).taxes_id:
            company._soticket_coop_fee_product().taxes_id = company.account_sale_tax_id
        cr.commit()
    wizard = coop("soticket.coop.invoice.wizard", "create", {"year": year})
    coop("soticket.coop.invoice.wizard", "action_generate", [wizard])
    coop("soticket.coop.invoice.wizard", "action_generate", [wizard])  # idempotent: creates nothing more
    coop("soticket.coop.invoice.wizard", "action_post_and_send", [wizard])

    with Registry(coop_db).cursor() as cr:
        env = _env(cr)
        contract = env["soticket.coop.contract"].browse(contract_id)
        statement = contract.statement_ids
        currency = contract.company_id.currency_id
        sold = venue["web_untaxed"] + venue["pos_untaxed"]
        expected_base = currency.round(sold - venue["refunded_untaxed"])
        assert len(statement) == 1 and statement.source == "pulled"
        assert statement.tickets == venue["web_tickets"] + venue["pos_tickets"]
        assert statement.gross_untaxed == pytest.approx(sold, abs=0.01)
        assert statement.refunds_untaxed == pytest.approx(venue["refunded_untaxed"])
        assert statement.ticket_net_untaxed == pytest.approx(expected_base, abs=0.01)
        assert contract.venue_database_uuid == venue["database_uuid"]
        assert contract.venue_database_uuid != env["ir.config_parameter"].get_param("database.uuid")
        channels = json.loads(statement.raw_json)["channels"]
        assert channels["web"]["tickets"] == venue["web_tickets"]
        assert channels["box_office"]["tickets"] == venue["pos_tickets"]
        assert channels["box_office"]["net_untaxed"] == pytest.approx(venue["pos_untaxed"], abs=0.01)

        invoice = contract.invoice_ids
        assert len(invoice) == 1, "generating twice gave two invoices"
        assert invoice.state == "posted" and invoice.soticket_coop_year == year
        expected_fee = currency.round(expected_base * 2.5 / 100)
        assert 575 < expected_fee < 3500
        assert invoice.amount_untaxed == pytest.approx(expected_fee)
        product_lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        assert len(product_lines) == 1 and "2.5 % of" in product_lines.name
        assert invoice.amount_tax == pytest.approx(currency.round(expected_fee * product_lines.tax_ids.amount / 100))
        assert statement.locked

        # the venue's personal data never crosses: not in the statement, nowhere in the cooperative's database
        for name, email in [*BUYERS, POS_BUYER]:
            assert name not in statement.raw_json and email not in statement.raw_json
            assert not env["res.partner"].with_context(active_test=False).search_count(
                ["|", ("name", "=", name), ("email", "=", email)])
        assert "@" not in statement.raw_json
        assert not env["ir.module.module"].search_count([
            ("name", "in", ["soticket_base", "event", "point_of_sale"]), ("state", "=", "installed")])


def test_wrong_api_key_is_refused_with_a_clear_message(coop, server, coop_db, venue, test_db):
    contract_id = _new_contract(coop, server, venue, test_db, api_key="0" * 40)
    from odoo.addons.soticket_coop_billing.tools.statement_client import StatementClientError

    with pytest.raises(StatementClientError, match=r"refused the statement user .*check the database name"):
        _pull(coop, contract_id, venue["year"])
    with Registry(coop_db).cursor() as cr:
        assert not _env(cr)["soticket.coop.contract"].browse(contract_id).statement_ids


def test_unreachable_venue_is_refused_and_stores_nothing(coop, server, coop_db, venue, test_db):
    contract_id = _new_contract(coop, server, venue, test_db)
    coop("soticket.coop.contract", "write", [contract_id], {"venue_url": "http://127.0.0.1:9"})
    from odoo.addons.soticket_coop_billing.tools.statement_client import StatementClientError

    with pytest.raises(StatementClientError, match=r"cannot be reached at http://127\.0\.0\.1:9"):
        _pull(coop, contract_id, venue["year"])
    with Registry(coop_db).cursor() as cr:
        assert not _env(cr)["soticket.coop.contract"].browse(contract_id).statement_ids


def test_statement_of_another_venue_database_is_refused(coop, server, coop_db, venue, test_db):
    """The first pull ties the contract to the venue database (its UUID); a statement from any other
    database (here: the URL now points at the cooperative's own database) is refused, the stored one kept."""
    contract_id = _new_contract(coop, server, venue, test_db)
    _pull(coop, contract_id, venue["year"])
    with Registry(coop_db).cursor() as cr:
        contract = _env(cr)["soticket.coop.contract"].browse(contract_id)
        before = contract.statement_ids.read(["ticket_net_untaxed", "received_at"])
        contract.sudo().venue_database_uuid = "uuid-of-another-venue"
        with pytest.raises(UserError, match="comes from another venue database"):
            contract.action_pull_statement(venue["year"])
        assert contract.statement_ids.read(["ticket_net_untaxed", "received_at"]) == before
        cr.rollback()
