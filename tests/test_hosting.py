# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The hosting tool (tools/soticket_hosting) on real venue databases served by one Odoo with
dbfilter = ^%d$ and soticket_hosting loaded server-wide, requests carrying each venue's Host."""
import csv
import datetime
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from conftest import OdooServer

from odoo import SUPERUSER_ID
from odoo import api as odoo_api
from odoo.modules.registry import Registry

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from soticket_hosting import venues  # noqa: E402
from soticket_hosting.cli import main as hosting_main  # noqa: E402

RUN = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def odoo():
    return venues.Odoo(os.environ["ODOO_RC"], odoo_bin=str(Path(os.environ["SOTICKET_ODOO_SRC"]) / "odoo-bin"),
                       python=sys.executable)


@pytest.fixture(scope="module")
def template(odoo, test_db):
    """A venue template: a copy of the test database (every SoTicket addon installed). The test
    database may be in use, so it is copied with pg_dump rather than CREATE DATABASE … TEMPLATE."""
    name = f"{test_db}_htpl"
    venues.drop_database(odoo, name)
    odoo.query(f'CREATE DATABASE "{name}"')
    dump = subprocess.Popen(["pg_dump", "-Fc", "--no-owner", test_db], stdout=subprocess.PIPE, env=odoo.pg_env())
    subprocess.run(["pg_restore", "--no-owner", "-d", name], stdin=dump.stdout, env=odoo.pg_env(), check=True)
    dump.wait()
    yield name
    venues.drop_database(odoo, name)


@pytest.fixture(scope="module")
def made(odoo):
    names = []
    yield names
    for name in names:
        venues.drop_database(odoo, name)


def _create(odoo, template, made, label, name):
    result = venues.create_venue(odoo, f"{label}.localhost", template, name, vat="FR40303265045",
                                 siret="30326504500010", admin_email=f"admin@{label}.example.com")
    made.append(result["db"])
    return result


@pytest.fixture(scope="module")
def two_venues(odoo, template, made):
    return (_create(odoo, template, made, f"htva{RUN}", "La Sirène SCIC"),
            _create(odoo, template, made, f"htvb{RUN}", "Le Brise-Glace"))


@pytest.fixture(scope="module")
def server(odoo, two_venues, test_db):
    srv = OdooServer(test_db, db_filter="^%d$", extra_args=["--load=base,web,soticket_hosting"]).start()
    yield srv
    srv.stop()
    assert not srv.log_errors(), f"ERROR lines in {srv.log_path}"


def when(hours):
    """Tonight's concert, in Odoo's UTC datetime format."""
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Venue:
    """A logged-in administrator of one venue, over HTTP with the venue's Host header."""

    def __init__(self, server, db):
        self.url, self.db, self.host = server.url, db, f"{db}.localhost"
        self.http = requests.Session()
        self.http.headers["Host"] = self.host

    def rpc(self, path, params):
        resp = self.http.post(f"{self.url}{path}", json={"jsonrpc": "2.0", "method": "call", "id": 1,
                                                        "params": params}, timeout=120)
        resp.raise_for_status()
        body = resp.json()
        assert "error" not in body, body.get("error")
        return body["result"]

    def login(self):
        return self.rpc("/web/session/authenticate", {"db": self.db, "login": "admin", "password": "admin"})

    def call(self, model, method, *args, **kwargs):
        return self.rpc(f"/web/dataset/call_kw/{model}/{method}",
                        {"model": model, "method": method, "args": list(args), "kwargs": kwargs})


