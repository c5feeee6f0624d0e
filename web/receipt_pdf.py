"""A receipt as a one-page PDF (fpdf2), in DejaVu Sans for the Vietnamese letters."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.receipt import REVERSED_MARK, Receipt, format_date, format_time

# Debian's fonts-dejavu-core; the runtime installs it (runtime/install.py).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT = "DejaVu"

_MARGIN = 15.0
_LABEL_WIDTH = 55.0
_ROW = 7.0
_GREY = 110
_RED = (190, 20, 20)


class _ReceiptPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-_MARGIN)
        self.set_font(FONT, size=8)
        self.set_text_color(_GREY)
        self.cell(0, 5, f"{self._footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def fonts_available() -> bool:
    return FONT_REGULAR.exists() and FONT_BOLD.exists()


def _pair(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(_GREY)
    pdf.cell(_LABEL_WIDTH, _ROW, label)
    pdf.set_font(FONT, "B" if bold else "", size=11 if bold else 10)
    pdf.set_text_color(0)
    pdf.multi_cell(0, _ROW, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _allocation(pdf: FPDF, receipt: Receipt) -> None:
    widths = (70.0, 45.0, pdf.epw - 115.0)
    pdf.set_font(FONT, "B", size=11)
    pdf.cell(0, _ROW + 2, receipt.text("allocation"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", size=9)
    pdf.set_fill_color(235)
    headers = (receipt.text("component"), receipt.text("due_date"), receipt.text("amount"))
    for width, text, align in zip(widths, headers, "LLR", strict=True):
        pdf.cell(width, _ROW, text, border="B", align=align, fill=True)
    pdf.ln(_ROW)
    pdf.set_font(FONT, size=9)
    for line in receipt.lines:
        due = format_date(line.due_date) if line.due_date else receipt.text("not_due")
        pdf.cell(widths[0], _ROW, line.label, border="B")
        pdf.cell(widths[1], _ROW, due, border="B")
        pdf.cell(widths[2], _ROW, line.amount_text, border="B", align="R")
        pdf.ln(_ROW)


def render_pdf(receipt: Receipt, *, compress: bool = True) -> bytes:
    """The receipt's PDF; the same receipt renders the same bytes (dated by its receipt time)."""
    footer = (
        f"{receipt.reference_number}  ·  {receipt.text('footer')} {format_time(receipt.receipt_at)}"
    )
    pdf = _ReceiptPdf(footer)
    pdf.set_compression(compress)
    pdf.set_creation_date(receipt.receipt_at)
    pdf.set_title(f"{receipt.text('title')} {receipt.reference_number}")
    pdf.set_author(receipt.bank_name)
    pdf.set_lang(receipt.lang)
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_font(FONT, "B", str(FONT_BOLD))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN + 5)
    pdf.add_page()

    pdf.set_font(FONT, "B", size=14)
    # A configured name may be long: wrap it rather than run off the page.
    pdf.multi_cell(0, 8, receipt.bank_name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(160)
    pdf.line(_MARGIN, pdf.get_y() + 1, pdf.w - _MARGIN, pdf.get_y() + 1)
    pdf.ln(6)
    pdf.set_font(FONT, "B", size=16)
    pdf.cell(0, 10, receipt.text("title"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if receipt.reversed:
        pdf.set_font(FONT, "B", size=14)
        pdf.set_text_color(*_RED)
        pdf.set_draw_color(*_RED)
        pdf.cell(0, 10, REVERSED_MARK, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.set_draw_color(160)
    pdf.ln(4)

    _pair(pdf, receipt.text("reference"), receipt.reference_number)
    if receipt.cif:
        _pair(pdf, receipt.text("cif"), receipt.cif)
    if receipt.customer_name:
        _pair(pdf, receipt.text("customer"), receipt.customer_name)
    _pair(pdf, receipt.text("loan"), receipt.loan_account_number)
    _pair(pdf, receipt.text("amount"), receipt.amount_text, bold=True)
    _pair(pdf, receipt.text("in_words"), receipt.amount_in_words)
    _pair(pdf, receipt.text("paid_at"), format_time(receipt.paid_at))
    _pair(pdf, receipt.text("receipt_at"), format_time(receipt.receipt_at))
    _pair(pdf, receipt.text("channel"), receipt.label(receipt.channel))
    _pair(pdf, receipt.text("status"), receipt.label(receipt.status))
    pdf.ln(4)
    if receipt.lines:
        _allocation(pdf, receipt)
    return bytes(pdf.output())


async def render_pdf_async(receipt: Receipt) -> bytes:
    """Render off the event loop: parsing the fonts and laying out is CPU work."""
    return await asyncio.to_thread(render_pdf, receipt)
