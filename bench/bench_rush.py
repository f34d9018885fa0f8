# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""On-sale rush through a real Odoo server over JSON-RPC: stock Odoo 18 beside SoTicket.

    .venv/bin/python bench/bench_rush.py [--buyers 200] [--seats 150] [--clients 8]
        [--setups stock,stock_sync_mail,soticket] [--modes threaded,workers] [--keep-db]

Each buyer (one client thread of --clients) creates a sale order for one ticket and
confirms it (execute_kw as admin). Every event carries the production ticket e-mail
(an after_sub scheduler with the stock template event.event_subscription).

Setups:
  stock            stock Odoo 18 (website_event_sale only), ticket e-mail sent by the cron
                   after the sale (event.event_mail_async=True), as SoTicket does;
  stock_sync_mail  the same database with Odoo's default: event.event_mail_async unset, the
                   e-mail and its wkhtmltopdf ticket are made inside the confirmation;
  soticket         soticket_base installed (seat holds, after-commit numbering, async e-mail).
Modes: threaded (odoo-bin's default server) and workers (--workers=2, prefork).

The script creates its databases (bench_stock_<id>, bench_soticket_<id>) with
odoo-bin -i … --without-demo=all --stop-after-init, starts each server on a free port
of 127.0.0.1, stops it, and drops the databases at the end (unless --keep-db).
Every wait is bounded (--run-timeout per rush, --rpc-timeout per call).
"""

import argparse
import contextlib
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOG_DIR = REPO / ".local" / "logs"
ADMIN = ("admin", "admin")  # base data's administrator, databases made without demo


def load_dev():
    spec = importlib.util.spec_from_file_location("soticket_dev", REPO / "tools" / "soticket_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEV = load_dev()


# --------------------------------------------------------------------------- JSON-RPC
class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class Rpc:
    def __init__(self, url, db, timeout):
        self.url = f"{url}/jsonrpc"
        self.db = db
        self.timeout = timeout
        self._ids = itertools.count()
        self.uid = self.call("common", "login", db, *ADMIN)

    def call(self, service, method, *args):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                           "params": {"service": service, "method": method, "args": args}}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RpcError(data.get("name", "error"), data.get("message") or answer["error"].get("message", ""))
        return answer["result"]

    def __call__(self, model, method, args, **kwargs):
        return self.call("object", "execute_kw", self.db, self.uid, ADMIN[1], model, method, args, kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        return self("ir.model.data", "search_read", [[("module", "=", module), ("name", "=", name)]],
                    fields=["res_id"])[0]["res_id"]


# --------------------------------------------------------------------------- databases and servers
def create_db(odoo, pg, db, modules, log):
    DEV.say(f"creating {db} with {modules} (a few minutes)…")
    with open(log, "a") as out:
        subprocess.run(DEV.odoo_base_cmd(odoo, pg, db) + ["-i", modules, "--without-demo=all", "--stop-after-init",
                                                          "--max-cron-threads=0"],
                       stdout=out, stderr=subprocess.STDOUT, check=True, timeout=1800)


def drop_db(pg, db):
    DEV.psql(pg, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(Path.home() / ".local" / "share" / "Odoo" / "filestore" / db, ignore_errors=True)


class Server:
    def __init__(self, odoo, pg, db, mode, log):
        self.port = DEV.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.log_start = log.stat().st_size if log.exists() else 0
        cmd = DEV.odoo_base_cmd(odoo, pg, db) + [
            "--http-port", str(self.port), "--http-interface", "127.0.0.1", "--max-cron-threads=0",
            "--logfile", str(log), "--log-handler", "werkzeug:WARNING"]
        if mode == "workers":
            cmd += ["--workers=2", "--gevent-port", str(DEV.free_port())]
        # Output too: a child dying before Odoo's logging is set up only writes to stderr.
        with open(log, "a") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited early, see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer on {self.url} within {timeout}s, see {self.log}")

    def log_text(self):
        with open(self.log, errors="replace") as fh:
            fh.seek(self.log_start)
            return fh.read()

    def stop(self):
        # Our own server's process group: workers, gevent child and any wkhtmltopdf left behind
        # by a killed worker (those outlive the master otherwise).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def server_health(server, mode):
    """Problems seen in this server's log: a respawning gevent child, tracebacks."""
    text = server.log_text()
    notes = []
    if mode == "workers":
        gevent_starts = text.count("Evented Service (longpolling) running on")
        gevent_deaths = text.count("distribution was not found")
        if gevent_starts != 1 or gevent_deaths:
            notes.append(f"gevent child: {gevent_starts} start(s), {gevent_deaths} crash(es) at start (respawning)")
    crits = sum(1 for line in text.splitlines() if " CRITICAL " in line)
    if crits:
        notes.append(f"{crits} CRITICAL log lines")
    killed = len(re.findall(r"WorkerHTTP \(\d+\) timeout after|virtual real time limit|CPU time limit", text))
    if killed:
        notes.append(f"{killed} worker kill(s) on time limit")
    return notes


# --------------------------------------------------------------------------- the rush
def prepare_event(rpc, args, setup, run_id, server_url):
    params = "ir.config_parameter"
    rpc(params, "set_param", ["event.event_mail_async", setup != "stock_sync_mail"])
    # wkhtmltopdf (stock ticket in the e-mail) fetches its CSS from this server.
    rpc(params, "set_param", ["report.url", server_url])
    rpc(params, "set_param", ["web.base.url", server_url])
    product = rpc.ref("event_product.product_product_event")
    template = rpc.ref("event.event_subscription")
    event_id = rpc("event.event", "create", [{
        "name": f"Rush {setup} {run_id}",
        "date_begin": "2030-06-21 18:00:00", "date_end": "2030-06-21 23:00:00",
        "seats_limited": True, "seats_max": args.seats,
        "event_ticket_ids": [(0, 0, {"name": "Full price", "product_id": product, "price": 20.0})],
        "event_mail_ids": [(5, 0, 0), (0, 0, {"interval_type": "after_sub", "interval_unit": "now",
                                              "interval_nbr": 0, "template_ref": f"mail.template,{template}"})],
    }])
    ticket_id = rpc("event.event.ticket", "search", [[("event_id", "=", event_id)]])[0]
    partner_ids = rpc("res.partner", "create", [[
        {"name": f"Buyer {run_id}-{index}", "email": f"buyer{index}.{run_id}@example.com"}
        for index in range(args.buyers)]])
    return event_id, ticket_id, product, partner_ids


def classify(exc):
    if isinstance(exc, RpcError):
        text = f"{exc.name} {exc.message}"
        if "ValidationError" in exc.name and ("Sold out" in exc.message or "seats available" in exc.message):
            return "sold_out"
        if "SerializationFailure" in text or "could not serialize" in text or "concurrent update" in text:
            return "serialization"
        if "Deadlock" in text or "deadlock" in text:
            return "deadlock"
        if "InFailedSqlTransaction" in text:
            # Stock: a serialization failure inside the e-mail scheduler, swallowed by
            # _update_mail_schedulers, leaves the transaction aborted and not retried.
            return "aborted_txn"
        if "LockNotAvailable" in text or "lock timeout" in text:
            return "lock_timeout"
        return f"other: {exc.name}: {exc.message.splitlines()[0][:120] if exc.message else ''}"
    return f"other: {type(exc).__name__}: {str(exc)[:120]}"


def run_rush(server, db, setup, mode, args):
    rpc = Rpc(server.url, db, args.rpc_timeout)
    run_id = uuid.uuid4().hex[:6]
    event_id, ticket_id, product, partners = prepare_event(rpc, args, setup, run_id, server.url)
    local = threading.local()
    deadline = [None]

    def buyer(partner_id):
        if time.monotonic() > deadline[0]:
            return "not_started", 0.0
        client = getattr(local, "rpc", None) or Rpc(server.url, db, args.rpc_timeout)
        local.rpc = client
        start = time.perf_counter()
        try:
            order = client("sale.order", "create", [{"partner_id": partner_id, "order_line": [(0, 0, {
                "product_id": product, "event_id": event_id, "event_ticket_id": ticket_id,
                "product_uom_qty": 1, "price_unit": 20.0})]}])
            client("sale.order", "action_confirm", [[order]])
            outcome = "confirmed"
        except Exception as exc:  # every failure is counted and classified
            outcome = classify(exc)
        return outcome, time.perf_counter() - start

    # Warm the workers' registries (first request of each worker loads it) before the clock runs.
    for _ in range(4):
        rpc("event.event", "read", [[event_id]], fields=["seats_available"])
    deadline[0] = time.monotonic() + args.run_timeout
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        results = list(pool.map(buyer, partners))
    wall = time.perf_counter() - started

    sold = rpc("event.registration", "search", [[("event_id", "=", event_id), ("state", "in", ["open", "done"])]])
    seats = len(sold)
    sale_orders = rpc("sale.order", "search_count", [[("partner_id", "in", partners), ("state", "=", "sale")]])
    mails = rpc("mail.mail", "search_count", [[("model", "=", "event.registration"), ("res_id", "in", sold)]])
    numbering = None
    if setup == "soticket":
        # Given after commit: wait (bounded) until every sold ticket has its number.
        limit = time.monotonic() + 30
        while True:
            numbers = [r["ticket_number"] for r in rpc("event.registration", "read", [sold], fields=["ticket_number"])]
            if all(numbers) or time.monotonic() > limit:
                break
            time.sleep(0.5)
        numbered = sorted(n for n in numbers if n)
        contiguous = bool(numbered) and numbered == list(range(numbered[0], numbered[0] + len(numbered)))
        numbering = f"{len(numbered)}/{len(sold)} numbered, {len(set(numbered))} distinct, " + (
            f"contiguous {numbered[0]}..{numbered[-1]}" if contiguous else "NOT contiguous")
    outcomes = {}
    for outcome, _elapsed in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    ok = [elapsed for outcome, elapsed in results if outcome == "confirmed"]
    done = [elapsed for outcome, elapsed in results if outcome != "not_started"]
    lat = sorted(done)
    return {
        "setup": setup, "mode": mode, "wall_s": round(wall, 1),
        "confirm_per_s": round(len(ok) / wall, 2) if wall else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000) if lat else None,
        "p95_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000) if lat else None,
        "rpc_confirmed": len(ok), "seats_sold_in_db": seats, "orders_confirmed_in_db": sale_orders,
        "oversold": max(seats - args.seats, 0), "failed": {k: v for k, v in outcomes.items() if k != "confirmed"},
        "mails_queued": mails, "numbering": numbering, "server_notes": server_health(server, mode),
    }


