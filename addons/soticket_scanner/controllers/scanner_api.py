# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Scanner HTTP API v1: JSON over plain HTTP, ``Authorization: Bearer <device token>``.

Transport only (authentication, body size, JSON, status codes); the decisions
live in the ``soticket.admission`` model. Errors are JSON objects
``{"error": <machine code>, "message": <translated text>}`` and never write
anything. Serialization failures are NOT caught here: Odoo retries the whole
request (``odoo.service.model.retrying``), which is what makes concurrent scans of
one ticket end with exactly one ``admitted``.
"""

import json
import logging

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID
from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..tools.scanner_errors import ScannerError

_logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
BODY_KEY = "soticket_scanner.body"
API = "/soticket/scanner/v1"
# No route-level max_content_length nor methods: werkzeug would answer an HTML 413 or 405
# before the controller runs; _body() and _serve() answer them in JSON instead.
ROUTE = {"type": "http", "auth": "none", "csrf": False, "save_session": False, "readonly": False}
# Retried by Odoo around the whole request: let them through.
RETRIED = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected)
# The HTTP methods each route accepts (what werkzeug allowed for methods=["POST"] / ["GET"]).
WRITE = ("POST",)
READ = ("GET", "HEAD")


class ScannerApi(http.Controller):

    @http.route(f"{API}/pair", **ROUTE)
    def pair(self, **_kwargs):
        return self._serve(lambda env, _device, body: env["soticket.admission"].api_pair(
            body, ip=request.httprequest.remote_addr), authenticate=False)

    @http.route(f"{API}/scan", **ROUTE)
    def scan(self, **_kwargs):
        return self._serve(lambda env, device, body: env["soticket.admission"].api_scan(device, body))

    @http.route(f"{API}/sync", **ROUTE)
    def sync(self, **_kwargs):
        return self._serve(lambda env, device, body: env["soticket.admission"].api_sync(device, body))

    @http.route(f"{API}/manifest", **ROUTE)
    def manifest(self, event_id=None, since=None, **_kwargs):
        return self._serve(lambda env, device, _body: env["soticket.admission"].api_manifest(
            device, event_id, since or None), methods=READ, read_body=False)

    # ------------------------------------------------------------------ plumbing
    def _serve(self, handler, methods=WRITE, authenticate=True, read_body=True):
        if not request.db:
            return self._error(404, "no_database",
                               "This address serves no single database: set dbfilter so it names exactly one.")
        env = request.env(user=SUPERUSER_ID, su=True)
        if request.httprequest.method not in methods:
            return self._method_not_allowed(env, methods)
        device, scope = env["soticket.scanner.device"], None
        if authenticate:
            device, scope, _error = device._authenticate_token(self._bearer_token())
        # The scanner's language, else its venue's (as its offline messages); for authentication
        # errors, the request's.
        if scope and scope.lang:
            lang = scope.lang
        elif scope and scope.company_id:
            lang = env["res.company"].browse(scope.company_id).partner_id.lang or self._lang(env, request.best_lang)
        else:
            lang = self._lang(env, request.best_lang)
        env = env(context={"lang": lang})
        device = device.with_env(env)
        try:
            if authenticate and not device:
                device, _scope = self._authenticate(env)  # raises the error, translated
            body = self._body(env) if read_body else None
            payload = handler(env, device, body)
            if device:
                device._touch(request.httprequest.remote_addr)
            return self._json(payload)
        except RETRIED:
            raise
        except ScannerError as exc:
            if exc.rollback:
                self._rollback(env)
            return self._error(exc.status, exc.code, exc.args[0])
        except UserError as exc:
            self._rollback(env)
            return self._error(400, "refused", exc.args[0])
        except Exception:
            self._rollback(env)
            _logger.exception("Scanner API failure on %s", request.httprequest.path)
            return self._error(500, "internal_error", env._("The server failed to process this scan. "
                                                            "Keep the scan and send it again later."))

    @staticmethod
    def _bearer_token():
        scheme, _sep, token = request.httprequest.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    def _authenticate(self, env):
        token = self._bearer_token()
        if not token:
            raise ScannerError(env._('Missing scanner token: send the header "Authorization: Bearer <token>".'),
                               status=401, code="missing_token")
        device, scope, error = env["soticket.scanner.device"]._authenticate_token(token)
        if error:
            raise ScannerError(error[1], status=401, code=error[0])
        return device, scope

    def _body(self, env):
        """The request's JSON object, read once (Odoo may retry the request)."""
        environ = request.httprequest.environ
        if BODY_KEY in environ:
            return environ[BODY_KEY]
        length = request.httprequest.content_length
        if length is None:  # chunked upload: refused rather than read without a bound
            raise ScannerError(env._("Send the body with a Content-Length header."), status=411,
                               code="length_required")
        if length > MAX_BODY:
            raise ScannerError(env._("Request too large: at most %(size)s KiB.", size=MAX_BODY // 1024),
                               status=413, code="too_large")
        raw = request.httprequest.get_data()  # at most Content-Length bytes
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ScannerError(env._("Malformed JSON body."), code="malformed_json")
        if not isinstance(body, dict):
            raise ScannerError(env._("The body must be a JSON object."), code="malformed_json")
        environ[BODY_KEY] = body
        return body

    def _lang(self, env, wanted):
        installed = dict(env["res.lang"].get_installed())
        if wanted in installed:
            return wanted
        short = (wanted or "")[:2]
        for code in installed:
            if code[:2] == short:
                return code
        return "en_US" if "en_US" in installed else next(iter(installed), "en_US")

    @staticmethod
    def _rollback(env):
        env.cr.rollback()
        env.transaction.clear()

    @staticmethod
    def _json(payload, status=200, headers=None):
        return request.make_json_response(payload, status=status, headers=[("Cache-Control", "no-store")] + (
            headers or []))

    def _method_not_allowed(self, env, methods):
        allowed = ", ".join(methods)
        message = env(context={"lang": self._lang(env, request.best_lang)})._(
            "This address only accepts %(methods)s requests.", methods=allowed)
        return self._json({"error": "method_not_allowed", "message": message}, status=405,
                          headers=[("Allow", allowed)])

    def _error(self, status, code, message):
        headers = [("WWW-Authenticate", f'Bearer error="{code}"')] if status == 401 else []
        return self._json({"error": code, "message": message}, status=status, headers=headers)
