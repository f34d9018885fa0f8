# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Who may read, write and call what, for every SoTicket model, public method and route.

One table per kind. The test enumerates what the installed SoTicket addons really
define (``soticket.*`` models in ``ir.model``, public methods of SoTicket classes,
routes of SoTicket controllers) and fails when something is missing from its table:
a new model, method or route must come with its line here, i.e. with a decision on
who may use it. Entries of addons that are not installed are skipped.
"""
import inspect
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tools import mute_logger

ROLES = ("public", "portal", "door", "officer", "manager", "reporting", "billing", "inspector")
SCANNER = "scanner"  # a paired scanner's token: the scanner HTTP API only, no user, no RPC

# ------------------------------------------------------------------ models
# Rights per role, in ROLES order: r(ead) w(rite) c(reate) u(nlink) or "-". Record rules narrow them
# further (venue, own tickets); server-managed fields are refused even where "w" is allowed
# (see soticket_base/tools/server_fields.py and test_server_fields.py).
#                                              public portal door  officer manager report billing  inspect
MODELS = {
    "soticket.code.revocation":             "----  ----  ----  r---    r-c-    ----    ----    ----",
    "soticket.revenue.statement":           "----  ----  ----  ----    rwcu    r---    ----    ----",
    "soticket.revenue.statement.line":      "----  ----  ----  ----    rwcu    r---    ----    ----",
    "soticket.revenue.statement.generate":  "----  ----  ----  ----    rwc-    ----    ----    ----",
    "soticket.forget.buyer":                "----  ----  ----  ----    rwc-    ----    ----    ----",
    "soticket.seat.hold":                   "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.signing.key":                 "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.guest.list":                  "----  ----  r---  rwcu    rwcu    ----    ----    ----",
    "soticket.pos.allotment":               "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.pos.seat.hold":               "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.pos.session.allotment":       "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.coop.contract":               "----  ----  ----  ----    ----    ----    r---    ----",
    "soticket.coop.network":                "----  ----  ----  ----    ----    ----    r---    ----",
    "soticket.coop.statement":              "----  ----  ----  ----    ----    ----    rwc-    ----",
    "soticket.coop.statement.pull":         "----  ----  ----  ----    ----    ----    rwcu    ----",
    "soticket.coop.statement.import":       "----  ----  ----  ----    ----    ----    rwcu    ----",
    "soticket.coop.invoice.wizard":         "----  ----  ----  ----    ----    ----    rwcu    ----",
    "soticket.resale.listing":              "----  ----  ----  rw--    rwc-    ----    ----    ----",
    "soticket.resale.waitlist":             "----  ----  ----  rw--    rwcu    ----    ----    ----",
    "soticket.resale.refund":               "----  ----  ----  r---    rw--    ----    ----    ----",
    "soticket.admission":                   "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.rate.limit":                  "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.server.fields.mixin":         "----  ----  ----  ----    ----    ----    ----    ----",
    "soticket.scan.log":                    "----  ----  r---  r---    rw--    ----    ----    ----",
    "soticket.scanner.device":              "----  ----  ----  r---    rwcu    ----    ----    ----",
    "soticket.scanner.gate":                "----  ----  r---  r---    rwcu    ----    ----    ----",
    "soticket.fr.operation":                "----  ----  ----  r---    r---    ----    ----    r---",
    "soticket.fr.receipt":                  "----  ----  ----  r---    r---    ----    ----    r---",
    "soticket.fr.receipt.line":             "----  ----  ----  r---    r---    ----    ----    r---",
    "soticket.fr.sibil.declaration":        "----  ----  ----  ----    rw--    ----    ----    r---",
    "soticket.fr.cnm.declaration":          "----  ----  ----  ----    rw--    ----    ----    r---",
}
# Stock models holding SoTicket data, for the roles that must not see more than their own.
STOCK_MODELS = {
    "event.registration":                   "----  r---  rwc-  rwc-    rwcu    ----    ----    ----",
}
OPERATIONS = ("read", "write", "create", "unlink")

# ------------------------------------------------------------------ public methods
# (model, method): the roles that may call it, the guard, and how the test calls it for every other
# role (a fixture record or a missing id, and arguments), expecting an AccessError and no change.
# "any" methods only return a window action or a report action (the records shown stay under
# the rules above); "private" methods cannot be called over RPC at all (api.private); "stock" overrides
# add a business check in front of a stock method that keeps its own access checks.
ALL = set(ROLES)
STAFF = {"officer", "manager"}
DOOR = {"door", "officer", "manager"}
METHODS = {
    # soticket_base
    ("event.registration", "action_reissue_code"): (STAFF, "ticket", ()),
    ("event.registration", "action_resend_ticket_email"): (STAFF, "ticket", ()),
    ("res.partner", "action_soticket_forget_buyer"): ({"manager"}, "buyer", ()),
    ("sale.order", "action_confirm"): (set(), "draft_order", ()),  # salespeople, not one of these roles
    ("soticket.revenue.statement", "get_statement"): ({"manager", "reporting"}, None, ("2024-01-01", "2024-01-31")),
    ("soticket.revenue.statement", "get_yearly_statement"): ({"manager", "reporting"}, None, (2024,)),
    ("soticket.revenue.statement", "action_refresh"): ({"manager"}, "statement", ()),
    ("soticket.signing.key", "public_key"): ("private", None, ()),
    ("soticket.forget.buyer", "action_confirm"): ({"manager"}, "missing", ()),
    ("soticket.revenue.statement.generate", "action_generate"): ({"manager"}, "missing", ()),
    # soticket_box_office (register users only, none of these roles)
    ("event.event", "action_view_guest_list"): ("any", None, ()),
    ("pos.order", "soticket_check_ticket_refund"): (set(), None, ([[1, 1]],)),
    ("pos.order", "soticket_receipt_tickets"): (set(), "missing", ()),
    ("pos.order", "action_print_soticket_tickets"): (set(), "missing", ()),
    ("pos.session", "soticket_box_office_seats"): (set(), "missing", ()),
    ("pos.session", "action_soticket_box_office_report"): ("any", None, ()),
    ("pos.session", "action_view_soticket_tickets"): ("any", None, ()),
    # soticket_coop_billing (account managers; billing users read contracts and receive statements)
    ("account.move", "button_draft"): ("stock", None, ()),  # a check added before the stock method's own
    ("soticket.coop.contract", "action_activate"): (set(), "contract", ()),
    ("soticket.coop.contract", "action_terminate"): (set(), "contract", ()),
    ("soticket.coop.contract", "action_reopen"): (set(), "contract", ()),
    # soticket_hosting_coop: the cooperative's managers (not one of these roles)
    ("soticket.coop.contract", "action_request_venue_database"): (set(), "contract", ()),
    ("soticket.coop.contract", "action_pull_statement"): ({"billing"}, "contract", ()),
    ("soticket.coop.contract", "action_open_pull_wizard"): ("any", None, ()),
    ("soticket.coop.contract", "action_view_statements"): ("any", None, ()),
    ("soticket.coop.contract", "action_view_invoices"): ("any", None, ()),
    ("soticket.coop.invoice.wizard", "action_generate"): ({"billing"}, "missing", ()),
    ("soticket.coop.invoice.wizard", "action_post_and_send"): ({"billing"}, "missing", ()),
    ("soticket.coop.statement.import", "action_import"): ({"billing"}, "missing", ()),
    ("soticket.coop.statement.pull", "action_pull"): ({"billing"}, "missing", ()),
    ("soticket.coop.statement.pull", "action_view_statements"): ({"billing"}, "missing", ()),
    # soticket_resale
    ("event.event", "action_soticket_resale_open"): (STAFF, "event", ()),
    ("event.event", "action_soticket_resale_close"): (STAFF, "event", ()),
    ("event.event", "action_view_soticket_resale_listings"): ("any", None, ()),
    ("event.registration", "action_view_soticket_resale"): ("any", None, ()),
    ("soticket.resale.listing", "action_withdraw"): (STAFF, "listing", ()),
    ("soticket.resale.refund", "action_mark_paid"): ({"manager"}, "refund", ()),
    ("soticket.resale.refund", "action_cancel"): ({"manager"}, "refund", ()),
    ("soticket.resale.waitlist", "action_leave"): (STAFF | {"portal (own entries)"}, "waitlist", ()),
    # soticket_scanner
    ("event.registration", "action_set_done"): (DOOR, "ticket", ()),
    ("event.registration", "register_attendee"): (DOOR, None, ("not a code",)),
    ("soticket.admission", "admit"): ("private", None, ()),
    ("soticket.admission", "api_scan"): ("private", None, ()),
    ("soticket.admission", "api_sync"): ("private", None, ()),
    ("soticket.admission", "api_manifest"): ("private", None, ()),
    ("soticket.admission", "api_pair"): ("private", None, ()),
    ("soticket.admission", "door_setup"): (DOOR, None, ()),
    ("soticket.admission", "door_scan"): (DOOR, None, (1, "code", "in", "nonce-0001")),
    ("soticket.admission", "door_attendance"): (DOOR, None, (1,)),
    ("soticket.admission", "door_counters"): (DOOR, None, (1,)),
    ("soticket.scan.log", "action_mark_reviewed"): ({"manager"}, "missing", ()),
    ("soticket.scanner.device", "action_generate_pairing_code"): ({"manager"}, "missing", ()),
    ("soticket.scanner.device", "action_revoke"): ({"manager"}, "missing", ()),
    # soticket_l10n_fr (the tax inspector reads and exports, never changes)
    ("event.event", "action_soticket_fr_issue_receipt"): (STAFF, "event", ()),
    ("event.event", "action_soticket_fr_view_receipts"): ("any", None, ()),
    ("soticket.fr.receipt", "action_download_pdf"): ("any", None, ()),
    ("soticket.fr.sibil.declaration", "action_send"): ({"manager"}, "missing", ()),
    ("soticket.fr.sibil.declaration", "action_export_csv"): ("any", None, ()),
    ("soticket.fr.cnm.declaration", "action_mark_declared"): ({"manager"}, "missing", ()),
    ("soticket.fr.cnm.declaration", "action_export_csv"): ("any", None, ()),
    ("soticket.fr.cnm.declaration", "action_export_pdf"): ("any", None, ()),
}
# ORM methods SoTicket overrides: covered by the model rights and the server-managed fields.
ORM_METHODS = {"create", "write", "unlink", "copy", "init", "read", "search", "default_get"}

# ------------------------------------------------------------------ routes
# url: (addon, auth, methods, the check that stands in for a login, {role: expected HTTP status of a probe}).
# Probes use a forged token, another buyer's ticket or no scanner token, so a 200 means a leak.
TOKEN = "signed link (HMAC of the database secret)"
ROUTES = {
    "/soticket/eticket/<int:registration_id>/<string:token>": (
        "soticket_base", "public", ["GET"], TOKEN, {"public": 404, "portal": 404}),
    "/my/tickets/<int:registration_id>/pdf": (
        "soticket_base", "user", ["GET"], "login, then the ticket's read rule (own tickets)",
        {"public": 303, "portal": 403}),
    "/my/tickets": ("soticket_base", "user", ["GET"], "login; lists own tickets only", {"public": 303, "portal": 200}),
    "/shop/address/submit": ("soticket_base", "public", ["POST"], "stock checkout (the cart of the session)", {}),
    "/shop/payment/validate": ("soticket_base", "public", None, "stock checkout (the cart of the session)", {}),
    '/event/<model("event.event"):event>/registration/new': (
        "soticket_base", "public", ["POST"], "stock form; the buyer's rule (published event, categories, window, max)",
        {}),
    '/event/<model("event.event"):event>/registration/confirm': (
        "soticket_base", "public", ["POST"], "stock form; the buyer's rule (published event, categories, window, max)",
        {}),
    "/soticket/resale/<int:registration_id>/<string:token>": (
        "soticket_resale", "public", ["GET"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/resale/<int:registration_id>/<string:token>/list": (
        "soticket_resale", "public", ["POST"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/resale/<int:registration_id>/<string:token>/withdraw": (
        "soticket_resale", "public", ["POST"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/resale/buy/<int:listing_id>": (
        "soticket_resale", "public", ["POST"], "published event; the listing's availability", {"public": 404}),
    "/soticket/resale/waitlist/join": (
        "soticket_resale", "public", ["POST"], "published, sold-out category", {"public": 404}),
    "/soticket/resale/offer/<int:waitlist_id>/<string:token>": (
        "soticket_resale", "public", ["GET", "POST"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/leave": (
        "soticket_resale", "public", ["GET", "POST"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/confirm": (
        "soticket_resale", "public", ["GET", "POST"], TOKEN, {"public": 404, "portal": 404}),
    "/soticket/scanner/v1/pair": (
        "soticket_scanner", "none", None, "one-time pairing code", {"public": 401, SCANNER: 401}),
    "/soticket/scanner/v1/scan": (
        "soticket_scanner", "none", None, "scanner token", {"public": 401, "portal": 401, SCANNER: 400}),
    "/soticket/scanner/v1/sync": (
        "soticket_scanner", "none", None, "scanner token", {"public": 401, "portal": 401, SCANNER: 400}),
    "/soticket/scanner/v1/manifest": (
        "soticket_scanner", "none", None, "scanner token", {"public": 401, "portal": 401, SCANNER: 400}),
}
MISSING_ID = 2_000_000_000


@tagged("post_install", "-at_install")
class TestAccessMatrix(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.installed = set(cls.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
        groups = {
            "portal": "base.group_portal",
            "door": "base.group_user,soticket_scanner.group_soticket_door_staff"
                    if "soticket_scanner" in cls.installed else "base.group_user,event.group_event_registration_desk",
            "officer": "base.group_user,event.group_event_user",
            "manager": "base.group_user,event.group_event_manager",
            "reporting": "soticket_base.group_soticket_reporting",
            "billing": "base.group_user,account.group_account_invoice",
            "inspector": "base.group_user,soticket_l10n_fr.group_soticket_fr_inspector"
                         if "soticket_l10n_fr" in cls.installed else "base.group_user",
        }
        cls.users = {"public": cls.env.ref("base.public_user")}
        for role, group_ids in groups.items():
            cls.users[role] = new_test_user(cls.env, f"matrix-{role}", groups=group_ids, password=f"matrix-{role}-pw",
                                            email=f"{role}@example.com")
        cls._fixtures()

    @classmethod
    def _fixtures(cls):
        env = cls.env
        now = fields.Datetime.now()
        product = env.ref("event_product.product_product_event")
        cls.buyer = env["res.partner"].create({"name": "Camille Martin", "email": "camille@example.com"})
        cls.event = env["event.event"].create({
            "name": "Matrix concert", "date_begin": now + timedelta(days=10),
            "date_end": now + timedelta(days=10, hours=3), "date_tz": "Europe/Paris",
            "seats_limited": True, "seats_max": 2,
            "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": product.id, "price": 25.0})],
        })
        category = cls.event.event_ticket_ids

        def order(partner):
            return env["sale.order"].create({"partner_id": partner.id, "order_line": [(0, 0, {
                "product_id": product.id, "event_id": cls.event.id, "event_ticket_id": category.id,
                "product_uom_qty": 1, "price_unit": 25.0})]})

        sold = order(cls.buyer)
        sold.action_confirm()
        cls.records = {
            "ticket": sold.order_line.registration_ids,
            "buyer": cls.buyer,
            "draft_order": order(cls.buyer),
            "event": cls.event,
            "statement": env["soticket.revenue.statement"]._generate(
                *env["soticket.revenue.statement"]._check_period("2099-01-01", "2099-01-31"), "month"),
        }
        if "soticket_resale" in cls.installed:
            other = env["res.partner"].create({"name": "Sacha Vendeur", "email": "sacha@example.com"})
            seller_order = order(other)
            seller_order.action_confirm()  # sold out now: the waiting list opens
            listing = env["soticket.resale.listing"]._soticket_list(seller_order.order_line.registration_ids)
            buyer_cart = env["sale.order"].create({"partner_id": cls.buyer.id})
            buyer_cart._soticket_resale_add(listing)
            buyer_cart.action_confirm()
            waiting, _created = env["soticket.resale.waitlist"]._soticket_join(category, "other@example.com")
            second = env["soticket.resale.listing"]._soticket_list(cls.records["ticket"])  # offered to `waiting`
            cls.records.update(listing=second, refund=listing.refund_ids, waitlist=waiting)
        if "soticket_coop_billing" in cls.installed:
            venue = env["res.partner"].create({"name": "La Sirène", "is_company": True, "email": "sirene@example.com"})
            contract = env["soticket.coop.contract"].create({"partner_id": venue.id, "date_start": "2020-01-01"})
            cls.records["contract"] = contract
        if "soticket_scanner" in cls.installed:
            device = env["soticket.scanner.device"].create({"name": "Matrix box"})
            cls.scanner_token = env["soticket.scanner.device"]._pair(device._issue_pairing_code(), "box", None)[1]

    # ------------------------------------------------------------------ helpers
    def _table_rights(self, line):
        cells = line.split()
        self.assertEqual(len(cells), len(ROLES), line)
        return dict(zip(ROLES, cells, strict=True))

    def _actual_rights(self, model, user):
        Model = self.env[model].with_user(user)
        return "".join(("u" if op == "unlink" else op[0]) if Model.has_access(op) else "-" for op in OPERATIONS)

    def _soticket_public_methods(self):
        found = set()
        for name in self.env.registry:
            cls = type(self.env[name])
            for klass in cls.__mro__:
                if not klass.__module__.startswith("odoo.addons.soticket_"):
                    continue
                for attr, value in vars(klass).items():
                    if attr.startswith("_") or attr in ORM_METHODS or not inspect.isfunction(value):
                        continue
                    found.add((name, attr))
        return found

    def _soticket_routes(self):
        routes = {}
        for rule in self.env["ir.http"].routing_map().iter_rules():
            endpoint = rule.endpoint
            method = getattr(endpoint, "func", None)
            controller = getattr(method, "__self__", None)
            if controller is None:
                continue
            name = method.__name__
            if any(klass.__module__.startswith("odoo.addons.soticket_") and name in vars(klass)
                   for klass in type(controller).__mro__):
                routes[rule.rule] = endpoint.routing
        return routes

    # ------------------------------------------------------------------ models
    def test_every_soticket_model_is_in_the_table(self):
        models = set(self.env["ir.model"].search([("model", "=like", "soticket.%")]).mapped("model"))
        self.assertFalse(models - set(MODELS), "SoTicket models without a line in MODELS (decide who may use "
                                               "them, add their access rights and rules, then their line)")

    def test_model_rights_per_role(self):
        mismatches = []
        for model, line in {**MODELS, **STOCK_MODELS}.items():
            if model not in self.env:
                continue
            for role, expected in self._table_rights(line).items():
                actual = self._actual_rights(model, self.users[role])
                if actual != expected:
                    mismatches.append(f"{model} / {role}: table {expected}, database {actual}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    # ------------------------------------------------------------------ methods
    def test_every_public_method_is_in_the_table(self):
        found = self._soticket_public_methods()
        self.assertFalse(sorted(found - set(METHODS)), "public methods of SoTicket classes without a line in "
                                                       "METHODS (check access first, or prefix them with _)")
        stale = [key for key in set(METHODS) - found if key[0] in self.env]
        self.assertFalse(stale, "METHODS lines for methods that no longer exist")

    def test_private_methods_cannot_be_called_over_rpc(self):
        for (model, method), (allowed, _record, _args) in METHODS.items():
            if allowed == "private" and model in self.env:
                self.assertTrue(getattr(getattr(self.env[model], method), "_api_private", False), (model, method))
        if "soticket_scanner" not in self.installed:
            return
        self.authenticate("matrix-portal", "matrix-portal-pw")
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "model": "soticket.admission", "method": "api_pair", "args": [{"pairing_code": "X"}], "kwargs": {}},
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.json()["error"]["data"]["name"], "odoo.exceptions.AccessError")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_public_methods_refuse_every_other_role(self):
        failures = []
        for (model, method), (allowed, record_key, args) in METHODS.items():
            if model not in self.env or allowed in ("any", "private", "stock"):
                continue
            if record_key and record_key != "missing" and record_key not in self.records:
                continue
            for role in ROLES:
                if role in allowed:
                    continue
                Model = self.env[model].with_user(self.users[role])
                if record_key == "missing":
                    target = Model.browse(MISSING_ID)
                elif record_key:
                    target = self.records[record_key].with_user(self.users[role])
                else:
                    target = Model
                try:
                    with self.env.cr.savepoint():
                        getattr(target, method)(*args)
                except AccessError:
                    continue
                except Exception as exc:
                    failures.append(f"{model}.{method} as {role}: {type(exc).__name__}: {exc}")
                    continue
                failures.append(f"{model}.{method} as {role}: allowed, the table says it is not")
        self.assertFalse(failures, "\n".join(failures))

    # ------------------------------------------------------------------ routes
    def test_every_soticket_route_is_in_the_table(self):
        routes = self._soticket_routes()
        self.assertFalse(sorted(set(routes) - set(ROUTES)), "routes of SoTicket controllers without a line in ROUTES")
        for url, routing in routes.items():
            _addon, auth, methods, _check, _probes = ROUTES[url]
            self.assertEqual(routing.get("auth"), auth, url)
            self.assertEqual(routing.get("methods"), methods, url)

    @mute_logger("odoo.http", "odoo.addons.soticket_scanner.controllers.scanner_api",
                 "odoo.addons.soticket_scanner.models.soticket_scanner_device")
    def test_route_probes(self):
        ticket = self.records["ticket"]
        other_ticket = ticket.id
        paths = {
            "/soticket/eticket/<int:registration_id>/<string:token>": f"/soticket/eticket/{ticket.id}/forged",
            "/my/tickets/<int:registration_id>/pdf": f"/my/tickets/{other_ticket}/pdf",
            "/my/tickets": "/my/tickets",
            "/soticket/resale/<int:registration_id>/<string:token>": f"/soticket/resale/{ticket.id}/forged",
            "/soticket/resale/<int:registration_id>/<string:token>/list": f"/soticket/resale/{ticket.id}/forged/list",
            "/soticket/resale/<int:registration_id>/<string:token>/withdraw":
                f"/soticket/resale/{ticket.id}/forged/withdraw",
            "/soticket/resale/buy/<int:listing_id>": f"/soticket/resale/buy/{MISSING_ID}",
            "/soticket/resale/waitlist/join": "/soticket/resale/waitlist/join",
            "/soticket/resale/offer/<int:waitlist_id>/<string:token>": f"/soticket/resale/offer/{MISSING_ID}/forged",
            "/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/leave":
                f"/soticket/resale/waitlist/{self.records.get('waitlist', ticket).id}/forged/leave",
            "/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/confirm":
                f"/soticket/resale/waitlist/{self.records.get('waitlist', ticket).id}/forged/confirm",
            "/soticket/scanner/v1/pair": "/soticket/scanner/v1/pair",
            "/soticket/scanner/v1/scan": "/soticket/scanner/v1/scan",
            "/soticket/scanner/v1/sync": "/soticket/scanner/v1/sync",
            "/soticket/scanner/v1/manifest": "/soticket/scanner/v1/manifest",
        }
        failures = []
        for url, (addon, _auth, methods, _check, probes) in ROUTES.items():
            if addon not in self.installed:
                continue
            for role, expected in probes.items():
                if role in ("public", SCANNER):
                    self.authenticate(None, None)
                else:
                    self.authenticate(f"matrix-{role}", f"matrix-{role}-pw")
                headers = {"Authorization": f"Bearer {self.scanner_token}"} if role == SCANNER else {}
                path = paths[url]
                if url.startswith("/soticket/scanner/") and not url.endswith("manifest"):
                    headers["Content-Type"] = "application/json"
                    response = self.url_open(path, data=json.dumps({"pairing_code": "WRONG"}),
                                             headers=headers, allow_redirects=False)
                elif methods == ["POST"]:
                    response = self.url_open(path, data={"csrf_token": self.csrf_token()}, headers=headers,
                                             allow_redirects=False)
                else:
                    response = self.url_open(path, headers=headers, allow_redirects=False)
                if response.status_code != expected:
                    failures.append(f"{url} as {role}: {response.status_code}, expected {expected}")
        self.assertFalse(failures, "\n".join(failures))

    def csrf_token(self):
        from odoo import http  # noqa: PLC0415 - the session of the current opener
        return http.Request.csrf_token(self)
