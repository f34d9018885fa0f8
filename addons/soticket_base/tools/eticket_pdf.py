# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""E-ticket PDF renderer: one page per ticket, drawn with reportlab's canvas and a vector QR code.

Pure Python, no Odoo import: the ORM layer builds :class:`ETicket` values whose strings are already
translated and formatted in the buyer's language, and passes them to :func:`render_tickets`.

Every page carries the mentions required on French admission tickets (CGI art. 290 quater): the operator
(venue) name, the order number, the event name, its date and time, the category, the price paid (or
"Exonéré"/"Invitation"), the QR code and the code in text.
"""

import io
import os
import re
import threading
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import qrcode
from qrcode import util as qr_util
from reportlab.lib.colors import HexColor
from reportlab.lib.colors import white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

__all__ = ["LAYOUTS", "PAGE_SIZES", "ETicket", "Labels", "make_qr", "qr_matrix", "render_tickets"]

PAGE_SIZES = {
    "a4": A4,
    # 9:16 portrait, narrow enough that a phone PDF viewer fits it to the screen width with a large QR.
    "phone": (90 * mm, 160 * mm),
}
LAYOUTS = tuple(PAGE_SIZES)

# Compressed output is 2-3x smaller for at most ~2 ms more per PDF (see bench/bench_eticket_pdf.py).
PAGE_COMPRESSION = 1
QR_QUIET_ZONE = 4  # modules of white required around the symbol (ISO/IEC 18004)
QR_ROW_OVERLAP = 0.04  # in modules: 0.2 pt on A4, far below what print gain or a scanner notices

_QR_ALPHANUMERIC = frozenset(qr_util.ALPHA_NUM.decode("ascii"))
_CODE_GROUP = 5  # the code in text is printed in groups of 5 characters, easier to read out or type

INK = HexColor("#16161d")
MUTED = HexColor("#5c5f66")
RULE = HexColor("#c9ccd1")
BAND = HexColor("#16161d")


@dataclass(frozen=True, kw_only=True)
class Labels:
    """Translated captions drawn on the ticket. The defaults are English; callers pass translated ones."""

    order: str = "Order"
    ticket: str = "Ticket"
    category: str = "Category"
    price_paid: str = "Price paid"
    doors_open: str = "Doors open"
    holder: str = "Holder"
    instructions: str = (
        "Present this code at the door, printed or on your phone screen. "
        "Each code admits one person once: do not share or copy it. "
        "Keep this ticket until the end of the event."
    )
    footer: str = "Ticket issued in accordance with article 290 quater of the French General Tax Code (CGI)."


@dataclass(frozen=True, kw_only=True)
class ETicket:
    """One admission ticket, with every string already translated and formatted for the buyer.

    ``labels`` may be a :class:`Labels` or a mapping of its field names (converted on creation).
    """

    venue_name: str
    venue_address: str
    order_number: str
    ticket_number: str
    event_name: str
    event_date: str
    category_name: str
    price_text: str
    code: str
    doors_open: str = ""
    holder_name: str = ""
    labels: Labels = field(default_factory=Labels)

    # CGI art. 290 quater mentions: a ticket missing one of them must not be issued.
    _REQUIRED = ("venue_name", "order_number", "event_name", "event_date", "category_name", "price_text", "code")

    def __post_init__(self):
        if isinstance(self.labels, Mapping):
            object.__setattr__(self, "labels", Labels(**self.labels))
        missing = [name for name in self._REQUIRED if not str(getattr(self, name) or "").strip()]
        if missing:
            raise ValueError(f"E-ticket is missing mandatory mention(s): {', '.join(missing)}")
        _check_code(self.code)


def _check_code(code):
    invalid = set(code) - _QR_ALPHANUMERIC
    if invalid:
        raise ValueError(f"Ticket code must use the QR alphanumeric charset, got {''.join(sorted(invalid))!r}")


def make_qr(code):
    """Return the compiled :class:`qrcode.QRCode` for ``code``: error correction M, one alphanumeric segment.

    The mode is forced so the symbol does not depend on qrcode's segment optimiser (which would switch to
    numeric mode for long digit runs).
    """
    _check_code(code)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(qr_util.QRData(code.encode("ascii"), mode=qr_util.MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr


def qr_matrix(code):
    """Module matrix of the QR code drawn for ``code`` (rows top to bottom, True = dark), quiet zone excluded."""
    return tuple(tuple(bool(m) for m in row) for row in make_qr(code).modules)


# ---------------------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------------------

# The 14 standard PDF fonts are WinAnsi-only: they render French accents, "€" and "« »", but not the narrow
# no-break space CLDR uses as French thousands separator ("1 234,00 €") nor non-Latin-1 holder names.
# DejaVu covers both and ships with most Linux distributions; reportlab embeds only the used glyphs.
_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype/ttf-dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu-sans-mono-fonts",
    "/usr/local/share/fonts",
    "/usr/local/share/fonts/dejavu",
    "/Library/Fonts",
    os.path.expanduser("~/.fonts"),
    os.path.expanduser("~/.local/share/fonts"),
)


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    mono: str
    unicode: bool  # False: standard WinAnsi fonts, text must be reduced to cp1252


_fonts_cache = None
_fonts_lock = threading.Lock()


def _find_font(filename):
    for directory in _FONT_DIRS:
        path = os.path.join(directory, filename)
        if os.path.isfile(path):
            return path
    return None


def _register(name, filename):
    if name in pdfmetrics.getRegisteredFontNames():
        return True
    path = _find_font(filename)
    if not path:
        return False
    try:
        pdfmetrics.registerFont(TTFont(name, path))
    except Exception:
        return False
    return True


def _get_fonts():
    global _fonts_cache  # noqa: PLW0603
    if _fonts_cache is None:
        with _fonts_lock:
            if _fonts_cache is None:
                regular, bold = "SoTicketSans", "SoTicketSans-Bold"
                if _register(regular, "DejaVuSans.ttf") and _register(bold, "DejaVuSans-Bold.ttf"):
                    unicode = True
                else:
                    regular, bold, unicode = "Helvetica", "Helvetica-Bold", False
                # The code is ASCII, Courier is a fine fallback whatever the text fonts.
                mono = "SoTicketMono" if _register("SoTicketMono", "DejaVuSansMono.ttf") else "Courier"
                _fonts_cache = _Fonts(regular, bold, mono, unicode)
    return _fonts_cache


def _winansi(text):
    """Reduce ``text`` to what the standard (cp1252) fonts can draw: NFKD-decompose, else replace by '?'."""
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(decomposed or "?")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Text layout
# ---------------------------------------------------------------------------------------------------------

# Break on ASCII spaces only: reportlab's simpleSplit uses str.split(), which also breaks on the (narrow)
# no-break spaces of formatted prices ("25,00 €"). French typography also forbids a break after "«" or
# before "»", ":", ";", "!", "?", which event names typed with plain spaces would otherwise get.
_BREAKABLE = re.compile(r"(?<![«“(\[])[ \t]+(?![»”:;!?€%)\]])")
_ELLIPSIS = "…"
LEADING = 1.22


def _wrap(text, font, size, width):
    width_of = pdfmetrics.stringWidth
    lines = []
    for paragraph in text.splitlines():
        line = ""
        for token in _BREAKABLE.split(paragraph.strip()):
            if not token:
                continue
            word = token
            candidate = f"{line} {word}" if line else word
            if width_of(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and width_of(word, font, size) > width:  # a token wider than the box
                cut = _fitting_prefix(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fitting_prefix(text, font, size, width):
    total = 0.0
    for index, char in enumerate(text):
        total += pdfmetrics.stringWidth(char, font, size)
        if total > width:
            return max(index, 1)
    return len(text)


def _ellipsize(text, font, size, width):
    while text and pdfmetrics.stringWidth(text + _ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + _ELLIPSIS


class _Painter:
    """Canvas plus the fonts and the text helpers shared by both layouts.

    In ``dry`` mode nothing is drawn but every helper returns the same geometry, so a layout can measure a
    block before choosing where to put it.
    """

    def __init__(self, c, fonts):
        self.c = c
        self.fonts = fonts
        self.dry = False

    def clean(self, text):
        text = str(text or "").strip()  # str(): tolerate lazy translations
        return text if self.fonts.unicode else _winansi(text)

    def fit(self, text, font, size, min_size, width, max_lines):
        """Wrap ``text`` in ``width``, shrinking from ``size`` down to ``min_size`` to stay within ``max_lines``.

        Text still too long at ``min_size`` is cut with an ellipsis (only absurd inputs get there).
        """
        text = self.clean(text)
        while True:
            lines = _wrap(text, font, size, width)
            if len(lines) <= max_lines or size <= min_size:
                break
            size = max(min_size, size - 0.5)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = _ellipsize(lines[-1], font, size, width)
        return size, lines

    def fit_title(self, text, size, size_short, min_size, width, short_lines, max_lines):
        """Bold title: shrink to ``size_short`` to stay within ``short_lines``, only then wrap up to ``max_lines``."""
        fitted = self.fit(text, self.fonts.bold, size, size_short, width, short_lines)
        if len(_wrap(self.clean(text), self.fonts.bold, fitted[0], width)) <= short_lines:
            return fitted
        return self.fit(text, self.fonts.bold, size_short, min_size, width, max_lines)

    def lines(self, lines, x, top, font, size, color=INK, align="left", leading=LEADING):
        """Draw ``lines`` with the first line box starting at ``top``; return the y below the last line."""
        if not self.dry:
            c = self.c
            c.setFillColor(color)
            c.setFont(font, size)
            draw = {"center": c.drawCentredString, "right": c.drawRightString}.get(align, c.drawString)
            baseline = top - size * 0.93
            for line in lines:
                draw(x, baseline, line)
                baseline -= size * leading
        return top - len(lines) * size * leading

    def text(self, text, x, top, width, font, size, min_size=None, max_lines=1, color=INK, align="left"):
        size, lines = self.fit(text, font, size, min_size or size, width, max_lines)
        return self.lines(lines, x, top, font, size, color=color, align=align)

    def field(self, x, top, width, label, value, size, align="left"):
        """Small muted caption above a bold value; return the y below the value."""
        y = self.text(label, x, top, width, self.fonts.regular, size * 0.66, max_lines=1, color=MUTED, align=align)
        return self.text(value, x, y - size * 0.1, width, self.fonts.bold, size, size * 0.7, 3, align=align)

    def field_row(self, x, top, width, cells, size, gutter, align="left"):
        """Lay out (label, value) cells side by side; empty values are skipped and the rest share the width."""
        cells = [(label, value) for label, value in cells if (value or "").strip()]
        if not cells:
            return top
        share = (width - gutter * (len(cells) - 1)) / len(cells)
        widths = [share] * len(cells)
        if len(cells) == 2:
            # Equal columns keep the rows aligned; when a value overflows its half, the other cell shrinks
            # to its natural width if that leaves it more room ("Tarif réduit — étudiants…" next to "8,00 €").
            natural = [self.natural_width(label, value, size) for label, value in cells]
            if max(natural) > share and min(natural) < share:
                short = natural.index(min(natural))
                widths[short] = natural[short]
                widths[1 - short] = width - gutter - natural[short]
        bottom, cell_x = top, x
        for (label, value), cell_width in zip(cells, widths, strict=True):
            anchor = cell_x + (cell_width / 2 if align == "center" else 0)
            bottom = min(bottom, self.field(anchor, top, cell_width, label, value, size, align))
            cell_x += cell_width + gutter
        return bottom

    def natural_width(self, label, value, size):
        return max(pdfmetrics.stringWidth(self.clean(label), self.fonts.regular, size * 0.66),
                   pdfmetrics.stringWidth(self.clean(value), self.fonts.bold, size))

    def inline_field(self, x, top, width, label, value, size, min_size, align="left"):
        """Muted label then bold value on one line ("Doors open 19:30"), shrunk to fit; return the y below."""
        regular, bold = self.fonts.regular, self.fonts.bold
        label, value = self.clean(label), self.clean(value)
        width_of = pdfmetrics.stringWidth
        while True:
            gap = size * 0.4
            label_width = width_of(label, regular, size)
            if label_width + gap + width_of(value, bold, size) <= width or size <= min_size:
                break
            size = max(min_size, size - 0.5)
        if label_width + gap + width_of(value, bold, size) > width:
            value = _ellipsize(value, bold, size, max(width - label_width - gap, 0))
        total = label_width + gap + width_of(value, bold, size)
        start = {"center": x - total / 2, "right": x - total}.get(align, x)
        self.lines([label], start, top, regular, size, MUTED)
        return self.lines([value], start + label_width + gap, top, bold, size, INK)

    def code_lines(self, code, width, size, max_lines):
        """Split the code in groups, balanced over as few lines as fit ``width`` at ``size`` (shrinking if needed)."""
        groups = [code[i:i + _CODE_GROUP] for i in range(0, len(code), _CODE_GROUP)]
        advance = pdfmetrics.stringWidth("0", self.fonts.mono, 1.0)  # monospace: one advance for all
        while True:
            # n groups take n * GROUP characters plus n - 1 separating spaces.
            per_line = max(1, int((width / (size * advance) + 1) // (_CODE_GROUP + 1)))
            line_count = -(-len(groups) // per_line)
            if line_count <= max_lines or size <= 4:
                break
            size -= 0.25
        per_line = -(-len(groups) // line_count)  # balance the lines
        return size, [" ".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line)]

    def qr(self, matrix, x, y, size):
        """Draw ``matrix`` as vector modules, lower-left corner at (x, y), ``size`` points wide (no quiet zone).

        Drawn in module units (1 unit = 1 module, y pointing down), each horizontal run of dark modules merged
        into one rectangle: ~3x fewer operators than one rectangle per module, and no bitmap to resample.
        Runs overlap the row below by QR_ROW_OVERLAP so anti-aliasing viewers show no hairline between rows.
        """
        if self.dry:
            return
        c = self.c
        count = len(matrix)
        module = size / count
        c.saveState()
        c.setFillColor(INK)
        c.transform(module, 0, 0, -module, x, y + size)
        path = c.beginPath()
        height = 1 + QR_ROW_OVERLAP
        for row_index, row in enumerate(matrix):
            col = 0
            while col < count:
                if row[col]:
                    start = col
                    while col < count and row[col]:
                        col += 1
                    path.rect(start, row_index, col - start, height)
                else:
                    col += 1
        # Non-zero winding: the overlaps must add up, even-odd (reportlab's default) would punch them out.
        c.drawPath(path, stroke=0, fill=1, fillMode=canvas.FILL_NON_ZERO)
        c.restoreState()


# ---------------------------------------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------------------------------------


def _draw_a4(p, ticket, matrix):
    """A4 portrait: a ticket card (main part + QR stub behind a perforation), then instructions and footer."""
    c, fonts, labels = p.c, p.fonts, ticket.labels
    page_width, page_height = PAGE_SIZES["a4"]
    margin = 15 * mm
    card_x, card_width, card_top = margin, page_width - 2 * margin, page_height - margin
    stub_width = 78 * mm
    main_width = card_width - stub_width
    perforation_x = card_x + main_width
    pad = 7 * mm
    radius = 3 * mm
    text_x, text_width = card_x + pad, main_width - 2 * pad

    # Operator band across the main part, its top-left corner following the card's rounded one.
    size, lines = p.fit(ticket.venue_name, fonts.bold, 11, 8, text_width, 2)
    band_height = len(lines) * size * LEADING + 6 * mm
    c.saveState()
    clip = c.beginPath()
    clip.roundRect(card_x, card_top - 2 * band_height, card_width, 2 * band_height, radius)
    c.clipPath(clip, stroke=0, fill=0)
    c.setFillColor(BAND)
    c.rect(card_x, card_top - band_height, main_width, band_height, stroke=0, fill=1)
    c.restoreState()
    p.lines(lines, text_x, card_top - 3 * mm, fonts.bold, size, white)

    # Main part, top-down.
    y = card_top - band_height - 6 * mm
    size, lines = p.fit_title(ticket.event_name, 26, 18, 13, text_width, 3, 6)
    y = p.lines(lines, text_x, y, fonts.bold, size, leading=1.12) - 2.5 * mm
    y = p.text(ticket.event_date, text_x, y, text_width, fonts.bold, 14, 10, 2)
    if ticket.doors_open.strip():
        y = p.inline_field(text_x, y - 0.5 * mm, text_width, labels.doors_open, ticket.doors_open, 10, 7.5)
    if ticket.venue_address.strip():
        y = p.text(ticket.venue_address, text_x, y - 1.5 * mm, text_width, fonts.regular, 9.5, 7.5, 2, MUTED)
    y -= 4.5 * mm
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(text_x, y, text_x + text_width, y)
    y -= 4 * mm
    gutter = 5 * mm
    y = p.field_row(text_x, y, text_width, [(labels.category, ticket.category_name),
                                           (labels.price_paid, ticket.price_text)], 13, gutter)
    if ticket.holder_name.strip():
        y = p.field_row(text_x, y - 3 * mm, text_width, [(labels.holder, ticket.holder_name)], 11, gutter)
    y = p.field_row(text_x, y - 3 * mm, text_width, [(labels.order, ticket.order_number),
                                                    (labels.ticket, ticket.ticket_number)], 11, gutter)
    main_height = card_top - y + pad - 1 * mm

    # Stub: the QR with its quiet zone, then the code in text, centered in the card height.
    qr_size = stub_width - 2 * pad - 2 * mm
    quiet = QR_QUIET_ZONE * qr_size / len(matrix)
    code_size, code_lines = p.code_lines(ticket.code, stub_width - 2 * pad, 7.5, 4)
    group_height = qr_size + quiet + len(code_lines) * code_size * LEADING
    card_height = max(main_height, group_height + 2 * max(pad, quiet))
    card_bottom = card_top - card_height
    qr_top = card_top - (card_height - group_height) / 2
    p.qr(matrix, perforation_x + (stub_width - qr_size) / 2, qr_top - qr_size, qr_size)
    p.lines(code_lines, perforation_x + stub_width / 2, qr_top - qr_size - quiet, fonts.mono, code_size,
            align="center")

    c.setStrokeColor(INK)
    c.setLineWidth(0.9)
    c.roundRect(card_x, card_bottom, card_width, card_height, radius, stroke=1, fill=0)

    # Perforation: two notches cut in the card edge and a dashed tear line between them.
    notch = 3 * mm
    c.saveState()
    clip = c.beginPath()
    clip.rect(card_x, card_bottom, card_width, card_height)
    c.clipPath(clip, stroke=0, fill=0)
    c.setFillColor(white)
    c.circle(perforation_x, card_top, notch, stroke=1, fill=1)
    c.circle(perforation_x, card_bottom, notch, stroke=1, fill=1)
    c.restoreState()
    c.saveState()
    c.setStrokeColor(MUTED)
    c.setLineWidth(0.7)
    c.setDash(3, 3)
    c.line(perforation_x, card_top - notch - 2 * mm, perforation_x, card_bottom + notch + 2 * mm)
    c.restoreState()

    # Below the card: what to do with the ticket; the legal footer sits at the page bottom.
    p.text(labels.instructions, card_x + 1 * mm, card_bottom - 8 * mm, card_width - 2 * mm, fonts.regular, 10, 8, 8)
    size, lines = p.fit(labels.footer, fonts.regular, 7.5, 6, card_width, 6)
    top = margin + len(lines) * size * LEADING
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(card_x, top + 2.5 * mm, card_x + card_width, top + 2.5 * mm)
    p.lines(lines, page_width / 2, top, fonts.regular, size, MUTED, align="center")


def _draw_phone(p, ticket, matrix):
    """Phone: centered and compact, the QR taking all the height the text leaves."""
    c, fonts, labels = p.c, p.fonts, ticket.labels
    page_width, page_height = PAGE_SIZES["phone"]
    margin = 5 * mm
    width = page_width - 2 * margin
    center = page_width / 2

    size, lines = p.fit(ticket.venue_name, fonts.bold, 9, 6.5, width, 2)
    band_height = len(lines) * size * LEADING + 5 * mm
    c.setFillColor(BAND)
    c.rect(0, page_height - band_height, page_width, band_height, stroke=0, fill=1)
    p.lines(lines, center, page_height - 2.5 * mm, fonts.bold, size, white, align="center")

    y = page_height - band_height - 4 * mm
    size, lines = p.fit_title(ticket.event_name, 17, 13, 9, width, 3, 5)
    y = p.lines(lines, center, y, fonts.bold, size, align="center", leading=1.12) - 1.5 * mm
    y = p.text(ticket.event_date, center, y, width, fonts.bold, 11, 8, 2, align="center")
    if ticket.doors_open.strip():
        y = p.inline_field(center, y, width, labels.doors_open, ticket.doors_open, 8, 6.5, align="center")
    qr_region_top = y - 1 * mm

    # The block under the QR is measured dry first, then drawn against the bottom margin.
    p.dry = True
    try:
        block_height = -_phone_bottom_block(p, ticket, 0.0, width, center)
    finally:
        p.dry = False
    block_top = margin + block_height
    _phone_bottom_block(p, ticket, block_top, width, center)

    code_size, code_lines = p.code_lines(ticket.code, width, 6, 4)
    code_height = len(code_lines) * code_size * LEADING
    available = qr_region_top - block_top - code_height - 2 * mm
    module = min(width + 2 * margin, available) / (len(matrix) + 2 * QR_QUIET_ZONE)
    qr_size = module * len(matrix)
    quiet = module * QR_QUIET_ZONE
    p.qr(matrix, center - qr_size / 2, qr_region_top - quiet - qr_size, qr_size)
    p.lines(code_lines, center, qr_region_top - 2 * quiet - qr_size, fonts.mono, code_size, align="center")


def _phone_bottom_block(p, ticket, top, width, center):
    """Fields, address, instructions and legal footer of the phone layout; return the y below them."""
    fonts, labels, c = p.fonts, ticket.labels, p.c
    gutter = 3 * mm
    y = p.field_row(center - width / 2, top, width, [(labels.category, ticket.category_name),
                                                     (labels.price_paid, ticket.price_text)], 10, gutter)
    if ticket.holder_name.strip():
        y = p.field_row(center - width / 2, y - 1.5 * mm, width, [(labels.holder, ticket.holder_name)], 9, gutter)
    y = p.field_row(center - width / 2, y - 1.5 * mm, width, [(labels.order, ticket.order_number),
                                                             (labels.ticket, ticket.ticket_number)], 9, gutter)
    if ticket.venue_address.strip():
        y = p.text(ticket.venue_address, center - width / 2, y - 2 * mm, width, fonts.regular, 7, 5.5, 2, MUTED)
    y -= 2 * mm
    if not p.dry:
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(center - width / 2, y, center + width / 2, y)
    y = p.text(labels.instructions, center, y - 2 * mm, width, fonts.regular, 6.5, 5, 4, INK, align="center")
    return p.text(labels.footer, center, y - 1.5 * mm, width, fonts.regular, 5.5, 4.5, 5, MUTED, align="center")


_DRAWERS = {"a4": _draw_a4, "phone": _draw_phone}


def render_tickets(tickets: Sequence[ETicket], layout: str = "a4") -> bytes:
    """Render ``tickets`` as one PDF with one page per ticket, in order.

    :param tickets: the tickets to print, typically those of one order.
    :param layout: ``"a4"`` (printable A4 portrait) or ``"phone"`` (90 x 160 mm, QR as large as possible).
    :return: the PDF document.
    """
    if layout not in _DRAWERS:
        raise ValueError(f"Unknown e-ticket layout {layout!r}, expected one of {', '.join(LAYOUTS)}")
    tickets = list(tickets)
    if not tickets:
        raise ValueError("At least one ticket is required to render an e-ticket PDF")
    draw = _DRAWERS[layout]
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=PAGE_SIZES[layout], pageCompression=PAGE_COMPRESSION)
    painter = _Painter(c, _get_fonts())
    c.setCreator("SoTicket")
    c.setAuthor(painter.clean(tickets[0].venue_name))
    if len({ticket.event_name for ticket in tickets}) == 1:
        c.setTitle(painter.clean(tickets[0].event_name))
    for ticket in tickets:
        draw(painter, ticket, qr_matrix(ticket.code))
        c.showPage()
    c.save()
    return buffer.getvalue()
