# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Many venue databases on one Odoo with the production settings (workers, dbfilter, proxy_mode).

    .venv/bin/python bench/bench_multi_venue.py                    # N = 5, 20; ~5 min on 2 busy cores
    .venv/bin/python bench/bench_multi_venue.py --sizes 5,20,40    # the issue's table (~15 min)

0. The cost of the database listing itself: odoo.service.db.list_dbs(True) per call, stock and
   cached, in one process (--list-cost-only: only this).
1. A venue template: a copy of --source (a database with every SoTicket addon installed, e.g.
   the one `make test --db NAME` keeps) with one published event, a gate, a paired scanner and
   --tickets valid tickets. Venues are `CREATE DATABASE stmvNN TEMPLATE` of it, their filestore
   hard-linked, hostnames stmvNN.localhost (dbfilter ^%d$ picks the database from the Host).
2. Per N, two servers, the same odoo.conf as docker/odoo.conf (workers, dbfilter = ^%d$,
   proxy_mode, limit_memory_*; --workers, default 2 on this machine, db_maxconn kept small so that
   N venues do not exhaust a shared PostgreSQL):
     after   server_wide_modules = base,web,soticket_hosting (database list cached)
     before  server_wide_modules = base,web                  (stock: a pg_database query per
                                                               request without session cookie)
   "after": the first request of each venue (cold registry, in a worker that never loaded it)
   then --requests event pages and scans per venue, round-robin over all venues; the workers'
   resident memory (RSS) afterwards; worker recycling (limit_memory_soft) and registry LRU
   size from the log. "before": the same steady requests on --before-venues venues.
3. Drops every stmv* database and their filestores (unless --keep-db).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from soticket_devtool.odoo_cmd import bootstrap  # noqa: E402
from soticket_devtool.odoo_cmd import free_port  # noqa: E402
from soticket_devtool.pg import pg_args  # noqa: E402
from soticket_devtool.pg import psql as _psql  # noqa: E402

PREFIX = "stmv"
TEMPLATE = f"{PREFIX}_tmpl"

POPULATE = r"""
import json
from datetime import timedelta
from odoo import fields
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True, lang="en_US"))
now = fields.Datetime.now()
product = env.ref("event_product.product_product_event")
event = env["event.event"].create({
    "name": "Bench night", "date_begin": now - timedelta(hours=1), "date_end": now + timedelta(hours=12),
    "doors_open": now - timedelta(hours=2), "website_published": True,
    "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 20.0})],
})
gate = env["soticket.scanner.gate"].create({"name": "Main door", "event_id": event.id, "direction": "both"})
device = env["soticket.scanner.device"].create({"name": "Bench box", "event_ids": [(6, 0, event.ids)]})
_device, token = env["soticket.scanner.device"]._pair(device._issue_pairing_code(), "bench")
regs = env["event.registration"].create([{
    "event_id": event.id, "event_ticket_id": event.event_ticket_ids.id, "name": f"Holder {i}",
    "email": f"holder{i}@example.com", "state": "open"} for i in range(TICKETS)])
json.dump({"event_url": event.website_url, "gate_id": gate.id, "token": token,
           "codes": regs.mapped("ticket_code")}, open(OUT, "w"))
env.cr.commit()
"""


def psql(*args, **kwargs):
    """The PostgreSQL of this machine is shared (max_connections): retry while it is full."""
    for _ in range(60):
        try:
            return _psql(*args, **kwargs)
        except Exception as exc:
            if "too many clients" not in str(exc):
                raise
            time.sleep(2)
    return _psql(*args, **kwargs)


def run_retrying(cmd, log, **kwargs):
    for _ in range(10):
        with open(log, "a") as f:
            res = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=False, **kwargs)
        if res.returncode == 0:
            return
        with open(log, errors="replace") as f:
            if "too many clients" not in f.read()[-5000:]:
                break
        time.sleep(5)
    raise RuntimeError(f"{cmd[:3]} failed, see {log}")


LIST_COST = r"""
import sys, time
import odoo
from odoo.tools import config
config.parse_config(sys.argv[1:])
import odoo.service.db as service_db
def per_call(n=300):
    started = time.perf_counter()
    for _ in range(n):
        service_db.list_dbs(True)
    return (time.perf_counter() - started) / n * 1000
stock = per_call()
from odoo.addons.soticket_hosting import db_cache
db_cache.install()
print(f"{stock:.3f} {per_call():.4f}")
"""


def list_cost(odoo, pg):
    """ms per odoo.service.db.list_dbs(True) (what each cookie-less request pays under dbfilter),
    stock then with soticket_hosting's cache, in one process."""
    res = subprocess.run([sys.executable, "-c", LIST_COST, "--addons-path", f"{odoo / 'addons'},{REPO / 'addons'}",
                          "--db-filter", "^%d$", "--log-level=warn", *pg_args(pg)],
                         cwd=odoo, capture_output=True, text=True, check=True)
    return [float(x) for x in res.stdout.split()[-2:]]


def say(msg):
    print(f"[bench] {msg}", flush=True)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def filestore_root(data_dir):
    return Path(data_dir) / "filestore"


