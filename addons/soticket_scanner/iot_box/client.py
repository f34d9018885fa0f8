# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The scanner API v1 over HTTP (``readme/USAGE.md``), with the standard library only."""

import ipaddress
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


def check_server_url(server, allow_insecure=False):
    """Refuse a server URL the box's token must not travel to.

    https only, to a host that is not written as a loopback, private or link-local address,
    unless ``allow_insecure`` (``--allow-insecure``: tests, a server on the venue's own network).
    Host names are not resolved here: a box starting without network must still start.

    :raise ValueError: with the reason, in English (the box's console)
    """
    parsed = urllib.parse.urlsplit(server or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc or not parsed.hostname:
        raise ValueError(f"server must be an http(s) URL, not {server!r}")
    if allow_insecure:
        return
    if parsed.scheme != "https":
        raise ValueError(f"server {server!r} is plain http: the scanner token would travel in clear. Use https, "
                         "or --allow-insecure for tests and a server on the venue's local network")
    host = parsed.hostname.rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        ip = None
    if host == "localhost" or host.endswith(".localhost") or (ip is not None and not ip.is_global):
        raise ValueError(f"server {server!r} is a loopback, private or link-local address: use the venue's "
                         "public https address, or --allow-insecure for a server on the venue's local network")


class Client:
    def __init__(self, server, token=None, lang=None, allow_insecure=False):
        check_server_url(server, allow_insecure)
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
        # the scheme was checked in __init__: https (http only with allow_insecure)
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