def test_provisioning_is_idempotent_and_refuses_a_taken_hostname(odoo, template, two_venues, made):
    first, second = two_venues
    assert first["created"] and first["admin"] == f"admin@{first['db']}.example.com"
    template_key = odoo.query("SELECT value FROM ir_config_parameter WHERE key = %s",
                              ["soticket_base.ticket_signing_public_key"], dbname=template)[0][0]
    assert len({template_key, first["public_key"], second["public_key"]}) == 3, "each venue has its own key"
    again = venues.create_venue(odoo, f"{first['db']}.localhost", template, "La Sirène SCIC")
    assert not again["created"] and again["public_key"] == first["public_key"]
    with pytest.raises(venues.HostingError, match="is taken"):
        venues.create_venue(odoo, f"{first['db']}.other-domain.fr", template, "Intrus")
    assert hosting_main(["-c", os.environ["ODOO_RC"], "create", f"{first['db']}.other-domain.fr",
                         "--template", template, "--name", "Intrus"]) == 2
    rows = odoo.query("SELECT c.name, p.vat, p.lang FROM res_company c JOIN res_partner p ON p.id = c.partner_id "
                      "WHERE c.id = 1", dbname=first["db"])
    assert rows == [("La Sirène SCIC", "FR40303265045", "fr_FR")]
    params = dict(odoo.query("SELECT key, value FROM ir_config_parameter WHERE key IN "
                             "('web.base.url', 'soticket_hosting.hostname')", dbname=first["db"]))
    assert params == {"web.base.url": f"https://{first['db']}.localhost",
                      "soticket_hosting.hostname": f"{first['db']}.localhost"}
    invite = odoo.query("SELECT count(*) FROM mail_mail WHERE email_to = %s AND state = 'outgoing'",
                        [first["admin"]], dbname=first["db"])
    assert invite[0][0] >= 1, "the venue administrator is invited by e-mail"