def print_result(res, seats):
    failed = ", ".join(f"{v} {k}" for k, v in sorted(res["failed"].items())) or "none"
    print(f"\n== {res['setup']} / {res['mode']}  ({res['wall_s']} s)", flush=True)
    print(f"   confirmations/s {res['confirm_per_s']}   latency p50 {res['p50_ms']} ms  p95 {res['p95_ms']} ms "
          "(create + confirm, every attempt)")
    print(f"   confirmed: {res['rpc_confirmed']} by RPC answer, {res['seats_sold_in_db']} seats sold in the DB "
          f"for {seats} seats, {res['orders_confirmed_in_db']} orders in state sale"
          + (f"  ** OVERSOLD by {res['oversold']} **" if res["oversold"] else ""))
    print(f"   failed: {failed}")
    if res.get("numbering"):
        print(f"   ticket numbers: {res['numbering']}")
    print(f"   ticket mails queued: {res['mails_queued']}"
          + (f"   server: {'; '.join(res['server_notes'])}" if res["server_notes"] else ""), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--seats", type=int, default=150)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--setups", default="stock,stock_sync_mail,soticket")
    parser.add_argument("--modes", default="threaded,workers")
    parser.add_argument("--run-timeout", type=float, default=600,
                        help="buyers not started after this many seconds are counted as not started")
    parser.add_argument("--rpc-timeout", type=float, default=180)
    parser.add_argument("--keep-db", action="store_true", help="keep the databases (names printed)")
    parser.add_argument("--run-id", help="name suffix of the databases; existing ones are reused (with --keep-db)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    setups = args.setups.split(",")
    modes = args.modes.split(",")

    # bootstrap() also brings the venv up to date: its pinned setuptools lets Odoo's gevent child start.
    odoo, pg = DEV.bootstrap()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    run_id = args.run_id or uuid.uuid4().hex[:6]
    dbs = {}
    if any(s.startswith("stock") for s in setups):
        dbs["stock"] = (f"bench_stock_{run_id}", "website_event_sale")
    if "soticket" in setups:
        dbs["soticket"] = (f"bench_soticket_{run_id}", "soticket_base")
    results = []
    try:
        for db, modules in dbs.values():
            if DEV.psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
                DEV.say(f"reusing database {db}")
            else:
                create_db(odoo, pg, db, modules, LOG_DIR / f"bench-rush-{db}.log")
        for setup in setups:
            db = dbs["soticket" if setup == "soticket" else "stock"][0]
            for mode in modes:
                log = LOG_DIR / f"bench-rush-{db}.log"
                server = Server(odoo, pg, db, mode, log)
                try:
                    server.wait_ready()
                    res = run_rush(server, db, setup, mode, args)
                finally:
                    server.stop()
                res["log"] = str(log)
                results.append(res)
                print_result(res, args.seats)
    finally:
        for db, _modules in dbs.values():
            if args.keep_db:
                DEV.say(f"kept database {db}")
            else:
                with contextlib.suppress(Exception):
                    drop_db(pg, db)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print("\nsetup            mode      conf/s  p50 ms  p95 ms  sold/seats  failed")
    for res in results:
        failed = ", ".join(f"{v} {k}" for k, v in sorted(res["failed"].items())) or "-"
        print(f"{res['setup']:<16} {res['mode']:<9} {res['confirm_per_s']:>6} {res['p50_ms']!s:>7} "
              f"{res['p95_ms']!s:>7}  {res['seats_sold_in_db']:>4}/{args.seats:<5} {failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
