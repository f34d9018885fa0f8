# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import hashlib
import random
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from odoo.tests import BaseCase
from odoo.tests import tagged

from ..tools import ticket_code

# QR alphanumeric mode (ISO/IEC 18004): digits, upper-case letters and " $%*+-./:".
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

# A scanner programmed for a US layout sends key positions; this is what AZERTY makes of them.
AZERTY_DIGITS = dict(zip("1234567890", "&é\"'(-è_çà", strict=True))
AZERTY_DIGITS_MAC = dict(zip("1234567890", "&é\"'(§è!çà", strict=True))  # also Belgian
AZERTY_SHIFTED_LETTERS = {"A": "Q", "Q": "A", "Z": "W", "W": "Z", "M": "?"}


def azerty_typed(code, digits=None):
    """Return what a US-programmed wedge scanner types on AZERTY: unshifted digits, shifted letters."""
    digits = digits or AZERTY_DIGITS
    return "".join(digits.get(char) or AZERTY_SHIFTED_LETTERS.get(char, char) for char in code)


def to_bytes(code):
    """Independent decoder (stdlib base32 over a translated alphabet)."""
    text = code.translate(str.maketrans(ticket_code.ALPHABET, RFC4648))
    return base64.b32decode(text + "=" * (-len(text) % 8))


def to_code(data):
    return base64.b32encode(data).decode().rstrip("=").translate(str.maketrans(RFC4648, ticket_code.ALPHABET))


def leb128(*values):
    out = bytearray()
    for value in values:
        groups = [(value >> shift) & 0x7F for shift in range(0, max(value.bit_length(), 1), 7)]
        out += bytes(group | 0x80 for group in groups[:-1]) + bytes(groups[-1:])
    return bytes(out)


