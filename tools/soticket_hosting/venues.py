# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Venue databases: one per hostname, named after the hostname's first label (dbfilter = ^%d$).

Everything is read from the Odoo configuration file the server uses (-c odoo.conf): PostgreSQL
connection, data_dir (filestores) and addons_path. Odoo itself is run as ``odoo-bin`` (--odoo-bin,
or $ODOO_BIN, or `odoo` on the PATH as in the official image) with that same file.
"""
import configparser
import csv
import datetime
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

HOSTNAME_PARAM = "soticket_hosting.hostname"
ARCHIVE_PREFIX = "archived_"
LABEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SOTICKET_PREFIX = "soticket_"


class HostingError(Exception):
    """A refusal or failure explained to the operator (no traceback)."""


def say(msg):
    print(f"[hosting] {msg}", flush=True)


class Odoo:
    """The Odoo configuration file and command line of the server that serves the venues."""

    def __init__(self, conf, odoo_bin=None, python=None):
        self.conf = Path(conf)
        parser = configparser.ConfigParser(interpolation=None)
        if not parser.read(self.conf):
            raise HostingError(f"cannot read the Odoo configuration file {self.conf}")
        self.options = dict(parser["options"]) if parser.has_section("options") else {}
        self.odoo_bin = odoo_bin or os.environ.get("ODOO_BIN") or shutil.which("odoo") or "odoo"
        self.python = python

    # PostgreSQL -----------------------------------------------------------------------------
    def pg_params(self):
        params = {}
        for key in ("host", "port", "user", "password"):
            value = self.options.get(f"db_{key}")
            if value and value != "False":
                params[key] = value
        if "host" not in params and os.environ.get("HOST") and (os.environ.get("PASSWORD_FILE")
                                                                 or os.environ.get("PASSWORD")):
            # The official odoo image passes the connection as HOST/PORT/USER/PASSWORD(_FILE)
            # variables (its entrypoint turns them into --db_* options), not in odoo.conf.
            for key in ("host", "port", "user", "password"):
                if os.environ.get(key.upper()):
                    params[key] = os.environ[key.upper()]
        if not params.get("password") and os.environ.get("PASSWORD_FILE"):
            params["password"] = Path(os.environ["PASSWORD_FILE"]).read_text().strip()
        return params

    def _db_args(self):
        """--db_* options for what odoo.conf does not say itself (the official image's variables)."""
        return [arg for key, value in self.pg_params().items() if not self.options.get(f"db_{key}")
                for arg in (f"--db_{key}", value)]

    def connect(self, dbname="postgres", retries=30):
        for attempt in range(retries):
            try:
                conn = psycopg2.connect(dbname=dbname, **self.pg_params())
                conn.autocommit = True
                return conn
            except psycopg2.OperationalError as exc:
                if "too many clients" not in str(exc) or attempt == retries - 1:
                    raise
                time.sleep(2)
        raise AssertionError("unreachable")

    def query(self, statement, values=(), dbname="postgres"):
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cr:
                cr.execute(statement, values)
                return cr.fetchall() if cr.description else []
        finally:
            conn.close()

    def db_exists(self, db):
        return bool(self.query("SELECT 1 FROM pg_database WHERE datname = %s", [db]))

    def pg_env(self):
        env = dict(os.environ)
        for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
            if self.pg_params().get(key):
                env[var] = self.pg_params()[key]
        return env

    # Files ----------------------------------------------------------------------------------
    def data_dir(self):
        return Path(self.options.get("data_dir") or Path.home() / ".local" / "share" / "Odoo")

    def filestore(self, db):
        return self.data_dir() / "filestore" / db

    def touch_stamp(self):
        """What soticket_hosting's cached database lists watch (addons/soticket_hosting/db_cache.py)."""
        path = self.data_dir() / "soticket_hosting" / "databases.stamp"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        now_ns = time.time_ns()
        os.utime(path, ns=(now_ns, now_ns))

    # Odoo processes -------------------------------------------------------------------------
    def cmd(self, *args):
        base = [self.python, self.odoo_bin] if self.python else [self.odoo_bin]
        if args and args[0] == "shell":
            return [*base, "shell", "-c", str(self.conf), *self._db_args(), *args[1:]]
        return [*base, "-c", str(self.conf), *self._db_args(), *args]

    def shell(self, db, script, log=None):
        res = subprocess.run(self.cmd("shell", "-d", db, "--no-http", "--log-level=warn", "--max-cron-threads=0"),
                             input=script, text=True, capture_output=True, check=False)
        if log:
            Path(log).write_text(res.stdout + res.stderr)
        if res.returncode:
            raise HostingError(f"odoo shell on {db} failed:\n{(res.stdout + res.stderr)[-3000:]}")
        return res.stdout


def label_of(hostname):
    hostname = hostname.lower().strip().rstrip(".")
    if not HOSTNAME_RE.match(hostname):
        raise HostingError(f"{hostname!r} is not a host name (e.g. billetterie.lasirene.fr)")
    host = hostname[4:] if hostname.startswith("www.") else hostname
    label = host.partition(".")[0]
    if not LABEL_RE.match(label) or label in ("postgres", "template0", "template1"):
        raise HostingError(f"the first label of {hostname!r} cannot name a database")
    return hostname, label


def recorded_hostname(odoo, db):
    try:
        rows = odoo.query("SELECT value FROM ir_config_parameter WHERE key = %s", [HOSTNAME_PARAM], dbname=db)
    except psycopg2.Error:
        return None
    return rows[0][0] if rows else None


def venue_dbs(odoo):
    """{database: hostname} of every venue database (one with a recorded hostname)."""
    venues = {}
    for (db,) in odoo.query("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate "
                            "AND datname <> 'postgres' ORDER BY datname"):
        if db.startswith(ARCHIVE_PREFIX):
            continue
        hostname = recorded_hostname(odoo, db)
        if hostname:
            venues[db] = hostname
    return venues


CONFIGURE = r"""
import base64, json, os
params = json.loads(os.environ["SOTICKET_VENUE"])
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
ICP = env["ir.config_parameter"].sudo()
fresh = not ICP.get_param("soticket_hosting.hostname")
if fresh:
    # A copy of the template: its own database.uuid/secret and its own ticket signing key.
    ICP.init(force=True)
    ICP.search([("key", "in", ["soticket_base.ticket_signing_private_key",
                               "soticket_base.ticket_signing_public_key"])]).unlink()
    env["soticket.signing.key"]._ensure_key()
company = env.ref("base.main_company")
france = env.ref("base.fr")
values = {"name": params["name"], "country_id": france.id, "email": params.get("email") or company.email}
if params.get("vat"):
    values["vat"] = params["vat"]
if params.get("siret") and "siret" in company._fields:
    values["siret"] = params["siret"]
elif params.get("siret"):
    values["company_registry"] = params["siret"]
company.write(values)
if not env["res.lang"]._lang_get("fr_FR"):  # the template should already speak French (see `template`)
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"].search([("state", "=", "installed")])._update_translations(["fr_FR"])
company.partner_id.lang = "fr_FR"
l10n_fr = env["ir.module.module"].search([("name", "=", "l10n_fr_account"), ("state", "=", "installed")])
if l10n_fr and company.chart_template != "fr":
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
url = "https://" + params["hostname"]
ICP.set_param("web.base.url", url)
ICP.set_param("web.base.url.freeze", "True")
ICP.set_param("soticket_hosting.hostname", params["hostname"])
website = env["website"].search([], limit=1) if "website" in env else None
if website:
    website.write({"domain": url, "name": params["name"]})
admin = None
if params.get("admin_email"):
    Users = env["res.users"].with_context(no_reset_password=True)
    admin = Users.search([("login", "=", params["admin_email"])], limit=1)
    if not admin:
        admin = Users.create({
            "name": params.get("admin_name") or params["admin_email"], "login": params["admin_email"],
            "email": params["admin_email"], "lang": "fr_FR", "company_id": company.id,
            "company_ids": [(6, 0, company.ids)],
            "groups_id": [(6, 0, [env.ref("base.group_user").id, env.ref("base.group_system").id,
                                  env.ref("event.group_event_manager").id])],
        })
        # The invitation (auth_signup's "set your password" e-mail with a signup link), queued for the
        # mail cron rather than sent here: the venue's mail server may not be configured yet.
        admin.partner_id.signup_prepare(signup_type="signup")
        env.ref("auth_signup.set_password_email").send_mail(admin.id, force_send=False, email_values={
            "email_to": admin.email, "email_cc": False, "auto_delete": True, "recipient_ids": [],
            "partner_ids": [], "scheduled_date": False, "message_type": "user_notification"})
env.cr.commit()
print("VENUE " + json.dumps({"fresh": fresh, "company": company.name, "admin": admin.login if admin else None,
                             "public_key": ICP.get_param("soticket_base.ticket_signing_public_key")}))
"""


def create_venue(odoo, hostname, template, name, vat=None, siret=None, admin_email=None, admin_name=None,
                 email=None):
    """Create (or, for the same hostname, re-apply the settings of) the venue database of ``hostname``."""
    hostname, db = label_of(hostname)
    if db == template:
        raise HostingError(f"{hostname} would use the template database {template}")
    created = False
    if odoo.db_exists(db):
        recorded = recorded_hostname(odoo, db)
        if recorded != hostname:
            raise HostingError(f"hostname {hostname} is taken: database {db} already exists"
                               + (f" for {recorded}" if recorded else " (not a venue made by this tool)"))
        say(f"{hostname}: database {db} exists, settings applied again")
    else:
        if not odoo.db_exists(template):
            raise HostingError(f"template database {template} does not exist")
        try:
            odoo.query(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(db), sql.Identifier(template)))
        except psycopg2.errors.ObjectInUse as exc:
            raise HostingError(f"template {template} is in use (stop what is connected to it): {exc}") from exc
        created = True
        src = odoo.filestore(template)
        if src.is_dir():
            shutil.copytree(src, odoo.filestore(db), dirs_exist_ok=True)
    payload = json.dumps({"hostname": hostname, "name": name, "vat": vat, "siret": siret,
                          "admin_email": admin_email, "admin_name": admin_name, "email": email})
    os.environ["SOTICKET_VENUE"] = payload
    try:
        out = odoo.shell(db, CONFIGURE)
    except HostingError:
        if created:
            drop_database(odoo, db)
        raise
    finally:
        os.environ.pop("SOTICKET_VENUE", None)
    odoo.touch_stamp()
    result = json.loads(out.split("VENUE ", 1)[1].splitlines()[0])
    result.update(db=db, hostname=hostname, created=created)
    say(f"{hostname}: {'created' if created else 'up to date'} (database {db})")
    return result


