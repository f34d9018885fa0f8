# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The door box agent: decide every scan at once, tell the server, keep working offline.

For each scan the box first decides alone, from its local state (``decide.py``); then:

- online, it sends the scan to ``POST /scan`` (short timeout) and shows the server's answer;
- when the server cannot be reached, it shows its own decision and keeps the scan in the
  SQLite outbox, which a background thread sends to ``POST /sync`` once the server answers
  again. Each scan carries a nonce: sending it twice records it once.

A websocket on Odoo's ``/websocket`` (the manifest's bus channel) brings scans made at the
other gates, tickets cancelled or reissued and revoked codes, so that the box refuses them
even when it loses the server later. The manifest (tickets, revocations, the venue's
public key, gates and admission window, the messages in the venue's language) is
downloaded at start and then incrementally with its cursor.
"""

import argparse
import base64
import json
import logging
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import decide as local
from .client import ApiError
from .client import Client
from .client import NetworkError
from .feedback import CommandFeedback
from .feedback import ConsoleFeedback
from .store import Store

_logger = logging.getLogger("soticket.box")

DEFAULT_DB = "/var/lib/soticket-scanner/box.sqlite"
WS_VERSION = "18.0-5"  # odoo/addons/bus/websocket.py WebsocketConnectionHandler._VERSION


@dataclass(frozen=True)
class ScanOutcome:
    result: str
    reason: str
    message: str
    online: bool  # answered by the server (else: decided by the box alone)
    nonce: str
    local_result: str  # what the box decided alone
    ticket_id: int | None = None
    conflict: bool = False

    @property
    def color(self):
        return local.COLORS.get(self.result, "red")


class Agent:
    def __init__(self, store, feedback=None, scan_timeout=2.0, sync_interval=5.0, manifest_interval=300.0,
                 websocket=True):
        self.store = store if isinstance(store, Store) else Store(store)
        self.feedback = feedback or ConsoleFeedback()
        self.scan_timeout = scan_timeout
        self.sync_interval = sync_interval
        self.manifest_interval = manifest_interval
        self.use_websocket = websocket
        self.fixed_direction = None  # None: the gate's direction ("in" at a gate both ways)
        self.online = True  # until a request fails
        self.manifest_refreshes = 0
        self.notifications = 0
        self.ws_connected = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._sync_lock = threading.Lock()
        self._threads = []
        self._manifest_due = 0.0
        self._client = None

    # ------------------------------------------------------------------ configuration
    @property
    def client(self):
        if self._client is None:
            server, token = self.store.get("server"), self.store.get("token")
            if not (server and token):
                raise RuntimeError("this box is not paired: run it once with --server URL --pair CODE")
            self._client = Client(server, token, lang=self.store.get("lang"),
                                  allow_insecure=bool(self.store.get("allow_insecure")))
        return self._client

    @property
    def gate_id(self):
        return self.store.get("gate_id")

    @property
    def manifest(self):
        return self.store.get("manifest")

    @property
    def direction(self):
        if self.fixed_direction:
            return self.fixed_direction
        gate = self._gate()
        return "out" if gate and gate.get("direction") == "out" else "in"

    def pair(self, server, pairing_code, device_name=None, allow_insecure=False):
        """Trade a pairing code (shown in Odoo, *Door control > Scanners > Pair*) for the token.

        ``server`` must be an https URL of a public address unless ``allow_insecure`` (kept for the
        next runs: tests, a server on the venue's local network)."""
        answer = Client(server, allow_insecure=allow_insecure).pair(pairing_code, device_name or socket.gethostname())
        self.store.set(server=server.rstrip("/"), allow_insecure=bool(allow_insecure), token=answer["token"],
                       device_id=answer["device_id"],
                       device_name=answer["device_name"], paired_gates=answer["gates"], manifest=None, cursor=None)
        self._client = None
        return answer

    def set_gate(self, gate_id):
        """Scan at ``gate_id`` (a gate of the pairing answer); a gate of another event drops the manifest."""
        gates = {g["id"]: g for g in self.store.get("paired_gates") or []}
        manifest = self.manifest
        if manifest:
            gates.update({g["id"]: g for g in manifest["gates"]})
        if gate_id not in gates:
            raise ValueError(f"gate {gate_id} is not one of this scanner's gates: {sorted(gates)}")
        if self.gate_id != gate_id or not manifest or manifest["event"]["id"] != gates[gate_id]["event_id"]:
            self.store.set(gate_id=gate_id, event_id=gates[gate_id]["event_id"])
            if manifest and manifest["event"]["id"] != gates[gate_id]["event_id"]:
                self.store.set(manifest=None, cursor=None)

    def _gate(self):
        manifest = self.manifest or {}
        return next((g for g in manifest.get("gates", []) if g["id"] == self.gate_id), None)

    # ------------------------------------------------------------------ manifest
    def refresh_manifest(self, full=False):
        """Download what changed since the last manifest (everything the first time)."""
        event_id = self.store.get("event_id")
        if not event_id:
            raise RuntimeError("no gate chosen: run the box with --gate ID")
        since = None if full or not self.manifest else self.store.get("cursor")
        answer = self._request(lambda: self.client.manifest(event_id, since))
        # rows are upserts (a delta may repeat some); unsynced offline admissions win (Store.upsert_tickets)
        self.store.upsert_tickets(answer["tickets"])
        self.store.add_revoked(answer["revoked"])
        self.store.set_messages(answer.get("messages"))  # absent from an older server: keep the English ones
        manifest = {key: answer[key] for key in ("event", "gates", "categories", "bus", "public_key", "key_id")}
        self.store.set(manifest=manifest, cursor=answer["cursor"])
        self.manifest_refreshes += 1
        self._manifest_due = time.monotonic() + self.manifest_interval
        return answer

    def _public_key(self):
        return base64.b64decode(self.manifest["public_key"])

    # ------------------------------------------------------------------ scans
    def decide_local(self, raw, direction=None):
        """The box's own decision (no network): (normalized code, Decision)."""
        if not self.manifest:
            raise RuntimeError("no manifest yet: the box must reach the server once after pairing")
        return local.decide(self.store, self.manifest, self._public_key(), self.gate_id, direction or self.direction,
                            raw)

    def scan(self, raw, direction=None):
        """Handle one scan end to end and show the result; returns the ScanOutcome."""
        direction = direction or self.direction
        code, decision = self.decide_local(raw, direction)
        nonce = uuid.uuid4().hex
        scanned_at = local.utcnow().isoformat(timespec="seconds") + "Z"
        outcome = None
        if self.online and self.store.outbox_pending_count():
            self.sync()  # the server must see the offline scans first (it applies scans in order)
        if self.online and not self.store.outbox_pending_count():
            try:
                answer = self._request(lambda: self.client.scan({
                    "code": code, "gate_id": self.gate_id, "direction": direction, "nonce": nonce,
                    "scanned_at": scanned_at}, timeout=self.scan_timeout))
            except NetworkError:
                answer = None
            except ApiError as exc:  # e.g. a revoked scanner: nothing was recorded, show why
                answer = {"result": "invalid", "reason": exc.code, "message": exc.message}
            if answer is not None:
                self._apply_ticket(answer.get("ticket"), decision)
                outcome = ScanOutcome(answer["result"], answer["reason"], answer["message"], True, nonce,
                                      decision.result, decision.ticket_id, bool(answer.get("conflict")))
        if outcome is None:
            self._record_offline(code, decision, direction, nonce, scanned_at)
            outcome = ScanOutcome(decision.result, decision.reason, decision.message, False, nonce, decision.result,
                                  decision.ticket_id)
        self.feedback.show(outcome.color, outcome)
        return outcome

    def _record_offline(self, code, decision, direction, nonce, scanned_at):
        presence = None
        if decision.result == "admitted":
            presence = (decision.ticket_id, "admitted", True, decision.version, decision.category_id)
        elif decision.result == "exit_recorded" and self.store.ticket(decision.ticket_id):
            presence = (decision.ticket_id, self.store.ticket(decision.ticket_id)["state"], False)
        self.store.outbox_add({"nonce": nonce, "code": code, "ticket_id": decision.ticket_id, "gate_id": self.gate_id,
                               "direction": direction, "scanned_at": scanned_at, "local_result": decision.result},
                              presence)
        self.feedback.status(self.online, self.store.outbox_pending_count())

    def _apply_ticket(self, ticket, decision):
        """The server's answer tells the ticket's state: keep the local copy in step."""
        if ticket and ticket.get("id") and ticket.get("state"):
            same = ticket["id"] == decision.ticket_id
            self.store.set_presence(ticket["id"], ticket["state"], bool(ticket.get("inside")),
                                    decision.version if same else None, decision.category_id if same else None)

    # ------------------------------------------------------------------ outbox
    def sync(self):
        """Send the outbox to ``POST /sync``; return how many scans the server acknowledged.

        Idempotent: the server records each nonce once and answers a resent one from its log.
        """
        done = 0
        with self._sync_lock:
            while True:
                pending = self.store.outbox_pending(limit=1000)
                if not pending:
                    break
                scans = [{key: scan[key] for key in ("code", "gate_id", "direction", "nonce", "scanned_at",
                                                     "local_result")} for scan in pending]
                try:
                    answer = self._request(lambda scans=scans: self.client.sync(scans))
                except (NetworkError, ApiError) as exc:
                    _logger.info("sync postponed: %s", exc)
                    break
                now = local.utcnow().isoformat(timespec="seconds") + "Z"
                for scan, outcome in zip(pending, answer["results"], strict=True):
                    self.store.outbox_done(scan["nonce"], now, outcome)
                    if "error" in outcome:
                        _logger.warning("offline scan %s refused by the server: %s", scan["nonce"],
                                        outcome.get("message"))
                    elif outcome.get("ticket") and self.store.ticket(outcome["ticket"].get("id")):
                        row = self.store.ticket(outcome["ticket"]["id"])
                        self.store.upsert_tickets([{**row, "state": outcome["ticket"]["state"],
                                                    "inside": outcome["ticket"]["inside"]}])
                    done += 1
        if done:
            self.feedback.status(self.online, self.store.outbox_pending_count())
        return done

    def _request(self, call):
        """Run one API call, tracking whether the server answers."""
        try:
            answer = call()
        except NetworkError:
            self._set_online(False)
            raise
        self._set_online(True)
        return answer

    def _set_online(self, online):
        if online != self.online:
            self.online = online
            _logger.info("server %s", "reachable again" if online else "unreachable: deciding offline")
            self.feedback.status(online, self.store.outbox_pending_count())

    # ------------------------------------------------------------------ bus
    def apply_notification(self, notification):
        """Apply one bus notification ``{id, message: {type, payload}}`` to the local state."""
        message = notification.get("message") or {}
        kind, payload = message.get("type"), message.get("payload") or {}
        if kind == "soticket_scan" and payload.get("ticket"):
            self.store.upsert_tickets([payload["ticket"]])
        elif kind == "soticket_ticket":
            self.store.upsert_tickets(payload.get("tickets") or [])
        elif kind == "soticket_revocation":
            self.store.add_revoked(payload.get("revoked") or [])
        else:
            return
        self.notifications += 1
        if notification.get("id"):
            self.store.set(bus_last=max(notification["id"], self.store.get("bus_last") or 0))

    def _websocket_loop(self):
        import websocket  # noqa: PLC0415 - websocket-client: only the listener needs it

        backoff = 1
        while not self._stop.is_set():
            manifest = self.manifest
            if not manifest:
                self._stop.wait(1)
                continue
            server = self.client.server
            url = server.replace("http", "ws", 1) + f"/websocket?version={WS_VERSION}"
            ws = None
            try:
                ws = websocket.create_connection(url, timeout=10, origin=server)
                ws.send(json.dumps({"event_name": "subscribe", "data": {
                    "channels": [manifest["bus"]["channel"]], "last": self.store.get("bus_last") or 0}}))
                ws.settimeout(1)
                self.ws_connected.set()
                backoff = 1
                self._manifest_due = 0  # catch up on what the bus may have dropped while disconnected
                self._wake.set()
                while not self._stop.is_set():
                    try:
                        data = ws.recv()
                    except websocket.WebSocketTimeoutException:
                        continue
                    if not data:
                        break
                    for notification in json.loads(data):
                        self.apply_notification(notification)
            except (websocket.WebSocketException, OSError, ValueError) as exc:
                _logger.debug("websocket: %s", exc)
            finally:
                self.ws_connected.clear()
                if ws is not None:
                    ws.close()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 30)

    # ------------------------------------------------------------------ background
    def _background_loop(self):
        while not self._stop.is_set():
            self._wake.wait(self.sync_interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if time.monotonic() >= self._manifest_due or not self.online:
                    self.refresh_manifest()
                if self.store.outbox_pending_count():
                    self.sync()
            except (NetworkError, ApiError) as exc:
                _logger.debug("background: %s", exc)
            except Exception:
                _logger.exception("background sync failed")

    def start(self):
        """Start the background sync and (unless disabled) the websocket listener."""
        self._stop.clear()
        targets = [self._background_loop] + ([self._websocket_loop] if self.use_websocket else [])
        for target in targets:
            thread = threading.Thread(target=target, name=f"soticket-box-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=15)
        self._threads = []

    def run(self, reader):
        """Feed every scan of ``reader`` to :meth:`scan` until it ends (or forever)."""
        def handle(raw):
            try:
                self.scan(raw)
            except Exception:
                _logger.exception("scan failed")
                self.feedback.show("red", ScanOutcome(
                    "invalid", "box_error", local.message(self.store.messages(), "box_error"), False, "", "invalid"))
        reader.run(handle, self._stop)

    def status(self):
        return {"server": self.store.get("server"), "device_id": self.store.get("device_id"),
                "gate_id": self.gate_id, "event_id": self.store.get("event_id"), "cursor": self.store.get("cursor"),
                "online": self.online, "outbox_pending": self.store.outbox_pending_count(), **self.store.counts()}


# ---------------------------------------------------------------------- command line
def _reader(spec):
    from . import inputs  # noqa: PLC0415

    kind, _sep, arg = spec.partition(":")
    if kind == "stdin":
        return inputs.LineReader(sys.stdin)
    if kind == "file":
        return inputs.LineReader(Path(arg).open(encoding="utf-8"))
    if kind == "socket":
        return inputs.SocketReader(arg or inputs.DEFAULT_SOCKET)
    if kind == "evdev":
        return inputs.EvdevReader(arg)
    raise SystemExit(f"unknown --input {spec!r}: stdin, file:PATH, socket[:PATH] or evdev:/dev/input/...")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m iot_box", description="SoTicket door box agent")
    parser.add_argument("--db", default=DEFAULT_DB, help="the box's SQLite state (default: %(default)s)")
    parser.add_argument("--server", help="the venue's Odoo URL, e.g. https://billetterie.example.org")
    parser.add_argument("--pair", metavar="CODE", help="pair with this one-time code (needs --server)")
    parser.add_argument("--allow-insecure", action="store_true",
                        help="with --pair: accept a plain http server or a loopback/private address (tests, a server "
                             "on the venue's local network); the token then travels in clear")
    parser.add_argument("--name", help="name the box reports when pairing (default: its host name)")
    parser.add_argument("--gate", type=int, help="id of the gate this box scans at (kept for the next runs)")
    parser.add_argument("--direction", choices=["in", "out"], help="default: the gate's direction, else in")
    parser.add_argument("--input", default="stdin",
                        help="stdin, file:PATH, socket[:PATH] (the IoT box driver) or evdev:/dev/input/by-id/...")
    parser.add_argument("--feedback-command", help="program run as `CMD color result reason` after each scan")
    parser.add_argument("--no-websocket", action="store_true", help="do not listen to the server's bus")
    parser.add_argument("--scan-timeout", type=float, default=2.0, help="seconds before a scan is decided offline")
    parser.add_argument("--status", action="store_true", help="print the box's state and exit")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    feedback = ConsoleFeedback()
    if args.feedback_command:
        feedback = CommandFeedback(args.feedback_command.split(), inner=feedback)
    agent = Agent(Store(args.db), feedback, scan_timeout=args.scan_timeout, websocket=not args.no_websocket)
    if args.pair:
        if not args.server:
            parser.error("--pair needs --server")
        try:
            answer = agent.pair(args.server, args.pair, args.name, allow_insecure=args.allow_insecure)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"Paired as scanner #{answer['device_id']} ({answer['device_name']}). Gates:")
        for gate in answer["gates"]:
            print(f"  --gate {gate['id']}: {gate['name']} ({gate['direction']}, event {gate['event_id']})")
    if args.gate:
        agent.set_gate(args.gate)
    if args.status:
        print(json.dumps(agent.status(), indent=2))
        return 0
    if not agent.gate_id:
        if args.pair:
            return 0
        parser.error("choose the gate with --gate ID (see the list printed when pairing)")
    agent.fixed_direction = args.direction
    try:
        agent.refresh_manifest()
    except (NetworkError, ApiError) as exc:
        if not agent.manifest:
            raise SystemExit(f"cannot download the manifest, and none is stored yet: {exc}")
        _logger.warning("server unreachable (%s): starting offline with the stored manifest", exc)
    agent.start()
    try:
        agent.run(_reader(args.input))
        agent.sync()  # input ended (a file, stdin): send what is left
    except KeyboardInterrupt:
        pass
    finally:
        agent.stop()
    return 0
