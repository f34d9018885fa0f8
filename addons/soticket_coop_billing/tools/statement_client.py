# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Reads a venue's yearly revenue statement from the venue's own Odoo over JSON-RPC.

No ORM here: errors are raised as StatementClientError(kind, detail) and the caller turns them into
translated messages. kinds: "url" (not an http(s) URL), "insecure" (plain http while not allowed),
"private" (the host is or resolves to a loopback, private, link-local or otherwise non-public address
while not allowed), "unreachable" (network error or timeout),
"http" (HTTP error status), "protocol" (not a JSON-RPC answer), "login" (wrong login or API key),
"remote" (the venue's Odoo answered with an error, e.g. unknown database or missing method).
"""
import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

STATEMENT_MODEL = "soticket.revenue.statement"
STATEMENT_METHOD = "get_yearly_statement"
DEFAULT_TIMEOUT = 30


class StatementClientError(Exception):
    def __init__(self, kind, detail=""):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def endpoint(url, allow_insecure=True):
    """`<url>/jsonrpc`, refusing anything but http(s) (urllib would happily open file:// URLs).

    :param allow_insecure: False: plain http and hosts written as a non-public address
        (``localhost``, 127.0.0.1, 10.x, 192.168.x, fe80::…) are refused too (no DNS look-up here:
        :func:`check_host` resolves names just before a call)
    """
    parsed = urllib.parse.urlsplit((url or "").strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or not parsed.hostname:
        raise StatementClientError("url", url or "")
    if not allow_insecure:
        if parsed.scheme != "https":
            raise StatementClientError("insecure", url)
        host = parsed.hostname.rstrip(".").lower()
        if host == "localhost" or host.endswith(".localhost") or _non_public(host):
            raise StatementClientError("private", host)
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/") + "/jsonrpc", "", ""))


def _non_public(address):
    """True if ``address`` is an IP address that is not a public unicast one (False for a host name)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_host(url):
    """Resolve the host of ``url`` and refuse it if any of its addresses is not public (SSRF guard)."""
    parsed = urllib.parse.urlsplit(url.strip())
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise StatementClientError("unreachable", f"{parsed.hostname}: {exc}") from exc
    for _family, _type, _proto, _canon, sockaddr in infos:
        if _non_public(sockaddr[0]):
            raise StatementClientError("private", f"{parsed.hostname} ({sockaddr[0]})")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: it could lead the API key to a plain http or local address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(url, service, method, args, timeout=DEFAULT_TIMEOUT, allow_insecure=True):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}).encode()
    address = endpoint(url, allow_insecure=allow_insecure)
    if not allow_insecure:
        check_host(address)
    request = urllib.request.Request(address, body, {"Content-Type": "application/json"})  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:  # scheme checked above
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise StatementClientError("http", f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise StatementClientError("unreachable", str(getattr(exc, "reason", exc))) from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise StatementClientError("protocol", raw[:200].decode(errors="replace")) from exc
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise StatementClientError("protocol", str(answer)[:200])
    if "error" in answer:
        error = answer["error"] or {}
        data = error.get("data") or {}
        if data.get("name") == "odoo.exceptions.AccessDenied":
            raise StatementClientError("login", data.get("message") or "")
        raise StatementClientError("remote", data.get("message") or error.get("message") or str(error))
    return answer["result"]


def fetch_yearly_statement(url, db, login, api_key, year, timeout=DEFAULT_TIMEOUT, allow_insecure=False):
    """:param allow_insecure: allow plain http and loopback, private and link-local addresses
        (tests, a venue on the cooperative's local network); off: https to a public address only."""
    uid = call(url, "common", "login", [db, login, api_key], timeout=timeout, allow_insecure=allow_insecure)
    if not uid:
        raise StatementClientError("login", login)
    result = call(url, "object", "execute_kw",
                  [db, uid, api_key, STATEMENT_MODEL, STATEMENT_METHOD, [year]], timeout=timeout,
                  allow_insecure=allow_insecure)
    if not isinstance(result, dict):
        raise StatementClientError("protocol", str(result)[:200])
    return result
