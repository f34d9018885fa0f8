# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""PostgreSQL: the server named by the standard PG* variables, else the local server (127.0.0.1:5432 or
the Unix socket), else a private cluster under `.local/pg` made with the machine's initdb/pg_ctl.
SQL runs through scripts/pg_exec.py (psycopg2, in the venv)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

from .common import LOCAL
from .common import DevError
from .common import filestore
from .common import say
from .common import venv_script

PRIVATE_PORT = 54329


def _probe(params):
    """Return None if we can connect with params, else the error text."""
    res = venv_script("pg_probe", json.dumps(params), capture_output=True, text=True)
    return None if res.returncode == 0 else res.stderr.strip().splitlines()[-1:]


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise DevError(f"No PostgreSQL server reachable and no `{name}` binary to start a private one.")


def _private_cluster():
    data = LOCAL / "pg" / "data"
    sock = LOCAL / "pg" / "run"
    as_user = []
    if os.geteuid() == 0:  # initdb refuses root: run the private cluster as `postgres`
        as_user = ["runuser", "-u", "postgres", "--"]
    if not (data / "PG_VERSION").exists():
        say(f"Starting a private PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        sock.mkdir(parents=True, exist_ok=True)
        if as_user:
            shutil.chown(data, "postgres")
            shutil.chown(sock, "postgres")
        subprocess.run(as_user + [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "odoo"],
                       check=True, stdout=subprocess.DEVNULL)
    params = {"host": str(sock), "port": str(PRIVATE_PORT), "user": "odoo", "password": ""}
    if _probe(params):
        subprocess.run(as_user + [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(LOCAL / "pg" / "log"), "-w", "start",
                                  "-o", f"-p {PRIVATE_PORT} -k {sock} -c listen_addresses=''"], check=True)
    return params


def ensure_pg():
    env_params = {
        "host": os.environ.get("PGHOST", ""),
        "port": os.environ.get("PGPORT", ""),
        "user": os.environ.get("PGUSER", ""),
        "password": os.environ.get("PGPASSWORD", ""),
    }
    if any(env_params.values()):
        err = _probe(env_params)
        if err:
            raise DevError(f"Cannot connect to the PostgreSQL named by PG* variables: {err}")
        return env_params
    for params in ({"host": "127.0.0.1", "port": "5432", "user": "", "password": ""},
                   {"host": "", "port": "", "user": "", "password": ""}):
        if not _probe(params):
            return params
    return _private_cluster()


def pg_args(pg):
    """odoo-bin's --db_* options for these connection parameters."""
    args = []
    for key in ("host", "port", "user", "password"):
        if pg.get(key):
            args += [f"--db_{key}", pg[key]]
    return args


def psql(pg, sql, dbname="postgres", values=(), identifiers=()):
    """Run one statement, return its rows. Values are query parameters (%s); identifiers fill the
    statement's {} placeholders, quoted by psycopg2.sql."""
    res = venv_script("pg_exec", json.dumps(pg), dbname, sql, json.dumps(list(values)),
                      json.dumps(list(identifiers)), capture_output=True, text=True)
    if res.returncode:
        raise DevError(f"SQL failed ({sql}): {res.stderr.strip()}")
    return json.loads(res.stdout)


def db_exists(pg, db):
    return bool(psql(pg, "SELECT 1 FROM pg_database WHERE datname = %s", values=[db]))


def drop_db(pg, db):
    """Drop a database (even with open connections) and its filestore."""
    psql(pg, "DROP DATABASE IF EXISTS {} WITH (FORCE)", identifiers=[db])
    shutil.rmtree(filestore(db), ignore_errors=True)


def drop_dbs_with_prefix(pg, prefix):
    """Drop the databases whose name starts with prefix (a test database and those its tests made)."""
    for (name,) in psql(pg, "SELECT datname FROM pg_database WHERE left(datname, length(%s)) = %s",
                        values=[prefix, prefix]):
        drop_db(pg, name)