def create_db_from_template(pg, name, template, data_dir, src_filestore, retries=30):
    for _ in range(retries):
        try:
            psql(pg, "CREATE DATABASE {} TEMPLATE {}", identifiers=[name, template])
            break
        except Exception as exc:  # the template in use (another session), or max_connections
            if "being accessed" not in str(exc) and "too many clients" not in str(exc):
                raise
            time.sleep(2)
    else:
        raise RuntimeError(f"could not create {name} from {template}")
    dest = filestore_root(data_dir) / name
    if src_filestore.is_dir() and not dest.exists():
        shutil.copytree(src_filestore, dest, copy_function=os.link)


def drop_all(pg, data_dir):
    for (name,) in psql(pg, "SELECT datname FROM pg_database WHERE left(datname, length(%s)) = %s",
                        values=[PREFIX, PREFIX]):
        psql(pg, "DROP DATABASE IF EXISTS {} WITH (FORCE)", identifiers=[name])
    shutil.rmtree(data_dir, ignore_errors=True)


def write_conf(odoo, pg, path, data_dir, port, workers, hosting):
    lines = ["[options]", f"addons_path = {odoo / 'addons'},{REPO / 'addons'}", f"data_dir = {data_dir}",
             "dbfilter = ^%d$", "list_db = False", "proxy_mode = True",
             f"server_wide_modules = base,web{',soticket_hosting' if hosting else ''}",
             f"workers = {workers}", "max_cron_threads = 0", f"http_port = {port}", "http_interface = 127.0.0.1",
             f"gevent_port = {free_port()}", "limit_time_cpu = 120", "limit_time_real = 240",
             "limit_memory_soft = 2147483648", "limit_memory_hard = 2684354560", "db_maxconn = 8",
             "without_demo = all", "log_level = info"]
    for key in ("host", "port", "user", "password"):
        if pg.get(key):
            lines.append(f"db_{key} = {pg[key]}")
    path.write_text("\n".join(lines) + "\n")


