# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The full website buyer journey over HTTP, stock Odoo 18 beside SoTicket, on --workers=2.

    .venv/bin/python bench/bench_journey.py [--buyers 40] [--seats 30] [--clients 8]
        [--setups stock,soticket] [--keep-db] [--run-id ID]

Each buyer is an anonymous visitor with its own cookies: event page, ticket modal (1 ticket),
attendee form (the cart), address, payment page, demo payment (transaction, simulated card,
status poll) and the confirmation page. More buyers than seats: the last ones meet a sold-out
event. Per setup it prints buyers per minute (completed journeys, sold or told sold out),
p50/p95 per step, seats sold against capacity, and paid orders without a ticket (for SoTicket,
paid orders that could not be confirmed are refunded automatically: counted apart).

Databases (bench_journey_stock_<id> with website_event_sale + payment_demo, bench_journey_soticket_<id>
with soticket_base + payment_demo) are created with odoo-bin -i … --without-demo=all and dropped at
the end (unless --keep-db; --run-id reuses kept ones). Servers: --workers=2 on 127.0.0.1.
"""
import argparse
import contextlib
import http.cookiejar
import importlib.util
import json
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOG_DIR = REPO / ".local" / "logs"
STEPS = ["event_page", "add_to_cart", "address", "checkout", "payment", "confirmation"]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


RUSH = load("bench_rush", REPO / "bench" / "bench_rush.py")
DEV = RUSH.DEV


class Visitor:
    """An anonymous browser: its own cookie jar, CSRF token taken from the pages."""

    def __init__(self, url, timeout):
        self.url = url
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def get(self, path):
        with self.opener.open(self.url + path, timeout=self.timeout) as resp:
            text = resp.read().decode()
            final = resp.geturl()
        match = re.search(r'csrf_token: "([^"]+)"', text)
        if match:
            self.csrf = match.group(1)
        return final, text

    def post(self, path, data):
        body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        with self.opener.open(self.url + path, body, timeout=self.timeout) as resp:
            return resp.geturl(), resp.read().decode()

    def json(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        req = urllib.request.Request(self.url + path, body, {"Content-Type": "application/json"})
        with self.opener.open(req, timeout=self.timeout) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RuntimeError(data.get("message") or answer["error"].get("message", "error"))
        return answer.get("result")


def prepare(rpc, args, run_id, server_url):
    rpc("ir.config_parameter", "set_param", ["web.base.url", server_url])
    rpc("ir.config_parameter", "set_param", ["report.url", server_url])
    # The order confirmation e-mail attaches a wkhtmltopdf quotation: left out on both setups alike
    # (a machine without wkhtmltopdf would fail every payment; production images have it).
    rpc("mail.template", "write", [[rpc.ref("sale.mail_template_sale_confirmation")], {"report_template_ids": [(5,)]}])
    provider = rpc.ref("payment.payment_provider_demo")
    if rpc("payment.provider", "read", [[provider]], fields=["state"])[0]["state"] != "test":
        rpc("payment.provider", "write", [[provider], {"state": "test", "is_published": True}])
    # The provider's payment method line is made lazily by the first read of its journal: read it once
    # now, or the first concurrent payments each make one, and every payment's post-processing then
    # fails on two lines ("Expected singleton"). Then keep one line, whatever happened before.
    rpc("payment.provider", "read", [[provider]], fields=["journal_id"])
    lines = rpc("account.payment.method.line", "search", [[("payment_provider_id", "=", provider)]], order="id")
    if len(lines) > 1:
        rpc("account.payment.method.line", "unlink", [lines[1:]])
    method = rpc.ref("payment_demo.payment_method_demo")
    product = rpc("product.product", "create", [{
        "name": f"Journey ticket {run_id}", "type": "service", "service_tracking": "event", "list_price": 20.0}])
    event = rpc("event.event", "create", [{
        "name": f"Journey {run_id}", "date_begin": "2030-06-21 18:00:00", "date_end": "2030-06-21 23:00:00",
        "seats_limited": True, "seats_max": args.seats, "website_published": True,
        "event_ticket_ids": [(0, 0, {"name": "Full price", "product_id": product, "price": 20.0})],
    }])
    ticket = rpc("event.event.ticket", "search", [[("event_id", "=", event)]])[0]
    questions = {q["question_type"]: q["id"] for q in rpc(
        "event.question", "search_read", [[("event_id", "=", event)]], fields=["question_type"])}
    country = rpc.ref("base.fr")
    return {"event": event, "ticket": ticket, "provider": provider, "method": method, "questions": questions,
            "country": country}


def journey(url, ctx, index, timeout):
    """One buyer: {step: seconds}, outcome."""
    visitor = Visitor(url, timeout)
    times = {}
    event, ticket, questions = ctx["event"], ctx["ticket"], ctx["questions"]

    def step(name, func):
        start = time.perf_counter()
        result = func()
        times[name] = time.perf_counter() - start
        return result

    try:
        step("event_page", lambda: visitor.get(f"/event/{event}/register"))

        def add_to_cart():
            visitor.json(f"/event/{event}/registration/new", {f"nb_register-{ticket}": 1})
            data = {"1-event_ticket_id": ticket}
            if "name" in questions:
                data[f"1-name-{questions['name']}"] = f"Buyer {index}"
            if "email" in questions:
                data[f"1-email-{questions['email']}"] = f"buyer{index}@example.com"
            return visitor.post(f"/event/{event}/registration/confirm", data)
        final, _text = step("add_to_cart", add_to_cart)
        if "/shop" not in final:
            return times, "sold_out"

        def address():
            visitor.get("/shop/address")
            _final, text = visitor.post("/shop/address/submit", {
                "name": f"Buyer {index}", "email": f"buyer{index}@example.com", "phone": "0612345678",
                "street": "12 rue de la Paix", "city": "Lorient", "zip": "56100", "country_id": ctx["country"],
                "address_type": "billing"})
            return json.loads(text)
        result = step("address", address)
        if result.get("invalid_fields") or result.get("messages"):
            return times, f"address refused: {result}"

        _final, page = step("checkout", lambda: visitor.get("/shop/payment"))
        route = re.search(r'data-transaction-route="([^"]+)"', page)
        token = re.search(r'data-access-token="([^"]+)"', page)
        if not route or not token:
            return times, "sold_out"

        def pay():
            values = visitor.json(route.group(1), {
                "provider_id": ctx["provider"], "payment_method_id": ctx["method"], "token_id": None,
                "flow": "direct", "tokenization_requested": False, "landing_route": "/shop/payment/validate",
                "access_token": token.group(1)})
            visitor.json("/payment/demo/simulate_payment", {
                "reference": values["reference"], "payment_details": "4242", "simulated_state": "done"})
            deadline = time.monotonic() + timeout
            while True:
                poll = visitor.json("/payment/status/poll", {})
                if (poll or {}).get("landing_route") or time.monotonic() > deadline:
                    return poll
                time.sleep(0.3)
        try:
            poll = step("payment", pay)
        except RuntimeError as exc:
            return times, "sold_out" if "sold out" in str(exc).lower() or "seats" in str(exc).lower() else str(exc)
        landing = (poll or {}).get("landing_route") or "/shop/confirmation"
        _final, page = step("confirmation", lambda: visitor.get(landing))
        return times, "confirmed" if "o_soticket_sold_out" not in page else "paid_not_confirmed"
    except (urllib.error.URLError, RuntimeError, OSError, ValueError) as exc:
        return times, f"error: {type(exc).__name__}: {str(exc)[:100]}"


def run(server, db, setup, args):
    rpc = RUSH.Rpc(server.url, db, args.timeout)
    run_id = uuid.uuid4().hex[:6]
    ctx = prepare(rpc, args, run_id, server.url)
    for _ in range(4):  # warm both workers
        Visitor(server.url, args.timeout).get(f"/event/{ctx['event']}/register")
    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        results = list(pool.map(lambda i: journey(server.url, ctx, i, args.timeout), range(args.buyers)))
    wall = time.perf_counter() - started
    outcomes = defaultdict(int)
    per_step = defaultdict(list)
    for times, outcome in results:
        outcomes[outcome] += 1
        for name, seconds in times.items():
            per_step[name].append(seconds)
    sold = rpc("event.registration", "search_count", [[("event_id", "=", ctx["event"]),
                                                       ("state", "in", ["open", "done"])]])
    orders = rpc("sale.order", "search_read", [[("order_line.event_id", "=", ctx["event"])]],
                 fields=["state", "transaction_ids"])
    paid_tx = {tx["id"] for tx in rpc("payment.transaction", "search_read", [[
        ("sale_order_ids", "in", [o["id"] for o in orders]), ("state", "in", ["done", "authorized"]),
        ("operation", "!=", "refund")]], fields=["id"])}
    refunded = set()
    if setup == "soticket":
        refunded = {o["id"] for o in rpc("sale.order", "search_read", [[
            ("id", "in", [o["id"] for o in orders]), ("soticket_refund_state", "in", ["to_refund", "refunded"])]],
            fields=["id"])}
    paid_no_ticket = [o for o in orders if set(o["transaction_ids"]) & paid_tx and o["state"] != "sale"
                      and o["id"] not in refunded]
    return {
        "setup": setup, "buyers": args.buyers, "wall_s": round(wall, 1),
        "buyers_per_min": round(len(results) / wall * 60, 1), "outcomes": dict(outcomes),
        "steps": {name: (round(statistics.median(v) * 1000), round(sorted(v)[int(0.95 * (len(v) - 1))] * 1000))
                  for name, v in per_step.items()},
        "sold": sold, "seats": args.seats, "paid_without_ticket": len(paid_no_ticket), "refunded": len(refunded),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--setups", default="stock,soticket")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--run-id")
    args = parser.parse_args()
    odoo, pg = DEV.bootstrap()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    run_id = args.run_id or uuid.uuid4().hex[:6]
    modules = {"stock": "website_event_sale,payment_demo", "soticket": "soticket_base,payment_demo"}
    setups = args.setups.split(",")
    dbs = {setup: f"bench_journey_{setup}_{run_id}" for setup in setups}
    results = []
    try:
        for setup, db in dbs.items():
            if DEV.psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
                DEV.say(f"reusing database {db}")
            else:
                RUSH.create_db(odoo, pg, db, modules[setup], LOG_DIR / f"bench-journey-{db}.log")
        for setup, db in dbs.items():
            server = RUSH.Server(odoo, pg, db, "workers", LOG_DIR / f"bench-journey-{db}.log")
            try:
                server.wait_ready()
                results.append(run(server, db, setup, args))
            finally:
                server.stop()
    finally:
        for db in dbs.values():
            if args.keep_db:
                DEV.say(f"kept database {db}")
            else:
                with contextlib.suppress(Exception):
                    RUSH.drop_db(pg, db)
    for res in results:
        print(f"\n{res['setup']}: {res['buyers_per_min']} buyers/min ({res['buyers']} buyers in {res['wall_s']} s), "
              f"sold {res['sold']}/{res['seats']}, paid orders without a ticket: {res['paid_without_ticket']}"
              f" (refunded automatically: {res['refunded']}), outcomes {res['outcomes']}")
        for name in STEPS:
            if name in res["steps"]:
                p50, p95 = res["steps"][name]
                print(f"  {name:<13} p50 {p50:>6} ms  p95 {p95:>6} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
