# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Benchmark of the cooperative's yearly invoicing: N member venues whose statements are present.

    .venv/bin/python bench/bench_coop_invoicing.py [--venues 80] [--db NAME] [--keep-db] [--no-send]

Without --db it creates a throwaway database (with tools/soticket_dev.py's helpers, imported by path:
same Odoo, virtualenv and PostgreSQL as `make test`), installs soticket_coop_billing alone without demo
data (about a minute), and drops it at the end unless --keep-db. With --db it uses that database, which
must have soticket_coop_billing installed (its data from earlier runs is left alone: the bench uses a
fresh year).

Then, in-process through the ORM, as the administrator, each step committed like a user's click:
  setup      N member partners, N active contracts, N imported statements (not timed)
  generate   the wizard's "Generate draft invoices" for the year
  again      the same, a second time (idempotent: nothing to create)
  post       "Post and send drafts": the batch post, sending queued for Odoo's background job
  send       Odoo's sending job itself (account.move._cron_account_move_send) on all N invoices:
             invoice PDF (wkhtmltopdf, as in production: an Odoo server is started on the database for
             the report's assets, through the `report.url` parameter) and e-mail (queued in mail.mail,
             no SMTP)

Debian's wkhtmltopdf (unpatched Qt) renders one document per run, so on such a machine the bench sets
Odoo's `account.pdf_generation_batch` to 0 (one invoice per wkhtmltopdf run) for the send step; with the
patched wkhtmltopdf of the production image (odoo:18) Odoo renders up to 80 invoices per run.

Each step prints its wall time and this process's CPU time (PostgreSQL and wkhtmltopdf excluded): on a
shared machine the CPU time is the steadier figure.
"""
import argparse
import importlib.util
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_dev_tool():
    spec = importlib.util.spec_from_file_location("soticket_dev", REPO / "tools/soticket_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def create_db(dev, odoo_src, pg, db):
    cmd = dev.odoo_base_cmd(odoo_src, pg, db) + [
        "-i", "soticket_coop_billing", "--without-demo=all", "--stop-after-init", "--log-level=warn",
        "--http-port", str(dev.free_port()), "--max-cron-threads=0"]
    started = time.perf_counter()
    dev.subprocess.run(cmd, check=True)
    print(f"database {db} created with soticket_coop_billing in {time.perf_counter() - started:.0f}s")


def payload(year, revenue, venue_uuid, currency):
    net_taxed = round(revenue * 1.055, 2)
    figures = {"tickets": int(revenue // 20), "gross_untaxed": revenue, "gross_taxed": net_taxed,
               "refunds_untaxed": 0.0, "refunds_taxed": 0.0, "net_untaxed": revenue, "net_taxed": net_taxed}
    return {
        "format": "soticket.revenue.statement/1",
        "venue": {"name": "Bench venue", "database_uuid": venue_uuid, "currency": currency},
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "channels": {"web": figures},
        "totals": {**figures, "ticket_net_untaxed": revenue, "resale_fees_untaxed": 0.0, "resale_fees_taxed": 0.0},
        "generated_at": f"{year + 1}-01-05T09:00:00+00:00",
    }


def start_server(dev, odoo_src, pg, db):
    """An Odoo serving the database, for wkhtmltopdf to load the invoice report's assets from."""
    port = dev.free_port()
    cmd = dev.odoo_base_cmd(odoo_src, pg, db) + [
        "--http-port", str(port), "--http-interface", "127.0.0.1", "--max-cron-threads=0", "--log-level=warn"]
    proc = dev.subprocess.Popen(cmd, stdout=dev.subprocess.DEVNULL, stderr=dev.subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"Odoo did not start on {url}")


