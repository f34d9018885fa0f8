#!/usr/bin/env python3
# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Developer entry point behind `make run`, `make test` and `make lint`.

Standard library only: it must work before the virtualenv exists.

- Odoo 18.0 is found through ODOO_SRC, else the per-user cache
  (${XDG_CACHE_HOME:-~/.cache}/soticket/odoo-18.0), else it is extracted into
  that cache from a git clone of Odoo 18.0 that the user names (ODOO_GIT_DIR,
  at ODOO_GIT_REF, default 18.0), else Odoo's official 18.0 source archive is
  downloaded.
- `.venv` in the repository holds Odoo's requirements and ours; it is rebuilt
  only when a requirements file changes.
- PostgreSQL: the server named by the standard PG* variables, else the local
  server (127.0.0.1:5432 or the Unix socket), else a private cluster under
  `.local/pg` made with the machine's initdb/pg_ctl.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDONS = REPO / "addons"
VENV = REPO / ".venv"
LOCAL = REPO / ".local"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "soticket"
ODOO_CACHE = CACHE / "odoo-18.0"
ODOO_ARCHIVE_URL = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# A git clone of Odoo 18.0 Community that the user names, and the ref taken from it.
ODOO_GIT_DIR = os.environ.get("ODOO_GIT_DIR", "")
ODOO_GIT_REF = os.environ.get("ODOO_GIT_REF", "18.0")
DEMO_DB = os.environ.get("SOTICKET_DB", "soticket_demo")
RUN_PORT = int(os.environ.get("SOTICKET_PORT", "8069"))
TEST_DB_PREFIX = "soticket_test_"
# Stock modules installed beside ours for the tests only (the website tour pays with the demo provider).
TEST_EXTRA_MODULES = ["payment_demo"]

# Odoo's pins that do not build here, and what replaces them.
ODOO_REQ_OVERRIDES = {
    "cbor2": "cbor2==5.6.2",  # 5.4.2 has no build for this Python
    "python-ldap": None,  # only auth_ldap needs it, and it wants libldap headers
}
# Odoo's gevent child (longpolling with --workers) needs these exact versions, and a
# setuptools whose pkg_resources finds pip's normalized zope_interface-*.dist-info: with
# the venv's setuptools 65, gevent's plugin loader raises DistributionNotFound and the
# prefork server respawns the child every second. (In 75.8, importing pkg_resources warns
# with a DeprecationWarning, which Odoo silences; 80.x warns with a UserWarning.)
EXTRA_PINS = ["zope.interface==5.5.2", "zope.event==4.6", "setuptools==75.8.2"]

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)"
)
ECHO_LINE = re.compile(r" (ERROR|CRITICAL) |FAIL:|tests when loading database| Ran \d+ tests")
REPORT_LINE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")


class DevError(Exception):
    """A problem the developer must fix; printed without a traceback."""


def say(msg):
    print(f"[soticket] {msg}", flush=True)


# --------------------------------------------------------------------------- Odoo source
def _is_odoo_18(path):
    release = Path(path) / "odoo" / "release.py"
    if not (Path(path) / "odoo-bin").is_file() or not release.is_file():
        return False
    return bool(re.search(r"version_info = \(18, 0,", release.read_text()))


