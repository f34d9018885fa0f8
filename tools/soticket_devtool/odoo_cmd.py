# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Odoo command lines and config files for a database, and the whole set-up (Odoo, venv, PostgreSQL)."""
import re
import socket

from .common import ADDONS
from .common import venv_python
from .odoo_src import find_odoo
from .pg import ensure_pg
from .pg import pg_args
from .venv import ensure_venv


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
