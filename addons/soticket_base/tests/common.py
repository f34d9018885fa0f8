# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import random
import time
from contextlib import contextmanager
from datetime import timedelta

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID
from odoo import api
from odoo import fields
from odoo import sql_db
from odoo.tests import TransactionCase
from odoo.tools import SQL


class SeparateTransactionsMixin:
    """For tests whose threads work like concurrent HTTP requests: each on its own database
    connection, committing for real (an on-sale rush, two gates scanning one ticket)."""

    # As a buyer's request: tracking and mail threads stay on.
    SEPARATE_CONTEXT = {"lang": "en_US"}

    def _env(self, cr):
        # The test runner holds Registry._lock while tests run: hand the cursor its transaction
        # (Environment, or env.reset() after a serialization failure, would ask Registry(dbname)
        # for the registry and wait forever).
        cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, dict(self.SEPARATE_CONTEXT))

    def _cursor(self):
        """A new connection; PostgreSQL may be shared with other test runs, so wait a little for a
        free slot rather than failing on "too many clients"."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return self.registry.cursor()
            except OperationalError as exc:
                if "too many clients" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.2, 1.0))

    @contextmanager
    def _committed_env(self):
        """An environment on a new real cursor, committed when the block ends without error."""
        with self._cursor() as cr:
            yield self._env(cr)

    @staticmethod
    def _close_idle_connections():
        """Threads leave a connection each idle in this process' pool (kept 10 minutes by Odoo):
        close them, the PostgreSQL server is shared."""
        pool = sql_db._Pool
        if pool is None:
            return
        with pool._lock:
            for index in range(len(pool._connections) - 1, -1, -1):
                connection, used, _last_used = pool._connections[index]
                if not used:
                    connection.close()
                    pool._connections.pop(index)


class SoticketCase(TransactionCase):
    """A venue with one concert: 10 seats, a 25 € full-price category and free invitations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.ticket_product = cls.env.ref("event_product.product_product_event")
        cls.buyer = cls.env["res.partner"].create({"name": "Camille Martin", "email": "camille@example.com"})
        now = fields.Datetime.now()
        cls.concert = cls.env["event.event"].create({
            "name": "Jazz à la Sirène",
            "date_begin": now + timedelta(days=10),
            "date_end": now + timedelta(days=10, hours=3),
            "doors_open": now + timedelta(days=10, hours=-1),
            "date_tz": "Europe/Paris",
            "seats_limited": True,
            "seats_max": 10,
            "event_ticket_ids": [
                (0, 0, {"name": "Plein tarif", "product_id": cls.ticket_product.id, "price": 25.0}),
                (0, 0, {"name": "Invitation", "product_id": cls.ticket_product.id, "price": 0.0,
                        "category_kind": "invitation", "seats_max": 5}),
            ],
        })
        cls.full_price, cls.invitation = cls.concert.event_ticket_ids.sorted("price").sorted(
            lambda t: t.category_kind != "full")

    @classmethod
    def _sale_order(cls, ticket, qty, partner=None):
        return cls.env["sale.order"].create({
            "partner_id": (partner or cls.buyer).id,
            "order_line": [(0, 0, {
                "product_id": ticket.product_id.id, "event_id": ticket.event_id.id,
                "event_ticket_id": ticket.id, "product_uom_qty": qty, "price_unit": ticket.price,
            })],
        })


class ForgetBuyerMixin:
    """The GDPR erasure as each addon's tests run it: "Forget this buyer" confirmed by an event
    manager, then every text column of the tables where personal data ends up searched for what
    is left of the buyer. Addons add their own tables to ``GDPR_TABLES``."""

    GDPR_TABLES = (
        "res_partner", "res_partner_bank", "event_registration", "event_registration_answer", "mail_message",
        "mail_mail", "mail_activity", "mail_tracking_value", "payment_transaction", "bus_bus",
    )

    @classmethod
    def _gdpr_manager(cls):
        return cls.env["res.users"].create({
            "name": "Morgane Régie", "login": f"gdpr-manager-{cls.__name__}",
            "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.env.ref("event.group_event_manager").id])],
        })

    def _forget(self, partner, manager):
        wizard = self.env["soticket.forget.buyer"].with_user(manager).create({"partner_id": partner.id})
        wizard.action_confirm()

    def _leftovers(self, *needles, tables=None):
        """{"table.column:needle": rows} for every text column still holding a needle."""
        self.env.flush_all()
        found = {}
        for table in tables or self.GDPR_TABLES:
            self.env.cr.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND data_type IN ('character varying', 'text', 'jsonb')", [table])
            for (column,) in self.env.cr.fetchall():
                for needle in needles:
                    self.env.cr.execute(SQL(
                        "SELECT count(*) FROM %s WHERE %s::text ILIKE %s",
                        SQL.identifier(table), SQL.identifier(column), f"%{needle}%"))
                    count = self.env.cr.fetchone()[0]
                    if count:
                        found[f"{table}.{column}:{needle}"] = count
        return found
