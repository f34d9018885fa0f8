# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import inspect
import re
import tempfile
from unittest.mock import patch

import requests

import odoo
from odoo import http
from odoo.exceptions import AccessDenied
from odoo.tests import BaseCase
from odoo.tests import HttpCase
from odoo.tests import tagged
from odoo.tools import config

from .. import db_cache


class TestOdooFunctionsWeRelyOn(BaseCase):
    """soticket_hosting replaces odoo.service.db.list_dbs: these are the stock Odoo 18 lines it
    relies on. If one fails after an Odoo update, re-read odoo/http.py and odoo/service/db.py."""

    def test_request_without_session_lists_databases_through_db_list(self):
        source = inspect.getsource(http.Request._get_session_and_dbname)
        self.assertIn("db_list(force=True, host=host)", source)
        self.assertIn("db_filter([session.db], host=host)", source)

    def test_db_list_looks_list_dbs_up_at_call_time(self):
        self.assertIn("odoo.service.db.list_dbs(force)", inspect.getsource(http.db_list))

    def test_list_dbs_queries_pg_database_through_the_postgres_database(self):
        source = inspect.getsource(db_cache._original.get("list_dbs") or odoo.service.db.list_dbs)
        self.assertIn("odoo.sql_db.db_connect('postgres')", source)
        self.assertIn("def list_dbs(force=False)", source)

    def test_the_database_manager_functions_exist(self):
        for name in db_cache.PATCHED_FUNCTIONS:
            self.assertTrue(callable(getattr(odoo.service.db, name)), name)

    def test_patch_installed_once(self):
        self.assertIs(odoo.service.db.list_dbs, db_cache.cached_list_dbs)
        db_cache.install()
        self.assertEqual(db_cache._original["list_dbs"].__module__, "odoo.service.db")


class TestCachedList(BaseCase):
    def setUp(self):
        super().setUp()
        self.data_dir = tempfile.mkdtemp()
        self.calls = []
        original = db_cache._original["list_dbs"]

        def counting(force=False):
            self.calls.append(force)
            return original(force)

        self.patch(db_cache, "_original", {**db_cache._original, "list_dbs": counting})
        self.patch(config, "options", {**config.options, "data_dir": self.data_dir, "dbfilter": "^%d$",
                                       "list_db": False, "soticket_db_list_ttl": "60"})
        db_cache.clear()
        self.addCleanup(db_cache.clear)

    def test_listed_once_then_from_cache(self):
        first = odoo.service.db.list_dbs(True)
        self.assertTrue(first)
        self.assertEqual(odoo.service.db.list_dbs(True), first)
        self.assertEqual(len(self.calls), 1)

    def test_stamp_touched_by_another_process_invalidates(self):
        odoo.service.db.list_dbs(True)
        db_cache.touch_stamp(self.data_dir)  # what `python -m soticket_hosting create` does
        odoo.service.db.list_dbs(True)
        self.assertEqual(len(self.calls), 2)
        odoo.service.db.list_dbs(True)
        self.assertEqual(len(self.calls), 2)

    def test_ttl_expires(self):
        config.options["soticket_db_list_ttl"] = "0"
        odoo.service.db.list_dbs(True)
        odoo.service.db.list_dbs(True)
        self.assertEqual(len(self.calls), 2)

    def test_listing_still_refused_when_list_db_is_off(self):
        with self.assertRaises(AccessDenied):
            odoo.service.db.list_dbs()

    def test_without_dbfilter_nothing_is_cached(self):
        config.options["dbfilter"] = ""
        odoo.service.db.list_dbs(True)
        odoo.service.db.list_dbs(True)
        self.assertEqual(len(self.calls), 2)


@tagged("post_install", "-at_install")
class TestAnonymousRequests(HttpCase):
    def test_requests_without_cookie_do_not_list_databases_each_time(self):
        """A scanner box or a first-time visitor sends no session cookie: stock Odoo lists the
        databases (a query through the `postgres` database) for each such request."""
        dbname = self.env.cr.dbname
        self.patch(config, "options", {**config.options, "dbfilter": f"^{re.escape(dbname)}$"})
        db_cache.clear()
        connects = []
        real_connect = odoo.sql_db.db_connect

        def counting_connect(to, *args, **kwargs):
            if to == "postgres":
                connects.append(to)
            return real_connect(to, *args, **kwargs)

        with patch.object(odoo.sql_db, "db_connect", counting_connect):
            for _ in range(5):
                response = requests.get(f"{self.base_url()}/web/health", timeout=30)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json().get("status"), "pass")
        self.assertLessEqual(len(connects), 1, "the database list is queried on each anonymous request")