def find_odoo():
    explicit = os.environ.get("ODOO_SRC")
    if explicit:
        if not _is_odoo_18(explicit):
            raise DevError(
                f"ODOO_SRC={explicit} is not an Odoo 18.0 source tree (no odoo-bin / odoo/release.py for 18.0).\n"
                "Point ODOO_SRC at an Odoo 18.0 Community checkout, or unset it to use "
                f"{ODOO_CACHE} (downloaded automatically when missing)."
            )
        return Path(explicit).resolve()
    if _is_odoo_18(ODOO_CACHE):
        return ODOO_CACHE
    if _extract_from_git_mirror() and _is_odoo_18(ODOO_CACHE):
        return ODOO_CACHE
    say(f"Odoo 18.0 not found; downloading {ODOO_ARCHIVE_URL} into {ODOO_CACHE}")
    try:
        _download_odoo()
    except OSError as exc:
        raise DevError(
            f"Could not download Odoo 18.0 ({exc}).\nProvide it yourself: set ODOO_SRC to an Odoo 18.0 source tree, "
            f"or extract one into {ODOO_CACHE}."
        ) from exc
    if not _is_odoo_18(ODOO_CACHE):
        raise DevError(f"The downloaded archive did not give an Odoo 18.0 tree in {ODOO_CACHE}.")
    return ODOO_CACHE


def _extract_from_git_mirror():
    for git_dir in filter(None, [ODOO_GIT_DIR]):
        if not (Path(git_dir) / "HEAD").is_file() and (Path(git_dir) / ".git").exists():
            git_dir = str(Path(git_dir) / ".git")
        if not (Path(git_dir) / "HEAD").is_file():
            say(f"ODOO_GIT_DIR={git_dir} is not a git repository; ignored")
            continue
        say(f"Extracting Odoo 18.0 ({ODOO_GIT_REF}) from the git mirror {git_dir} into {ODOO_CACHE}")
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            archive = subprocess.run(
                ["git", f"--git-dir={git_dir}", "archive", "--format=tar", ODOO_GIT_REF],
                capture_output=True, check=False,
            )
            if archive.returncode:
                say(f"git archive failed: {archive.stderr.decode(errors='replace').strip()}")
                continue
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            Path(tmp).rename(ODOO_CACHE)
            # TemporaryDirectory's cleanup must not fail on the renamed folder.
            Path(tmp).mkdir()
        return True
    return False


def _download_odoo():
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        with urllib.request.urlopen(ODOO_ARCHIVE_URL, timeout=60) as resp, open(archive, "wb") as out:
            shutil.copyfileobj(resp, out)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "x", filter="data")
        (top,) = (Path(tmp) / "x").iterdir()
        top.rename(ODOO_CACHE)


# --------------------------------------------------------------------------- virtualenv
def _odoo_requirements(odoo):
    lines = []
    for line in (odoo / "requirements.txt").read_text().splitlines():
        name = re.split(r"[=<>~ ;]", line.strip(), maxsplit=1)[0]
        if not name or name.startswith("#"):
            continue
        if name in ODOO_REQ_OVERRIDES:
            if ODOO_REQ_OVERRIDES[name] and ODOO_REQ_OVERRIDES[name] not in lines:
                lines.append(ODOO_REQ_OVERRIDES[name])
            continue
        lines.append(line)
    return lines + EXTRA_PINS


def venv_python():
    return VENV / "bin" / "python"


def ensure_venv(odoo):
    reqs = _odoo_requirements(odoo)
    ours = [REPO / "requirements.txt", REPO / "requirements-dev.txt"]
    digest = hashlib.sha256(
        "\n".join(reqs + [p.read_text() for p in ours] + [sys.version]).encode()
    ).hexdigest()
    stamp = VENV / ".soticket-stamp"
    if not (venv_python().exists() and stamp.exists() and stamp.read_text() == digest):
        say("Preparing .venv (Odoo's requirements and ours)…")
        if not venv_python().exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tmp:
            tmp.write("\n".join(reqs) + "\n")
        pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["-r", tmp.name] + [arg for p in ours for arg in ("-r", str(p))], check=True)
        os.unlink(tmp.name)
        stamp.write_text(digest)
    # Make `import odoo` work in the venv (pytest-odoo, pylint) for the tree in use.
    site = subprocess.run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (Path(site) / "soticket-odoo.pth").write_text(f"{odoo}\n")


