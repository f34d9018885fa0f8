# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""`make test`: Odoo's tests (unit, HTTP, browser tours) in a throwaway database, then pytest tests/,
and one summary line `N passed, N failed[, N skipped]`."""
import os
import re
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET

from . import system_packages
from .addons import soticket_addons
from .common import LOCAL
from .common import REPO
from .common import DevError
from .common import say
from .common import venv_python
from .odoo_cmd import bootstrap
from .odoo_cmd import free_port
from .odoo_cmd import odoo_base_cmd
from .odoo_cmd import write_odoo_conf
from .pg import db_exists
from .pg import drop_dbs_with_prefix

TEST_DB_PREFIX = "soticket_test_"
# Stock modules installed beside ours for the tests only (the website tour pays with the demo provider).
TEST_EXTRA_MODULES = ["payment_demo"]

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)"
)
ECHO_LINE = re.compile(r" (ERROR|CRITICAL) |FAIL:|tests when loading database| Ran \d+ tests")
REPORT_LINE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
BROWSER_SKIP = re.compile(r"chrome|websocket", re.I)


def ensure_browser():
    """Tours must run, not skip: Chromium (a system package) and websocket-client are required."""
    system_packages.ensure("test")
    res = subprocess.run([str(venv_python()), "-c", "import websocket"], capture_output=True)
    if res.returncode:
        raise DevError("websocket-client is required for the browser tours (pip install websocket-client).")


def parse_odoo_lines(lines):
    """(ERROR/CRITICAL lines, skip messages, (failed, errors, run) of Odoo's final report or None)."""
    errors, skips, report = [], [], None
    for line in lines:
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


def parse_odoo_log(path):
    with open(path, errors="replace") as fh:
        return parse_odoo_lines(fh)


def odoo_counts(report, skips):
    """(passed, failed, skipped, problems) from Odoo's report; a browser tour skipped counts as failed."""
    if report is None:
        return 0, 1, 0, ["Odoo exited without a test report"]
    o_failed, o_errors, o_run = report
    bad_skips = [s for s in skips if BROWSER_SKIP.search(s)]
    problems = [f"browser tour skipped (counts as failed): {s}" for s in bad_skips]
    if o_run == 0:
        problems.insert(0, "Odoo ran no test.")
    failed = o_failed + o_errors + len(bad_skips)
    skipped = len(skips) - len(bad_skips)
    passed = o_run - o_failed - o_errors - len(skips)
    return passed, failed, skipped, problems


def parse_junit(path):
    """(total, failed, skipped, passed) of a pytest JUnit XML report (zeros when there is none)."""
    if not path.exists():
        return 0, 0, 0, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total, failed, skipped, total - failed - skipped


def summary_line(passed, failed, skipped):
    return f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")


def _pytest_env(odoo, db, mods, conf, env):
    return {**env, "ODOO_RC": str(conf), "SOTICKET_TEST_DB": db, "SOTICKET_ODOO_SRC": str(odoo),
            "SOTICKET_TEST_ADDONS": ",".join(mods)}


def cmd_test(args):
    odoo, pg = bootstrap()
    ensure_browser()
    mods = soticket_addons()
    run_id = uuid.uuid4().hex[:8]
    db = args.pytest_db or args.db or f"{TEST_DB_PREFIX}{run_id}"
    # --db NAME: a database kept between runs; once it exists the addons are updated (-u), not installed,
    # which skips installing Odoo's own apps again while iterating on one addon.
    reuse = bool(args.db and db_exists(pg, db))
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
        o_passed, o_failed, o_skipped, o_problems = odoo_counts(report, skips)
        passed, failed, skipped = passed + o_passed, failed + o_failed, skipped + o_skipped
        if report is None:
            o_problems = [f"Odoo exited ({rc}) without a test report: see {odoo_log}"]
        problems += o_problems
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
            res = subprocess.run(
                [str(venv_python()), "-m", "pytest", "tests", "-p", "no:cacheprovider", f"--junitxml={junit}",
                 "--odoo-config", str(conf), "--odoo-database", db, "-q"],
                cwd=REPO, env=_pytest_env(odoo, db, mods, conf, env),
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
            drop_dbs_with_prefix(pg, db)
    for p in problems:
        say(f"PROBLEM: {p}")
    print(summary_line(passed, failed, skipped), flush=True)
    return 1 if (failed or problems) else 0


def _pytest_only(odoo, pg, db, mods, run_id, env, extra):
    conf = LOCAL / f"test-{run_id}.conf"
    write_odoo_conf(odoo, pg, db, conf, free_port())
    return subprocess.run(
        [str(venv_python()), "-m", "pytest", "tests", "-p", "no:cacheprovider", "--odoo-config", str(conf),
         "--odoo-database", db, *[a for a in extra if a != "--"]], cwd=REPO, env=_pytest_env(odoo, db, mods, conf, env),
    ).returncode
