# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""python -m tools.soticket_hosting -c odoo.conf COMMAND … (from the repository root, with the
Python that runs Odoo; in the container: python3 -m soticket_hosting with tools/ on PYTHONPATH)."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import venues
from .venues import HostingError
from .venues import Odoo

TEMPLATE_SCRIPT = r"""
env = env(context=dict(env.context, tracking_disable=True))
company = env.ref("base.main_company")
company.country_id = env.ref("base.fr")
if not env["res.lang"]._lang_get("fr_FR"):
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"].search([("state", "=", "installed")])._update_translations(["fr_FR"])
if company.chart_template != "fr":  # the French chart of accounts (PCG), from l10n_fr_account
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
env.cr.commit()
"""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="soticket_hosting", description=__doc__)
    parser.add_argument("-c", "--config", required=True, help="the odoo.conf of the server serving the venues")
    parser.add_argument("--odoo-bin", help="odoo-bin to run (default $ODOO_BIN, else `odoo` on the PATH)")
    parser.add_argument("--python", help="Python to run odoo-bin with (default: odoo-bin's own shebang)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="install French accounting (l10n_fr_account, the French chart of "
                                        "accounts) and French in the template database, which already has the "
                                        "SoTicket addons")
    p.add_argument("--template", required=True)
    p = sub.add_parser("create", help="create a venue database from the template (idempotent)")
    p.add_argument("hostname")
    p.add_argument("--template", required=True)
    p.add_argument("--name", required=True, help="the venue's legal name")
    p.add_argument("--siret")
    p.add_argument("--vat")
    p.add_argument("--email", help="the venue's contact e-mail")
    p.add_argument("--admin-email", help="the venue administrator, invited by e-mail")
    p.add_argument("--admin-name")
    p = sub.add_parser("provision-requested", help="create the venues requested on the cooperative's member "
                                                   "contracts (button of soticket_hosting_coop) and report on them")
    p.add_argument("--coop-db", required=True, help="the cooperative's own database")
    p.add_argument("--template", required=True)
    sub.add_parser("list", help="venue databases and their hostnames")
    p = sub.add_parser("backup", help="dump + filestore of venue databases (all by default), with retention")
    p.add_argument("--dest", required=True)
    p.add_argument("--keep", type=int, default=14, help="backups kept per venue (default 14)")
    p.add_argument("dbs", nargs="*")
    p = sub.add_parser("restore", help="restore a backup folder into a NEW database")
    p.add_argument("backup_dir")
    p.add_argument("db")
    p = sub.add_parser("upgrade", help="update the SoTicket addons of every venue database, one after the other")
    p.add_argument("--log-dir", default="hosting-logs")
    p.add_argument("--modules", help="comma-separated: only these SoTicket addons (default: every one installed)")
    p.add_argument("dbs", nargs="*")
    p = sub.add_parser("export", help="the venue's data: dump, filestore, CSV of tickets, buyers and sales")
    p.add_argument("db")
    p.add_argument("--dest", required=True)
    p = sub.add_parser("decommission", help="export, take offline (archived_<db>) and schedule the removal")
    p.add_argument("db")
    p.add_argument("--dest", required=True)
    p.add_argument("--delay-days", type=int, default=90)
    sub.add_parser("purge", help="remove the archived databases whose delay has passed")
    args = parser.parse_args(argv)
    try:
        odoo = Odoo(args.config, args.odoo_bin, args.python)
        return run(odoo, args)
    except HostingError as exc:
        print(f"[hosting] ERROR: {exc}", file=sys.stderr, flush=True)
        return 2


def run(odoo, args):
    if args.command == "template":
        odoo_cmd = odoo.cmd("-d", args.template, "-i", "l10n_fr_account", "--stop-after-init", "--no-http",
                            "--without-demo=all")
        if subprocess.run(odoo_cmd, check=False).returncode:
            raise HostingError(f"installing l10n_fr_account in {args.template} failed")
        odoo.shell(args.template, TEMPLATE_SCRIPT)
        venues.say(f"{args.template}: French chart of accounts and language ready")
    elif args.command == "create":
        result = venues.create_venue(odoo, args.hostname, args.template, args.name, vat=args.vat, siret=args.siret,
                                     admin_email=args.admin_email, admin_name=args.admin_name, email=args.email)
        print(json.dumps(result))
    elif args.command == "provision-requested":
        results = venues.provision_requested(odoo, args.coop_db, args.template)
        print(json.dumps(results))
        return 1 if any(r["state"] == "failed" for r in results) else 0
    elif args.command == "list":
        for db, hostname in venues.venue_dbs(odoo).items():
            print(f"{db}\t{hostname}")
    elif args.command == "backup":
        for db in args.dbs or list(venues.venue_dbs(odoo)):
            venues.backup(odoo, db, args.dest, keep=args.keep)
    elif args.command == "restore":
        venues.restore(odoo, args.backup_dir, args.db)
    elif args.command == "upgrade":
        dbs = args.dbs or list(venues.venue_dbs(odoo))
        done, failed, left = venues.upgrade(odoo, dbs, Path(args.log_dir),
                                            modules=args.modules.split(",") if args.modules else None)
        print(f"upgraded ({len(done)}): {' '.join(done) or '-'}")
        if failed:
            print(f"FAILED: {failed['db']} (exit {failed['returncode']}, log {failed['log'] or '-'})")
            for line in failed["errors"]:
                print(f"    {line}")
            print(f"not attempted ({len(left)}): {' '.join(left) or '-'}")
            return 1
    elif args.command == "export":
        venues.export(odoo, args.db, args.dest)
    elif args.command == "decommission":
        venues.decommission(odoo, args.db, args.dest, args.delay_days)
    elif args.command == "purge":
        for db in venues.purge(odoo):
            venues.say(f"removed {db}")
    return 0
