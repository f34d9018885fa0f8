# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Fixtures for cross-addon tests that talk to a real Odoo server on 127.0.0.1.

`make test` sets ODOO_RC (a config naming the throwaway test database), SOTICKET_TEST_DB
and SOTICKET_ODOO_SRC; the Odoo tests have already installed every SoTicket addon there.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# The door box agent's fixtures (venue, scanner_server, tonight, make_agent).
pytest_plugins = ["scanner_fixtures"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OdooServer:
    def __init__(self, db, extra_args=(), db_filter=None):
        self.db = db
        self.db_filter = db_filter or f"^{db}$"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = Path(os.environ.get("SOTICKET_LOG_DIR", ".local/logs")) / f"server-{db}-{self.port}.log"

    def start(self, timeout=90):
        odoo_bin = Path(os.environ["SOTICKET_ODOO_SRC"]) / "odoo-bin"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, str(odoo_bin), "-c", os.environ["ODOO_RC"], "-d", self.db, "--db-filter", self.db_filter,
             "--http-port", str(self.port), "--http-interface", "127.0.0.1", "--max-cron-threads=0",
             *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited early, see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"Odoo did not answer on {self.url} within {timeout}s, see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_errors(self):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]


@pytest.fixture(scope="session")
def test_db():
    db = os.environ.get("SOTICKET_TEST_DB")
    if not db:
        pytest.fail("SOTICKET_TEST_DB is not set: run the suite with `make test`.")
    return db


@pytest.fixture(scope="session")
def odoo_server(test_db):
    server = OdooServer(test_db).start()
    yield server
    server.stop()
    assert not server.log_errors(), f"ERROR lines in {server.log_path}"
