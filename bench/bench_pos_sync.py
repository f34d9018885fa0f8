# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Benchmark: server-side synchronisation of a 4-ticket register order, SoTicket box office vs stock pos_event.

    .venv/bin/python bench/bench_pos_sync.py [--runs 25] [--keep] [--reuse]

Builds two databases on the same PostgreSQL (stock: pos_event + website_event_sale; soticket:
soticket_box_office, which adds soticket_base), commits in each a concert, a register and an open
session, then times ``pos.order.sync_from_ui`` of a paid order of 4 tickets (2 lines x 2), each in
its own transaction and committed (post-commit hooks included: ticket numbering, seat-hold release),
as one RPC of the register does. Prints the median, p90 and min per database, and for SoTicket the
read-back of the tickets to print (codes, numbers, QR codes). The databases are dropped at the end
unless --keep; --reuse uses them if they exist; --with-base adds soticket_base without the box office.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASES = {
    "stock pos_event": ("bench_pos_sync_stock", "pos_event,website_event_sale"),
    "soticket_box_office": ("bench_pos_sync_soticket", "soticket_box_office"),
}
# --with-base: where the time goes, soticket_base alone (signed codes, seat check, numbering) under stock pos_event.
BASE_ONLY = ("soticket_base + stock pos_event", ("bench_pos_sync_base", "soticket_base,pos_event"))


def load_dev_tool():
    spec = importlib.util.spec_from_file_location("soticket_dev", REPO / "tools" / "soticket_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def create_database(dev, odoo_src, pg, dbname, modules, reuse):
    exists = dev.psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'")
    if exists and reuse:
        return
    if exists:
        dev.psql(pg, f'DROP DATABASE "{dbname}" WITH (FORCE)')
    print(f"installing {modules} in {dbname}…", flush=True)
    subprocess.run(dev.odoo_base_cmd(odoo_src, pg, dbname) + [
        "-i", modules, "--without-demo=all", "--stop-after-init", "--log-level=warn", "--max-cron-threads=0",
        "--http-port", str(dev.free_port()),
    ], check=True)


def setup_fixtures(registry):
    """Commit a concert (large enough never to sell out), a register and its open session."""
    from odoo import SUPERUSER_ID
    from odoo import api
    from odoo import fields

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        # One register open, as at a door (registers of earlier --reuse runs are closed): every
        # registration change pushes the seats left to each open register.
        cr.execute("UPDATE pos_session SET state = 'closed' WHERE state <> 'closed'")
        product = env["product.product"].create({
            "name": "Bench ticket", "type": "service", "service_tracking": "event", "available_in_pos": True,
            "list_price": 25.0, "taxes_id": False,
        })
        now = fields.Datetime.now()
        event = env["event.event"].create({
            "name": f"Bench concert {uuid.uuid4().hex[:6]}", "date_begin": now + timedelta(hours=2),
            "date_end": now + timedelta(hours=5), "seats_limited": True, "seats_max": 100000,
            # No confirmation e-mail: stock Odoo would render and send it inside the sync (SoTicket defers
            # it to the mail cron); the benchmark compares the synchronisation itself.
            "event_mail_ids": [(5, 0, 0)],
            "event_ticket_ids": [
                (0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 25.0}),
                (0, 0, {"name": "Réduit", "product_id": product.id, "price": 15.0}),
            ],
        })
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", env.company.id)],
                                                limit=1)
        method = env["pos.payment.method"].create({"name": f"Bench card {uuid.uuid4().hex[:6]}",
                                                   "journal_id": journal.id})
        config = env["pos.config"].create({"name": f"Bench box office {uuid.uuid4().hex[:6]}",
                                           "payment_method_ids": [method.id]})
        config._ensure_access_token()
        session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
        cr.commit()
        session.set_opening_control(0, "")
        return {"session": session.id, "tickets": event.event_ticket_ids.ids, "method": method.id,
                "product": product.id, "event": event.id}


