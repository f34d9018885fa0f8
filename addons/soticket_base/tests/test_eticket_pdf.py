# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import io
import random
import re
import shutil
import subprocess
import tempfile
from unittest.mock import patch

import qrcode
from PIL import Image
from PIL import ImageDraw
from qrcode import util as qr_util
from reportlab.lib.units import mm

from odoo.addons.soticket_base.tools import eticket_pdf
from odoo.addons.soticket_base.tools.eticket_pdf import ETicket
from odoo.addons.soticket_base.tools.eticket_pdf import Labels
from odoo.addons.soticket_base.tools.eticket_pdf import make_qr
from odoo.addons.soticket_base.tools.eticket_pdf import qr_matrix
from odoo.addons.soticket_base.tools.eticket_pdf import render_tickets
from odoo.tests import BaseCase
from odoo.tools.pdf import PdfFileReader

CODE_ALPHABET = "0123456789ABCDEFGHIJKLNPRSTUVXYZ"

FRENCH_LABELS = Labels(
    order="Commande",
    ticket="Billet",
    category="Catégorie",
    price_paid="Prix payé",
    doors_open="Ouverture des portes",
    holder="Titulaire",
    instructions="Présentez ce code à l'entrée, imprimé ou sur votre téléphone.",
    footer="Billet émis par La Sirène — SMAC La Rochelle — CGI art. 290 quater",
)


def make_ticket(rng, **values):
    values = {
        "venue_name": "La Sirène — SMAC La Rochelle",
        "venue_address": "111 boulevard Émile Delmas, 17000 La Rochelle",
        "order_number": "SIR-2026-000457",
        "ticket_number": f"{rng.randrange(10 ** 6):06d}",
        "event_name": "Feu! Chatterton « Labyrinthe Tour »",
        "event_date": "Jeudi 12 mars 2026 à 20:30",
        "doors_open": "19:30",
        "category_name": "Plein tarif",
        "price_text": "25,00\u00a0€",
        "holder_name": "Élodie Lefèvre-Çaglar",
        "code": "".join(rng.choice(CODE_ALPHABET) for _ in range(125)),
        "labels": FRENCH_LABELS,
        **values,
    }
    return ETicket(**values)


def read_pdf(data):
    return PdfFileReader(io.BytesIO(data))


def page_text(page):
    """Extracted text with whitespace runs (line breaks of wrapped text, no-break spaces) folded to one space."""
    return " ".join(page.extract_text().split())


# The QR is drawn in module units: "a 0 0 -a e f cm" (y pointing down), then one "x y w h re" per dark run.
QR_DRAWING = re.compile(
    rb"([\d.]+) 0 0 -([\d.]+) ([\d.]+) ([\d.]+) cm\s+(?:n\s+)?((?:\d+ \d+ \d+ [\d.]+ re\s+)+)f\b"
)
QR_RUN = re.compile(rb"(\d+) (\d+) (\d+) ([\d.]+) re")


def drawn_qr(page):
    """Return (module size in points, module matrix) of the single QR drawn on ``page``."""
    drawings = QR_DRAWING.findall(page.get_contents().get_data())
    assert len(drawings) == 1, f"expected one QR code on the page, found {len(drawings)}"
    module, _, _, _, runs = drawings[0]
    runs = [tuple(int(v) for v in run[:3]) for run in QR_RUN.findall(runs)]
    count = max(row for _, row, _ in runs) + 1
    matrix = [[False] * count for _ in range(count)]
    for col, row, width in runs:
        for c in range(col, col + width):
            matrix[row][c] = True
    return float(module), tuple(tuple(row) for row in matrix)


