# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""E-ticket rendering on a real database: SoTicket's report beside Odoo's stock ticket.

    .venv/bin/python bench/bench_eticket_vs_stock.py [--runs 3] [--db EXISTING_DB] [--keep-db]

Both reports go through ir.actions.report._render_qweb_pdf (with force_report_rendering
in the context) for the same 1 and 50 confirmed tickets:
  soticket  soticket_base.report_eticket_a4 (reportlab, in process);
  stock     event.action_report_event_registration_full_page_ticket (QWeb HTML then
            wkhtmltopdf, which fetches its CSS from a running Odoo server: one is started).
Prints the median ms per ticket page of --runs renderings (after one warm-up) and the ratio.
Without --db, a database bench_soticket_eticket_<id> is made with soticket_base and dropped.
"""

import argparse
import importlib.util
import io
import logging
import shutil
import statistics
import sys
import time
import traceback
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOTICKET_REPORT = "soticket_base.report_eticket_a4"
STOCK_REPORT = "event.action_report_event_registration_full_page_ticket"


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEV = load_module("soticket_dev", REPO / "tools" / "soticket_dev.py")
RUSH = load_module("bench_rush", REPO / "bench" / "bench_rush.py")  # its Server and create_db helpers


def make_tickets(env, count):
    """A concert with ``count`` confirmed, numbered tickets for one buyer (committed)."""
    product = env.ref("event_product.product_product_event")
    event = env["event.event"].create({
        "name": "Feu! Chatterton « Labyrinthe Tour »",
        "date_begin": "2030-03-12 19:30:00", "date_end": "2030-03-12 23:00:00", "date_tz": "Europe/Paris",
        "seats_limited": False,
        "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 25.0})],
        "event_mail_ids": [(5, 0, 0)],
    })
    partner = env["res.partner"].create({"name": "Élodie Lefèvre", "email": "elodie@example.com"})
    order = env["sale.order"].create({
        "partner_id": partner.id,
        "order_line": [(0, 0, {"product_id": product.id, "event_id": event.id,
                               "event_ticket_id": event.event_ticket_ids.id, "product_uom_qty": count})],
    })
    order.action_confirm()
    tickets = order.order_line.registration_ids
    tickets._ensure_ticket_number()  # printed tickets are numbered: keep that out of the timings
    return tickets.ids


class LastWarnings(logging.Handler):
    """Keeps what Odoo logs about wkhtmltopdf, to say why a stock rendering failed."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render_once(registry, report, ids):
    from PyPDF2 import PdfReader

    import odoo  # configured by main()

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US", "force_report_rendering": True})
        start = time.perf_counter()
        pdf, kind = env["ir.actions.report"]._render_qweb_pdf(report, ids)
        elapsed = time.perf_counter() - start
        cr.rollback()
    if kind != "pdf":
        raise RuntimeError(f"rendered {kind}, not a PDF")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return elapsed, pages, len(pdf)


def measure(registry, report, ids, runs):
    render_once(registry, report, ids)  # warm-up: templates, assets bundle, fonts
    timings, pages, size = [], 0, 0
    for _ in range(runs):
        elapsed, pages, size = render_once(registry, report, ids)
        timings.append(elapsed)
    return statistics.median(timings), pages, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="1,50", help="ticket counts per document, comma separated")
    parser.add_argument("--db", help="an existing database with soticket_base installed")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    odoo_src = DEV.find_odoo()
    pg = DEV.ensure_pg()
    if not shutil.which("wkhtmltopdf"):
        print("wkhtmltopdf is not installed (apt-get install wkhtmltopdf): the stock report cannot be rendered.")
    db = args.db or f"bench_soticket_eticket_{uuid.uuid4().hex[:6]}"
    log = RUSH.LOG_DIR / f"bench-eticket-{db}.log"
    RUSH.LOG_DIR.mkdir(parents=True, exist_ok=True)
    if not args.db:
        RUSH.create_db(odoo_src, pg, db, "soticket_base", log)
    server = None
    try:
        server = RUSH.Server(odoo_src, pg, db, "threaded", log)
        server.wait_ready()

        import odoo  # the venv's Odoo, configured for this database below
        from odoo.modules.registry import Registry

        odoo.tools.config.parse_config([
            "-d", db, "--addons-path", f"{odoo_src / 'addons'},{REPO / 'addons'}", *DEV.pg_args(pg),
            "--logfile", str(log)])
        registry = Registry(db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US", "tracking_disable": True})
            # wkhtmltopdf loads the report's CSS from this URL.
            env["ir.config_parameter"].set_param("report.url", server.url)
            sets = {count: make_tickets(env, count) for count in map(int, args.counts.split(","))}

        warnings = LastWarnings()
        logging.getLogger("odoo.addons.base.models.ir_actions_report").addHandler(warnings)
        results = {}
        for label, report in (("soticket", SOTICKET_REPORT), ("stock", STOCK_REPORT)):
            for count, ids in sets.items():
                warnings.messages.clear()
                try:
                    seconds, pages, size = measure(registry, report, ids, args.runs)
                    results[label, count] = seconds / count * 1000
                    print(f"{label:<8} {count:>2} ticket(s): {seconds * 1000:8.0f} ms total, "
                          f"{seconds / count * 1000:7.1f} ms/ticket, {pages} page(s), {size / 1024:.0f} KiB",
                          flush=True)
                except Exception as exc:  # the stock report may fail with Debian's wkhtmltopdf
                    results[label, count] = None
                    print(f"{label:<8} {count:>2} ticket(s): FAILED: {type(exc).__name__}: {exc}", flush=True)
                    if warnings.messages:
                        print(f"         last report warning: …{warnings.messages[-1][-300:]}", flush=True)
                    traceback.print_exc(limit=3)
        for count in sets:
            ours, stock = results.get(("soticket", count)), results.get(("stock", count))
            if ours and stock:
                print(f"{count:>2} ticket(s): stock / soticket = {stock / ours:.0f}x per ticket page")
    finally:
        if server:
            server.stop()
        if "odoo" in sys.modules:
            sys.modules["odoo"].sql_db.close_all()
        if not args.db and not args.keep_db:
            RUSH.drop_db(pg, db)
        elif not args.db:
            DEV.say(f"kept database {db}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
