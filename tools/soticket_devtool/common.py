# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Paths, messages and running the helper scripts with the venv's Python."""
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
ADDONS = REPO / "addons"
VENV = REPO / ".venv"
LOCAL = REPO / ".local"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "soticket"


class DevError(Exception):
    """A problem the developer must fix; printed without a traceback."""


def say(msg):
    print(f"[soticket] {msg}", flush=True)


def venv_python():
    return VENV / "bin" / "python"


def venv_script(name, *args, **kwargs):
    """Run scripts/<name>.py with the venv's Python (it imports psycopg2, Odoo or polib)."""
    return subprocess.run([str(venv_python()), str(SCRIPTS / f"{name}.py"), *map(str, args)], **kwargs)


def filestore(db):
    """Odoo's default filestore of a database (the tool never sets data_dir)."""
    return Path.home() / ".local" / "share" / "Odoo" / "filestore" / db
