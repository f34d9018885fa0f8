# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The pure parts of the developer tool (tools/soticket_devtool): no Odoo, no database."""
import importlib.util
from pathlib import Path

import pytest
from soticket_devtool import addons
from soticket_devtool import cli
from soticket_devtool import demo
from soticket_devtool import system_packages
from soticket_devtool import testrun
from soticket_devtool import venv
from soticket_devtool.common import DevError

REPO = Path(__file__).resolve().parent.parent
WANTED = ["soticket_base", "soticket_scanner"]


# --------------------------------------------------------------------------- make run: resumable set-up
def test_plan_creates_a_missing_database():
    assert demo.plan(False, False, [], WANTED) == ("create", WANTED)


def test_plan_rebuilds_an_interrupted_set_up():
    """An interrupted first `make run` leaves the addons marked installed but no ready mark: start again."""
    assert demo.plan(True, False, ["base", *WANTED], WANTED) == ("rebuild", WANTED)
    assert demo.plan(True, False, [], WANTED) == ("rebuild", WANTED)


def test_plan_installs_addons_added_since():
    assert demo.plan(True, True, ["base", "soticket_base"], WANTED) == ("install", ["soticket_scanner"])


def test_plan_reuses_a_complete_venue():
    assert demo.plan(True, True, ["base", *WANTED], WANTED) == ("reuse", [])


# --------------------------------------------------------------------------- manifests
def test_manifest_is_read_without_executing_it():
    assert addons.read_manifest('{"name": "X", "installable": False, "depends": ["event"]}')["installable"] is False
    with pytest.raises(ValueError):
        addons.read_manifest('__import__("os").getcwd()')
    with pytest.raises(ValueError):
        addons.read_manifest('["not", "a", "dict"]')


def test_every_addon_manifest_is_a_literal():
    for manifest in sorted((REPO / "addons").glob("*/__manifest__.py")):
        assert addons.read_manifest(manifest.read_text())["license"] == "LGPL-3", manifest


# --------------------------------------------------------------------------- test results
LOG = """\
2026-12-08 01:12:05,001 20248 INFO db odoo.modules.loading: loading 1 modules...
2026-12-08 01:12:05,002 20248 ERROR db odoo.addons.soticket_base.tests.test_x: FAIL: TestX.test_y
Traceback (most recent call last):
2026-12-08 01:12:05,003 20248 INFO db odoo.addons.soticket_base.tests.test_x: skipped because no zbar
2026-12-08 01:12:05,004 20248 INFO db odoo.addons.soticket_base.tests.test_t: skipped Chrome not found
2026-12-08 01:12:05,989 20248 INFO db odoo.tests.result: 1 failed, 0 error(s) of 10 tests when loading database 'db'
"""


def test_odoo_log_is_parsed():
    errors, skips, report = testrun.parse_odoo_lines(LOG.splitlines(keepends=True))
    assert report == (1, 0, 10)
    assert len(errors) == 1 and "FAIL: TestX.test_y" in errors[0]
    assert skips == ["skipped because no zbar", "skipped Chrome not found"]
    # A tour skipped for want of a browser is a failure, not a skip.
    passed, failed, skipped, problems = testrun.odoo_counts(report, skips)
    assert (passed, failed, skipped) == (7, 2, 1)
    assert problems == ["browser tour skipped (counts as failed): skipped Chrome not found"]


def test_odoo_without_report_is_a_failure():
    assert testrun.parse_odoo_lines(["Traceback (most recent call last):\n"]) == ([], [], None)
    assert testrun.odoo_counts(None, [])[:3] == (0, 1, 0)
    assert testrun.odoo_counts((0, 0, 0), [])[3] == ["Odoo ran no test."]


def test_junit_report_is_parsed(tmp_path):
    junit = tmp_path / "pytest.xml"
    junit.write_text('<testsuites><testsuite name="pytest" tests="9" failures="1" errors="1" skipped="2">'
                     "</testsuite></testsuites>")
    assert testrun.parse_junit(junit) == (9, 2, 2, 5)
    assert testrun.parse_junit(tmp_path / "missing.xml") == (0, 0, 0, 0)
    assert testrun.summary_line(5, 2, 2) == "5 passed, 2 failed, 2 skipped"
    assert testrun.summary_line(5, 0, 0) == "5 passed, 0 failed"


# --------------------------------------------------------------------------- system packages, venv, options
def test_system_packages_file():
    packages = {p.name: p for p in system_packages.parse(system_packages.PACKAGES_FILE.read_text())}
    assert packages["chromium"].required and "test" in packages["chromium"].stages
    assert packages["zbar-tools"].checks == ("zbarimg",)
    assert "run" in packages["fonts-dejavu-core"].stages
    with pytest.raises(DevError):
        system_packages.parse("chromium test always chromium\n")


def test_missing_system_packages():
    packages = system_packages.parse("a  test  required  python:json\nb  test,run  wanted  no-such-command-xyz\n")
    assert [p.name for p in system_packages.missing("test", packages)] == ["b"]
    assert [p.name for p in system_packages.missing("run", packages)] == ["b"]
    assert system_packages.missing("i18n", packages) == []


def test_odoo_requirements_overrides():
    text = "# comment\ncbor2==5.4.2\npython-ldap==3.4.0\nlxml==4.9.3 ; python_version < '3.12'\n"
    reqs = venv.odoo_requirements(text)
    assert reqs[:2] == ["cbor2==5.6.2", "lxml==4.9.3 ; python_version < '3.12'"]
    assert not any(r.startswith("python-ldap") for r in reqs)
    assert reqs[2:] == venv.EXTRA_PINS


def test_options():
    args = cli.parse_args(["test", "--db", "st_x", "--odoo-only", "--test-tags", "/soticket_base"])
    assert (args.db, args.odoo_only, args.test_tags, args.keep_db) == ("st_x", True, "/soticket_base", False)
    assert cli.parse_args(["test", "--pytest-db", "kept", "--", "-k", "coop"]).pytest_args == ["--", "-k", "coop"]
    with pytest.raises(SystemExit):
        cli.parse_args(["test", "-k", "coop"])


def test_benchmarks_load_the_tool_by_path():
    spec = importlib.util.spec_from_file_location("soticket_dev", REPO / "tools" / "soticket_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("bootstrap", "find_odoo", "ensure_pg", "pg_args", "psql", "odoo_base_cmd", "free_port", "say",
                 "subprocess", "shutil"):
        assert hasattr(module, name), name