@tagged("soticket")
class TestTicketCode(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.priv = ticket_code.generate_private_key()
        cls.pub = ticket_code.public_key_from_private(cls.priv)
        cls.rng = random.Random(20250101)

    def random_ids(self):
        rng = self.rng
        return (
            rng.randint(1, 2**rng.choice((7, 16, 31, 63)) - 1),
            rng.randint(1, 99_999),
            rng.choice((0, rng.randint(1, 99_999))),
            rng.randint(0, 300),
        )

    def assertStatus(self, code, status, pub=None):
        result = ticket_code.verify(code, pub or self.pub)
        self.assertEqual(result.status, status, f"{code!r}")
        if status != ticket_code.STATUS_VALID:
            self.assertIsNone(result.payload)
        return result

    def test_keys(self):
        other = ticket_code.generate_private_key()
        self.assertEqual(len(self.priv), 32)
        self.assertNotEqual(other, self.priv)
        self.assertEqual(len(self.pub), 32)
        private = Ed25519PrivateKey.from_private_bytes(self.priv)
        Ed25519PublicKey.from_public_bytes(self.pub).verify(private.sign(b"probe"), b"probe")
        self.assertEqual(ticket_code.key_id(self.pub), hashlib.sha256(self.pub).digest()[:4])
        with self.assertRaises(ValueError):
            ticket_code.key_id(self.pub[:31])
        with self.assertRaises(ValueError):
            ticket_code.verify("S", b"\x00" * 31)

    def test_round_trip(self):
        cases = [(1, 1, 0, 0), (42, 7, 3, 1), (127, 128, 16383, 16384), (2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1)]
        cases += [(2**63 - 1,) * 4] + [self.random_ids() for _i in range(30)]
        for ids in cases:
            code = ticket_code.encode(self.priv, *ids)
            result = self.assertStatus(code, ticket_code.STATUS_VALID)
            expected = ticket_code.TicketCodePayload(*ids, key_id=ticket_code.key_id(self.pub))
            self.assertEqual(result.payload, expected)
            self.assertEqual(ticket_code.decode_unverified(code), expected)
            # Deterministic signatures: a reprint gives the same code.
            self.assertEqual(ticket_code.encode(self.priv, *ids), code)

    def test_binary_layout(self):
        ids = (300, 5, 0, 2)
        data = to_bytes(ticket_code.encode(self.priv, *ids))
        body = bytes([ticket_code.FORMAT_V1]) + hashlib.sha256(self.pub).digest()[:4] + leb128(*ids)
        self.assertEqual(data[:-64], body)
        Ed25519PublicKey.from_public_bytes(self.pub).verify(data[-64:], body)

    def test_alphabet_and_qr(self):
        alphabet = ticket_code.ALPHABET
        self.assertEqual(len(set(alphabet)), 32)
        self.assertEqual(len(alphabet), 32)
        self.assertFalse(set("MOQW") & set(alphabet))
        self.assertLessEqual(set(alphabet), QR_ALPHANUMERIC)
        for _i in range(20):
            code = ticket_code.encode(self.priv, *self.random_ids())
            self.assertLessEqual(set(code), set(alphabet))
            self.assertTrue(code.startswith("S"))

    def test_length(self):
        # 7-digit ticket, 4-digit event and category, small version: 77 bytes.
        self.assertEqual(len(ticket_code.encode(self.priv, 1_234_567, 1234, 5678, 1)), 124)
        self.assertLessEqual(len(ticket_code.encode(self.priv, 1, 1, 0, 0)), 124)
        self.assertLessEqual(len(ticket_code.encode(self.priv, *(2**63 - 1,) * 4)), 168)

    def test_scanner_variants(self):
        for _i in range(40):
            ids = self.random_ids()
            code = ticket_code.encode(self.priv, *ids)
            typed = azerty_typed(code)
            self.assertNotEqual(typed, code)
            variants = [
                code,
                code.lower(),
                typed,
                typed.upper(),  # caps lock: É È Ç À
                typed.swapcase(),
                azerty_typed(code, AZERTY_DIGITS_MAC),
                azerty_typed(code, AZERTY_DIGITS_MAC).swapcase(),
                f"  {typed}\r\n",
                f"\t{code[:40]} {code[40:]}\n",
            ]
            for variant in variants:
                self.assertEqual(ticket_code.normalize(variant), code, variant)
                self.assertEqual(self.assertStatus(variant, ticket_code.STATUS_VALID).payload.ticket_id, ids[0])

    def test_normalize_idempotent(self):
        for point in range(sys.maxunicode + 1):
            if 0xD800 <= point <= 0xDFFF:
                continue
            once = ticket_code.normalize(chr(point))
            self.assertEqual(ticket_code.normalize(once), once, hex(point))
        self.assertEqual(ticket_code.normalize("o0q w"), "00AZ")
        self.assertEqual(ticket_code.normalize(None), "")

    def test_flipped_bits(self):
        data = to_bytes(ticket_code.encode(self.priv, 123_456, 1234, 5678, 3))
        signature_start = len(data) - 64
        for index in range(len(data)):
            for bit in range(8):
                tampered = bytearray(data)
                tampered[index] ^= 1 << bit
                status = ticket_code.verify(to_code(tampered), self.pub).status
                if index == 0:
                    expected = {ticket_code.STATUS_GARBLED}
                elif index < 5:
                    expected = {ticket_code.STATUS_OTHER_VENUE}
                elif index < signature_start:
                    expected = {ticket_code.STATUS_FORGED, ticket_code.STATUS_GARBLED}
                else:
                    expected = {ticket_code.STATUS_FORGED}
                self.assertIn(status, expected, f"byte {index} bit {bit}")

    def test_changed_characters(self):
        code = ticket_code.encode(self.priv, 123_456, 1234, 5678, 3)
        alphabet = ticket_code.ALPHABET
        for index, char in enumerate(code):
            changed = code[:index] + alphabet[(alphabet.index(char) + 1) % 32] + code[index + 1:]
            self.assertNotEqual(ticket_code.verify(changed, self.pub).status, ticket_code.STATUS_VALID, index)

    def test_other_venue(self):
        code = ticket_code.encode(ticket_code.generate_private_key(), 42, 7, 3, 1)
        self.assertStatus(code, ticket_code.STATUS_OTHER_VENUE)
        self.assertEqual(ticket_code.decode_unverified(code).ticket_id, 42)

    def test_forged_with_our_key_id(self):
        body = bytes([ticket_code.FORMAT_V1]) + ticket_code.key_id(self.pub) + leb128(42, 7, 3, 1)
        forger = Ed25519PrivateKey.generate()
        self.assertStatus(to_code(body + forger.sign(body)), ticket_code.STATUS_FORGED)
        self.assertStatus(to_code(body + bytes(64)), ticket_code.STATUS_FORGED)
        # A genuine signature over other fields does not transfer.
        genuine = to_bytes(ticket_code.encode(self.priv, 42, 7, 3, 2))
        self.assertStatus(to_code(body + genuine[-64:]), ticket_code.STATUS_FORGED)

    def test_malformed_structure(self):
        kid = ticket_code.key_id(self.pub)
        signer = Ed25519PrivateKey.from_private_bytes(self.priv)
        bodies = [
            bytes([0xC9]) + kid + leb128(42, 7, 3, 1),  # unknown format
            bytes([ticket_code.FORMAT_V1]) + kid + leb128(42, 7, 3),  # missing field
            bytes([ticket_code.FORMAT_V1]) + kid + leb128(0, 7, 3, 1),  # ticket id 0
            bytes([ticket_code.FORMAT_V1]) + kid + leb128(42, 0, 3, 1),  # event id 0
            bytes([ticket_code.FORMAT_V1]) + kid + b"\xaa\x80\x00" + leb128(7, 3, 1),  # non-minimal varint
            bytes([ticket_code.FORMAT_V1]) + kid + b"\xff" * 9 + b"\x01" + leb128(7, 3, 1),  # 70-bit value
        ]
        for body in bodies:
            code = to_code(body + signer.sign(body))  # correctly signed, so only the structure is wrong
            self.assertStatus(code, ticket_code.STATUS_GARBLED)
            self.assertIsNone(ticket_code.decode_unverified(code))
        # Extra bytes between fields and signature.
        body = bytes([ticket_code.FORMAT_V1]) + kid + leb128(42, 7, 3, 1, 9)
        self.assertStatus(to_code(body + signer.sign(body)), ticket_code.STATUS_GARBLED)

    def test_truncated_and_extended(self):
        code = ticket_code.encode(self.priv, 123_456, 1234, 5678, 3)
        for size in range(len(code)):
            self.assertStatus(code[:size], ticket_code.STATUS_GARBLED)
        for suffix in ("0", "00", "S", "A" * 8):
            self.assertStatus(code + suffix, ticket_code.STATUS_GARBLED)
        # Last symbol carries pad bits: a non-zero pad is not the canonical form.
        last = ticket_code.ALPHABET.index(code[-1])
        self.assertStatus(code[:-1] + ticket_code.ALPHABET[last ^ 1], ticket_code.STATUS_GARBLED)

    def test_bad_input(self):
        code = ticket_code.encode(self.priv, 42, 7, 3, 1)
        garbage = [
            None, "", " ", "\r\n", 12345, b"bytes", code.encode(), ["S"], "S" * 124, "0" * 124, "Z" * 168,
            "x" * 100_000, "é" * 124, "🎫" * 40, code + "\x00", "\x00" + code, code[:60] + "#" + code[61:],
            code[:60] + "Ä" + code[61:], code[:60] + "M" + code[61:], code[:60] + "?" + code[61:],
            " " * ticket_code.MAX_INPUT_LEN + code,
        ]
        for raw in garbage:
            self.assertStatus(raw, ticket_code.STATUS_GARBLED)
            self.assertIsNone(ticket_code.decode_unverified(raw))
        # Random symbols rarely even parse (format byte, structure, pad bits) and never verify.
        for size in range(110, 175):
            raw = "S0" + "".join(self.rng.choice(ticket_code.ALPHABET) for _i in range(size))
            self.assertNotEqual(ticket_code.verify(raw, self.pub).status, ticket_code.STATUS_VALID)

    def test_encode_rejects_bad_fields(self):
        for ids in [(0, 1, 0, 0), (1, 0, 0, 0), (-1, 1, 0, 0), (1, 1, -1, 0), (1, 1, 0, -1), (2**63, 1, 0, 0),
                    (True, 1, 0, 0), (1.0, 1, 0, 0), ("1", 1, 0, 0), (None, 1, 0, 0)]:
            with self.assertRaises(ValueError, msg=str(ids)):
                ticket_code.encode(self.priv, *ids)
