# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""No false "sold out" on a real server over JSON-RPC, with Odoo's synchronous ticket e-mail
(``event.event_mail_async`` off: the PDF and the e-mail are made inside the confirmation, whose
transaction then often ends in a serialization failure after taking its seat hold and is retried).

A refusal is final only when the committed seats plus the holds of confirmations that will commit
leave none: 40 buyers for 10 seats end with exactly 10 sold, on the threaded server and on
``--workers=2``; and with confirmations failing on purpose after their hold, no buyer is refused
while a seat is free.
"""
import json
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import pytest
from conftest import OdooServer

BUYERS = 40
SEATS = 10
CLIENTS = 8


class Rpc:
    def __init__(self, url, db):
        self.url, self.db = f"{url}/jsonrpc", db
        self.ids = count()
        self.uid = self.call("common", "login", db, "admin", "admin")

    def call(self, service, method, *args):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": next(self.ids),
                           "params": {"service": service, "method": method, "args": args}}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=180) as resp:
            answer = json.loads(resp.read())
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RuntimeError(f"{data.get('name')}: {data.get('message')}")
        return answer["result"]

    def __call__(self, model, method, args, **kwargs):
        return self.call("object", "execute_kw", self.db, self.uid, "admin", model, method, args, kwargs)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["threaded", "workers"])
def server(request, test_db):
    extra = ["--workers=2", "--gevent-port", str(_free_port())] if request.param == "workers" else []
    srv = OdooServer(test_db, extra_args=extra).start(timeout=180)
    rpc = Rpc(srv.url, test_db)
    previous = rpc("ir.config_parameter", "get_param", ["event.event_mail_async"])
    rpc("ir.config_parameter", "set_param", ["event.event_mail_async", False])
    rpc("ir.config_parameter", "set_param", ["report.url", srv.url])
    yield srv
    rpc("ir.config_parameter", "set_param", ["event.event_mail_async", previous or False])
    srv.stop()


def _event(rpc, name, seats):
    product = rpc("ir.model.data", "search_read", [[("module", "=", "event_product"),
                                                    ("name", "=", "product_product_event")]], fields=["res_id"])[0]
    template = rpc("ir.model.data", "search_read", [[("module", "=", "event"), ("name", "=", "event_subscription")]],
                   fields=["res_id"])[0]["res_id"]
    event_id = rpc("event.event", "create", [{
        "name": name, "date_begin": "2030-06-21 18:00:00", "date_end": "2030-06-21 23:00:00",
        "seats_limited": True, "seats_max": seats,
        "event_ticket_ids": [(0, 0, {"name": "Full price", "product_id": product["res_id"], "price": 20.0})],
        "event_mail_ids": [(5, 0, 0), (0, 0, {"interval_type": "after_sub", "interval_unit": "now",
                                              "interval_nbr": 0, "template_ref": f"mail.template,{template}"})],
    }])
    ticket_id = rpc("event.event.ticket", "search", [[("event_id", "=", event_id)]])[0]
    return event_id, ticket_id, product["res_id"]


def _orders(rpc, lines_per_order, name):
    partners = rpc("res.partner", "create", [[{"name": f"{name} {i}", "email": f"rush{i}@example.com"}
                                               for i in range(len(lines_per_order))]])
    return [rpc("sale.order", "create", [{"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "event_id": event, "event_ticket_id": ticket, "product_uom_qty": 1,
                "price_unit": 20.0}) for event, ticket, product in lines]}])
        for partner, lines in zip(partners, lines_per_order, strict=True)]


def _confirm_all(server, db, order_ids):
    def confirm(order_id):
        try:
            Rpc(server.url, db)("sale.order", "action_confirm", [[order_id]])
            return "confirmed"
        except RuntimeError as exc:
            return "sold out" if "Sold out" in str(exc) else str(exc)
    with ThreadPoolExecutor(CLIENTS) as pool:
        return dict(zip(order_ids, pool.map(confirm, order_ids), strict=True))


def _sold(rpc, event_id):
    return rpc("event.registration", "search_count", [[("event_id", "=", event_id), ("state", "in", ["open", "done"])]])


def test_forty_buyers_ten_seats_synchronous_mail(server, test_db):
    rpc = Rpc(server.url, test_db)
    event_id, ticket_id, product = _event(rpc, f"Sync mail rush {server.port}", SEATS)
    orders = _orders(rpc, [[(event_id, ticket_id, product)]] * BUYERS, "Sync buyer")
    outcomes = _confirm_all(server, test_db, orders)
    kinds = sorted(set(outcomes.values()))
    assert kinds == ["confirmed", "sold out"], kinds
    assert list(outcomes.values()).count("confirmed") == SEATS
    assert _sold(rpc, event_id) == SEATS


def test_failing_confirmations_refuse_nobody_while_seats_are_free(server, test_db):
    """A fifth of the orders also ask a seat of a sold-out concert: they take their hold on the
    rush concert, then fail. The other buyers still get all the seats."""
    rpc = Rpc(server.url, test_db)
    event_id, ticket_id, product = _event(rpc, f"Failing rush {server.port}", SEATS)
    full_id, full_ticket, _product = _event(rpc, f"Full concert {server.port}", 1)
    first = _orders(rpc, [[(full_id, full_ticket, product)]], "Full buyer")
    rpc("sale.order", "action_confirm", [first])
    lines = [[(event_id, ticket_id, product), (full_id, full_ticket, product)] if i % 5 == 0
             else [(event_id, ticket_id, product)] for i in range(BUYERS)]
    orders = _orders(rpc, lines, "Mixed buyer")
    outcomes = _confirm_all(server, test_db, orders)
    failing = {orders[i] for i in range(BUYERS) if i % 5 == 0}
    assert all(outcomes[o] == "sold out" for o in failing)
    honest = {o: outcome for o, outcome in outcomes.items() if o not in failing}
    assert sorted(set(honest.values())) == ["confirmed", "sold out"], sorted(set(honest.values()))
    assert list(honest.values()).count("confirmed") == SEATS, "nobody is refused while a seat is free"
    assert _sold(rpc, event_id) == SEATS

