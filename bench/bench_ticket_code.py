# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Micro benchmark of the ticket-code codec (no Odoo needed).

Usage: python bench/bench_ticket_code.py [iterations]
"""
import importlib.util
import sys
import time
from pathlib import Path

MODULE_PATH = Path(__file__).resolve().parents[1] / "addons" / "soticket_base" / "tools" / "ticket_code.py"
AZERTY = str.maketrans("1234567890AZ", "&é\"'(-è_çàQW")


def load_codec():
    spec = importlib.util.spec_from_file_location("ticket_code", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(label, func, iterations):
    func()  # warm-up (fills the public-key cache)
    start = time.perf_counter()
    for _i in range(iterations):
        func()
    micros = (time.perf_counter() - start) / iterations * 1e6
    print(f"{label:<40} {micros:8.1f} µs")


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    codec = load_codec()
    priv = codec.generate_private_key()
    pub = codec.public_key_from_private(priv)
    code = codec.encode(priv, 1_234_567, 1234, 5678, 1)
    typed = code.translate(AZERTY).swapcase()
    assert codec.verify(typed, pub).status == codec.STATUS_VALID
    print(f"{iterations} iterations, code length {len(code)}")
    timed("encode", lambda: codec.encode(priv, 1_234_567, 1234, 5678, 1), iterations)
    timed("verify (valid)", lambda: codec.verify(code, pub), iterations)
    timed("verify (AZERTY, caps lock)", lambda: codec.verify(typed, pub), iterations)
    timed("normalize + verify (AZERTY, caps lock)", lambda: codec.verify(codec.normalize(typed), pub), iterations)
    timed("verify (garbled)", lambda: codec.verify("S" + code[1:-1], pub), iterations)


if __name__ == "__main__":
    main()