def provision_requested(odoo, coop_db, template):
    """Create the venues requested on the cooperative's member contracts (soticket_hosting_coop's
    button) and report on each contract: created (its database) or failed (why)."""
    rows = odoo.query(
        "SELECT c.id, c.hosting_hostname, c.hosting_admin_email, p.name, p.vat, p.company_registry, p.email "
        "FROM soticket_coop_contract c JOIN res_partner p ON p.id = c.partner_id "
        "WHERE c.hosting_state = 'requested' ORDER BY c.id", dbname=coop_db)
    results = []
    for contract_id, hostname, admin_email, name, vat, registry, email in rows:
        db = None
        try:
            db = create_venue(odoo, hostname, template, name, vat=vat, siret=registry, admin_email=admin_email,
                              email=email)["db"]
            state, message = "done", f"{hostname}: database {db} created, {admin_email} invited"
        except HostingError as exc:
            state, message = "failed", str(exc)[:500]
            say(f"contract {contract_id}: {message}")
        odoo.query("UPDATE soticket_coop_contract SET hosting_state = %s, hosting_message = %s, "
                   "venue_db = COALESCE(%s, venue_db), write_date = now() AT TIME ZONE 'UTC' WHERE id = %s",
                   [state, message, db, contract_id], dbname=coop_db)
        results.append({"contract_id": contract_id, "state": state, "db": db, "message": message})
    return results


