# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Tickets at receipt width (80 mm roll, 72 mm printable), one page per ticket, for reprints from the
back office through the browser onto the box-office receipt printer.

Pure Python, no Odoo import: takes soticket_base ``ETicket`` values (strings already translated) and
draws the same mentions as the point-of-sale receipt, with the same QR symbol as the e-ticket.
"""

import io
import unicodedata

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from odoo.addons.soticket_base.tools import eticket_pdf

PAGE_WIDTH = 80 * mm
MARGIN = 4 * mm
QR_SIZE = 46 * mm
REGULAR, BOLD, MONO = "Helvetica", "Helvetica-Bold", "Courier"


def _cp1252(text):
    """The standard PDF fonts draw cp1252 only: decompose or drop the rest (narrow no-break spaces…)."""
    out = []
    for char in str(text or ""):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252") or " ")
    return "".join(out).strip()


def _wrap(text, font, size, width):
    lines, line = [], ""
    for word in _cp1252(text).split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


def _blocks(ticket, extra_lines):
    """(font, size, text, centered) rows of one ticket, top to bottom, the QR code excluded."""
    labels = ticket.labels
    rows = [(BOLD, 10, ticket.venue_name, True)]
    if ticket.venue_address:
        rows.append((REGULAR, 7, ticket.venue_address, True))
    rows += [(BOLD, 12, ticket.event_name, True), (REGULAR, 9, ticket.event_date, True)]
    if ticket.doors_open:
        rows.append((REGULAR, 8, f"{labels.doors_open}: {ticket.doors_open}", True))
    rows += [
        (REGULAR, 9, f"{labels.category}: {ticket.category_name}", False),
        (BOLD, 9, f"{labels.price_paid}: {ticket.price_text}", False),
        (REGULAR, 9, f"{labels.ticket} {ticket.ticket_number}", False),
        (REGULAR, 9, f"{labels.order}: {ticket.order_number}", False),
    ]
    if ticket.holder_name:
        rows.append((REGULAR, 9, f"{labels.holder}: {ticket.holder_name}", False))
    rows += [(REGULAR, 9, line, False) for line in extra_lines]
    return rows


def render_receipt_tickets(tickets, extra_lines=None):
    """PDF bytes: one 80 mm wide page per ``eticket_pdf.ETicket``; ``extra_lines`` maps a ticket's
    index to more lines printed under the mentions (e.g. the invitation reason)."""
    extra_lines = extra_lines or {}
    width = PAGE_WIDTH - 2 * MARGIN
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=1)
    for index, ticket in enumerate(tickets):
        rows = []
        for font, size, text, centered in _blocks(ticket, extra_lines.get(index, [])):
            rows += [(font, size, line, centered) for line in _wrap(text, font, size, width)]
        code_lines = _wrap(" ".join(ticket.code[i:i + 5] for i in range(0, len(ticket.code), 5)), MONO, 7.5, width)
        note_lines = _wrap(ticket.labels.instructions, REGULAR, 6.5, width)
        footer_lines = _wrap(ticket.labels.footer, REGULAR, 6, width)
        height = (2 * MARGIN + sum(size * 1.25 for _f, size, _t, _c in rows) + 4 * mm + QR_SIZE + 3 * mm
                  + len(code_lines) * 7.5 * 1.25 + 3 * mm + len(note_lines) * 6.5 * 1.25
                  + len(footer_lines) * 6 * 1.25)
        pdf.setPageSize((PAGE_WIDTH, height))
        y = height - MARGIN
        for font, size, text, centered in rows:
            y -= size * 1.25
            pdf.setFont(font, size)
            if centered:
                pdf.drawCentredString(PAGE_WIDTH / 2, y, text)
            else:
                pdf.drawString(MARGIN, y, text)
        y -= 4 * mm + QR_SIZE
        matrix = eticket_pdf.qr_matrix(ticket.code)
        module = QR_SIZE / len(matrix)
        left = (PAGE_WIDTH - QR_SIZE) / 2
        path = pdf.beginPath()
        for row_index, row in enumerate(matrix):
            for col_index, dark in enumerate(row):
                if dark:
                    path.rect(left + col_index * module, y + QR_SIZE - (row_index + 1) * module,
                              module * 1.02, module * 1.02)
        pdf.drawPath(path, stroke=0, fill=1)
        y -= 3 * mm
        for font, size, lines in ((MONO, 7.5, code_lines), (REGULAR, 6.5, note_lines), (REGULAR, 6, footer_lines)):
            pdf.setFont(font, size)
            for line in lines:
                y -= size * 1.25
                pdf.drawCentredString(PAGE_WIDTH / 2, y, line)
            y -= 1 * mm
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