# --------------------------------------------------------------------------- PostgreSQL
def _pg_probe(params):
    """Return None if we can connect with params, else the error text."""
    code = (
        "import json, sys, psycopg2\n"
        "p = json.loads(sys.argv[1])\n"
        "kw = {k: v for k, v in p.items() if v}\n"
        "psycopg2.connect(dbname='postgres', connect_timeout=3, **kw).close()\n"
    )
    res = subprocess.run([str(venv_python()), "-c", code, json.dumps(params)], capture_output=True, text=True)
    return None if res.returncode == 0 else res.stderr.strip().splitlines()[-1:]


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise DevError(f"No PostgreSQL server reachable and no `{name}` binary to start a private one.")


def _private_cluster():
    data = LOCAL / "pg" / "data"
    sock = LOCAL / "pg" / "run"
    port = 54329
    as_user = []
    if os.geteuid() == 0:  # initdb refuses root: run the private cluster as `postgres`
        as_user = ["runuser", "-u", "postgres", "--"]
    if not (data / "PG_VERSION").exists():
        say(f"Starting a private PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        sock.mkdir(parents=True, exist_ok=True)
        if as_user:
            shutil.chown(data, "postgres")
            shutil.chown(sock, "postgres")
        subprocess.run(as_user + [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "odoo"],
                       check=True, stdout=subprocess.DEVNULL)
    params = {"host": str(sock), "port": str(port), "user": "odoo", "password": ""}
    if _pg_probe(params):
        subprocess.run(as_user + [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(LOCAL / "pg" / "log"), "-w", "start",
                                  "-o", f"-p {port} -k {sock} -c listen_addresses=''"], check=True)
    return params


def ensure_pg():
    env_params = {
        "host": os.environ.get("PGHOST", ""),
        "port": os.environ.get("PGPORT", ""),
        "user": os.environ.get("PGUSER", ""),
        "password": os.environ.get("PGPASSWORD", ""),
    }
    if any(env_params.values()):
        err = _pg_probe(env_params)
        if err:
            raise DevError(f"Cannot connect to the PostgreSQL named by PG* variables: {err}")
        return env_params
    for params in ({"host": "127.0.0.1", "port": "5432", "user": "", "password": ""},
                   {"host": "", "port": "", "user": "", "password": ""}):
        if not _pg_probe(params):
            return params
    return _private_cluster()


def pg_args(pg):
    args = []
    for key in ("host", "port", "user", "password"):
        if pg.get(key):
            args += [f"--db_{key}", pg[key]]
    return args


def psql(pg, sql, dbname="postgres"):
    code = (
        "import json, sys, psycopg2\n"
        "p = json.loads(sys.argv[1])\n"
        "kw = {k: v for k, v in p.items() if v}\n"
        "cn = psycopg2.connect(dbname=sys.argv[3], **kw); cn.autocommit = True\n"
        "cr = cn.cursor(); cr.execute(sys.argv[2])\n"
        "print(json.dumps(cr.fetchall() if cr.description else []))\n"
    )
    res = subprocess.run([str(venv_python()), "-c", code, json.dumps(pg), sql, dbname], capture_output=True, text=True)
    if res.returncode:
        raise DevError(f"SQL failed ({sql}): {res.stderr.strip()}")
    return json.loads(res.stdout)


SQL_DB_EXISTS = "SELECT 1 FROM pg_database WHERE datname = {name}"


def _quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------- Odoo commands
def soticket_addons():
    # SOTICKET_ADDONS=a,b restricts the run to those addons (even one still marked not installable).
    wanted = [m for m in os.environ.get("SOTICKET_ADDONS", "").split(",") if m]
    if wanted:
        unknown = [m for m in wanted if not (ADDONS / m / "__manifest__.py").is_file()]
        if unknown:
            raise DevError(f"SOTICKET_ADDONS names unknown addon(s): {', '.join(unknown)}")
        return wanted
    # Addons still being written in this working copy (one name a line, never committed) are left out.
    wip_file = LOCAL / "wip-addons"
    wip = set(wip_file.read_text().split()) if wip_file.exists() else set()
    mods = []
    for manifest in sorted(ADDONS.glob("*/__manifest__.py")):
        if manifest.parent.name in wip:
            continue
        data = eval(manifest.read_text(), {"__builtins__": {}})  # noqa: S307 - a manifest is a dict literal
        if data.get("installable", True):
            mods.append(manifest.parent.name)
    if not mods:
        raise DevError("No installable addon under addons/.")
    return mods


def odoo_base_cmd(odoo, pg, db):
    return [str(venv_python()), str(odoo / "odoo-bin"), "--addons-path", f"{odoo / 'addons'},{ADDONS}",
            "-d", db, "--db-filter", f"^{re.escape(db)}$", *pg_args(pg)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_odoo_conf(odoo, pg, db, path, http_port):
    lines = ["[options]", f"addons_path = {odoo / 'addons'},{ADDONS}", f"db_name = {db}",
             f"dbfilter = ^{re.escape(db)}$", f"http_port = {http_port}", "http_interface = 127.0.0.1"]
    for key in ("host", "port", "user", "password"):
        if pg.get(key):
            lines.append(f"db_{key} = {pg[key]}")
    path.write_text("\n".join(lines) + "\n")


def bootstrap():
    odoo = find_odoo()
    ensure_venv(odoo)
    pg = ensure_pg()
    return odoo, pg


# Creates the demo database as Odoo's database manager does for a French venue: French language,
# company in France (so accounting installs the French chart of accounts, in euros), admin / admin.
CREATE_DEMO_DB = """
import sys, odoo
odoo.tools.config.parse_config(sys.argv[1:2])
odoo.service.db.exp_create_database(sys.argv[2], True, "fr_FR", "admin", "admin", "FR")
"""


def cmd_run(_args):
    odoo, pg = bootstrap()
    mods = soticket_addons()
    exists = psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DB}'")
    if not exists:
        say(f"Creating the demo venue database {DEMO_DB} (French, in France)…")
        LOCAL.mkdir(exist_ok=True)
        conf = LOCAL / "run.conf"
        write_odoo_conf(odoo, pg, DEMO_DB, conf, RUN_PORT)
        subprocess.run([str(venv_python()), "-c", CREATE_DEMO_DB, f"--config={conf}", DEMO_DB], check=True)
        exists = psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DB}'")
        if not exists:
            raise DevError(f"Odoo could not create the database {DEMO_DB}: see the messages above.")
    installed = []
    if exists:
        has_modules = psql(pg, "SELECT 1 FROM pg_tables WHERE tablename = 'ir_module_module'", DEMO_DB)
        if has_modules:
            installed = [r[0] for r in psql(
                pg, "SELECT name FROM ir_module_module WHERE state = 'installed'", DEMO_DB)]
    missing = [m for m in mods if m not in installed]
    cmd = odoo_base_cmd(odoo, pg, DEMO_DB) + ["--http-port", str(RUN_PORT), "--http-interface", "127.0.0.1"]
    if missing:
        if "account" not in installed:
            # Accounting first, so the French chart of accounts (journals) exists before the demo
            # data of the Point of Sale and of our box office, which need a bank journal.
            say(f"Installing accounting (French chart of accounts) into database {DEMO_DB}…")
            subprocess.run(cmd + ["-i", "account", "--stop-after-init"], check=True)
        say(f"Installing {', '.join(missing)} with demo data into database {DEMO_DB} (first run: a few minutes)…")
        subprocess.run(cmd + ["-i", ",".join(missing), "--stop-after-init"], check=True)
    else:
        say(f"Reusing database {DEMO_DB} (all SoTicket addons installed).")
    say(f"SoTicket demo venue: http://localhost:{RUN_PORT}/odoo  —  log in as admin / admin  (Ctrl-C to stop)")
    os.execv(cmd[0], cmd)


