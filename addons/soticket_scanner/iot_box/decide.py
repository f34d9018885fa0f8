# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The box's own decision on a scan, from its local state: the server's ``soticket.admission._decide``
restated over the manifest, with the same result and reason vocabulary.

One difference: a genuinely signed code of this event that the box does not know yet (sold
after its last manifest) follows the event's ``offline_unknown_policy`` (manifest). "admit"
(the default): the signature proves the venue issued it, and codes are only issued to
confirmed tickets; the revocation list is checked, and the server reviews the scan when it
is synced. "refuse": only tickets the box knows get in.

The messages are the manifest's catalogue (``messages``: templates translated by the server
in the venue's language, ``soticket_scanner_messages.py``), with the English ``MESSAGES``
until the box has received one.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from .codes import ticket_code

ACCEPTED = ("admitted", "exit_recorded")
REFUSED = ("already_in", "invalid", "revoked", "wrong_event", "not_open_yet", "closed", "cancelled")
RESULTS = ACCEPTED + REFUSED
# What the door sees: green lets the holder in (or out), orange asks staff to look, red refuses.
COLORS = {
    "admitted": "green", "exit_recorded": "green",
    "already_in": "orange", "wrong_event": "orange", "not_open_yet": "orange", "closed": "orange",
    "invalid": "red", "revoked": "red", "cancelled": "red",
}
MESSAGES = {
    "garbled": "Unreadable code: this is not a ticket of ours. Scan it again.",
    "forged": "Forged code: its signature is wrong. Refuse it and call a manager.",
    "other_venue": "This ticket was issued by another venue.",
    "unknown_ticket": "Unknown ticket: it is not in this venue's records.",
    "refunded": "Refunded ticket: its code was revoked. Refuse it.",
    "cancelled": "Cancelled ticket: refuse it.",
    "withdrawn": "Withdrawn ticket (resold or replaced): refuse it.",
    "reissued": "Old code: this ticket was reissued. Ask the holder for the latest e-ticket.",
    "wrong_event": "Ticket for another event.",
    "unpaid": "Unpaid ticket: send the holder to the box office.",
    "exit_not_inside": "Exit recorded (this ticket was not recorded inside).",
    "exit": "Exit recorded.",
    "category_not_allowed": "This ticket category does not enter through this gate.",
    "not_open_yet": "Too early: admission is not open yet.",
    "closed": "The event is over: admission is closed.",
    "already_in": "Already inside.",
    "no_reentry": "Already admitted, and this event allows no re-entry.",
    "reentry": "Welcome back! Re-entry.",
    "admitted": "Welcome!",
    "not_in_manifest": "Welcome! (ticket sold after the last update of this box)",
    "unknown_offline": "Ticket unknown to this box, which is offline: refuse it, or send the holder to a "
                       "connected gate.",
    "box_error": "Box error: scan again.",
}


@dataclass(frozen=True)
class Decision:
    result: str
    reason: str
    message: str
    ticket_id: int | None = None
    version: int | None = None
    category_id: int | None = None


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_iso(value):
    """The API's ISO 8601 UTC text -> naive UTC datetime (None stays None)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


class _Blank(dict):
    def __missing__(self, key):
        return ""


def message(catalogue, key, values=None, fallback=None):
    """The text of ``key`` (a reason, or ``fallback`` when ``key`` is a variant of it): the
    catalogue's template, else the English one, its ``%(name)s`` placeholders filled from
    ``values``. A placeholder without a value is left empty; a template that cannot be
    filled is shown as it is: a message never fails a scan."""
    catalogue = catalogue if isinstance(catalogue, dict) else {}
    template = next((t for t in (catalogue.get(key), catalogue.get(fallback), MESSAGES.get(key),
                                 MESSAGES.get(fallback)) if isinstance(t, str) and t), fallback or key)
    try:
        text = template % _Blank(values or {})
    except (TypeError, ValueError, KeyError):
        text = template
    return " ".join(text.split())  # "Welcome! %(category)s" without a category: no dangling space


def local_time(value, tz):
    """HH:MM of a naive UTC datetime in the event's time zone (UTC if the box does not know it)."""
    if not value:
        return ""
    try:
        zone = ZoneInfo(tz) if tz else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return value.replace(tzinfo=timezone.utc).astimezone(zone).strftime("%H:%M")


def _decision(result, reason, catalogue, payload=None, key=None, **values):
    text = message(catalogue, key or reason, values, fallback=reason if key else None)
    if payload is None:
        return Decision(result, reason, text)
    return Decision(result, reason, text, payload.ticket_id, payload.version, payload.category_id)


def decide(store, manifest, public_key, gate_id, direction, raw_code, now=None):
    """Decide a scan from the local state. Returns (normalized code, Decision). Writes nothing."""
    code = ticket_code.normalize(raw_code)
    verified = ticket_code.verify(code, public_key)
    texts = store.messages()
    if verified.status != ticket_code.STATUS_VALID:
        if code and store.is_revoked(code):  # an old stock barcode
            return code, _decision("revoked", "reissued", texts)
        return code, _decision("invalid", verified.status, texts)
    payload = verified.payload
    event = manifest["event"]
    row = store.ticket(payload.ticket_id)
    if payload.event_id != event["id"]:
        # the manifest holds this event's tickets only: another event's ticket is told apart by its code
        return code, _decision("wrong_event", "wrong_event", texts, payload)
    if row:
        if row["state"] == "refunded":
            return code, _decision("revoked", "refunded", texts, payload)
        if row["state"] == "cancelled":
            return code, _decision("cancelled", "cancelled", texts, payload)
        if row["state"] == "revoked":
            return code, _decision("revoked", "withdrawn", texts, payload)
        if (payload.category_id, payload.version) != (row["category_id"], row["version"]):
            return code, _decision("revoked", "reissued", texts, payload)
    if store.is_revoked(code):
        return code, _decision("revoked", "reissued", texts, payload)
    if row and row["state"] == "pending":
        return code, _decision("invalid", "unpaid", texts, payload)
    if not row and event.get("offline_unknown_policy") == "refuse":
        return code, _decision("invalid", "unknown_offline", texts, payload)
    inside = bool(row and row["inside"])
    if direction == "out":
        if not inside:
            return code, _decision("exit_recorded", "exit_not_inside", texts, payload)
        return code, _decision("exit_recorded", "exit", texts, payload,
                               key="exit_reentry" if event.get("policy") == "reentry" else None)
    gate = next((g for g in manifest.get("gates", []) if g["id"] == gate_id), None)
    category = next((c.get("name") for c in manifest.get("categories", []) if c.get("id") == payload.category_id),
                    "")
    if gate and gate.get("category_ids") and payload.category_id not in gate["category_ids"]:
        return code, _decision("wrong_event", "category_not_allowed", texts, payload, category=category,
                               gate=gate.get("name", ""))
    now = now or utcnow()
    opens, closes = parse_iso(event.get("admission_start")), parse_iso(event.get("admission_end"))
    if opens and now < opens:
        return code, _decision("not_open_yet", "not_open_yet", texts, payload, time=local_time(opens, event.get("tz")))
    if closes and now > closes:
        return code, _decision("closed", "closed", texts, payload, time=local_time(closes, event.get("tz")))
    if row and row["state"] == "admitted":
        if inside or event.get("policy") != "reentry":
            return code, _decision("already_in", "already_in" if inside else "no_reentry", texts, payload)
        return code, _decision("admitted", "reentry", texts, payload)
    return code, _decision("admitted", "admitted" if row else "not_in_manifest", texts, payload, category=category)
