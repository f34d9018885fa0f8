# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Bus notifications for door scans, without a new PostgreSQL connection per scan.

``bus.bus._sendone`` stores the notification in ``bus_bus`` (before commit) and, after
commit, sends ``NOTIFY imbus`` through a *new* connection to the ``postgres`` database
(Odoo does not pool connections to it). At the door that is one connection set-up per
scan. :func:`send` stores exactly the same row and sends exactly the same NOTIFY
payload, through one connection kept per worker process; on any failure it falls back
to a fresh connection, as stock Odoo does. Consumers (websocket clients, the box
agent) see no difference.
"""

import logging
import os
import threading

import psycopg2
from psycopg2 import sql

from odoo import sql_db
from odoo.addons.bus.models.bus import ODOO_NOTIFY_FUNCTION
from odoo.addons.bus.models.bus import channel_with_db
from odoo.addons.bus.models.bus import get_notify_payloads
from odoo.addons.bus.models.bus import json_dump
from odoo.tools import SQL

_logger = logging.getLogger(__name__)
_PENDING = "soticket_scanner.bus_channels"
_lock = threading.Lock()
_connection = {"pid": None, "cnx": None}


# The row bus.bus.create() would write, without its default_get (which reads the user);
# parameters: insert_params(). Append " FROM <relation>" to write one row per row of that
# relation (e.g. a CTE's RETURNING) instead of exactly one.
INSERT = ("INSERT INTO bus_bus (channel, message, create_uid, write_uid, create_date, write_date) "
          "SELECT %s, %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'")


def send(env, target, notification_type, message):
    """Queue a notification like ``env["bus.bus"]._sendone(target, notification_type, message)``."""
    env.cr.execute(INSERT, insert_params(env, target, notification_type, message))
    notify_after_commit(env, target)


def insert_params(env, target, notification_type, message):
    """The parameters of :data:`INSERT`. Whoever runs it calls :func:`notify_after_commit`."""
    return [json_dump(channel_with_db(env.cr.dbname, target)),
            json_dump({"type": notification_type, "payload": message}), env.uid, env.uid]


def notify_after_commit(env, target):
    """Send ``NOTIFY imbus`` for ``target`` once the transaction commits (once per channel)."""
    pending = env.cr.postcommit.data.get(_PENDING)
    if pending is None:
        pending = env.cr.postcommit.data[_PENDING] = set()
        env.cr.postcommit.add(lambda: _notify(pending))
    pending.add(channel_with_db(env.cr.dbname, target))


def _notify(channels):
    payloads = get_notify_payloads(list(channels))
    channels.clear()
    query = sql.SQL("SELECT {}('imbus', %s)").format(sql.Identifier(ODOO_NOTIFY_FUNCTION))
    with _lock:
        try:
            with _kept_connection().cursor() as cr:
                for payload in payloads:
                    cr.execute(query, [payload])
            return
        except psycopg2.Error:
            _drop_connection()
    # What stock Odoo does every time.
    with sql_db.db_connect("postgres").cursor() as cr:
        for payload in payloads:
            cr.execute(SQL("SELECT %s('imbus', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), payload))


def _kept_connection():
    if _connection["pid"] != os.getpid():  # never share a connection across a fork
        _connection.update(pid=os.getpid(), cnx=None)
    cnx = _connection["cnx"]
    if cnx is None or cnx.closed:
        _dbname, info = sql_db.connection_info_for("postgres")
        cnx = psycopg2.connect(**info)
        cnx.autocommit = True
        _connection["cnx"] = cnx
    return cnx


def _drop_connection():
    cnx = _connection["cnx"]
    _connection["cnx"] = None
    if cnx is not None and _connection["pid"] == os.getpid():
        try:
            cnx.close()
        except psycopg2.Error:
            _logger.debug("closing the bus connection failed", exc_info=True)