# --------------------------------------------------------------------------- tests
def ensure_browser():
    """Tours must run, not skip: Chromium and websocket-client are required."""
    if not any(shutil.which(b) for b in ("chromium", "google-chrome", "chromium-browser", "google-chrome-stable")):
        if os.geteuid() == 0 and shutil.which("apt-get"):
            say("Installing Debian's chromium for the browser tours…")
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if not shutil.which("chromium"):
            raise DevError("Chromium is required for the browser tours: apt-get install chromium")
    res = subprocess.run([str(venv_python()), "-c", "import websocket"], capture_output=True)
    if res.returncode:
        raise DevError("websocket-client is required for the browser tours (pip install websocket-client).")


def parse_odoo_log(path):
    errors, skips, report = [], [], None
    with open(path, errors="replace") as fh:
        for line in fh:
            m = LOG_LINE.match(line)
            if not m:
                continue
            if m["level"] in ("ERROR", "CRITICAL"):
                errors.append(line.rstrip())
            if m["msg"].startswith("skipped "):
                skips.append(m["msg"])
            r = REPORT_LINE.search(m["msg"])
            if r:
                report = tuple(int(x) for x in r.groups())
    return errors, skips, report


def parse_junit(path):
    import xml.etree.ElementTree as ET  # noqa: PLC0415 - only needed here

    if not path.exists():
        return 0, 0, 0, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total, failed, skipped, total - failed - skipped


