# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""`make i18n`: refresh each addon's i18n/<addon>.pot and merge new terms into i18n/fr.po (translations kept)."""
import subprocess
import uuid

from . import system_packages
from .addons import soticket_addons
from .common import ADDONS
from .common import LOCAL
from .common import say
from .common import venv_script
from .odoo_cmd import bootstrap
from .odoo_cmd import free_port
from .odoo_cmd import odoo_base_cmd
from .odoo_cmd import write_odoo_conf
from .pg import drop_db
from .testrun import TEST_DB_PREFIX


def cmd_i18n(_args):
    odoo, pg = bootstrap()
    system_packages.ensure("i18n")
    mods = soticket_addons()
    db = f"{TEST_DB_PREFIX}i18n_{uuid.uuid4().hex[:6]}"
    LOCAL.mkdir(exist_ok=True)
    conf = LOCAL / f"i18n-{db}.conf"
    write_odoo_conf(odoo, pg, db, conf, free_port())
    pots = {}
    for addon in mods:
        (ADDONS / addon / "i18n").mkdir(exist_ok=True)
        pots[addon] = ADDONS / addon / "i18n" / f"{addon}.pot"
    try:
        subprocess.run(odoo_base_cmd(odoo, pg, db) + ["-i", ",".join(mods), "--without-demo=all", "--stop-after-init",
                                                      "--log-level=warn"], check=True)
        venv_script("i18n_export", f"--config={conf}", db, *(f"{addon}={pot}" for addon, pot in pots.items()),
                    check=True)
    finally:
        drop_db(pg, db)
        conf.unlink(missing_ok=True)
    for addon, pot in pots.items():
        fr = pot.parent / "fr.po"
        if fr.exists():
            subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--update", "--backup=none", str(fr),
                            str(pot)], check=True)
        else:
            venv_script("po_new_fr", pot, fr, check=True)
        missing = venv_script("po_untranslated", fr, check=True, capture_output=True, text=True).stdout.strip()
        say(f"{addon}: {pot.name} refreshed; i18n/fr.po has {missing} untranslated term(s)")
    return 0
