# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Which SoTicket addons a command works on, read from their manifests."""
import ast
import os

from .common import ADDONS
from .common import LOCAL
from .common import DevError


def read_manifest(text):
    """A manifest is one dict literal: read it without executing anything."""
    data = ast.literal_eval(text)
    if not isinstance(data, dict):
        raise ValueError("a manifest is a dict literal")
    return data


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
        try:
            data = read_manifest(manifest.read_text())
        except (ValueError, SyntaxError) as exc:
            raise DevError(f"{manifest.relative_to(ADDONS.parent)} is not a dict literal: {exc}") from exc
        if data.get("installable", True):
            mods.append(manifest.parent.name)
    if not mods:
        raise DevError("No installable addon under addons/.")
    return mods
