# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The list of databases, cached per process while a ``dbfilter`` is set.

Stock Odoo 18 resolves the database of every request that carries no session cookie (a scanner
box, a web visitor's first page, a crawler) with ``odoo.http.db_list(force=True)``
(``Request._get_session_and_dbname``), which calls ``odoo.service.db.list_dbs(True)``: a query on
``pg_database`` through a connection to the ``postgres`` database, per request and per worker.
With one database per venue and ``dbfilter = ^%d$`` the answer changes only when a venue is
added or removed, so the list is kept for ``soticket_db_list_ttl`` seconds (odoo.conf, default 60)
and thrown away at once when the stamp file ``<data_dir>/soticket_hosting/databases.stamp``
changes: the hosting tool touches it when it creates, restores or removes a venue database, which
every worker of every server sharing the data directory sees on its next request (one stat()).
Odoo's own database manager calls (create, duplicate, restore, rename, drop) touch it as well.

Without a ``dbfilter`` nothing changes (``list_dbs`` is then either the ``db_name`` list or the
database manager's own listing). An empty or failed listing is never cached.
"""
import functools
import logging
import os
import threading
import time

import odoo
from odoo.tools import config

_logger = logging.getLogger(__name__)

DEFAULT_TTL = 60.0
PATCHED_FUNCTIONS = ("exp_create_database", "exp_duplicate_database", "exp_drop", "exp_rename", "restore_db")

_lock = threading.Lock()
_cache = {"dbs": None, "at": 0.0, "stamp": None}
_original = {}


def stamp_path(data_dir=None):
    return os.path.join(data_dir or config["data_dir"], "soticket_hosting", "databases.stamp")


def _stamp():
    try:
        return os.stat(stamp_path()).st_mtime_ns
    except OSError:
        return None


def _ttl():
    try:
        return float(config.get("soticket_db_list_ttl") or DEFAULT_TTL)
    except (TypeError, ValueError):
        return DEFAULT_TTL


def clear():
    """Forget this process's cached list."""
    with _lock:
        _cache.update(dbs=None, at=0.0, stamp=None)


def touch_stamp(data_dir=None):
    """Tell every process sharing this data directory that the list of databases changed."""
    path = stamp_path(data_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a"):
        pass
    now_ns = time.time_ns()
    os.utime(path, ns=(now_ns, now_ns))


def invalidate():
    touch_stamp()
    clear()


def cached_list_dbs(force=False):
    list_dbs = _original["list_dbs"]
    if not config["dbfilter"] or (not config["list_db"] and not force):
        return list_dbs(force)  # unchanged behaviour (incl. AccessDenied when listing is off)
    stamp = _stamp()
    now = time.monotonic()
    with _lock:
        dbs = _cache["dbs"]
        if dbs is not None and _cache["stamp"] == stamp and now - _cache["at"] < _ttl():
            return list(dbs)
    dbs = list_dbs(force)
    if dbs:
        with _lock:
            _cache.update(dbs=tuple(dbs), at=now, stamp=stamp)
    return list(dbs)


def _invalidating(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        invalidate()
        try:
            return func(*args, **kwargs)
        finally:
            invalidate()
    wrapper.soticket_hosting_original = func
    return wrapper


def install():
    """Replace ``odoo.service.db.list_dbs`` (looked up at call time by ``odoo.http.db_list``, the
    cron's database list and the database manager) by the cached version; idempotent."""
    service_db = odoo.service.db
    if _original:
        return
    _original["list_dbs"] = service_db.list_dbs
    service_db.list_dbs = cached_list_dbs
    for name in PATCHED_FUNCTIONS:
        _original[name] = getattr(service_db, name)
        setattr(service_db, name, _invalidating(_original[name]))
    _logger.info("soticket_hosting: database list cached under dbfilter (TTL %ss)", _ttl())


def uninstall():
    """Put Odoo's functions back (tests)."""
    service_db = odoo.service.db
    for name, func in _original.items():
        setattr(service_db, name, func)
    _original.clear()
    clear()
