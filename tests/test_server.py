# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The venue's Odoo really serves: login page, JSON-RPC, the SoTicket addons installed."""
import json
import os
import urllib.request

import odoo


def _jsonrpc(url, service, method, *args):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}).encode()
    req = urllib.request.Request(f"{url}/jsonrpc", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_login_page_is_served(odoo_server):
    with urllib.request.urlopen(f"{odoo_server.url}/web/login", timeout=30) as resp:
        assert resp.status == 200
        assert b'name="login"' in resp.read()


def test_jsonrpc_reports_odoo_18_and_soticket_installed(odoo_server, test_db):
    version = _jsonrpc(odoo_server.url, "common", "version")["result"]
    assert version["server_serie"] == "18.0"
    uid = _jsonrpc(odoo_server.url, "common", "login", test_db, "admin", "admin")["result"]
    assert uid, "admin/admin must log in on a fresh test database"
    expected = os.environ["SOTICKET_TEST_ADDONS"].split(",")
    states = _jsonrpc(odoo_server.url, "object", "execute_kw", test_db, uid, "admin", "ir.module.module", "search_read",
                      [[["name", "in", expected]]], {"fields": ["name", "state"]})["result"]
    assert {s["name"]: s["state"] for s in states} == dict.fromkeys(expected, "installed")


def test_orm_sees_signing_key(test_db):
    """pytest-odoo has loaded the registry: the ORM is usable from tests/."""
    registry = odoo.registry(test_db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        assert len(env["soticket.signing.key"].public_key()) == 32
