"""Shared page layout: styles, "page X of Y" footer, small table helpers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table, TableStyle

BASE = getSampleStyleSheet()
SMALL = ParagraphStyle("small", parent=BASE["BodyText"], fontSize=8, leading=10)
BODY = ParagraphStyle("body", parent=BASE["BodyText"], fontSize=9.5, leading=12)
H1 = ParagraphStyle("h1", parent=BASE["Heading1"], fontSize=16, leading=20, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=BASE["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4)
NOTE = ParagraphStyle("note", parent=BODY, textColor=colors.HexColor("#7b241c"))


def numbered_canvas(footer: str, font_size: float = 8) -> type[canvas.Canvas]:
    """A canvas class that writes ``footer`` and "Page X of Y" at the foot of every page."""

    class _Numbered(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", font_size)
                self.setFillColor(colors.grey)
                self.drawString(15 * mm, 10 * mm, footer)
                self.drawRightString(self._pagesize[0] - 15 * mm, 10 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return _Numbered


def fmt(v: Any, digits: int = 1, unit: str = "") -> str:
    """A number with fixed decimals and its unit; an en dash for a missing value."""
    if v is None or isinstance(v, bool):
        return "–"
    if isinstance(v, (int, float)):
        text = f"{v:.{digits}f}"
        return f"{text} {unit}".strip() if unit not in ("%",) else f"{text} %"
    return str(v)


def grid(rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None, font_size: float = 8.5,
         header_rows: int = 1, zebra: bool = True) -> Table:
    """A plain table with a shaded header row and thin grid lines."""
    t = Table([list(r) for r in rows], colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    style = [("FONT", (0, 0), (-1, -1), "Helvetica", font_size),
             ("FONT", (0, 0), (-1, header_rows - 1), "Helvetica-Bold", font_size),
             ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#dfe6ee")),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if zebra:
        style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f5f7f9"))
                  for i in range(header_rows + 1, len(rows), 2)]
    t.setStyle(TableStyle(style))
    return t


def para(text: str, style: ParagraphStyle = SMALL) -> Paragraph:
    return Paragraph(text, style)