class Server:
    def __init__(self, odoo, conf, log):
        self.cmd = [sys.executable, str(odoo / "odoo-bin"), "-c", str(conf)]
        self.port = int(re.search(r"http_port = (\d+)", conf.read_text()).group(1))
        self.log = log

    def __enter__(self):
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        self.out = open(self.log, "a")
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited early, see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/web/health")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"Odoo did not start, see {self.log}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()

    def request(self, host, method, path, body=None, headers=None):
        """One request as a client without cookie (a scanner, a first-time visitor): ms, status."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=240)
        started = time.perf_counter()
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return (time.perf_counter() - started) * 1000, resp.status

    def workers_rss_mb(self):
        procs = psutil.Process(self.proc.pid).children(recursive=True)
        return sum(p.memory_info().rss for p in procs) / 2**20, len(procs)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            f.seek(self.log_start)
            return f.read()


def scan(server, host, fixture, code):
    body = json.dumps({"code": code, "gate_id": fixture["gate_id"], "direction": "in", "nonce": uuid.uuid4().hex})
    ms, status = server.request(host, "POST", "/soticket/scanner/v1/scan", body, {
        "Content-Type": "application/json", "Authorization": f"Bearer {fixture['token']}"})
    if status != 200:
        raise RuntimeError(f"scan on {host}: HTTP {status}")
    return ms


def steady(server, venues, fixture, requests_per_venue, next_ticket):
    page, scans = [], []
    for _ in range(requests_per_venue):
        for venue in venues:
            host = f"{venue}.localhost"
            ms, status = server.request(host, "GET", fixture["event_url"])
            if status != 200:
                raise RuntimeError(f"event page on {host}: HTTP {status}")
            page.append(ms)
            index = next_ticket[venue] = next_ticket.get(venue, -1) + 1
            scans.append(scan(server, host, fixture, fixture["codes"][index % len(fixture["codes"])]))
    return page, scans


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=os.environ.get("SOTICKET_BENCH_SOURCE", "soticket_tmpl"),
                        help="a database with every SoTicket addon installed (not in use)")
    parser.add_argument("--sizes", default="5,20")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=8, help="event pages and scans per venue (steady)")
    parser.add_argument("--before-venues", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--list-cost-only", action="store_true", help="only step 0: the database listing cost")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    odoo, pg = bootstrap()
    stock_ms, cached_ms = list_cost(odoo, pg)
    n_dbs = psql(pg, "SELECT count(*) FROM pg_database")[0][0]
    say(f"database listing (list_dbs), {n_dbs} databases in the cluster: stock {stock_ms:.2f} ms per request "
        f"without cookie, cached {cached_ms:.3f} ms")
    if args.list_cost_only:
        return
    work = Path(tempfile.mkdtemp(prefix="bench_multi_venue_"))
    data_dir = work / "data"
    log = REPO / ".local" / "logs" / f"bench_multi_venue-{work.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    say(f"log: {log}")
    rows = []
    try:
        drop_all(pg, data_dir)
        data_dir.mkdir(parents=True)
        src_fs = Path.home() / ".local" / "share" / "Odoo" / "filestore" / args.source
        create_db_from_template(pg, TEMPLATE, args.source, data_dir, src_fs)
        out = work / "fixture.json"
        say(f"populating {TEMPLATE} (event, gate, paired scanner, {args.tickets} tickets)…")
        run_retrying([sys.executable, str(odoo / "odoo-bin"), "shell", "-d", TEMPLATE, "--addons-path",
                      f"{odoo / 'addons'},{REPO / 'addons'}", "--data-dir", str(data_dir), *pg_args(pg),
                      "--no-http", "--log-level=warn"], log,
                     input=f"TICKETS = {args.tickets}\nOUT = {str(out)!r}\n" + POPULATE, text=True)
        fixture = json.loads(out.read_text())
        fixture["event_url"] += "/register"  # /event/<slug> answers 303 to it
        n_dbs = psql(pg, "SELECT count(*) FROM pg_database")[0][0]
        say(f"{n_dbs} databases in the PostgreSQL cluster (all listed by stock Odoo on each cookie-less request)")
        venues = []
        next_ticket = {}  # every scan admits a ticket not scanned before
        for n in sizes:
            started = time.monotonic()
            while len(venues) < n:
                venue = f"{PREFIX}{len(venues) + 1:02d}"
                create_db_from_template(pg, venue, TEMPLATE, data_dir, filestore_root(data_dir) / TEMPLATE)
                venues.append(venue)
            say(f"N={n}: venues created ({time.monotonic() - started:.1f}s); starting the 'after' server")

            row = {"N": n}
            for variant in ("after", "before"):
                conf = work / f"odoo-{variant}.conf"
                write_conf(odoo, pg, conf, data_dir, free_port(), args.workers, variant == "after")
                with Server(odoo, conf, log) as server:
                    subset = venues if variant == "after" else venues[:args.before_venues]
                    cold = []
                    for venue in subset:  # first request of each venue: its registry is loaded
                        ms, status = server.request(f"{venue}.localhost", "GET", fixture["event_url"])
                        if status != 200:
                            raise RuntimeError(f"cold event page on {venue}: HTTP {status}, see {log}")
                        cold.append(ms)
                    # Every worker loads every venue's registry once (requests go to whichever worker
                    # is free): warm them all before the steady figures.
                    for venue in subset:
                        for _ in range(2 * args.workers):
                            server.request(f"{venue}.localhost", "GET", fixture["event_url"])
                    # Before/after on the same venues (the first --before-venues), then all N (after).
                    page, scans = steady(server, venues[:args.before_venues], fixture, args.requests, next_ticket)
                    page_all, scans_all = (steady(server, subset, fixture, args.requests, next_ticket)
                                           if variant == "after" else ([], []))
                    rss, nprocs = server.workers_rss_mb()
                    text = server.log_text()
                    row[variant] = {
                        "cold_p50": pct(cold, 50), "cold_max": max(cold),
                        "page_p50": pct(page, 50), "page_p95": pct(page, 95),
                        "scan_p50": pct(scans, 50), "scan_p95": pct(scans, 95),
                        "all_page_p50": pct(page_all, 50), "all_page_p95": pct(page_all, 95),
                        "all_scan_p50": pct(scans_all, 50), "all_scan_p95": pct(scans_all, 95),
                        "rss_mb": rss, "procs": nprocs,
                        "recycled": len(re.findall(r"memory limit .* reached|virtual memory limit", text)),
                        "errors": len(re.findall(r" (ERROR|CRITICAL) ", text)),
                    }
                    say(f"N={n} {variant}: {row[variant]}")
            rows.append(row)
    finally:
        if not args.keep_db:
            drop_all(pg, data_dir)
            shutil.rmtree(work, ignore_errors=True)
    lru = int(2147483648 / (15 * 1024 * 1024))
    print(f"\nworkers={args.workers}, limit_memory_soft=2 GiB -> registry LRU size {lru} per worker; "
          f"steady = {args.requests} event pages + {args.requests} scans per venue, no cookie")
    print(f"before/after: the same {args.before_venues} venues; 'all N': every venue, after")
    print("| N | workers RSS (MiB) | cold 1st request p50/max (ms) | event page p50/p95 before -> after (ms) "
          "| scan p50/p95 before -> after (ms) | all N: page, scan p50/p95 (ms) | workers recycled | ERROR lines |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        a, b = row["after"], row["before"]
        print(f"| {row['N']} | {a['rss_mb']:.0f} ({a['procs']} procs) | {a['cold_p50']:.0f} / {a['cold_max']:.0f} "
              f"| {b['page_p50']:.1f}/{b['page_p95']:.1f} -> {a['page_p50']:.1f}/{a['page_p95']:.1f} "
              f"| {b['scan_p50']:.1f}/{b['scan_p95']:.1f} -> {a['scan_p50']:.1f}/{a['scan_p95']:.1f} "
              f"| {a['all_page_p50']:.1f}/{a['all_page_p95']:.1f}, {a['all_scan_p50']:.1f}/{a['all_scan_p95']:.1f} "
              f"| {a['recycled'] + b['recycled']} | {a['errors'] + b['errors']} |")

if __name__ == "__main__":
    main()
