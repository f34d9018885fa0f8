# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The box's persistent state, one SQLite file: pairing, manifest, messages, tickets, revoked codes, outbox.

Everything the box needs to decide alone survives a reboot, and so do the scans it made
while the network was down (the outbox) until the server has acknowledged them.
"""

import json
import sqlite3
import threading
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL,
    inside INTEGER NOT NULL DEFAULT 0, category_id INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS revoked (code TEXT PRIMARY KEY, ticket_id INTEGER, version INTEGER);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    ticket_id INTEGER,
    gate_id INTEGER NOT NULL,
    direction TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    local_result TEXT NOT NULL,
    synced_at TEXT,            -- set once the server answered for this nonce
    server_result TEXT,
    server_reason TEXT,
    scan_id INTEGER,
    conflict INTEGER,
    error TEXT                 -- the server refused the request item (never retried)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE synced_at IS NULL;
"""
# Server ticket states (soticket_base TICKET_STATES) the box may overrule with an unsynced admission.
ADMITTABLE_STATES = ("valid",)


class Store:
    def __init__(self, path):
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._messages = None  # the message catalogue, read once
        with self._tx() as db:
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def close(self):
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self):
        with self._lock, self._db:
            yield self._db

    # ------------------------------------------------------------------ config
    def get(self, key, default=None):
        with self._tx() as db:
            row = db.execute("SELECT value FROM config WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, **values):
        with self._tx() as db:
            db.executemany("INSERT INTO config (key, value) VALUES (?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           [(key, json.dumps(value)) for key, value in values.items()])

    # ------------------------------------------------------------------ messages
    def messages(self):
        """{key: template} in the venue's language, from the last manifest ({} before the first one)."""
        if self._messages is None:
            self._messages = self.get("messages") or {}
        return self._messages

    def set_messages(self, catalogue):
        """Keep the manifest's message catalogue (only its text entries: the box shows them as they are)."""
        if not isinstance(catalogue, dict):
            return
        catalogue = {key: text for key, text in catalogue.items() if isinstance(key, str) and isinstance(text, str)}
        self.set(messages=catalogue)
        self._messages = catalogue

    # ------------------------------------------------------------------ tickets
    def ticket(self, ticket_id):
        with self._tx() as db:
            row = db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        return dict(row) if row else None

    def upsert_tickets(self, rows):
        """Apply ticket rows of the server (manifest, bus). An admission this box made offline
        and has not synced yet wins over a server row that does not know it."""
        with self._tx() as db:
            for row in rows:
                state, inside = row["state"], bool(row.get("inside"))
                if state in ADMITTABLE_STATES:
                    pending = db.execute(
                        "SELECT direction FROM outbox WHERE ticket_id = ? AND synced_at IS NULL "
                        "AND local_result IN ('admitted', 'exit_recorded') ORDER BY id DESC LIMIT 1",
                        [row["id"]]).fetchone()
                    if pending:
                        state, inside = "admitted", pending[0] == "in"
                db.execute(
                    "INSERT INTO tickets (id, version, state, inside, category_id) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, "
                    "inside = excluded.inside, category_id = excluded.category_id",
                    [row["id"], row["version"], state, int(inside), row.get("category_id") or 0])

    def set_presence(self, ticket_id, state, inside, version=None, category_id=None):
        """Record an admission or exit (decided here, or answered by the server)."""
        with self._tx() as db:
            self._set_presence(db, ticket_id, state, inside, version, category_id)

    @staticmethod
    def _set_presence(db, ticket_id, state, inside, version=None, category_id=None):
        updated = db.execute("UPDATE tickets SET state = ?, inside = ? WHERE id = ?",
                             [state, int(inside), ticket_id]).rowcount
        if not updated and version is not None:
            db.execute("INSERT INTO tickets (id, version, state, inside, category_id) VALUES (?, ?, ?, ?, ?)",
                       [ticket_id, version, state, int(inside), category_id or 0])

    def add_revoked(self, rows):
        with self._tx() as db:
            # the stock barcode of a revoked code version is revoked with it (a box never admits a
            # barcode, but it then tells an old ticket from a stranger's)
            db.executemany("INSERT OR IGNORE INTO revoked (code, ticket_id, version) VALUES (?, ?, ?)",
                           [(row[key], row.get("ticket_id"), row.get("version"))
                            for row in rows for key in ("code", "barcode") if row.get(key)])

    def is_revoked(self, code):
        with self._tx() as db:
            return db.execute("SELECT 1 FROM revoked WHERE code = ?", [code]).fetchone() is not None

    def counts(self):
        with self._tx() as db:
            return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                    for table in ("tickets", "revoked", "outbox")}

    # ------------------------------------------------------------------ outbox
    def outbox_add(self, scan, presence=None):
        """Keep an offline scan, and its effect on the ticket (``set_presence`` arguments), in one commit."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO outbox (nonce, code, ticket_id, gate_id, direction, scanned_at, local_result) "
                "VALUES (:nonce, :code, :ticket_id, :gate_id, :direction, :scanned_at, :local_result)", scan)
            if presence:
                self._set_presence(db, *presence)

    def outbox_pending(self, limit=1000):
        with self._tx() as db:
            rows = db.execute("SELECT * FROM outbox WHERE synced_at IS NULL ORDER BY id LIMIT ?", [limit]).fetchall()
        return [dict(row) for row in rows]

    def outbox_pending_count(self):
        with self._tx() as db:
            return db.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone()[0]

    def outbox_done(self, nonce, when, outcome):
        """The server answered for ``nonce``: an outcome, or an item error (not retried)."""
        with self._tx() as db:
            db.execute(
                "UPDATE outbox SET synced_at = ?, server_result = ?, server_reason = ?, scan_id = ?, conflict = ?, "
                "error = ? WHERE nonce = ? AND synced_at IS NULL",
                [when, outcome.get("result"), outcome.get("reason") or outcome.get("message"), outcome.get("scan_id"),
                 int(bool(outcome.get("conflict"))), outcome.get("error"), nonce])

    def outbox(self):
        with self._tx() as db:
            return [dict(row) for row in db.execute("SELECT * FROM outbox ORDER BY id").fetchall()]
