# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""`make lint`: ruff on the addons, tests/, tools/ and bench/; pylint-odoo on the addons."""
import subprocess

from .addons import soticket_addons
from .common import ADDONS
from .common import REPO
from .common import VENV
from .common import say
from .odoo_src import find_odoo
from .venv import ensure_venv


def cmd_lint(_args):
    ensure_venv(find_odoo())
    bin_ = VENV / "bin"
    # Addons committed as work in progress ("installable": False) are linted once they are finished.
    addons = [str(ADDONS / name) for name in soticket_addons()]
    targets = addons + [p for p in ("tests", "tools", "bench") if (REPO / p).exists()]
    rc = subprocess.run([str(bin_ / "ruff"), "check", *targets], cwd=REPO).returncode
    rc |= subprocess.run([str(bin_ / "pylint"), "--rcfile", str(REPO / ".pylintrc"), *addons], cwd=REPO).returncode
    say("lint: ok" if rc == 0 else "lint: FAILED")
    return 1 if rc else 0
