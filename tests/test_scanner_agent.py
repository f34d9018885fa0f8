# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The door box agent (addons/soticket_scanner/iot_box) against a real Odoo server.

The boxes pair with a pairing code, download the manifest, scan online, keep deciding
when the server is stopped (network cut), sync their outbox once it is back, and learn
revocations over Odoo's websocket bus.
"""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from scanner_fixtures import network_cut
from scanner_fixtures import wait_for

AGENT_DIR = Path(__file__).resolve().parents[1] / "addons" / "soticket_scanner"


def test_online_scan_then_already_in(make_agent, venue, tonight):
    agent = make_agent()
    (ticket_id, code), = venue.tickets(tonight["event"])

    first = agent.scan(code)
    assert (first.result, first.online, first.color) == ("admitted", True, "green")
    second = agent.scan(code)
    assert (second.result, second.online, second.color) == ("already_in", True, "orange")
    assert [color for color, _outcome in agent.feedback.shown] == ["green", "orange"]
    assert venue.ticket_state(ticket_id) == "admitted"
    # The server's answer updated the box: it would refuse the ticket alone too.
    assert agent.decide_local(code)[1].result == "already_in"
    assert agent.store.outbox_pending_count() == 0
    logs = venue.logs([first.nonce, second.nonce])
    assert [(log["result"], log["offline"]) for log in logs] == [("admitted", False), ("already_in", False)]


def test_network_cut_then_outbox_synced_once(make_agent, venue, tonight, scanner_server):
    agent = make_agent(start=True, sync_interval=0.5)
    (ticket_id, code), (revoked_id, old_code) = venue.tickets(tonight["event"], 2)
    venue.reissue(revoked_id)
    agent.refresh_manifest()  # incremental (cursor): brings the revocation
    assert agent.decide_local(old_code)[1].result == "revoked"

    with network_cut(scanner_server):
        admitted = agent.scan(code)
        refused = agent.scan(old_code)
        again = agent.scan(code)
        garbage = agent.scan("NOT-A-TICKET")
        assert (admitted.result, admitted.online, admitted.color) == ("admitted", False, "green")
        assert (refused.result, refused.reason, refused.online, refused.color) == ("revoked", "reissued", False, "red")
        assert (again.result, again.online) == ("already_in", False)
        assert (garbage.result, garbage.reason) == ("invalid", "garbled")
        assert not agent.online
        assert agent.store.outbox_pending_count() == 4
        assert agent.sync() == 0, "nothing can be sent while the server is down"

    # The background thread notices the server is back and sends the outbox.
    wait_for(lambda: agent.store.outbox_pending_count() == 0, timeout=60, message="the outbox to be synced")
    assert agent.online
    assert agent.sync() == 0
    nonces = [admitted.nonce, refused.nonce, again.nonce, garbage.nonce]
    # Sending the same scans again (a sync whose answer was lost) records nothing new.
    resent = agent.client.sync([{key: row[key] for key in ("code", "gate_id", "direction", "nonce", "scanned_at",
                                                           "local_result")} for row in agent.store.outbox()])
    assert all(result["replayed"] for result in resent["results"])
    logs = venue.logs(nonces)
    assert sorted(log["nonce"] for log in logs) == sorted(nonces), "one scan log row per nonce"
    by_nonce = {log["nonce"]: log for log in logs}
    assert (by_nonce[admitted.nonce]["result"], by_nonce[admitted.nonce]["offline"],
            by_nonce[admitted.nonce]["forced"]) == ("admitted", True, True)
    assert by_nonce[refused.nonce]["result"] == "revoked"
    assert by_nonce[again.nonce]["result"] == "already_in"
    assert not any(log["conflict"] for log in logs)
    assert venue.ticket_state(ticket_id) == "admitted"
    assert venue.ticket_state(revoked_id) == "valid", "its new code was never scanned"
    assert {row["nonce"]: row["server_result"] for row in agent.store.outbox()} == {
        admitted.nonce: "admitted", refused.nonce: "revoked", again.nonce: "already_in", garbage.nonce: "invalid"}
    # Online again: the next scan goes to the server.
    assert agent.scan(code).online


def test_two_boxes_admit_the_same_ticket_offline(make_agent, venue, tonight, scanner_server):
    main_box = make_agent("main_gate")
    side_box = make_agent("side_gate")
    (ticket_id, code), = venue.tickets(tonight["event"])
    main_box.refresh_manifest()
    side_box.refresh_manifest()

    with network_cut(scanner_server):
        at_main = main_box.scan(code)
        at_side = side_box.scan(code)
    assert (at_main.result, at_main.online) == ("admitted", False)
    assert (at_side.result, at_side.online) == ("admitted", False), "each box knows only its own scans"

    assert main_box.sync() == 1
    assert side_box.sync() == 1
    logs = {log["nonce"]: log for log in venue.logs([at_main.nonce, at_side.nonce])}
    assert len(logs) == 2
    assert (logs[at_main.nonce]["result"], logs[at_main.nonce]["conflict"]) == ("admitted", False)
    assert (logs[at_side.nonce]["result"], logs[at_side.nonce]["reason"], logs[at_side.nonce]["conflict"]) == (
        "already_in", "offline_conflict", True)
    assert logs[at_main.nonce]["gate_id"][0] == tonight["main_gate"]
    assert logs[at_side.nonce]["gate_id"][0] == tonight["side_gate"]
    assert venue.ticket_state(ticket_id) == "admitted"
    side_row, = side_box.store.outbox()
    assert (side_row["server_result"], side_row["conflict"]) == ("already_in", 1)


def test_offline_policy_for_unknown_tickets(make_agent, venue, tonight, scanner_server):
    """A signed ticket sold after the box's last update: admitted offline by default (a code is only
    issued to a confirmed ticket), refused when the event's policy says so."""
    def set_policy(policy):
        def write(env):
            event = env["event.event"].browse(tonight["event"])
            event.soticket_offline_unknown_policy = policy
            env.flush_all()  # committing the cursor alone leaves the ORM's pending write out
            env.cr.execute("SELECT soticket_offline_unknown_policy FROM event_event WHERE id = %s", [event.id])
            return env.cr.fetchone()[0]
        assert venue.run(write) == policy

    agent = make_agent()
    (_admitted_id, admitted_code), = venue.tickets(tonight["event"])  # sold after the box's manifest
    with network_cut(scanner_server):
        admitted = agent.scan(admitted_code)
    assert (admitted.result, admitted.reason, admitted.online) == ("admitted", "not_in_manifest", False)
    assert agent.sync() == 1

    set_policy("refuse")
    try:
        agent.refresh_manifest()  # incremental: brings the event's policy
        assert agent.manifest["event"]["offline_unknown_policy"] == "refuse"
        (ticket_id, code), = venue.tickets(tonight["event"])
        with network_cut(scanner_server):
            refused = agent.scan(code)
        assert (refused.result, refused.reason, refused.online, refused.color) == (
            "invalid", "unknown_offline", False, "red")
        assert agent.sync() == 1
        log, = venue.logs([refused.nonce])
        assert (log["result"], log["offline"], log["forced"], log["conflict"]) == ("invalid", True, False, False)
        assert venue.ticket_state(ticket_id) == "valid", "a refusal offline changes nothing"
        assert agent.scan(code).result == "admitted", "online, the server admits it"
    finally:
        set_policy("admit")


