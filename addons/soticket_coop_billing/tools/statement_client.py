# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Reads a venue's yearly revenue statement from the venue's own Odoo over JSON-RPC.

No ORM here: errors are raised as StatementClientError(kind, detail) and the caller turns them into
translated messages. kinds: "url" (not an http(s) URL), "unreachable" (network error or timeout),
"http" (HTTP error status), "protocol" (not a JSON-RPC answer), "login" (wrong login or API key),
"remote" (the venue's Odoo answered with an error, e.g. unknown database or missing method).
"""
import json
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


def endpoint(url):
    """`<url>/jsonrpc`, refusing anything but http(s) (urllib would happily open file:// URLs)."""
    parsed = urllib.parse.urlsplit((url or "").strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise StatementClientError("url", url or "")
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/") + "/jsonrpc", "", ""))


def call(url, service, method, args, timeout=DEFAULT_TIMEOUT):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"service": service, "method": method, "args": list(args)}}).encode()
    request = urllib.request.Request(endpoint(url), body, {"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
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


def fetch_yearly_statement(url, db, login, api_key, year, timeout=DEFAULT_TIMEOUT):
    uid = call(url, "common", "login", [db, login, api_key], timeout=timeout)
    if not uid:
        raise StatementClientError("login", login)
    result = call(url, "object", "execute_kw",
                  [db, uid, api_key, STATEMENT_MODEL, STATEMENT_METHOD, [year]], timeout=timeout)
    if not isinstance(result, dict):
        raise StatementClientError("protocol", str(result)[:200])
    return result
