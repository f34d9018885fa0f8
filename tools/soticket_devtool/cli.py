# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The command line: run, test, lint, i18n, env."""
import argparse
import json
import signal
import subprocess

from .common import VENV
from .common import DevError
from .common import say
from .demo import cmd_run
from .i18n import cmd_i18n
from .lint import cmd_lint
from .odoo_cmd import bootstrap
from .testrun import cmd_test


def cmd_env(_args):
    odoo, pg = bootstrap()
    print(json.dumps({"odoo": str(odoo), "venv": str(VENV), "pg": pg}, indent=2))
    return 0


COMMANDS = {"run": cmd_run, "test": cmd_test, "lint": cmd_lint, "i18n": cmd_i18n, "env": cmd_env}


def parse_args(argv=None):
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
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "pytest_db", None):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.pytest_args = rest
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DevError as exc:
        say(f"ERROR: {exc}")
        return 2
    except subprocess.CalledProcessError as exc:
        if exc.returncode in (-signal.SIGINT, 128 + signal.SIGINT):
            return _interrupted()
        say(f"ERROR: command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}")
        return 2
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted():
    say("Interrupted. An unfinished set-up is started again by the next `make run`.")
    return 128 + signal.SIGINT