def test_revocation_reaches_the_box_over_the_bus(make_agent, venue, tonight):
    (ticket_id, old_code), = venue.tickets(tonight["event"])
    agent = make_agent(start=True, manifest_interval=3600)
    wait_for(agent.ws_connected.is_set, timeout=30, message="the websocket to connect")
    wait_for(lambda: agent.manifest_refreshes >= 2, message="the catch-up manifest after connecting")
    assert agent.decide_local(old_code)[1].result == "admitted"
    refreshes, cursor = agent.manifest_refreshes, agent.store.get("cursor")

    new_code = venue.reissue(ticket_id)

    wait_for(lambda: agent.decide_local(old_code)[1].result == "revoked", timeout=20,
             message="the revocation to arrive over the bus")
    assert agent.decide_local(old_code)[1].reason == "reissued"
    assert agent.store.is_revoked(old_code)
    assert (agent.manifest_refreshes, agent.store.get("cursor")) == (refreshes, cursor), "no manifest download"
    assert agent.notifications >= 1
    assert agent.decide_local(new_code)[1].result == "admitted"
    # Admissions at other gates arrive the same way.
    other = make_agent("side_gate")
    assert other.scan(new_code).result == "admitted"
    wait_for(lambda: agent.decide_local(new_code)[1].result == "already_in", timeout=20,
             message="the other gate's admission to arrive over the bus")


