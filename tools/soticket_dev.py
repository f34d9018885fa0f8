#!/usr/bin/env python3
# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Entry point of `make run`, `make test`, `make lint`, `make i18n` and `make env`.

The tool itself is the package `soticket_devtool` beside this file (standard library only: it works before
the virtualenv exists). The benchmark scripts load this file by path and use the names it re-exports.
"""
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soticket_devtool.cli import main
from soticket_devtool.common import DevError
from soticket_devtool.common import say
from soticket_devtool.odoo_cmd import bootstrap
from soticket_devtool.odoo_cmd import free_port
from soticket_devtool.odoo_cmd import odoo_base_cmd
from soticket_devtool.odoo_cmd import write_odoo_conf
from soticket_devtool.odoo_src import find_odoo
from soticket_devtool.pg import ensure_pg
from soticket_devtool.pg import pg_args
from soticket_devtool.pg import psql

__all__ = ["DevError", "bootstrap", "ensure_pg", "find_odoo", "free_port", "main", "odoo_base_cmd", "pg_args",
           "psql", "say", "shutil", "subprocess", "write_odoo_conf"]

if __name__ == "__main__":
    sys.exit(main())