def read_qr(matrix):
    """Read the QR symbol with zbarimg (Debian zbar-tools), as a door scanner reads an image of it.

    The module matrix is drawn at 4 pixels a module inside the 4-module quiet zone ISO/IEC 18004 asks for.
    Returns (text, error correction level read from the symbol's format information).
    """
    zbarimg = shutil.which("zbarimg")
    if not zbarimg:
        raise AssertionError("zbarimg is required to read the QR codes (Debian zbar-tools; `make test` installs it)")
    n, scale, quiet = len(matrix), 4, 4
    image = Image.new("1", ((n + 2 * quiet) * scale,) * 2, 1)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + quiet) * scale, (r + quiet) * scale
                draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    with tempfile.NamedTemporaryFile(suffix=".png") as png:
        image.save(png.name)
        res = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png.name],
                             capture_output=True, text=True, check=False)
    if res.returncode:
        raise AssertionError(f"zbarimg could not read the QR code ({res.returncode}): {res.stderr.strip()}")
    # Format information, vertical copy along column 8: 2 bits of EC level after unmasking.
    rows = [*range(6), 7, 8, *range(n - 7, n)]
    format_bits = sum(matrix[r][8] << i for i, r in enumerate(rows)) ^ 0b101010000010010
    error_correction = {0: qrcode.constants.ERROR_CORRECT_M, 1: qrcode.constants.ERROR_CORRECT_L,
                        2: qrcode.constants.ERROR_CORRECT_H, 3: qrcode.constants.ERROR_CORRECT_Q}[format_bits >> 13]
    return res.stdout.removesuffix("\n"), error_correction


