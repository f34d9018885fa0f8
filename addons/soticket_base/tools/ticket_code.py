# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Signed ticket codes: encode, normalize and verify, offline, with the public key only.

Pure Python (no ORM): key storage, revocation and user-facing messages live in the Odoo layer.

Binary layout, before text encoding::

    size    field
    1       format byte, FORMAT_V1 (0xC8)
    4       key id: SHA-256(raw Ed25519 public key)[:4]
    1..9    ticket_id     unsigned LEB128 varint, >= 1
    1..9    event_id      unsigned LEB128 varint, >= 1
    1..9    category_id   unsigned LEB128 varint, event.event.ticket id, 0 = none
    1..9    version       unsigned LEB128 varint, reissue counter, >= 0
    64      Ed25519 signature over all preceding bytes

Varints must be minimal (no redundant 0x80 groups) and values fit in 63 bits (PostgreSQL bigint).
Ed25519 is deterministic: the same key and fields always give the same code (reprints match).

Text form: RFC 4648 base32 bit order, no padding, over ALPHABET instead of A-Z2-7. Typical ids give
77 bytes = 124 characters, all in the QR alphanumeric set. Trailing pad bits must be zero, so each
byte string has exactly one text form. The format byte makes every code start with "S".
"""

import functools
import hashlib
import re
from base64 import b32encode
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# Upper-case base32 without M, O, Q and W: Q/W swap with A/Z on AZERTY, M moves to another key,
# O reads as 0. Everything here is in the QR alphanumeric set.
ALPHABET = "0123456789ABCDEFGHIJKLNPRSTUVXYZ"
FORMAT_V1 = 0xC8  # 0b11001_000: the first base32 symbol is always "S" (index 25)
KEY_ID_LEN = 4
SIGNATURE_LEN = 64
MAX_ID = 2**63 - 1
MAX_INPUT_LEN = 512  # raw scanner input longer than this is rejected before any work

STATUS_VALID = "valid"
STATUS_GARBLED = "garbled"  # cannot be decoded or parsed
STATUS_OTHER_VENUE = "other_venue"  # well-formed, key id differs (unauthenticated hint, still a reject)
STATUS_FORGED = "forged"  # our key id, bad signature

_HEADER_LEN = 1 + KEY_ID_LEN
_MAX_VARINT_LEN = 9  # 9 x 7 bits = 63 bits = MAX_ID
_CODE_RE = re.compile(f"[{ALPHABET}]+")
# Our symbols -> the digits int(x, 32) understands.
_TO_INT32 = str.maketrans(ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)

# What reaches the server when a scanner programmed for a US layout types on a French AZERTY
# (Windows/Linux; Belgian and Mac variants in brackets), after upper-casing (caps lock inverts case):
#   digit row    & É " ' ( - [§] È _ [!] Ç À  ->  1 2 3 4 5 6 7 8 9 0
#   letters      Q -> A, W -> Z (key swap; Q and W are never in a code)
#   manual entry O -> 0
# M is not in the alphabet, so the US M and ; keys (AZERTY , ? and M) are never pressed: no mapping.
_NORMALIZE = str.maketrans({
    "&": "1", "É": "2", '"': "3", "'": "4", "(": "5", "-": "6", "§": "6",
    "È": "7", "_": "8", "!": "8", "Ç": "9", "À": "0",
    "Q": "A", "W": "Z", "O": "0",
})


@dataclass(frozen=True)
class TicketCodePayload:
    ticket_id: int
    event_id: int
    category_id: int  # 0 = none
    version: int
    key_id: bytes


@dataclass(frozen=True)
class VerifyResult:
    status: str  # one of the STATUS_* machine codes
    payload: TicketCodePayload | None = None  # set only when status is STATUS_VALID


def generate_private_key() -> bytes:
    """Return a new raw 32-byte Ed25519 private key."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_key_from_private(priv: bytes) -> bytes:
    """Return the raw 32-byte public key of a raw private key."""
    return _raw_public(Ed25519PrivateKey.from_private_bytes(bytes(priv)))


def key_id(pub: bytes) -> bytes:
    """Return the 4-byte id of a raw public key, as stored in codes."""
    pub = bytes(pub)
    if len(pub) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes long")
    return hashlib.sha256(pub).digest()[:KEY_ID_LEN]