def cmd_test(args):
    odoo, pg = bootstrap()
    ensure_browser()
    mods = soticket_addons()
    run_id = uuid.uuid4().hex[:8]
    db = args.pytest_db or args.db or f"{TEST_DB_PREFIX}{run_id}"
    # --db NAME: a database kept between runs; once it exists the addons are updated (-u), not installed,
    # which skips installing Odoo's own apps again while iterating on one addon.
    reuse = bool(args.db and psql(pg, SQL_DB_EXISTS.format(name=_quote_literal(db))))
    logs = LOCAL / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    odoo_log = logs / f"test-odoo-{run_id}.log"
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    failed = passed = skipped = 0
    problems = []
    try:
        if args.pytest_db:
            return _pytest_only(odoo, pg, db, mods, run_id, env, args.pytest_args)
        tags = args.test_tags or ",".join(f"/{m}" for m in mods)
        cmd = odoo_base_cmd(odoo, pg, db) + [
            "-u" if reuse else "-i", ",".join(mods if reuse else mods + TEST_EXTRA_MODULES),
            "--without-demo=all", "--test-enable", "--test-tags", tags,
            "--stop-after-init", "--log-level=test", "--http-port", str(port), "--http-interface", "127.0.0.1",
            "--max-cron-threads=0",
        ]
        say(f"Odoo tests: {'updating' if reuse else 'installing'} {', '.join(mods)} in database {db} (log: {odoo_log})")
        started = time.monotonic()
        with open(odoo_log, "w") as out:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                    errors="replace")
            for line in proc.stdout:
                out.write(line)
                if args.verbose or ECHO_LINE.search(line):
                    sys.stdout.write(line)
            rc = proc.wait()
        say(f"Odoo run took {time.monotonic() - started:.0f}s")
        errors, skips, report = parse_odoo_log(odoo_log)
        if report is None:
            problems.append(f"Odoo exited ({rc}) without a test report: see {odoo_log}")
            failed += 1
        else:
            o_failed, o_errors, o_run = report
            bad_skips = [s for s in skips if re.search(r"chrome|websocket", s, re.I)]
            failed += o_failed + o_errors + len(bad_skips)
            skipped += len(skips) - len(bad_skips)
            passed += o_run - o_failed - o_errors - len(skips)
            if o_run == 0:
                problems.append("Odoo ran no test.")
            for s in bad_skips:
                problems.append(f"browser tour skipped (counts as failed): {s}")
        if errors:
            problems.append(f"{len(errors)} ERROR/CRITICAL line(s) in the Odoo log, e.g.:\n    " + "\n    ".join(
                e[:300] for e in errors[:5]))
        if rc and report is not None and not errors:
            problems.append(f"Odoo exited with status {rc}.")

        if not args.odoo_only:
            conf = LOCAL / f"test-{run_id}.conf"
            write_odoo_conf(odoo, pg, db, conf, free_port())
            junit = logs / f"pytest-{run_id}.xml"
            say("pytest: tests/")
            pytest_env = {**env, "ODOO_RC": str(conf), "SOTICKET_TEST_DB": db, "SOTICKET_ODOO_SRC": str(odoo),
                          "SOTICKET_TEST_ADDONS": ",".join(mods)}
            res = subprocess.run(
                [str(venv_python()), "-m", "pytest", "tests", "-p", "no:cacheprovider", f"--junitxml={junit}",
                 "--odoo-config", str(conf), "--odoo-database", db, "-q"],
                cwd=REPO, env=pytest_env,
            )
            total, p_failed, p_skipped, p_passed = parse_junit(junit)
            failed += p_failed
            skipped += p_skipped
            passed += p_passed
            if res.returncode not in (0, 5) or (res.returncode and not p_failed):
                problems.append(f"pytest exited with status {res.returncode}.")
                failed += 0 if p_failed else 1
            if total == 0:
                problems.append("pytest ran no test under tests/.")
    finally:
        if not (args.keep_db or args.pytest_db or args.db):
            for (name,) in psql(pg, f"SELECT datname FROM pg_database WHERE datname LIKE '{db}%'"):
                psql(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                shutil.rmtree(Path.home() / ".local" / "share" / "Odoo" / "filestore" / name, ignore_errors=True)
    for p in problems:
        say(f"PROBLEM: {p}")
    line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    print(line, flush=True)
    return 1 if (failed or problems) else 0


def _pytest_only(odoo, pg, db, mods, run_id, env, extra):
    conf = LOCAL / f"test-{run_id}.conf"
    write_odoo_conf(odoo, pg, db, conf, free_port())
    pytest_env = {**env, "ODOO_RC": str(conf), "SOTICKET_TEST_DB": db, "SOTICKET_ODOO_SRC": str(odoo),
                  "SOTICKET_TEST_ADDONS": ",".join(mods)}
    return subprocess.run(
        [str(venv_python()), "-m", "pytest", "tests", "-p", "no:cacheprovider", "--odoo-config", str(conf),
         "--odoo-database", db, *[a for a in extra if a != "--"]], cwd=REPO, env=pytest_env,
    ).returncode


def cmd_lint(_args):
    odoo = find_odoo()
    ensure_venv(odoo)
    bin_ = VENV / "bin"
    # Addons committed as work in progress ("installable": False) are linted once they are finished.
    addons = [str(ADDONS / name) for name in soticket_addons()]
    targets = addons + [p for p in ("tests", "tools", "bench") if (REPO / p).exists()]
    rc = subprocess.run([str(bin_ / "ruff"), "check", *targets], cwd=REPO).returncode
    rc |= subprocess.run([str(bin_ / "pylint"), "--rcfile", str(REPO / ".pylintrc"), *addons], cwd=REPO).returncode
    say("lint: ok" if rc == 0 else "lint: FAILED")
    return 1 if rc else 0


# Runs inside the venv: export each addon's terms to the .pot path given as addon=path.
I18N_SCRIPT = """
import sys, odoo
from odoo.tools.translate import trans_export
odoo.tools.config.parse_config(sys.argv[1:2])
registry = odoo.modules.registry.Registry(sys.argv[2])
with registry.cursor() as cr:
    for pair in sys.argv[3:]:
        addon, path = pair.split("=", 1)
        with open(path, "wb") as out:
            trans_export(False, [addon], out, "po", cr)
"""
NEW_FR_PO = (
    "import sys, polib; po = polib.pofile(sys.argv[1]); po.metadata['Language'] = 'fr';"
    " po.metadata['Plural-Forms'] = 'nplurals=2; plural=(n > 1);'; po.save(sys.argv[2])"
)
COUNT_UNTRANSLATED = "import sys, polib; print(len(polib.pofile(sys.argv[1]).untranslated_entries()))"


def cmd_i18n(_args):
    """Refresh each addon's i18n/<addon>.pot and merge new terms into i18n/fr.po (translations kept)."""
    odoo, pg = bootstrap()
    mods = soticket_addons()
    db = f"{TEST_DB_PREFIX}i18n_{uuid.uuid4().hex[:6]}"
    LOCAL.mkdir(exist_ok=True)
    conf = LOCAL / f"i18n-{db}.conf"
    write_odoo_conf(odoo, pg, db, conf, free_port())
    pots = {}
    for addon in mods:
        (ADDONS / addon / "i18n").mkdir(exist_ok=True)
        pots[addon] = ADDONS / addon / "i18n" / f"{addon}.pot"
    try:
        subprocess.run(odoo_base_cmd(odoo, pg, db) + ["-i", ",".join(mods), "--without-demo=all", "--stop-after-init",
                                                      "--log-level=warn"], check=True)
        subprocess.run([str(venv_python()), "-c", I18N_SCRIPT, f"--config={conf}", db,
                        *(f"{addon}={pot}" for addon, pot in pots.items())], check=True)
    finally:
        psql(pg, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conf.unlink(missing_ok=True)
    for addon, pot in pots.items():
        fr = pot.parent / "fr.po"
        if fr.exists():
            subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--update", "--backup=none", str(fr),
                            str(pot)], check=True)
        else:
            subprocess.run([str(venv_python()), "-c", NEW_FR_PO, str(pot), str(fr)], check=True)
        missing = subprocess.run([str(venv_python()), "-c", COUNT_UNTRANSLATED, str(fr)],
                                 check=True, capture_output=True, text=True).stdout.strip()
        say(f"{addon}: {pot.name} refreshed; i18n/fr.po has {missing} untranslated term(s)")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="soticket_dev")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the demo venue on :8069")
    test = sub.add_parser("test", help="the whole test suite in a throwaway database")
    test.add_argument("--test-tags", help="Odoo --test-tags (default: every SoTicket addon)")
    test.add_argument("--odoo-only", action="store_true", help="skip pytest tests/")
    test.add_argument("--keep-db", action="store_true", help="keep the test database for inspection")
    test.add_argument("--pytest-db", metavar="DB",
                      help="only pytest tests/, against this existing test database (from --keep-db); "
                           "extra arguments after -- go to pytest")
    test.add_argument("--db", metavar="DB",
                      help="use (and keep) this test database; when it exists, update the addons instead of "
                           "installing them (fast reruns while developing)")
    test.add_argument("-v", "--verbose", action="store_true", help="echo the whole Odoo log")
    sub.add_parser("lint", help="ruff and pylint-odoo")
    sub.add_parser("i18n", help="refresh the .pot files and merge new terms into i18n/fr.po")
    sub.add_parser("env", help="print what was found (Odoo, venv, PostgreSQL)")
    args, rest = parser.parse_known_args()
    if rest and not getattr(args, "pytest_db", None):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.pytest_args = rest
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "test":
            return cmd_test(args)
        if args.command == "lint":
            return cmd_lint(args)
        if args.command == "i18n":
            return cmd_i18n(args)
        odoo, pg = bootstrap()
        print(json.dumps({"odoo": str(odoo), "venv": str(VENV), "pg": pg}, indent=2))
        return 0
    except DevError as exc:
        say(f"ERROR: {exc}")
        return 2
    except subprocess.CalledProcessError as exc:
        say(f"ERROR: command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
