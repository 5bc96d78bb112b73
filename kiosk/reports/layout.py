"""Shared page layout: fonts, styles, "page X of Y" footer, small table helpers.

User text (patient names and codes, clinic name, reasons, file names) is never read as ReportLab
markup: ``para`` escapes all of its text and ``rich`` escapes every value put into a trusted
template, so ``<img src=...>`` prints literally instead of embedding a file
(docs/security.md#reports). Text is set in DejaVu Sans (fonts-dejavu-core: Latin, Greek,
Cyrillic, Hebrew, Arabic glyphs); words longer than a line are split (``splitLongWords``).
Hebrew and Arabic runs are put in visual order (Unicode bidi algorithm, python-bidi) and Arabic
letters are given their joined forms (arabic-reshaper) before layout, because ReportLab draws
left to right. A plain paragraph with RTL text is broken into lines in logical order first and each
line is then reordered, so a wrapped name keeps its lines in reading order. Limits: an RTL value
inside a ``rich`` template is reordered as one run (it must fit its line); ligatures beyond
lam-alef are not formed.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table, TableStyle

log = logging.getLogger(__name__)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts/dejavu"))
FOOTER_CHARS = 48      # user text in the footer is cut to this many characters


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str, str]:
    """(regular, bold, monospace) font names: DejaVu registered with ReportLab, else the built-in
    Helvetica/Courier (which print only Latin-1; logged)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    for folder in FONT_DIRS:
        files = {n: folder / f"{n}.ttf" for n in ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono")}
        if all(f.is_file() for f in files.values()):
            for name, f in files.items():
                pdfmetrics.registerFont(TTFont(name, str(f)))
            for bold, italic, face in ((0, 0, "DejaVuSans"), (1, 0, "DejaVuSans-Bold"), (0, 1, "DejaVuSans"),
                                       (1, 1, "DejaVuSans-Bold")):
                addMapping("DejaVuSans", bold, italic, face)
            return "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
    log.warning("DejaVu fonts not found (install fonts-dejavu-core): reports print only Latin-1 characters")
    return "Helvetica", "Helvetica-Bold", "Courier"


FONT, FONT_BOLD, FONT_MONO = fonts()
BASE = getSampleStyleSheet()
SMALL = ParagraphStyle("small", parent=BASE["BodyText"], fontName=FONT, fontSize=8, leading=10)
BODY = ParagraphStyle("body", parent=BASE["BodyText"], fontName=FONT, fontSize=9.5, leading=12)
H1 = ParagraphStyle("h1", parent=BASE["Heading1"], fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=BASE["Heading2"], fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=8,
                    spaceAfter=4)
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
                self.setFont(FONT, font_size)
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
    style = [("FONT", (0, 0), (-1, -1), FONT, font_size),
             ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, font_size),
             ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#dfe6ee")),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if zebra:
        style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f5f7f9"))
                  for i in range(header_rows + 1, len(rows), 2)]
    t.setStyle(TableStyle(style))
    return t


_RTL = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def visual(text: str) -> str:
    """``text`` in visual (left-to-right drawing) order with Arabic letters joined; unchanged when it
    has no Hebrew or Arabic letter."""
    if not _RTL.search(text):
        return text
    import arabic_reshaper
    from bidi import get_display
    return get_display(arabic_reshaper.reshape(text))


def plain(text: Any) -> str:
    """User text made safe for a ReportLab paragraph: visual order, then every markup character escaped."""
    return escape(visual(str(text)))


def _base_direction(text: str) -> str:
    """"R" when the first strong character is right-to-left, else "L" (Unicode bidi rule P2)."""
    import unicodedata
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "L"


class _RtlParagraph(Paragraph):
    """Plain text with Hebrew or Arabic: lines are broken in logical order at layout time (the
    width is known only then), then each line is put in visual order on its own."""

    def __init__(self, logical: str, style: ParagraphStyle) -> None:
        super().__init__(plain(logical), style)
        self._logical = logical

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (ReportLab API)
        import arabic_reshaper
        from bidi import get_display
        from reportlab.lib.utils import simpleSplit

        st = self.style
        lines = simpleSplit(arabic_reshaper.reshape(self._logical), st.fontName, st.fontSize,
                            availWidth - st.leftIndent - st.rightIndent)
        logical = self._logical
        base = _base_direction(logical)            # every line keeps the paragraph's direction
        Paragraph.__init__(self, "<br/>".join(escape(get_display(line, base_dir=base)) for line in lines), st)
        self._logical = logical
        return super().wrap(availWidth, availHeight)


def para(text: Any, style: ParagraphStyle = SMALL) -> Paragraph:
    """A paragraph of plain text: every character prints as itself (no markup is interpreted)."""
    text = str(text)
    return _RtlParagraph(text, style) if _RTL.search(text) else Paragraph(plain(text), style)


def rich(template: str, style: ParagraphStyle, *values: Any) -> Paragraph:
    """A paragraph from a trusted markup ``template`` with ``{}`` slots; each value is escaped."""
    return Paragraph(template.format(*(plain(v) for v in values)), style)


CREATOR = "facial-palsy-kiosk report"       # PDF /Creator of every report: marks a file we may overwrite
MAX_OURS_BYTES = 50 << 20


class ReportPathError(ValueError):
    """The report cannot be written at that path (it would overwrite something else, or no folder)."""


def is_our_pdf(path: Path) -> bool:
    """True for a regular file that is a PDF this kiosk wrote (its /Creator is CREATOR)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_OURS_BYTES:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    return data.startswith(b"%PDF-") and f"/Creator ({CREATOR})".encode() in data


def check_report_target(out: Path) -> Path:
    """Refuse a report path that would overwrite anything but an earlier report of ours, or whose
    folder does not exist (folders are never created for a given path: the message names it)."""
    out = Path(out)
    if out.is_symlink():
        raise ReportPathError(f"{out} is a symbolic link; give the path of a new .pdf file")
    if out.exists():
        if out.is_dir():
            raise ReportPathError(f"{out} is a folder; give the path of a .pdf file inside it")
        if not is_our_pdf(out):
            raise ReportPathError(f"{out} exists and is not a report written by this kiosk: refusing to overwrite "
                                  "it; choose another file name")
    elif not out.parent.is_dir():
        missing = out.parent
        while not missing.parent.is_dir() and missing.parent != missing:
            missing = missing.parent
        raise ReportPathError(f"the folder {out.parent} does not exist ({missing} is missing); create it first "
                              "or choose another path")
    return out


def save_pdf(out: Path, pdf: bytes) -> Path:
    """Write a built report to ``out`` (checked again just before), atomically, mode 0600."""
    from kiosk.privatefiles import write_private
    return write_private(check_report_target(out), pdf)


def footer_text(text: str) -> str:
    """User text for the page footer (drawn as a plain string): one line, at most FOOTER_CHARS."""
    text = " ".join(str(text).split())
    return visual(text if len(text) <= FOOTER_CHARS else text[:FOOTER_CHARS - 1] + "…")