class TestEticketPdf(BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = random.Random(2026)
        cls.tickets = [
            make_ticket(rng),
            make_ticket(rng, category_name="Invitation", price_text="Exonéré", holder_name="", doors_open=""),
            make_ticket(rng, category_name="Tarif réduit", price_text="12,00\u00a0€"),
            # Longest code ticket_code can produce (9-byte ids): 168 characters, a version 7 symbol.
            make_ticket(rng, code="S" + "".join(rng.choice(CODE_ALPHABET) for _ in range(167))),
        ]

    def test_one_page_per_ticket(self):
        for layout in eticket_pdf.LAYOUTS:
            for count in (1, 3):
                with self.subTest(layout=layout, count=count):
                    pdf = read_pdf(render_tickets(self.tickets[:count], layout))
                    self.assertEqual(len(pdf.pages), count)

    def test_page_size(self):
        expected = {"a4": (210 * mm, 297 * mm), "phone": (90 * mm, 160 * mm)}
        for layout, (width, height) in expected.items():
            for page in read_pdf(render_tickets(self.tickets, layout)).pages:
                with self.subTest(layout=layout):
                    self.assertAlmostEqual(float(page.mediabox.width), width, delta=0.5)
                    self.assertAlmostEqual(float(page.mediabox.height), height, delta=0.5)

    def test_legal_mentions_on_every_page(self):
        """CGI art. 290 quater: operator, order number, event, date and time, category, price, code."""
        for layout in eticket_pdf.LAYOUTS:
            pdf = read_pdf(render_tickets(self.tickets, layout))
            for ticket, page in zip(self.tickets, pdf.pages, strict=True):
                with self.subTest(layout=layout, ticket=ticket.ticket_number):
                    text = page_text(page)
                    for mention in (ticket.venue_name, ticket.order_number, ticket.ticket_number, ticket.event_name,
                                    ticket.event_date, ticket.category_name, ticket.price_text,
                                    ticket.labels.footer, ticket.labels.order, ticket.labels.price_paid):
                        self.assertIn(" ".join(mention.split()), text)
                    # The code is printed in groups of characters: compare without the spaces.
                    self.assertIn(ticket.code, "".join(text.split()))
                    if ticket.holder_name:
                        self.assertIn(ticket.holder_name, text)
                    else:
                        self.assertNotIn(ticket.labels.holder, text)

    def test_long_texts_are_wrapped_not_cut(self):
        ticket = make_ticket(
            random.Random(1),
            event_name="Festival des Nuits Électriques : soirée de clôture avec l'Orchestre National de Jazz, "
                       "Émilie Simon et Bertrand Belin",
            category_name="Tarif réduit — étudiants, demandeurs d'emploi, moins de 26 ans",
            price_text="1\u202f234,00\u00a0€",
            holder_name="Zbigniew Łukaszewicz-Żółkiewski",
        )
        for layout in eticket_pdf.LAYOUTS:
            with self.subTest(layout=layout):
                text = page_text(read_pdf(render_tickets([ticket], layout)).pages[0])
                self.assertIn(" ".join(ticket.event_name.split()), text)
                self.assertIn(ticket.category_name, text)
                self.assertIn(ticket.holder_name, text)
                self.assertIn("1 234,00 €", text)
                self.assertNotIn("…", text)

    def test_qr_code_decodes_to_ticket_code(self):
        for layout in eticket_pdf.LAYOUTS:
            pdf = read_pdf(render_tickets(self.tickets, layout))
            for ticket, page in zip(self.tickets, pdf.pages, strict=True):
                with self.subTest(layout=layout, ticket=ticket.ticket_number):
                    _module, matrix = drawn_qr(page)
                    text, error_correction = read_qr(matrix)
                    self.assertEqual(text, ticket.code)
                    self.assertEqual(error_correction, qrcode.constants.ERROR_CORRECT_M)

    def test_qr_matrix_is_qrcode_matrix(self):
        """The drawn modules are exactly qrcode's symbol: alphanumeric mode, EC level M, smallest version."""
        code = self.tickets[0].code
        expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        expected.add_data(qr_util.QRData(code.encode(), mode=qr_util.MODE_ALPHA_NUM))
        expected.make(fit=True)
        expected_matrix = tuple(tuple(row) for row in expected.modules)

        self.assertEqual(qr_matrix(code), expected_matrix)
        _module, drawn = drawn_qr(read_pdf(render_tickets(self.tickets[:1], "a4")).pages[0])
        self.assertEqual(drawn, expected_matrix)

        qr = make_qr(code)
        self.assertEqual([segment.mode for segment in qr.data_list], [qr_util.MODE_ALPHA_NUM])
        self.assertEqual(qr.error_correction, qrcode.constants.ERROR_CORRECT_M)
        # 125 alphanumeric characters: version 5-M holds 122, version 6-M 154.
        self.assertEqual(qr.version, 6)
        self.assertEqual(len(qr_matrix("A" * 154)), 41)

    def test_qr_is_large(self):
        """Big enough to scan off a phone screen or a cheap print: at least 45 mm wide on both layouts."""
        for layout in eticket_pdf.LAYOUTS:
            with self.subTest(layout=layout):
                module, matrix = drawn_qr(read_pdf(render_tickets(self.tickets[:1], layout)).pages[0])
                self.assertGreaterEqual(module * len(matrix), 45 * mm)

    def test_standard_fonts_fallback(self):
        """Without DejaVu on the system, text is reduced to WinAnsi instead of drawing missing glyphs."""
        fonts = eticket_pdf._Fonts("Helvetica", "Helvetica-Bold", "Courier", unicode=False)
        ticket = make_ticket(random.Random(3), price_text="1\u202f234,00\u00a0€", holder_name="Łukasz Żółw")
        with patch.object(eticket_pdf, "_get_fonts", return_value=fonts):
            pdf = read_pdf(render_tickets([ticket], "a4"))
        text = page_text(pdf.pages[0])
        for mention in ("La Sirène — SMAC La Rochelle", "Catégorie", "Jeudi 12 mars 2026 à 20:30", "« Labyrinthe",
                        "1 234,00 €", "?ukasz Zó?w"):
            self.assertIn(mention, text)

    def test_labels_as_mapping(self):
        ticket = make_ticket(random.Random(4), labels={"order": "Commande", "price_paid": "Prix payé"})
        self.assertIsInstance(ticket.labels, Labels)
        self.assertEqual(ticket.labels.order, "Commande")
        self.assertEqual(ticket.labels.category, Labels().category)

    def test_invalid_input(self):
        rng = random.Random(5)
        for field in ("venue_name", "order_number", "event_name", "event_date", "category_name", "price_text",
                      "code"):
            with self.subTest(field=field), self.assertRaises(ValueError):
                make_ticket(rng, **{field: " "})
        with self.assertRaises(ValueError):
            make_ticket(rng, code="abc-lowercase")
        with self.assertRaises(ValueError):
            render_tickets([], "a4")
        with self.assertRaises(ValueError):
            render_tickets(self.tickets[:1], "letter")