def encode(priv: bytes, ticket_id: int, event_id: int, category_id: int, version: int) -> str:
    """Return the signed text code of a ticket. Raise ValueError on out-of-range fields."""
    _check_field(ticket_id, 1)
    _check_field(event_id, 1)
    _check_field(category_id, 0)
    _check_field(version, 0)
    private = Ed25519PrivateKey.from_private_bytes(bytes(priv))
    data = bytearray((FORMAT_V1,))
    data += key_id(_raw_public(private))
    for value in (ticket_id, event_id, category_id, version):
        _put_varint(data, value)
    data += private.sign(bytes(data))
    return b32encode(data).decode("ascii").rstrip("=").translate(_FROM_RFC4648)


def normalize(raw: str) -> str:
    """Undo keyboard-wedge damage: drop whitespace, upper-case, map AZERTY symbols back.

    Idempotent; returns a valid code unchanged. Non-str input gives "".
    """
    if not isinstance(raw, str):
        return ""
    return "".join(raw.split()).upper().translate(_NORMALIZE)


def decode_unverified(code: str) -> TicketCodePayload | None:
    """Parse a code WITHOUT checking its signature (tooling only), or None if garbled."""
    parsed = _parse(code)
    return parsed[0] if parsed else None


def verify(code: str, pub: bytes) -> VerifyResult:
    """Check a scanned code against the venue's raw public key. Never raises on bad codes.

    Revocation is not checked here: compare payload.version with the ticket's live version.
    Raise ValueError only if ``pub`` itself is not a 32-byte key (a configuration error).
    """
    public, kid = _load_public(bytes(pub))
    parsed = _parse(code)
    if parsed is None:
        return VerifyResult(STATUS_GARBLED)
    payload, signed, signature = parsed
    if payload.key_id != kid:
        return VerifyResult(STATUS_OTHER_VENUE)
    try:
        public.verify(signature, signed)
    except InvalidSignature:
        return VerifyResult(STATUS_FORGED)
    return VerifyResult(STATUS_VALID, payload)


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@functools.lru_cache(maxsize=16)
def _load_public(pub: bytes) -> tuple[Ed25519PublicKey, bytes]:
    return Ed25519PublicKey.from_public_bytes(pub), key_id(pub)


def _check_field(value: int, minimum: int) -> None:
    # bool is an int subclass; True as an id is always a bug
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_ID:
        raise ValueError(f"ticket code field out of range: {value!r}")


def _b32decode(text: str) -> bytes | None:
    """Decode our unpadded base32, or None if the text is not the canonical form of some bytes."""
    if not _CODE_RE.fullmatch(text):  # also keeps int() away from signs, spaces and underscores
        return None
    size, pad_bits = divmod(len(text) * 5, 8)
    number = int(text.translate(_TO_INT32), 32)
    if pad_bits >= 5 or number & ((1 << pad_bits) - 1):  # impossible length, or non-zero pad bits
        return None
    return (number >> pad_bits).to_bytes(size, "big")


def _put_varint(data: bytearray, value: int) -> None:
    while value > 0x7F:
        data.append(0x80 | (value & 0x7F))
        value >>= 7
    data.append(value)


def _read_varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """Return (value, next position), or None if truncated, too long or not minimal."""
    value = 0
    for index in range(pos, min(pos + _MAX_VARINT_LEN, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << (7 * (index - pos))
        if not byte & 0x80:
            if byte == 0 and index > pos:
                return None
            return value, index + 1
    return None


def _parse(code: str) -> tuple[TicketCodePayload, bytes, bytes] | None:
    """Return (payload, signed bytes, signature) of a raw or normalized code, or None if garbled."""
    if not isinstance(code, str) or len(code) > MAX_INPUT_LEN:
        return None
    data = _b32decode(normalize(code))
    if data is None or len(data) < _HEADER_LEN + 4 + SIGNATURE_LEN or data[0] != FORMAT_V1:
        return None
    pos = _HEADER_LEN
    fields = []
    for _field in range(4):
        read = _read_varint(data, pos)
        if read is None:
            return None
        value, pos = read
        fields.append(value)
    ticket_id, event_id, category_id, version = fields
    if len(data) - pos != SIGNATURE_LEN or not ticket_id or not event_id:
        return None
    payload = TicketCodePayload(ticket_id, event_id, category_id, version, data[1:_HEADER_LEN])
    return payload, data[:pos], data[pos:]