def test_cli_pairs_then_scans_a_file(venue, tonight, scanner_server, tmp_path):
    """What a laptop or a box without a USB scanner runs: ``python -m iot_box ... --input file:PATH``."""
    (_ticket_id, code), = venue.tickets(tonight["event"])
    scans = tmp_path / "scans.txt"
    scans.write_text(f"{code}\n{code.lower()}\nNOT-A-TICKET\n")
    pairing_code = venue.pairing_code(f"CLI box {tonight['tag']}", tonight["event"])
    result = subprocess.run(
        [sys.executable, "-m", "iot_box", "--db", str(tmp_path / "cli.sqlite"), "--server", scanner_server.url,
         "--allow-insecure", "--pair", pairing_code, "--gate", str(tonight["main_gate"]), "--input", f"file:{scans}",
         "--no-websocket"],
        cwd=AGENT_DIR, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.split()[:1] in (["GREEN"], ["ORANGE"], ["RED"])]
    assert [line.split()[:2] for line in lines] == [["GREEN", "admitted"], ["ORANGE", "already_in"],
                                                     ["RED", "invalid"]], result.stdout
    assert f"--gate {tonight['main_gate']}: Main door" in result.stdout


def test_socket_input_of_the_iot_box_driver(make_agent, venue, tonight, tmp_path):
    """The hw_drivers driver hands each barcode to the agent as a datagram on its Unix socket."""
    from iot_box import inputs

    agent = make_agent()
    (_ticket_id, code), = venue.tickets(tonight["event"])
    path = tmp_path / "scans.sock"
    reader = threading.Thread(target=agent.run, args=(inputs.SocketReader(path),), daemon=True)
    reader.start()
    wait_for(path.exists, message="the agent's socket")
    inputs.send_to_socket(code, path)
    wait_for(lambda: agent.feedback.shown, message="the scan")
    assert agent.feedback.shown[0][1].result == "admitted"
    agent.stop()
    reader.join(timeout=5)


# Run in a child process: importing hw_drivers starts the IoT box's device manager thread.
DRIVER_IMPORT = """
import importlib.util, sys
import odoo
odoo.tools.config.parse_config(["-c", sys.argv[1]])
try:
    from odoo.addons.hw_drivers.iot_handlers.drivers.KeyboardUSBDriver_L import KeyboardUSBDriver
except Exception as exc:  # netifaces, evdev, the "pi" user...: only found on an IoT box
    print("SKIP", type(exc).__name__, exc)
    sys.exit(0)
spec = importlib.util.spec_from_file_location(
    "odoo.addons.hw_drivers.iot_handlers.drivers.SoticketScannerDriver_L", sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert issubclass(module.SoticketScannerDriver, KeyboardUSBDriver)
assert module.SoticketScannerDriver.priority > KeyboardUSBDriver.priority
print("OK")
"""


