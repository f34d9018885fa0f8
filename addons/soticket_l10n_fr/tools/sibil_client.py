# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""A small client of the SIBIL API v2 (Ministry of Culture), with ``requests``.

``POST <base>/api/v2/authenticate`` with the declarant's login and password answers a token, sent
as ``Authorization: Bearer <token>``; ``POST <base>/api/v2/declarations`` creates a declaration and
``PUT <base>/api/v2/declarations`` updates the one with the same ``idExtBilletterie`` (the upsert
key). A create answered 409 (already declared, e.g. after a timeout whose request did arrive) is
retried as an update, so a performance is never declared twice. A 400/422 answer is a rejection
whose ``message`` is shown to staff; timeouts, connection errors and 5xx answers can be retried."""

import requests

TIMEOUT = 20


class SibilError(Exception):
    def __init__(self, message, retryable=True, status=None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status


def _message(response):
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:500] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "errors"):
            if body.get(key):
                return str(body[key])[:500]
    return str(body)[:500]


class SibilClient:
    def __init__(self, base_url, login, password, timeout=TIMEOUT, session=None):
        self.base_url = (base_url or "").rstrip("/")
        self.login = login
        self.password = password
        self.timeout = timeout
        self.session = session or requests.Session()
        self.token = None

    def _call(self, method, path, payload, auth=True):
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            return self.session.request(method, f"{self.base_url}{path}", json=payload, headers=headers,
                                        timeout=self.timeout)
        except requests.Timeout as exc:
            raise SibilError(f"SIBIL did not answer within {self.timeout} s ({method} {path})") from exc
        except requests.RequestException as exc:
            raise SibilError(f"SIBIL could not be reached ({method} {path}): {exc}") from exc

    def authenticate(self):
        if not (self.base_url and self.login and self.password):
            raise SibilError("SIBIL settings are incomplete (base URL, login, password).", retryable=False)
        response = self._call("POST", "/api/v2/authenticate", {"login": self.login, "password": self.password},
                              auth=False)
        if response.status_code != 200:
            raise SibilError(f"SIBIL refused the authentication: {_message(response)}",
                             retryable=response.status_code >= 500, status=response.status_code)
        try:
            self.token = response.json()["token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SibilError("SIBIL answered the authentication without a token.") from exc
        return self.token

    def upsert(self, declaration, known=False):
        """Create (or update when ``known``) a declaration; returns the JSON answered by SIBIL."""
        if not self.token:
            self.authenticate()
        method = "PUT" if known else "POST"
        response = self._call(method, "/api/v2/declarations", declaration)
        if response.status_code == 409 and method == "POST":
            response = self._call("PUT", "/api/v2/declarations", declaration)
        elif response.status_code == 404 and method == "PUT":
            response = self._call("POST", "/api/v2/declarations", declaration)
        if response.status_code in (200, 201):
            try:
                return response.json()
            except ValueError:
                return {}
        if response.status_code in (400, 422):
            raise SibilError(_message(response), retryable=False, status=response.status_code)
        raise SibilError(f"SIBIL error {response.status_code}: {_message(response)}",
                         retryable=response.status_code >= 500 or response.status_code in (401, 429),
                         status=response.status_code)
