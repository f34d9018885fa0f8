# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The scanner API v1 over HTTP (``readme/USAGE.md``), with the standard library only."""

import json
import urllib.error
import urllib.parse
import urllib.request

API = "/soticket/scanner/v1"
USER_AGENT = "soticket-door-box/1"


class NetworkError(Exception):
    """The server could not be reached or failed (5xx): keep the scan and send it later."""


class ApiError(Exception):
    """The server refused the request (4xx): sending it again would not help."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Client:
    def __init__(self, server, token=None, lang=None):
        parsed = urllib.parse.urlsplit(server or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"server must be an http(s) URL, not {server!r}")
        self.server = server.rstrip("/")
        self.token = token
        self.lang = lang

    def pair(self, pairing_code, device_name, timeout=10):
        return self._call("POST", "pair", {"pairing_code": pairing_code, "device_name": device_name}, timeout,
                          authenticate=False)

    def scan(self, scan, timeout=2):
        return self._call("POST", "scan", scan, timeout)

    def sync(self, scans, timeout=30):
        return self._call("POST", "sync", {"scans": scans}, timeout)

    def manifest(self, event_id, since=None, timeout=30):
        query = {"event_id": event_id, **({"since": since} if since else {})}
        return self._call("GET", f"manifest?{urllib.parse.urlencode(query)}", None, timeout)

    def _call(self, method, path, body, timeout, authenticate=True):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.lang:
            headers["Accept-Language"] = self.lang
        if authenticate:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # the scheme was checked in __init__: http(s) only
        request = urllib.request.Request(  # noqa: S310
            f"{self.server}{API}/{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                try:
                    payload = json.loads(exc.read())
                except (ValueError, OSError):
                    payload = {}
            if exc.code >= 500 or not isinstance(payload, dict) or "error" not in payload:
                raise NetworkError(f"HTTP {exc.code} from {self.server}") from exc
            raise ApiError(exc.code, payload["error"], payload.get("message") or payload["error"]) from exc
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, a proxy's HTML page
            raise NetworkError(str(exc)) from exc