def drop_database(odoo, db):
    odoo.query(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
    shutil.rmtree(odoo.filestore(db), ignore_errors=True)
    odoo.touch_stamp()


# Backups ----------------------------------------------------------------------------------------
def backup(odoo, db, dest, keep=None):
    """dest/<db>/<UTC timestamp>/ with dump.pgc (pg_dump -Fc) and filestore.tar.gz; keeps the
    ``keep`` newest backups of that database."""
    if not odoo.db_exists(db):
        raise HostingError(f"database {db} does not exist")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(dest) / db / stamp
    target.mkdir(parents=True)
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target / "dump.pgc"), db], env=odoo.pg_env(),
                   check=True)
    with tarfile.open(target / "filestore.tar.gz", "w:gz") as tar:
        if odoo.filestore(db).is_dir():
            tar.add(odoo.filestore(db), arcname="filestore")
    (target / "manifest.json").write_text(json.dumps({"db": db, "hostname": recorded_hostname(odoo, db),
                                                      "created": stamp}))
    if keep:
        for old in sorted((p for p in (Path(dest) / db).iterdir() if p.is_dir()), reverse=True)[keep:]:
            shutil.rmtree(old)
    say(f"{db}: backup {target}")
    return target


def restore(odoo, backup_dir, db):
    backup_dir = Path(backup_dir)
    if not (backup_dir / "dump.pgc").is_file():
        raise HostingError(f"{backup_dir} holds no dump.pgc")
    if odoo.db_exists(db):
        raise HostingError(f"database {db} already exists: restore into a new name")
    odoo.query(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    res = subprocess.run(["pg_restore", "--no-owner", "-d", db, str(backup_dir / "dump.pgc")], env=odoo.pg_env(),
                         capture_output=True, text=True, check=False)
    if res.returncode:
        drop_database(odoo, db)
        raise HostingError(f"pg_restore into {db} failed:\n{res.stderr[-2000:]}")
    dest = odoo.filestore(db)
    with tarfile.open(backup_dir / "filestore.tar.gz") as tar:
        tmp = dest.parent / f".{db}.restore"
        tar.extractall(tmp, filter="data")
        if (tmp / "filestore").is_dir():
            shutil.rmtree(dest, ignore_errors=True)
            (tmp / "filestore").rename(dest)
        shutil.rmtree(tmp, ignore_errors=True)
    odoo.touch_stamp()
    say(f"{backup_dir} restored into {db}")
    return db


# Upgrades ---------------------------------------------------------------------------------------
def installed_soticket_modules(odoo, db):
    return [name for (name,) in odoo.query(
        "SELECT name FROM ir_module_module WHERE state = 'installed' AND name LIKE %s ORDER BY name",
        [SOTICKET_PREFIX + "%"], dbname=db)]


def upgrade(odoo, dbs, log_dir, modules=None):
    """Update the SoTicket addons of each database in turn; stop at the first failure.
    Returns (upgraded, failed or None, not attempted)."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for index, db in enumerate(dbs):
        log = log_dir / f"upgrade-{db}.log"
        try:
            installed = installed_soticket_modules(odoo, db)
        except psycopg2.Error as exc:
            return done, {"db": db, "returncode": None, "log": None,
                          "errors": [f"cannot read its modules: {str(exc).strip()}"]}, list(dbs[index + 1:])
        to_update = [m for m in installed if not modules or m in modules]
        say(f"{db}: updating {', '.join(to_update)} (log {log})")
        with open(log, "w") as out:
            res = subprocess.run(odoo.cmd("-d", db, "-u", ",".join(to_update), "--stop-after-init", "--no-http",
                                          "--max-cron-threads=0"), stdout=out, stderr=subprocess.STDOUT, check=False)
        text = log.read_text(errors="replace")
        errors = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
        if res.returncode or errors:
            return done, {"db": db, "returncode": res.returncode, "log": str(log),
                          "errors": errors[:5] or text.splitlines()[-5:]}, list(dbs[index + 1:])
        done.append(db)
    return done, None, []


# Export and decommissioning ---------------------------------------------------------------------
EXPORTS = {
    "tickets.csv": """
        SELECT r.id, e.name->>'en_US' AS event, e.date_begin, t.name->>'en_US' AS category, r.name AS holder,
               r.email, r.phone, r.state, r.ticket_code, r.barcode, r.create_date, so.name AS sale_order
          FROM event_registration r JOIN event_event e ON e.id = r.event_id
          LEFT JOIN event_event_ticket t ON t.id = r.event_ticket_id
          LEFT JOIN sale_order so ON so.id = r.sale_order_id
         ORDER BY r.id""",
    "buyers.csv": """
        SELECT p.id, p.name, p.email, p.phone, p.street, p.zip, p.city, p.create_date
          FROM res_partner p
         WHERE p.id IN (SELECT partner_id FROM sale_order UNION SELECT partner_id FROM event_registration
                        WHERE partner_id IS NOT NULL)
         ORDER BY p.id""",
    "sales.csv": """
        SELECT so.id, so.name, so.date_order, so.state, p.name AS buyer, p.email, so.amount_untaxed,
               so.amount_tax, so.amount_total, c.name AS currency
          FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
          LEFT JOIN res_currency c ON c.id = so.currency_id
         ORDER BY so.id""",
}


def export(odoo, db, dest):
    """The venue's data handed to it: dump + filestore (a backup) and CSV files."""
    target = backup(odoo, db, Path(dest) / "export")
    conn = odoo.connect(db)
    try:
        for filename, query in EXPORTS.items():
            with conn.cursor() as cr, open(target / filename, "w", newline="") as f:
                cr.execute(query)
                writer = csv.writer(f)
                writer.writerow([col.name for col in cr.description])
                writer.writerows(cr.fetchall())
    finally:
        conn.close()
    say(f"{db}: exported to {target}")
    return target


def _archives_file(odoo):
    return odoo.data_dir() / "soticket_hosting" / "archives.json"


def decommission(odoo, db, dest, delay_days):
    """Export, then take the venue offline: the database is renamed archived_<db> (the dbfilter no
    longer serves it) and removed by `purge` once ``delay_days`` have passed."""
    if not odoo.db_exists(db):
        raise HostingError(f"database {db} does not exist")
    target = export(odoo, db, dest)
    archived = f"{ARCHIVE_PREFIX}{db}"[:63]
    odoo.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
               [db])
    odoo.query(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(db), sql.Identifier(archived)))
    if odoo.filestore(db).is_dir():
        odoo.filestore(db).rename(odoo.filestore(archived))
    archives_path = _archives_file(odoo)
    archives_path.parent.mkdir(parents=True, exist_ok=True)
    archives = json.loads(archives_path.read_text()) if archives_path.exists() else {}
    remove_after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=delay_days)
    archives[archived] = {"venue": db, "export": str(target), "remove_after": remove_after.isoformat()}
    archives_path.write_text(json.dumps(archives, indent=2))
    odoo.touch_stamp()
    say(f"{db}: archived as {archived}, removed after {remove_after:%Y-%m-%d}")
    return archived, target


def purge(odoo, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    archives_path = _archives_file(odoo)
    archives = json.loads(archives_path.read_text()) if archives_path.exists() else {}
    removed = []
    for archived, info in list(archives.items()):
        if datetime.datetime.fromisoformat(info["remove_after"]) <= now:
            drop_database(odoo, archived)
            del archives[archived]
            removed.append(archived)
    if archives_path.parent.is_dir():
        archives_path.write_text(json.dumps(archives, indent=2))
    return removed