def wkhtmltopdf_is_patched():
    try:
        out = subprocess.run(["wkhtmltopdf", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return False
    return "with patched qt" in out


def timed(label, registry, func, results):
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        started, cpu = time.perf_counter(), time.process_time()
        value = func(env)
        cr.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    results.append((label, elapsed))
    print(f"{label:<9} {elapsed:7.2f} s wall  {cpu:6.2f} s CPU")
    return value


def run(dev, db, odoo_src, pg, venues, send):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["--addons-path", f"{odoo_src / 'addons'},{REPO / 'addons'}", "-d", db, *dev.pg_args(pg), "--log-level=warn"])
    registry = Registry(db)
    tag = uuid.uuid4().hex[:6]
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        company = env.company
        # a year no earlier run of the bench used in this database
        used = env["soticket.coop.statement"].search([], order="year asc", limit=1).year
        year = (used or date.today().year) - 1
        product = company._soticket_coop_fee_product()
        if not product.taxes_id and company.account_sale_tax_id:
            product.taxes_id = company.account_sale_tax_id
        partners = env["res.partner"].create([
            {"name": f"Bench venue {tag}-{i:03d}", "is_company": True, "email": f"compta{i}@{tag}.example"}
            for i in range(venues)])
        contracts = env["soticket.coop.contract"].create([
            {"partner_id": partner.id, "date_start": date(year - 5, 1, 1) if i % 10 else date(year, 7, 1)}
            for i, partner in enumerate(partners)])
        contracts.action_activate()
        for i, contract in enumerate(contracts):
            revenue = [4_000.0, 60_000.0, 250_000.0][i % 3] + i
            env["soticket.coop.statement"]._store_payload(
                contract, year, payload(year, revenue, f"bench-{tag}-{i}", company.currency_id.name), "imported")
        cr.commit()
    print(f"{venues} contracts with their {year} statements ready")

    results = []

    def generate(env):
        return env["soticket.coop.invoice.wizard"].create({"year": year}).action_generate()

    timed("generate", registry, generate, results)
    timed("again", registry, generate, results)

    def post(env):
        wizard = env["soticket.coop.invoice.wizard"].create({"year": year})
        env["account.move"]._soticket_coop_post_and_send(wizard.draft_invoice_ids)
        return wizard.draft_invoice_ids

    timed("post", registry, post, results)
    if send:
        server, url = start_server(dev, odoo_src, pg, db)
        try:
            with registry.cursor() as cr:
                params = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["ir.config_parameter"]
                old_report_url = params.get_param("report.url")
                old_batch = params.get_param("account.pdf_generation_batch")
                params.set_param("report.url", url)
                if not wkhtmltopdf_is_patched():
                    print("wkhtmltopdf with unpatched Qt: one invoice per PDF run")
                    params.set_param("account.pdf_generation_batch", "0")
            timed("send", registry, lambda env: env["account.move"]._cron_account_move_send(job_count=venues), results)
        finally:
            server.terminate()
            server.wait(timeout=30)
            with registry.cursor() as cr:
                params = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["ir.config_parameter"]
                params.set_param("report.url", old_report_url or False)
                params.set_param("account.pdf_generation_batch", old_batch or False)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        moves = env["account.move"].search([
            ("soticket_coop_year", "=", year),
            ("soticket_coop_contract_id.partner_id.name", "like", f"Bench venue {tag}")])
        summary = {
            "invoices": len(moves), "posted": len(moves.filtered(lambda m: m.state == "posted")),
            "sent": len(moves.filtered("is_move_sent")),
            "total_untaxed": round(sum(moves.mapped("amount_untaxed")), 2),
        }
    print(json.dumps(summary))
    generate_post = sum(t for label, t in results if label in ("generate", "post"))
    print(f"generate + post for {venues} venues: {generate_post:.2f} s "
          f"({generate_post / venues * 1000:.0f} ms per venue)")
    if send:
        total = generate_post + dict(results)["send"]
        print(f"generate + post + send: {total:.2f} s ({total / venues * 1000:.0f} ms per venue)")
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venues", type=int, default=80)
    parser.add_argument("--db", help="an existing database with soticket_coop_billing installed")
    parser.add_argument("--keep-db", action="store_true", help="keep the throwaway database")
    parser.add_argument("--no-send", action="store_true", help="skip the e-mail sending step")
    args = parser.parse_args()

    dev = load_dev_tool()
    odoo_src, pg = dev.bootstrap()
    sys.path.insert(0, str(odoo_src))
    db = args.db or f"soticket_bench_coop_{uuid.uuid4().hex[:8]}"
    if not args.db:
        create_db(dev, odoo_src, pg, db)
    try:
        summary = run(dev, db, odoo_src, pg, args.venues, not args.no_send)
    finally:
        if not args.db and not args.keep_db:
            dev.psql(pg, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            dev.shutil.rmtree(Path.home() / ".local/share/Odoo/filestore" / db, ignore_errors=True)
            print(f"database {db} dropped")
    return 0 if summary["invoices"] == args.venues else 1


if __name__ == "__main__":
    sys.exit(main())
