# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""A4 documents of titled tables (receipt records, CNM tax summaries), drawn with reportlab.

Pure Python, no Odoo import: takes strings already translated and formatted."""

import io
import unicodedata

from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
MARGIN = 12 * mm
LINE = 5 * mm


def _cp1252(text):
    """The standard PDF fonts draw cp1252 only: decompose or drop the rest (narrow no-break spaces…)."""
    out = []
    for char in str(text if text is not None else ""):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252") or " ")
    return "".join(out)


def _fit(text, font, size, width):
    text = _cp1252(text)
    while text and stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


def render(title, header_lines, tables, footer):
    """``tables``: list of (subtitle, column labels, relative widths, rows, total row or None).
    Returns the PDF bytes (A4 landscape, page numbers in the footer)."""
    buffer = io.BytesIO()
    page_width, page_height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(page_width, page_height), invariant=1)
    pdf.setTitle(_cp1252(title))
    usable = page_width - 2 * MARGIN
    state = {"y": page_height - MARGIN, "page": 1}

    def footer_and_new_page():
        pdf.setFont(REGULAR, 7)
        pdf.drawString(MARGIN, MARGIN / 2, _cp1252(f"{footer} — {state['page']}"))
        pdf.showPage()
        state["page"] += 1
        state["y"] = page_height - MARGIN

    def need(height):
        if state["y"] - height < MARGIN:
            footer_and_new_page()

    def text(value, font=REGULAR, size=9):
        need(LINE)
        pdf.setFont(font, size)
        pdf.drawString(MARGIN, state["y"] - size, _fit(value, font, size, usable))
        state["y"] -= LINE if size < 12 else LINE * 1.6

    def row(cells, widths, font=REGULAR):
        need(LINE)
        pdf.setFont(font, 8)
        x = MARGIN
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            value = _fit(str(cell), font, 8, width - 2)
            if index and str(cell)[:1] in "0123456789-":
                pdf.drawRightString(x + width - 2, state["y"] - 8, value)
            else:
                pdf.drawString(x, state["y"] - 8, value)
            x += width
        state["y"] -= LINE

    text(title, BOLD, 14)
    for line in header_lines:
        text(line)
    for subtitle, labels, weights, rows, total in tables:
        state["y"] -= LINE / 2
        text(subtitle, BOLD, 10)
        widths = [usable * weight / sum(weights) for weight in weights]
        row(labels, widths, BOLD)
        pdf.line(MARGIN, state["y"] + 1, MARGIN + usable, state["y"] + 1)
        for cells in rows:
            row(cells, widths)
        if total:
            pdf.line(MARGIN, state["y"] + 1, MARGIN + usable, state["y"] + 1)
            row(total, widths, BOLD)
    pdf.setFont(REGULAR, 7)
    pdf.drawString(MARGIN, MARGIN / 2, _cp1252(f"{footer} — {state['page']}"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
