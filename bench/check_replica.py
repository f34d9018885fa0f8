# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Odoo 18's read replica, exercised with two local PostgreSQL clusters (docker/scale's set-up).

    .venv/bin/python bench/check_replica.py [--source soticket_tmpl]      # ~2 min

1. A primary cluster (wal_level=replica) and a streaming replica made with `pg_basebackup -R`,
   both private, on free ports of 127.0.0.1, under a temporary folder.
2. --source (a database with every SoTicket addon, on the usual PostgreSQL) is copied into the
   primary (pg_dump | pg_restore) and reaches the replica by streaming replication.
3. One Odoo (2 workers, dbfilter ^%d$, db_replica_host/port = the replica) serves it; the event
   list (a readonly route) is answered and counted on the replica, a login (read-write) on the primary.
4. Stops both clusters and removes the folder.
"""
import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from soticket_devtool.odoo_cmd import bootstrap  # noqa: E402
from soticket_devtool.odoo_cmd import free_port  # noqa: E402
from soticket_devtool.pg import _pg_bin  # noqa: E402

DB = "streplica"


def say(msg):
    print(f"[replica] {msg}", flush=True)


def as_postgres():
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def sql(port, statement, db="postgres"):
    return run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "odoo", "-d", db, "-Atc", statement]).stdout.strip()


def start_cluster(data, port, log):
    run(as_postgres() + [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start", "-o",
                         f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c wal_level=replica "
                         "-c max_wal_senders=5 -c hot_standby=on -c max_connections=40 -c fsync=off"])


def stop_cluster(data):
    subprocess.run(as_postgres() + [_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                   capture_output=True, check=False)


def reads(port):
    """Transactions on DB so far (pg_stat_database; backends flush their counters at most every second)."""
    time.sleep(2)
    return int(sql(port, "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback FROM pg_stat_database "
                         f"WHERE datname = '{DB}'").splitlines()[-1])


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=240)
    conn.request(method, path, body=body, headers={"Host": f"{DB}.localhost", **(headers or {})})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=os.environ.get("SOTICKET_BENCH_SOURCE", "soticket_tmpl"))
    args = parser.parse_args()
    odoo, pg = bootstrap()
    work = Path(tempfile.mkdtemp(prefix="check_replica_"))
    os.chmod(work, 0o755)
    primary, replica = work / "primary", work / "replica"
    p_port, r_port = free_port(), free_port()
    server = None
    try:
        primary.mkdir()
        if os.geteuid() == 0:  # initdb refuses root: the clusters run as `postgres`
            shutil.chown(work, "postgres")
            shutil.chown(primary, "postgres")
        run(as_postgres() + [_pg_bin("initdb"), "-D", str(primary), "-A", "trust", "-U", "odoo"])
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication odoo 127.0.0.1/32 trust\n")
        start_cluster(primary, p_port, work / "primary.log")
        run(as_postgres() + [_pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "odoo", "-D",
                             str(replica), "-R", "-X", "stream", "-c", "fast"])
        start_cluster(replica, r_port, work / "replica.log")
        assert sql(r_port, "SELECT pg_is_in_recovery()") == "t"
        say(f"primary 127.0.0.1:{p_port}, streaming replica 127.0.0.1:{r_port}")
        started = time.monotonic()
        sql(p_port, f"CREATE DATABASE {DB}")
        env = {**os.environ, **{f"PG{k.upper()}": v for k, v in pg.items() if v}}
        dump = subprocess.Popen(["pg_dump", "-Fc", "--no-owner", args.source], stdout=subprocess.PIPE, env=env)
        run(["pg_restore", "--no-owner", "-h", "127.0.0.1", "-p", str(p_port), "-U", "odoo", "-d", DB],
            stdin=dump.stdout)
        dump.wait()
        data_dir = work / "odoo"
        src_fs = Path.home() / ".local" / "share" / "Odoo" / "filestore" / args.source
        if src_fs.is_dir():
            shutil.copytree(src_fs, data_dir / "filestore" / DB)
        deadline = time.monotonic() + 60
        while sql(r_port, f"SELECT count(*) FROM pg_database WHERE datname = '{DB}'") != "1":
            if time.monotonic() > deadline:
                raise RuntimeError("the database did not reach the replica")
            time.sleep(1)
        say(f"{args.source} copied into the primary and streamed to the replica ({time.monotonic() - started:.0f}s)")
        http_port = free_port()
        log = work / "odoo.log"
        server = subprocess.Popen(
            [sys.executable, str(odoo / "odoo-bin"), "--addons-path", f"{odoo / 'addons'},{REPO / 'addons'}",
             "--db_host", "127.0.0.1", "--db_port", str(p_port), "--db_user", "odoo",
             "--db_replica_host", "127.0.0.1", "--db_replica_port", str(r_port), "--db-filter", "^%d$",
             "--data-dir", str(data_dir), "--workers", "2", "--max-cron-threads", "0", "--http-port", str(http_port),
             "--http-interface", "127.0.0.1", "--gevent-port", str(free_port()), "--proxy-mode",
             "--load", "base,web,soticket_hosting"],
            stdout=open(log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                if request(http_port, "GET", "/web/health") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"Odoo did not start, see {log}")
            time.sleep(0.5)
        assert request(http_port, "GET", "/event") == 200  # loads the registry (primary and replica)
        r0, p0 = reads(r_port), reads(p_port)
        for _ in range(10):
            assert request(http_port, "GET", "/event") == 200
        r1, p1 = reads(r_port), reads(p_port)
        say(f"10 x GET /event (readonly route): {r1 - r0} transactions on the replica, {p1 - p0} on the primary")
        status = request(http_port, "POST", "/web/session/authenticate",
                         '{"jsonrpc":"2.0","method":"call","params":{"db":"%s","login":"admin","password":"admin"}}'
                         % DB, {"Content-Type": "application/json"})
        p2 = reads(p_port)
        say(f"POST /web/session/authenticate (read-write): HTTP {status}, {p2 - p1} transactions on the primary")
        retried = [line for line in log.read_text(errors="replace").splitlines() if "read-only" in line.lower()
                   or "readonly" in line.lower()]
        say(f"log lines about read-only retries: {len(retried)}" + (f" (first: {retried[0][:200]})" if retried else ""))
        errors = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line]
        say(f"ERROR lines in the Odoo log: {len(errors)}" + (f" (first: {errors[0][:200]})" if errors else ""))
        if r1 - r0 < 10 or p2 == p1:
            raise SystemExit("the read-only route did not use the replica")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        stop_cluster(replica)
        stop_cluster(primary)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