def test_a_venue_sells_and_scans_and_sees_only_its_own_events(server, two_venues):
    (first, second), sold = two_venues, {}
    for venue_info, title in ((first, "Concert chez A"), (second, "Concert chez B")):
        venue = Venue(server, venue_info["db"])
        assert venue.login()["uid"]
        product = venue.call("product.product", "search", [("service_tracking", "=", "event")], limit=1)[0]
        event_id = venue.call("event.event", "create", {
            "name": title, "date_begin": when(-1), "date_end": when(12), "doors_open": when(-2),
            "website_published": True,
            "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product, "price": 15.0})]})
        ticket = venue.call("event.event.ticket", "search", [("event_id", "=", event_id)])[0]
        partner = venue.call("res.partner", "create", {"name": f"Buyer {venue.db}", "email": f"buyer@{venue.db}.fr"})
        order = venue.call("sale.order", "create", {"partner_id": partner, "order_line": [(0, 0, {
            "product_id": product, "event_id": event_id, "event_ticket_id": ticket, "product_uom_qty": 1})]})
        venue.call("sale.order", "action_confirm", [order])
        regs = venue.call("event.registration", "search_read", [("sale_order_id", "=", order)], ["ticket_code"])
        assert len(regs) == 1 and regs[0]["ticket_code"]
        device = venue.call("soticket.scanner.device", "create", {"name": "Porte", "event_ids": [(6, 0, [event_id])]})
        gate = venue.call("soticket.scanner.gate", "create", {"name": "Porte", "event_id": event_id})
        action = venue.call("soticket.scanner.device", "action_generate_pairing_code", [device])
        code = re.search(r"Enter (\S+) on", action["params"]["message"]).group(1).replace("-", "")
        scanner = requests.Session()
        scanner.headers["Host"] = venue.host
        paired = scanner.post(f"{server.url}/soticket/scanner/v1/pair",
                              json={"pairing_code": code, "device_name": "box"}, timeout=60)
        assert paired.status_code == 200, paired.text
        scanner.headers["Authorization"] = f"Bearer {paired.json()['token']}"
        scanned = scanner.post(f"{server.url}/soticket/scanner/v1/scan", json={
            "code": regs[0]["ticket_code"], "gate_id": gate, "direction": "in", "nonce": uuid.uuid4().hex}, timeout=60)
        assert scanned.status_code == 200 and scanned.json()["result"] == "admitted", scanned.text
        sold[venue.db] = title
    for db, title in sold.items():
        page = requests.get(f"{server.url}/event", headers={"Host": f"{db}.localhost"}, timeout=120)
        assert page.status_code == 200
        assert title in page.text
        assert not [other for other in sold.values() if other != title and other in page.text]


def test_backup_restore_export_and_upgrade(odoo, two_venues, made, tmp_path, server):
    first, second = two_venues
    venues.backup(odoo, first["db"], tmp_path / "backups", keep=1)
    venues.backup(odoo, first["db"], tmp_path / "backups", keep=1)
    assert len(list((tmp_path / "backups" / first["db"]).iterdir())) == 1, "retention keeps one"
    backup_dir = next((tmp_path / "backups" / first["db"]).iterdir())
    restored = f"htvr{RUN}"
    made.append(restored)
    venues.restore(odoo, backup_dir, restored)
    query = "SELECT id, ticket_code, state FROM event_registration ORDER BY id"
    assert odoo.query(query, dbname=restored) == odoo.query(query, dbname=first["db"])
    assert odoo.query(query, dbname=restored)
    with pytest.raises(venues.HostingError, match="already exists"):
        venues.restore(odoo, backup_dir, restored)

    target = venues.export(odoo, first["db"], tmp_path / "export")
    tickets = list(csv.DictReader(open(target / "tickets.csv")))
    buyers = (target / "buyers.csv").read_text()
    codes = {code for (_id, code, _state) in odoo.query(query, dbname=first["db"])}
    assert tickets and {t["ticket_code"] for t in tickets} == codes
    assert f"buyer@{first['db']}.fr" in buyers and f"buyer@{second['db']}.fr" not in buyers
    assert "Concert chez B" not in (target / "tickets.csv").read_text()
    assert (target / "dump.pgc").stat().st_size and (target / "filestore.tar.gz").is_file()

    # Upgrade, one database after the other; the first failure stops the run with a report.
    log_dir = tmp_path / "upgrade"
    done, failed, left = venues.upgrade(odoo, [first["db"], second["db"], restored], log_dir,
                                        modules=["soticket_scanner"])
    assert (done, failed, left) == ([first["db"], second["db"], restored], None, [])
    assert "soticket_scanner" in (log_dir / f"upgrade-{restored}.log").read_text()
    odoo.query(f'ALTER DATABASE "{second["db"]}" ALLOW_CONNECTIONS false')
    try:
        done, failed, left = venues.upgrade(odoo, [first["db"], second["db"], restored], log_dir,
                                            modules=["soticket_scanner"])
    finally:
        odoo.query(f'ALTER DATABASE "{second["db"]}" ALLOW_CONNECTIONS true')
    assert done == [first["db"]] and failed["db"] == second["db"] and left == [restored]
    assert "cannot read its modules" in failed["errors"][0]

    archived, _export = venues.decommission(odoo, restored, tmp_path / "leaving", delay_days=0)
    made.append(archived)
    assert not odoo.db_exists(restored) and odoo.db_exists(archived)
    assert archived in venues.purge(odoo)
    assert not odoo.db_exists(archived)
    assert json.loads((odoo.data_dir() / "soticket_hosting" / "archives.json").read_text()).get(archived) is None


def test_member_contract_button_then_provision_requested(odoo, template, two_venues, made, test_db):
    """The cooperative's contract asks for the venue (soticket_hosting_coop); the tool creates it and
    reports on the contract; a request for a taken hostname is reported as failed."""
    label, taken = f"htvc{RUN}", two_venues[0]["db"]
    ids = []
    with Registry(test_db).cursor() as cr:
        env = odoo_api.Environment(cr, SUPERUSER_ID, {"lang": "en_US", "tracking_disable": True})
        for host in (label, taken):
            partner = env["res.partner"].create({"name": f"Le Moloco {host}", "is_company": True,
                                                 "vat": "FR40303265045"})
            contract = env["soticket.coop.contract"].create({
                "partner_id": partner.id, "venue_url": f"https://{host}.example.fr",
                "hosting_admin_email": f"direction@{host}.example.fr"})
            contract.action_request_venue_database()
            ids.append(contract.id)
    made.append(label)
    results = {r["contract_id"]: r for r in venues.provision_requested(odoo, test_db, template)}
    assert results[ids[0]]["state"] == "done" and results[ids[0]]["db"] == label
    assert results[ids[1]]["state"] == "failed" and "is taken" in results[ids[1]]["message"]
    rows = odoo.query("SELECT id, hosting_state, venue_db FROM soticket_coop_contract WHERE id = ANY(%s) ORDER BY id",
                      [ids], dbname=test_db)
    assert rows == [(ids[0], "done", label), (ids[1], "failed", taken)]
    assert venues.recorded_hostname(odoo, label) == f"{label}.example.fr"
    assert odoo.query("SELECT name FROM res_company WHERE id = 1", dbname=label) == [(f"Le Moloco {label}",)]
