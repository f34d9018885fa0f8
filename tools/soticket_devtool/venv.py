# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The repository's `.venv`: Odoo's requirements and ours, rebuilt only when one of them changes."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from . import system_packages
from .common import REPO
from .common import VENV
from .common import say
from .common import venv_python

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


def odoo_requirements(text):
    """Odoo's requirements.txt lines, with ODOO_REQ_OVERRIDES applied and EXTRA_PINS added."""
    lines = []
    for line in text.splitlines():
        name = re.split(r"[=<>~ ;]", line.strip(), maxsplit=1)[0]
        if not name or name.startswith("#"):
            continue
        if name in ODOO_REQ_OVERRIDES:
            if ODOO_REQ_OVERRIDES[name] and ODOO_REQ_OVERRIDES[name] not in lines:
                lines.append(ODOO_REQ_OVERRIDES[name])
            continue
        lines.append(line)
    return lines + EXTRA_PINS


def ensure_venv(odoo):
    reqs = odoo_requirements((odoo / "requirements.txt").read_text())
    ours = [REPO / "requirements.txt", REPO / "requirements-dev.txt"]
    digest = hashlib.sha256(
        "\n".join(reqs + [p.read_text() for p in ours] + [sys.version]).encode()
    ).hexdigest()
    stamp = VENV / ".soticket-stamp"
    if not (venv_python().exists() and stamp.exists() and stamp.read_text() == digest):
        system_packages.ensure("venv")
        say("Preparing .venv (Odoo's requirements and ours)…")
        if not venv_python().exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tmp:
            tmp.write("\n".join(reqs) + "\n")
        pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        try:
            subprocess.run(pip + ["-r", tmp.name] + [arg for p in ours for arg in ("-r", str(p))], check=True)
        finally:
            os.unlink(tmp.name)
        stamp.write_text(digest)
    # Make `import odoo` work in the venv (pytest-odoo, pylint) for the tree in use.
    site = subprocess.run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (Path(site) / "soticket-odoo.pth").write_text(f"{odoo}\n")
