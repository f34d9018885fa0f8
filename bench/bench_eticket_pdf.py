# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Benchmark of the e-ticket PDF renderer, without Odoo.

    .venv/bin/python bench/bench_eticket_pdf.py [--runs 7] [--compare-compression]

Prints the median time per page for a 1-ticket and a 50-ticket PDF, for each layout.
"""

import argparse
import importlib.util
import random
import statistics
import time
from pathlib import Path

MODULE_PATH = Path(__file__).resolve().parent.parent / "addons/soticket_base/tools/eticket_pdf.py"
CODE_ALPHABET = "0123456789ABCDEFGHIJKLNPRSTUVXYZ"


def load_module():
    spec = importlib.util.spec_from_file_location("eticket_pdf", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_tickets(module, count, rng):
    return [
        module.ETicket(
            venue_name="La Sirène — SMAC La Rochelle",
            venue_address="111 boulevard Émile Delmas, 17000 La Rochelle",
            order_number=f"SIR-2026-{457 + index // 4:06d}",
            ticket_number=f"{912 + index:06d}",
            event_name="Feu! Chatterton « Labyrinthe Tour » + 1ʳᵉ partie",
            event_date="Jeudi 12 mars 2026 à 20:30",
            doors_open="19:30",
            category_name="Plein tarif",
            price_text="25,00\u00a0€",
            holder_name="Élodie Lefèvre",
            code="".join(rng.choice(CODE_ALPHABET) for _ in range(125)),
        )
        for index in range(count)
    ]


def measure(module, tickets, layout, runs):
    """Median seconds per call; each run uses fresh codes so nothing is cached between runs."""
    timings = []
    size = 0
    for ticket_set in tickets[:runs]:
        start = time.perf_counter()
        data = module.render_tickets(ticket_set, layout)
        timings.append(time.perf_counter() - start)
        size = len(data)
    return statistics.median(timings), size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compare-compression", action="store_true", help="also time uncompressed pages")
    args = parser.parse_args()

    module = load_module()
    rng = random.Random(2026)
    module.render_tickets(make_tickets(module, 1, rng), "a4")  # warm-up: font registration, imports
    settings = [module.PAGE_COMPRESSION, 1 - module.PAGE_COMPRESSION] if args.compare_compression else [
        module.PAGE_COMPRESSION]

    qr_times = []
    for ticket in make_tickets(module, 20, rng):
        start = time.perf_counter()
        module.qr_matrix(ticket.code)
        qr_times.append(time.perf_counter() - start)
    print(f"qr_matrix alone: {statistics.median(qr_times) * 1000:.2f} ms per code")

    for compression in settings:
        module.PAGE_COMPRESSION = compression
        print(f"pageCompression={compression}")
        for layout in module.LAYOUTS:
            for count in (1, 50):
                ticket_sets = [make_tickets(module, count, rng) for _ in range(args.runs)]
                seconds, size = measure(module, ticket_sets, layout, args.runs)
                print(f"  {layout:<5} {count:>2} ticket(s): {seconds * 1000 / count:6.2f} ms/page "
                      f"({seconds * 1000:7.1f} ms/PDF, {size / 1024:6.1f} KiB, median of {args.runs})")


if __name__ == "__main__":
    main()
