# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Door-scan throughput on real multi-worker Odoo servers, beside stock register_attendee.

    .venv/bin/python bench/bench_scan.py [--tickets 10000] [--clients 8] [--workers 2] [--keep-db]
    .venv/bin/python bench/bench_scan.py --db soticket_bench_scan_x   # reuse kept databases (states reset)

soticket_scanner overrides event.registration.register_attendee (SoTicket tickets go through
its admission), so the stock paths are measured on a second database where only Odoo's
`event` is installed:

1. Creates two throwaway databases, both without demo data and with one event of --tickets
   valid (state "open") tickets, the same admin user (admin / admin) making the desk calls:
     soticket_bench_scan_<id>        soticket_scanner, a gate and one paired scanner per client
     soticket_bench_scan_<id>_stock  stock `event` only (addons path without SoTicket's);
                                     the stock barcodes; ticket e-mails left to the cron
                                     (event.event_mail_async, as SoTicket sets it)
2. Starts one `odoo-bin --workers=N` per database, same options, and checks each log: one
   gevent child, no respawn, no ERROR. Both stay up for the whole run; each path runs while
   the other server is idle (an idle prefork server sleeps in select(); its CPU during the
   other server's phases is measured and printed).
3. Each path scans distinct tickets once (every scan is a first admission), --clients
   concurrent clients, after a warm-up; the paths alternate in --rounds rounds:
     scanner  POST /soticket/scanner/v1/scan               soticket database
     call_kw  POST /web/dataset/call_kw register_attendee  stock database (the registration desk's path)
     jsonrpc  POST /jsonrpc execute_kw register_attendee   stock database
   Besides wall-clock scans/s and latency (which depend on whatever else runs on the
   machine), the CPU time of the path's own Odoo server (workers, gevent child) and of the
   PostgreSQL backends it uses (incl. the bus NOTIFY connection) is measured per scan, and
   gives the scans/s two dedicated cores could serve.
   Then a race on the scanner path: --race clients scan ONE ticket at the same instant:
   exactly one admitted.
4. Box side, offline: ticket_code.verify + SQLite state lookup, µs per scan.
5. Drops both databases (unless --keep-db or --db).

Loops are bounded by a scan count and a time limit per phase.
"""

import argparse
import base64
import contextlib
import http.client
import importlib.util
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PHASE_TIME_LIMIT = 120.0  # seconds, per round of a path
WARMUP_PER_CLIENT = 15

# Shared by both populate scripts: TICKETS open tickets of `event`, committed by thousands.
CREATE_TICKETS = r"""
ids = []
for start in range(0, TICKETS, 1000):
    ids += env["event.registration"].create([{
        "event_id": event.id, "event_ticket_id": event.event_ticket_ids.id, "name": f"Holder {i} Bench",
        "email": f"holder{i}@example.com", "state": "open",
    } for i in range(start, min(start + 1000, TICKETS))]).ids
    env.cr.commit()
"""

POPULATE = r"""
import json
from datetime import timedelta

from odoo import fields

ctx = dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True, lang="en_US")
env = env(context=ctx)
now = fields.Datetime.now()
product = env.ref("event_product.product_product_event")
event = env["event.event"].create({
    "name": "Bench night", "date_begin": now - timedelta(hours=1), "date_end": now + timedelta(hours=12),
    "doors_open": now - timedelta(hours=2),
    "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 20.0})],
})
gate = env["soticket.scanner.gate"].create({"name": "Main door", "event_id": event.id, "direction": "both"})
tokens = []
for index in range(CLIENTS):
    device = env["soticket.scanner.device"].create({"name": f"Bench box {index}", "event_ids": [(6, 0, event.ids)]})
    _device, token = env["soticket.scanner.device"]._pair(device._issue_pairing_code(), f"bench-{index}")
    tokens.append(token)
""" + CREATE_TICKETS + r"""
env.cr.execute("SELECT id, ticket_code, barcode FROM event_registration WHERE id = ANY(%s) ORDER BY id", [ids])
tickets = env.cr.fetchall()
uid = env.ref("base.user_admin").id
json.dump({"event_id": event.id, "gate_id": gate.id, "tokens": tokens, "tickets": tickets, "uid": uid},
          open(OUT, "w"))
env.cr.commit()
"""

# Stock `event` only: no product on the ticket category, no doors_open, no scanner.
POPULATE_STOCK = r"""
import json
from datetime import timedelta

from odoo import fields

ctx = dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True, lang="en_US")
env = env(context=ctx)
# As in the SoTicket database (soticket_base sets it): the ticket e-mails are left to the
# cron instead of being rendered inside each create. Admission (state done) sends none.
env["ir.config_parameter"].sudo().set_param("event.event_mail_async", "True")
now = fields.Datetime.now()
event = env["event.event"].create({
    "name": "Bench night", "date_begin": now - timedelta(hours=1), "date_end": now + timedelta(hours=12),
    "event_ticket_ids": [(0, 0, {"name": "Plein tarif"})],
})
""" + CREATE_TICKETS + r"""
env.cr.execute("SELECT id, NULL, barcode FROM event_registration WHERE id = ANY(%s) ORDER BY id", [ids])
tickets = env.cr.fetchall()
uid = env.ref("base.user_admin").id
json.dump({"event_id": event.id, "tickets": tickets, "uid": uid}, open(OUT, "w"))
env.cr.commit()
"""

RESET_SQL = (
    "DELETE FROM soticket_scan_log; "
    "UPDATE event_registration SET state = 'open', ticket_state = 'valid', soticket_inside = FALSE, "
    "date_closed = NULL WHERE event_id = (SELECT max(id) FROM event_event WHERE name->>'en_US' = 'Bench night')"
)
RESET_STOCK_SQL = (
    "UPDATE event_registration SET state = 'open', date_closed = NULL "
    "WHERE event_id = (SELECT max(id) FROM event_event WHERE name->>'en_US' = 'Bench night')"
)


def load_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = load_path("soticket_dev", REPO / "tools" / "soticket_dev.py")
codec = load_path("ticket_code", REPO / "addons" / "soticket_base" / "tools" / "ticket_code.py")


# --------------------------------------------------------------------------- setup
def odoo_cmd(odoo, pg, db, stock=False):
    """odoo-bin with its options; ``stock``: Odoo's addons only, SoTicket's off the path."""
    cmd = dev.odoo_base_cmd(odoo, pg, db)
    if stock:
        cmd[cmd.index("--addons-path") + 1] = str(odoo / "addons")
    return cmd


def create_database(odoo, pg, db, tickets, clients, log, stock=False):
    module, populate = ("event", POPULATE_STOCK) if stock else ("soticket_scanner", POPULATE)
    say(f"installing {module} into {db} (a few minutes)…")
    cmd = odoo_cmd(odoo, pg, db, stock)
    with open(log, "a") as out:
        subprocess.run(cmd + [
            "-i", module, "--without-demo=all", "--stop-after-init", "--max-cron-threads=0",
            "--http-port", str(dev.free_port())], check=True, stdout=out, stderr=subprocess.STDOUT)
    say(f"creating {tickets} tickets in {db}…")
    with tempfile.TemporaryDirectory() as tmp:
        out_path = Path(tmp) / "fixture.json"
        script = f"CLIENTS = {clients + 1}\nTICKETS = {tickets}\nOUT = {str(out_path)!r}\n" + populate
        with open(log, "a") as out:
            subprocess.run(cmd[:2] + ["shell"] + cmd[2:] + ["--no-http", "--log-level=warn"], input=script,
                           text=True, check=True, stdout=out, stderr=subprocess.STDOUT)
        return json.loads(out_path.read_text())


def prepare_database(odoo, pg, db, args, log, tickets, stock=False):
    """The fixture of ``db``: a kept database is reset (tickets not admitted), else created
    with ``tickets`` tickets."""
    cache = REPO / ".local" / f"{db}.json"
    if args.db and cache.exists():
        dev.psql(pg, RESET_STOCK_SQL if stock else RESET_SQL, db)
        return json.loads(cache.read_text())
    fixture = create_database(odoo, pg, db, tickets, max(args.clients, args.race), log, stock)
    if args.keep_db or args.db:
        cache.write_text(json.dumps(fixture))
    return fixture


def soticket_modules(pg, db):
    """(installed modules, of which SoTicket's) in ``db``."""
    rows = dev.psql(pg, "SELECT name FROM ir_module_module WHERE state = 'installed'", db)
    return len(rows), sorted(name for (name,) in rows if name.startswith("soticket"))


class Server:
    def __init__(self, odoo, pg, db, workers, log, stock=False):
        self.db = db
        self.port = dev.free_port()
        self.url = f"127.0.0.1:{self.port}"
        self.log = log
        base = odoo_cmd(odoo, pg, db, stock)
        if "--db-filter" in base:
            # A single-database server: -d alone names it. With --db-filter, Odoo lists the
            # databases on every request that has no session cookie (a scanner, /jsonrpc),
            # through a new, unpooled connection to the "postgres" database.
            at = base.index("--db-filter")
            del base[at:at + 2]
        self.cmd = base + [
            f"--workers={workers}", "--max-cron-threads=0", "--http-port", str(self.port),
            "--http-interface", "127.0.0.1", "--gevent-port", str(dev.free_port()), "--log-level=info"]
        self.proc = None
        self.log_start = 0

    def __enter__(self):
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        self.out = open(self.log, "a")  # closed in __exit__
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited early, see {self.log}")
            try:
                with urllib.request.urlopen(f"http://{self.url}/web/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"Odoo did not start, see {self.log}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()

    def log_text(self):
        with open(self.log, errors="replace") as fh:
            fh.seek(self.log_start)
            return fh.read()


# --------------------------------------------------------------------------- clients
class Client:
    """One door: a persistent HTTP connection (re-opened when the server closes it)."""

    def __init__(self, url, headers=None):
        self.host, self.port = url.split(":")
        self.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def post(self, path, body):
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, body=data, headers=self.headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return resp.status, payload, resp
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        return None

    def get(self, path):
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()


class CpuMeter:
    """CPU seconds used by the Odoo server (HTTP workers and the gevent child) and by the
    PostgreSQL backends its processes are connected to (the bench database, and the
    "postgres" database where the bus NOTIFY is sent): unlike wall-clock figures, these
    do not depend on what else runs on a shared machine."""

    def __init__(self, server_pid, pg):
        import psutil  # an Odoo requirement
        import psycopg2

        self.psutil = psutil
        self.server = psutil.Process(server_pid)
        self.cnx = psycopg2.connect(dbname="postgres", **{k: v for k, v in pg.items() if v})
        self.cnx.autocommit = True

    def _backend_pids(self, odoo_pids):
        # Odoo names its connections "odoo-<pid>" (workers inherit the prefork server's name).
        with self.cnx.cursor() as cr:
            cr.execute("SELECT pid FROM pg_stat_activity WHERE application_name = ANY(%s)",
                       [[f"odoo-{pid}" for pid in odoo_pids]])
            return [row[0] for row in cr.fetchall()]

    def close(self):
        self.cnx.close()

    def sample(self):
        """{pid: (kind, cpu seconds)} for the processes alive now."""
        odoo = [self.server, *self.server.children(recursive=True)]
        procs = [("odoo", p) for p in odoo]
        procs += [("pg", pid) for pid in self._backend_pids([p.pid for p in odoo])]
        out = {}
        for kind, proc_or_pid in procs:
            try:
                proc = self.psutil.Process(proc_or_pid) if kind == "pg" else proc_or_pid
                times = proc.cpu_times()
                out[proc.pid] = (kind, times.user + times.system)
            except self.psutil.Error:
                continue
        return out

    @staticmethod
    def used(before, after):
        spent = {"odoo": 0.0, "pg": 0.0}
        for pid, (kind, cpu) in after.items():
            spent[kind] += cpu - before.get(pid, (kind, 0.0))[1]
        return spent


def jsonrpc_body(params):
    return {"jsonrpc": "2.0", "method": "call", "id": random.randint(1, 10**9), "params": params}


def make_scanner(url, fixture, index):
    client = Client(url, {"Authorization": f"Bearer {fixture['tokens'][index]}"})

    def scan(ticket):
        status, payload, _resp = client.post("/soticket/scanner/v1/scan", {
            "code": ticket[1], "gate_id": fixture["gate_id"], "direction": "in", "nonce": uuid.uuid4().hex})
        return status == 200 and json.loads(payload)["result"] == "admitted"

    return scan


def make_call_kw(url, fixture, db):
    client = Client(url)
    status, _payload, resp = client.post("/web/session/authenticate", jsonrpc_body(
        {"db": db, "login": "admin", "password": "admin"}))
    cookie = re.search(r"session_id=([^;]+)", resp.getheader("Set-Cookie") or "")
    if status != 200 or not cookie:
        raise RuntimeError("cannot log in as admin")
    client.headers["Cookie"] = f"session_id={cookie.group(1)}"

    def scan(ticket):
        status, payload, _resp = client.post("/web/dataset/call_kw/event.registration/register_attendee", jsonrpc_body({
            "model": "event.registration", "method": "register_attendee", "args": [],
            "kwargs": {"barcode": ticket[2], "event_id": fixture["event_id"], "context": {"lang": "en_US"}}}))
        result = json.loads(payload).get("result") or {}
        return status == 200 and result.get("status") == "confirmed_registration"

    return scan


def make_jsonrpc(url, fixture, db):
    client = Client(url)

    def scan(ticket):
        status, payload, _resp = client.post("/jsonrpc", jsonrpc_body({
            "service": "object", "method": "execute_kw", "args": [
                db, fixture["uid"], "admin", "event.registration", "register_attendee", [],
                {"barcode": ticket[2], "event_id": fixture["event_id"]}]}))
        result = json.loads(payload).get("result") or {}
        return status == 200 and result.get("status") == "confirmed_registration"

    return scan


def run_phase(name, scanners, tickets):
    """Each client scans its share of ``tickets`` in a loop; returns the phase's figures."""
    shares = [tickets[i::len(scanners)] for i in range(len(scanners))]
    latencies, failures = [], []
    lock = threading.Lock()
    start_barrier = threading.Barrier(len(scanners) + 1)
    deadline = [0.0]

    def worker(scan, share):
        mine, bad = [], 0
        start_barrier.wait()
        for ticket in share:
            if time.monotonic() > deadline[0]:
                break
            began = time.perf_counter()
            try:
                ok = scan(ticket)
            except Exception:  # counted, the phase goes on
                ok = False
            mine.append(time.perf_counter() - began)
            bad += not ok
        with lock:
            latencies.extend(mine)
            failures.append(bad)

    threads = [threading.Thread(target=worker, args=pair) for pair in zip(scanners, shares, strict=True)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + PHASE_TIME_LIMIT
    began = time.perf_counter()
    start_barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return latencies, sum(failures), elapsed


def figures(name, latencies, failures, elapsed):
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000 if ordered else float("nan")

    return {"phase": name, "scans": len(ordered), "failed": failures, "seconds": round(elapsed, 2),
            "scans_per_s": round(len(ordered) / elapsed, 1) if elapsed else 0,
            "p50_ms": round(pct(50), 1), "p95_ms": round(pct(95), 1), "p99_ms": round(pct(99), 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else float("nan")}


def race(url, fixture, ticket, parallel):
    """``parallel`` scanners scan the same ticket at the same instant (one connection each)."""
    barrier = threading.Barrier(parallel)
    results, latencies = [], []
    lock = threading.Lock()

    def one(index):
        client = Client(url, {"Authorization": f"Bearer {fixture['tokens'][index % len(fixture['tokens'])]}"})
        barrier.wait()
        began = time.perf_counter()
        status, payload, _resp = client.post("/soticket/scanner/v1/scan", {
            "code": ticket[1], "gate_id": fixture["gate_id"], "direction": "in", "nonce": f"race-{index}"})
        with lock:
            latencies.append(time.perf_counter() - began)
            results.append(json.loads(payload).get("result") if status == 200 else f"HTTP {status}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counts = {result: results.count(result) for result in set(results)}
    return counts, max(latencies) * 1000 if latencies else float("nan")


# --------------------------------------------------------------------------- box side
def box_offline(fixture, public_key, iterations=5000):
    """µs per scan for what the box does offline: verify the signature, then look the
    ticket up in its SQLite state (tickets + revoked codes), as the agent will."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE ticket (id INTEGER PRIMARY KEY, version INTEGER, state TEXT, inside INTEGER)")
    db.execute("CREATE TABLE revoked (code TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO ticket VALUES (?, 1, 'valid', 0)", [(t[0],) for t in fixture["tickets"]])
    db.executemany("INSERT INTO revoked VALUES (?)", [(f"OLD{i}",) for i in range(500)])
    codes = [t[1] for t in fixture["tickets"]]
    rng = random.Random(7)
    sample = [rng.choice(codes) for _ in range(iterations)]

    def decide(code):
        result = codec.verify(code, public_key)
        if result.status != codec.STATUS_VALID:
            return "invalid"
        if db.execute("SELECT 1 FROM revoked WHERE code = ?", (codec.normalize(code),)).fetchone():
            return "revoked"
        row = db.execute("SELECT version, state, inside FROM ticket WHERE id = ?",
                         (result.payload.ticket_id,)).fetchone()
        if not row or row[0] != result.payload.version:
            return "revoked"
        return "already_in" if row[2] else "admitted"

    decide(sample[0])
    began = time.perf_counter()
    outcomes = [decide(code) for code in sample]
    micros = (time.perf_counter() - began) / iterations * 1e6
    assert set(outcomes) == {"admitted"}, set(outcomes)
    began = time.perf_counter()
    for code in sample:
        codec.verify(code, public_key)
    verify_only = (time.perf_counter() - began) / iterations * 1e6
    return micros, verify_only


# --------------------------------------------------------------------------- main
def say(msg):
    print(f"[bench_scan] {msg}", flush=True)


def log_checks(server):
    """(gevent child starts, gevent crashes, ERROR lines) in the server's log since it started."""
    text = server.log_text()
    errors = [line for line in text.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)]
    return text.count("Evented Service (longpolling) running on"), text.count("DistributionNotFound"), errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--race", type=int, default=24, help="concurrent scans of one ticket")
    parser.add_argument("--rounds", type=int, default=6, help="the paths alternate in this many rounds")
    parser.add_argument("--keep-db", action="store_true", help="keep both databases (and their fixtures)")
    parser.add_argument("--db", help="reuse this kept soticket database, and its stock one (--stock-db); "
                                     "their tickets are reset to not admitted")
    parser.add_argument("--stock-db", help="the stock database (default: the soticket one's name + _stock)")
    args = parser.parse_args()

    # bootstrap() also brings the venv up to date: its pinned setuptools lets Odoo's gevent child start.
    odoo, pg = dev.bootstrap()
    run_id = uuid.uuid4().hex[:8]
    logs = REPO / ".local" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"bench-scan-{run_id}.log"
    stock_log = logs / f"bench-scan-{run_id}-stock.log"
    db = args.db or f"soticket_bench_scan_{run_id}"
    stock_db = args.stock_db or f"{db}_stock"
    say(f"server logs: {log} ({db}), {stock_log} ({stock_db})")
    load_at_start = os.getloadavg()
    try:
        fixture = prepare_database(odoo, pg, db, args, log, args.tickets)
        # as many tickets as the soticket database (a kept one may have another count)
        stock_fixture = prepare_database(odoo, pg, stock_db, args, stock_log, len(fixture["tickets"]), stock=True)
        modules = {name: soticket_modules(pg, name) for name in (db, stock_db)}
        if modules[stock_db][1] or "soticket_scanner" not in modules[db][1]:
            raise RuntimeError(f"unexpected modules: {modules}")
        tickets, stock_tickets = fixture["tickets"], stock_fixture["tickets"]
        if len(tickets) != len(stock_tickets):
            raise RuntimeError(f"{db} has {len(tickets)} tickets, {stock_db} {len(stock_tickets)}")
        paths_db = {"scanner": db, "call_kw": stock_db, "jsonrpc": stock_db}
        say(f"{len(tickets)} tickets in each database, {args.clients} clients, --workers={args.workers}")
        for name, (count, ours) in modules.items():
            say(f"database {name}: {count} modules installed, SoTicket's: {', '.join(ours) or 'none'}")
        warm = WARMUP_PER_CLIENT * args.clients
        budget = len(tickets) - 3 * warm - 1
        share = budget // 3
        # The same slices as with one database: every path scans as many tickets.
        pools = {
            "scanner": (tickets[:warm], tickets[warm:warm + share]),
            "call_kw": (stock_tickets[warm + share:2 * warm + share],
                        stock_tickets[2 * warm + share:2 * warm + 2 * share]),
            "jsonrpc": (stock_tickets[2 * warm + 2 * share:3 * warm + 2 * share],
                        stock_tickets[3 * warm + 2 * share:3 * warm + 3 * share]),
        }
        race_ticket = tickets[-1]
        results = []
        # Both servers stay up: each path keeps its warm workers from round to round, and
        # the server not measured is idle (its CPU meanwhile is measured, see idle_cpu).
        with contextlib.ExitStack() as stack:
            servers = {
                db: stack.enter_context(Server(odoo, pg, db, args.workers, log)),
                stock_db: stack.enter_context(Server(odoo, pg, stock_db, args.workers, stock_log, stock=True)),
            }
            server = servers[db]
            status, body = Client(server.url, {"Authorization": f"Bearer {fixture['tokens'][0]}"}).get(
                f"/soticket/scanner/v1/manifest?event_id={fixture['event_id']}")
            manifest = json.loads(body)
            assert status == 200, body[:300]
            public_key = base64.b64decode(manifest["public_key"])
            say(f"manifest: {len(manifest['tickets'])} tickets, {len(body) / 1024:.0f} KiB")
            stock_url = servers[stock_db].url
            factories = {
                "scanner": lambda i: make_scanner(server.url, fixture, i),
                "call_kw": lambda _i: make_call_kw(stock_url, stock_fixture, stock_db),
                "jsonrpc": lambda _i: make_jsonrpc(stock_url, stock_fixture, stock_db),
            }
            # The paths alternate in short rounds, so that the load of a shared machine,
            # which drifts, weighs on each of them alike.
            scanners = {name: [factories[name](i) for i in range(args.clients)] for name in pools}
            for name, (warmup, _measured) in pools.items():
                run_phase(f"{name} warm-up", scanners[name], warmup)
            totals = {name: ([], 0, 0.0) for name in pools}
            cpu = {name: {"odoo": 0.0, "pg": 0.0} for name in pools}
            # CPU seconds of the other (idle) server during each path's phases
            idle_cpu = dict.fromkeys(pools, 0.0)
            meters = {name: CpuMeter(srv.proc.pid, pg) for name, srv in servers.items()}
            for round_no in range(args.rounds):
                for name, (_warmup, measured) in pools.items():
                    chunk = measured[round_no::args.rounds]
                    own = meters[paths_db[name]]
                    other = next(m for n, m in meters.items() if n != paths_db[name])
                    before, other_before = own.sample(), other.sample()
                    latencies, failed, elapsed = run_phase(name, scanners[name], chunk)
                    for kind, seconds in own.used(before, own.sample()).items():
                        cpu[name][kind] += seconds
                    idle_cpu[name] += sum(other.used(other_before, other.sample()).values())
                    done, bad, spent = totals[name]
                    totals[name] = (done + latencies, bad + failed, spent + elapsed)
            for meter in meters.values():
                meter.close()
            for name, (latencies, failed, elapsed) in totals.items():
                result = figures(name, latencies, failed, elapsed)
                result["db"] = paths_db[name]
                result["odoo_cpu_ms"] = round(cpu[name]["odoo"] * 1000 / max(len(latencies), 1), 2)
                result["pg_cpu_ms"] = round(cpu[name]["pg"] * 1000 / max(len(latencies), 1), 2)
                result["idle_server_cpu_ms_per_s"] = round(idle_cpu[name] * 1000 / elapsed, 1) if elapsed else 0
                results.append(result)
                say(json.dumps(result))
            counts, slowest = race(server.url, fixture, race_ticket, args.race)
            say(f"race on {db}: {args.race} simultaneous scans of one ticket -> {counts} (slowest {slowest:.0f} ms)")
            time.sleep(1)
            checks = {name: log_checks(srv) for name, srv in servers.items()}
        micros, verify_only = box_offline(fixture, public_key)

        print()
        print("load average (1, 5, 15 min) at start {:.1f} {:.1f} {:.1f}, at end {:.1f} {:.1f} {:.1f}".format(
            *load_at_start, *os.getloadavg()))
        print(f"Door scans, one Odoo --workers={args.workers} server per database, {len(tickets)} tickets in each, "
              f"{args.clients} concurrent clients ({os.cpu_count()} CPUs shared by servers, PostgreSQL and clients)")
        print(f"  scanner          on {db} (soticket_scanner, {modules[db][0]} modules)")
        print(f"  call_kw, jsonrpc on {stock_db} (stock event, {modules[stock_db][0]} modules, no SoTicket addon)")
        print(f"{'path':<10} {'database':<8} {'scans':>6} {'failed':>6} {'scans/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'Odoo CPU ms':>11} {'PG CPU ms':>9} {'2-core bound/s':>14} {'idle srv ms/s':>13}")
        for r in results:
            bound = 2000 / (r["odoo_cpu_ms"] + r["pg_cpu_ms"]) if r["odoo_cpu_ms"] + r["pg_cpu_ms"] else 0
            label = "stock" if r["db"] == stock_db else "soticket"
            print(f"{r['phase']:<10} {label:<8} {r['scans']:>6} {r['failed']:>6} {r['scans_per_s']:>8} "
                  f"{r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7} {r['odoo_cpu_ms']:>11} {r['pg_cpu_ms']:>9} "
                  f"{bound:>14.0f} {r['idle_server_cpu_ms_per_s']:>13}")
        print("(CPU ms per scan: the path's own Odoo server processes and the PostgreSQL backends they use; 2-core "
              "bound = the scans/s two dedicated cores could serve at that cost, clients and other processes "
              "excluded; idle srv = CPU ms per second used meanwhile by the other server and its backends)")
        print(f"race on {db}: {args.race} scans of one ticket -> {counts}")
        for name, (gevent_starts, gevent_crashes, errors) in checks.items():
            print(f"{name}: gevent child started {gevent_starts} time(s), crashed {gevent_crashes} time(s) "
                  f"(1 and 0 expected); "
                  f"{len(errors)} ERROR line(s) in the server log")
            for line in errors[:5]:
                print("   ", line[:200])
        print(f"box offline decision (verify + SQLite lookup): {micros:.0f} µs/scan "
              f"(verify alone {verify_only:.0f} µs)")
        ok = (counts == {"admitted": 1, "already_in": args.race - 1}
              and all(starts == 1 and not crashes and not errors for starts, crashes, errors in checks.values())
              and all(r["failed"] == 0 for r in results))
        return 0 if ok else 1
    finally:
        if not args.keep_db and not args.db:
            for name in (db, stock_db):
                dev.psql(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                shutil.rmtree(Path.home() / ".local" / "share" / "Odoo" / "filestore" / name, ignore_errors=True)
                say(f"dropped {name}")


if __name__ == "__main__":
    raise SystemExit(main())