def test_iot_box_driver_loads_like_an_iot_handler():
    """hw_drivers loads the driver file the way it loads its own iot_handlers."""
    driver = AGENT_DIR / "iot_box" / "iot_handlers" / "drivers" / "SoticketScannerDriver_L.py"
    result = subprocess.run([sys.executable, "-c", DRIVER_IMPORT, os.environ["ODOO_RC"], str(driver)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    if result.stdout.startswith("SKIP"):
        pytest.skip(f"hw_drivers cannot be imported outside an IoT box: {result.stdout.strip()}")
    assert result.stdout.strip().endswith("OK")


def test_offline_messages_in_the_venues_language(venue, tonight, scanner_server, tmp_path):
    """A box of a French-speaking venue shows French when it decides alone (the manifest's catalogue)."""
    from iot_box.agent import Agent
    from iot_box.feedback import RecordingFeedback

    def french_venue(env):
        env["res.lang"]._activate_lang("fr_FR")
        env["ir.module.module"].search([("name", "=", "soticket_scanner")])._update_translations(["fr_FR"])
        previous = env.company.partner_id.lang
        env.company.partner_id.lang = "fr_FR"
        return previous

    def french_scanner(env):
        # created by the venue's French-speaking manager: the scanner's language defaults to hers
        device = env["soticket.scanner.device"].with_context(lang="fr_FR").create(
            {"name": f"Boîtier FR {tonight['tag']}", "event_ids": [(6, 0, [tonight["event"]])]})
        return device.lang, device._issue_pairing_code()

    previous_lang = venue.run(french_venue)
    agent = Agent(tmp_path / "fr.sqlite", RecordingFeedback())
    try:
        (_ticket_id, code), (reissued_id, old_code) = venue.tickets(tonight["event"], 2)
        venue.reissue(reissued_id)
        device_lang, pairing_code = venue.run(french_scanner)
        assert device_lang == "fr_FR"
        agent.pair(scanner_server.url, pairing_code, device_name="pi-fr", allow_insecure=True)
        agent.set_gate(tonight["main_gate"])
        agent.refresh_manifest()
        assert agent.store.messages()["admitted"] == "Bienvenue ! %(category)s"

        with network_cut(scanner_server):
            admitted = agent.scan(code)
            refused = agent.scan(old_code)
        assert (admitted.result, admitted.online) == ("admitted", False)
        assert admitted.message == "Bienvenue ! Plein tarif"
        assert (refused.result, refused.reason, refused.online) == ("revoked", "reissued", False)
        assert refused.message == "Ancien code : ce billet a été réémis. Demandez au porteur le dernier e-billet."
        assert [outcome.message for _color, outcome in agent.feedback.shown] == [admitted.message, refused.message]
        # Online, the server answers in the same language.
        assert agent.sync() == 2
        assert agent.scan(old_code).message == refused.message
    finally:
        agent.store.close()
        venue.run(lambda env: env.company.partner_id.write({"lang": previous_lang}))


def test_box_refuses_plain_http_and_local_servers(tmp_path):
    """The token must not travel in clear nor to a local address unless the box is told so."""
    from iot_box.client import Client

    for server in ("http://billetterie.example.org", "https://127.0.0.1:8069", "https://localhost",
                   "https://192.168.1.20", "https://[fe80::1]", "https://169.254.1.1"):
        with pytest.raises(ValueError, match=r"plain http|loopback, private or link-local"):
            Client(server, "sst_x")
    assert Client("https://billetterie.example.org", "sst_x").server == "https://billetterie.example.org"
    assert Client("http://127.0.0.1:8069/", "sst_x", allow_insecure=True).server == "http://127.0.0.1:8069"
    with pytest.raises(ValueError, match="http"):
        Client("file:///etc/passwd", allow_insecure=True)
    # The command line refuses before sending the pairing code anywhere.
    result = subprocess.run(
        [sys.executable, "-m", "iot_box", "--db", str(tmp_path / "box.sqlite"), "--server", "http://127.0.0.1:9",
         "--pair", "ABCDE-FGHJK"], cwd=AGENT_DIR, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "--allow-insecure" in result.stderr
