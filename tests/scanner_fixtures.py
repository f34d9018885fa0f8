# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Fixtures of the door box agent tests (test_scanner_agent.py).

A real Odoo server of their own (the tests stop and restart it to cut the network), a
concert happening tonight with two gates, scanners paired through the API by the box
agent itself, and tickets committed in the test database through the ORM.
"""
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import OdooServer

import odoo
from odoo import SUPERUSER_ID
from odoo import fields
from odoo.modules.registry import Registry

# The box runs the agent as the top-level package ``iot_box`` (readme/INSTALL.md): so do the tests
# (appended: the addon folder's other names, such as tools or tests, must not shadow anything).
sys.path.append(str(Path(__file__).resolve().parents[1] / "addons" / "soticket_scanner"))

from iot_box.agent import Agent
from iot_box.feedback import RecordingFeedback


def _env(cr):
    return odoo.api.Environment(cr, SUPERUSER_ID, {"lang": "en_US", "tracking_disable": True})


@contextmanager
def network_cut(server):
    """The box's network is down (the server is stopped) inside the block; back up after it."""
    server.stop()
    try:
        yield
    finally:
        server.start()


def wait_for(predicate, timeout=30, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class Venue:
    """The test database, seen through the ORM in this process (each call commits)."""

    def __init__(self, test_db):
        self.registry = Registry(test_db)

    def run(self, function):
        with self.registry.cursor() as cr:
            return function(_env(cr))

    def tickets(self, event_id, count=1):
        """New paid tickets of the event: [(id, code)]."""
        def create(env):
            event = env["event.event"].browse(event_id)
            regs = env["event.registration"].create([{
                "event_id": event.id, "event_ticket_id": event.event_ticket_ids[:1].id, "name": f"Camille Martin {i}",
                "email": "camille@example.com", "state": "open",
            } for i in range(count)])
            return [(reg.id, reg.ticket_code) for reg in regs]
        return self.run(create)

    def reissue(self, ticket_id):
        """Give the ticket a new code (the old one is revoked); return the new code."""
        def reissue(env):
            reg = env["event.registration"].browse(ticket_id)
            reg.action_reissue_code()
            return reg.ticket_code
        return self.run(reissue)

    def ticket_state(self, ticket_id):
        return self.run(lambda env: env["event.registration"].browse(ticket_id).ticket_state)

    def logs(self, nonces):
        """The server's scan log rows of these nonces."""
        return self.run(lambda env: env["soticket.scan.log"].search_read(
            [("nonce", "in", list(nonces))], ["nonce", "result", "reason", "conflict", "offline", "forced",
                                              "device_id", "gate_id", "registration_id"], order="id"))

    def pairing_code(self, name, event_id):
        def issue(env):
            device = env["soticket.scanner.device"].create({"name": name, "event_ids": [(6, 0, [event_id])]})
            return device._issue_pairing_code()
        return self.run(issue)


@pytest.fixture(scope="module", name="venue")
def venue_fixture(test_db):
    return Venue(test_db)


@pytest.fixture(scope="module", name="scanner_server")
def scanner_server_fixture(test_db):
    """An Odoo server these tests own: they stop it to cut the boxes' network, then start it again."""
    server = OdooServer(test_db).start()
    yield server
    server.stop()
    assert not server.log_errors(), f"ERROR lines in {server.log_path}"


@pytest.fixture(scope="module", name="tonight")
def tonight_fixture(venue):
    """A concert happening now (doors open) with a main entrance and a side door."""
    tag = uuid.uuid4().hex[:6]

    def create(env):
        now = fields.Datetime.now()
        event = env["event.event"].create({
            "name": f"Concert ce soir {tag}", "date_begin": now - timedelta(minutes=30),
            "date_end": now + timedelta(hours=3), "doors_open": now - timedelta(hours=1),
            "date_tz": "Europe/Paris", "seats_limited": False,
            "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "price": 20.0,
                                         "product_id": env.ref("event_product.product_product_event").id})],
        })
        gates = env["soticket.scanner.gate"].create([
            {"name": "Main door", "event_id": event.id, "direction": "in"},
            {"name": "Side door", "event_id": event.id, "direction": "both"},
        ])
        return {"event": event.id, "main_gate": gates[0].id, "side_gate": gates[1].id, "tag": tag}
    return venue.run(create)


@pytest.fixture(name="make_agent")
def make_agent_fixture(venue, scanner_server, tonight, tmp_path):
    """Pair a new box (its own SQLite file) at a gate of tonight's concert, manifest downloaded."""
    agents = []

    def make(gate="main_gate", start=False, **options):
        name = f"Box {len(agents) + 1} {tonight['tag']}"
        agent = Agent(tmp_path / f"box{len(agents) + 1}.sqlite", RecordingFeedback(), **options)
        agent.pair(scanner_server.url, venue.pairing_code(name, tonight["event"]), device_name=f"pi-{name}",
                   allow_insecure=True)  # the test server is http://127.0.0.1
        agent.set_gate(tonight[gate])
        agent.refresh_manifest()
        agents.append(agent)
        if start:
            agent.start()
        return agent

    yield make
    for agent in agents:
        agent.stop()
        agent.store.close()