def order_data(fixtures, line_qty=2):
    lines = []
    for ticket_id, price in zip(fixtures["tickets"], (25.0, 15.0), strict=True):
        lines.append((0, 0, {
            "uuid": str(uuid.uuid4()), "product_id": fixtures["product"], "qty": line_qty, "price_unit": price,
            "price_subtotal": price * line_qty, "price_subtotal_incl": price * line_qty, "tax_ids": [(6, 0, [])],
            "event_ticket_id": ticket_id, "full_product_name": "Bench ticket",
            "event_registration_ids": [(0, 0, {"event_id": fixtures["event"], "event_ticket_id": ticket_id})
                                       for _index in range(line_qty)],
        }))
    total = sum(line[2]["price_subtotal_incl"] for line in lines)
    order_uuid = str(uuid.uuid4())
    return {
        "uuid": order_uuid, "name": f"Order {order_uuid[:8]}", "session_id": fixtures["session"],
        "sequence_number": 1, "user_id": 1, "pricelist_id": False, "fiscal_position_id": False,
        "partner_id": False, "date_order": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "amount_paid": total, "amount_return": 0, "amount_tax": 0, "amount_total": total, "lines": lines,
        "payment_ids": [(0, 0, {"amount": total, "name": "bench", "payment_method_id": fixtures["method"]})],
        "state": "paid", "to_invoice": False, "last_order_preparation_change": "{}",
    }


def time_sync(registry, fixtures):
    """One register RPC: new cursor, sync_from_ui, commit (and its post-commit hooks)."""
    from odoo import SUPERUSER_ID
    from odoo import api

    data = order_data(fixtures)
    start = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        result = env["pos.order"].sync_from_ui([data])
    elapsed = time.perf_counter() - start
    return elapsed, result["pos.order"][0]["id"]


def time_receipt(registry, order_id):
    from odoo import SUPERUSER_ID
    from odoo import api

    start = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        tickets = env["pos.order"].browse(order_id).soticket_receipt_tickets()
    assert len(tickets) == 4 and all(t["qr"] and t["ticket_number"] for t in tickets)
    return time.perf_counter() - start


def summary(label, timings):
    timings = sorted(timings)
    p90 = timings[min(len(timings) - 1, round(0.9 * (len(timings) - 1)))]
    return (f"{label:<34} median {statistics.median(timings) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
            f"min {timings[0] * 1000:7.1f} ms   (n={len(timings)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--reuse", action="store_true", help="reuse the databases if they exist")
    parser.add_argument("--with-base", action="store_true",
                        help="also time soticket_base without the box office (a third database)")
    args = parser.parse_args()
    if args.with_base:
        DATABASES[BASE_ONLY[0]] = BASE_ONLY[1]

    dev = load_dev_tool()
    odoo_src = dev.find_odoo()
    pg = dev.ensure_pg()
    for dbname, modules in DATABASES.values():
        create_database(dev, odoo_src, pg, dbname, modules, args.reuse)

    sys.path.insert(0, str(odoo_src))
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config([
        "--addons-path", f"{odoo_src / 'addons'},{REPO / 'addons'}", *dev.pg_args(pg), "--log-level=warn",
        "--max-cron-threads=0",
    ])
    results = {label: ([], []) for label in DATABASES}
    try:
        registries, fixtures = {}, {}
        for label, (dbname, _modules) in DATABASES.items():
            registries[label] = Registry(dbname)
            fixtures[label] = setup_fixtures(registries[label])
            for _index in range(args.warmup):
                time_sync(registries[label], fixtures[label])
        # Interleaved, one register, no contention: both databases see the same machine load.
        for _index in range(args.runs):
            for label in DATABASES:
                elapsed, order_id = time_sync(registries[label], fixtures[label])
                results[label][0].append(elapsed)
                if label == "soticket_box_office":
                    results[label][1].append(time_receipt(registries[label], order_id))
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            for dbname, _modules in DATABASES.values():
                dev.psql(pg, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    print(f"\nsync_from_ui of a paid 4-ticket order (2 lines x 2), one transaction + commit, {args.runs} runs"
          f" per database, interleaved:")
    for label, (syncs, receipts) in results.items():
        print(summary(label, syncs))
        if receipts:
            print(summary("  + receipt read-back (4 QR codes)", receipts))
    stock = statistics.median(results["stock pos_event"][0])
    ours = statistics.median(results["soticket_box_office"][0])
    print(f"overhead of soticket_box_office on the sync: {(ours - stock) * 1000:+.1f} ms ({ours / stock:.2f}x)")


if __name__ == "__main__":
    main()
