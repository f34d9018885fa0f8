# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""`make run`: the demo venue, set up once and resumable.

The set-up (create the database, install accounting, install the SoTicket addons with demo data) ends by
writing the system parameter `soticket.demo_ready`. A database without it is one whose set-up was
interrupted (Ctrl-C, a crash): the next run drops it and sets it up again, so an interrupted first run
ends, on the next one, in the same complete venue as an uninterrupted one.
"""
import os
import subprocess

from . import system_packages
from .addons import soticket_addons
from .common import LOCAL
from .common import DevError
from .common import say
from .common import venv_python
from .common import venv_script
from .odoo_cmd import bootstrap
from .odoo_cmd import odoo_base_cmd
from .odoo_cmd import write_odoo_conf
from .pg import db_exists
from .pg import drop_db
from .pg import psql

DEMO_DB = os.environ.get("SOTICKET_DB", "soticket_demo")
RUN_PORT = int(os.environ.get("SOTICKET_PORT", "8069"))
READY_KEY = "soticket.demo_ready"


def plan(exists, ready, installed, wanted):
    """What to do with the demo database, as (action, addons to install):

    - ("create", wanted): there is none;
    - ("rebuild", wanted): its set-up never finished (no ready mark): drop it and start again;
    - ("install", missing): complete, but addons were added since: install them (the mark is removed
      meanwhile, so an interrupted install is rebuilt next time);
    - ("reuse", []): complete.
    """
    if not exists:
        return "create", list(wanted)
    if not ready:
        return "rebuild", list(wanted)
    missing = [m for m in wanted if m not in installed]
    return ("install", missing) if missing else ("reuse", [])


def read_state(pg, db):
    """(exists, ready, installed addons) of a database."""
    if not db_exists(pg, db):
        return False, False, []
    (params_table, modules_table), = psql(
        pg, "SELECT to_regclass('ir_config_parameter') IS NOT NULL, to_regclass('ir_module_module') IS NOT NULL", db)
    ready = params_table and bool(psql(pg, "SELECT 1 FROM ir_config_parameter WHERE key = %s", db, [READY_KEY]))
    installed = [r[0] for r in psql(pg, "SELECT name FROM ir_module_module WHERE state = 'installed'", db)
                 ] if modules_table else []
    return True, ready, installed


def mark_ready(pg, db, ready):
    if ready:
        psql(pg, "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) "
                 "VALUES (%s, 'True', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC') "
                 "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date",
             db, [READY_KEY])
    else:
        psql(pg, "DELETE FROM ir_config_parameter WHERE key = %s", db, [READY_KEY])


def cmd_run(_args):
    odoo, pg = bootstrap()
    system_packages.ensure("run")
    mods = soticket_addons()
    exists, ready, installed = read_state(pg, DEMO_DB)
    action, todo = plan(exists, ready, installed, mods)
    if action == "rebuild":
        say(f"The set-up of database {DEMO_DB} was interrupted (no {READY_KEY} mark): dropping it and starting again…")
        drop_db(pg, DEMO_DB)
    if action in ("create", "rebuild"):
        say(f"Creating the demo venue database {DEMO_DB} (French, in France)…")
        LOCAL.mkdir(exist_ok=True)
        conf = LOCAL / "run.conf"
        write_odoo_conf(odoo, pg, DEMO_DB, conf, RUN_PORT)
        venv_script("create_demo_db", f"--config={conf}", DEMO_DB, check=True)
        exists, _ready, installed = read_state(pg, DEMO_DB)
        if not exists:
            raise DevError(f"Odoo could not create the database {DEMO_DB}: see the messages above.")
    elif action == "install":
        mark_ready(pg, DEMO_DB, False)
    cmd = odoo_base_cmd(odoo, pg, DEMO_DB) + ["--http-port", str(RUN_PORT), "--http-interface", "127.0.0.1"]
    if todo:
        if "account" not in installed:
            # Accounting first, so the French chart of accounts (journals) exists before the demo
            # data of the Point of Sale and of our box office, which need a bank journal.
            say(f"Installing accounting (French chart of accounts) into database {DEMO_DB}…")
            subprocess.run(cmd + ["-i", "account", "--stop-after-init"], check=True)
        say(f"Installing {', '.join(todo)} with demo data into database {DEMO_DB} (first run: a few minutes)…")
        subprocess.run(cmd + ["-i", ",".join(todo), "--stop-after-init"], check=True)
        mark_ready(pg, DEMO_DB, True)
        say(f"Database {DEMO_DB} is set up.")
    else:
        say(f"Reusing database {DEMO_DB} (all SoTicket addons installed).")
    say(f"SoTicket demo venue: http://localhost:{RUN_PORT}/odoo  —  log in as admin / admin  (Ctrl-C to stop)")
    os.execv(str(venv_python()), cmd)
