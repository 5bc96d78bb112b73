"""The clinician screen's "Parkinson's" tab: tremor, then the measures by domain, a page at a time.

The same rows as the clinician PDF (kiosk.analytics.parkinson_view): value with unit, healthy range
(* = provisional reference), change since the previous and the first Parkinson's session. A value
outside the healthy range or a change in the sign's direction is drawn red with "!". Page buttons
on the left (Tremor, Face, Blinks, Speech) keep every row readable at 800x480.
"""
from __future__ import annotations

from typing import Any

import pygame

from kiosk.analytics.parkinson_view import BLINK_CAVEAT, DOMAINS, TREMOR_BANDS_HZ, ParkinsonContext, measure_rows, tremor_rows
from kiosk.ui import theme

PAGE_LABELS = {"expression": "Face", "blink": "Blinks", "speech": "Speech"}
MIN_PX = 13


def pages(ctx: ParkinsonContext, per_page: int) -> list[tuple[str, list[tuple[list[str], set[int]]]]]:
    """(label, rows) per page; a row is (cells, indexes of the cells drawn as marked). Tremor first,
    then each domain, split into pages of at most ``per_page`` rows."""
    out: list[tuple[str, list[tuple[list[str], set[int]]]]] = []
    tremor = [([t.site, t.condition, t.detected if not t.reason else f"– ({t.reason})", t.frequency, t.amplitude,
                t.band], {2} if t.found else set()) for t in tremor_rows(ctx.now)]
    if tremor:
        out.append(("Tremor", tremor))
    rows = measure_rows(ctx)
    for domain, _ in DOMAINS:
        mine = []
        for r in (r for r in rows if r.domain == domain):
            value = ("! " if r.outside else "") + (r.value if r.measured else "not measured")
            mine.append(([r.label, value, r.range + (" *" if r.provisional else ""),
                          r.since_last + (" !" if r.last_worse else ""), r.since_first + (" !" if r.first_worse else "")],
                         {i for i, on in ((1, r.outside), (3, r.last_worse), (4, r.first_worse)) if on}))
        chunks = [mine[i:i + per_page] for i in range(0, len(mine), per_page)]
        for n, chunk in enumerate(chunks):
            out.append((PAGE_LABELS[domain] + (f" {n + 1}" if len(chunks) > 1 else ""), chunk))
    return out


TREMOR_HEAD = ("Site", "Condition", "Tremor", "Frequency", "Amplitude", "PD band")
MEASURE_HEAD = ("Measure", "Value", "Healthy range", "vs previous", "vs first")


def layout(texts: list[list[str]], width: int, px: int, pad: int, grow: int = 0) -> tuple[int, list[int]]:
    """(font size, column widths): the largest size from ``px`` down to MIN_PX at which the columns
    (each as wide as its widest text, bold) fit ``width`` with ``pad`` between them; column ``grow``
    takes what is left over."""
    def widths(size: int) -> list[int]:
        f = theme.font(size, True)
        return [max(f.size(row[j])[0] for row in texts) for j in range(len(texts[0]))]
    while px > MIN_PX and sum(widths(px)) + pad * (len(texts[0]) - 1) > width:
        px -= 1
    w = widths(px)
    w[grow] += max(0, width - sum(w) - pad * (len(w) - 1))
    return px, w


class ParkinsonTab:
    """Draws the tab; remembers the page shown."""

    def __init__(self) -> None:
        self.page = 0

    def draw(self, p: Any, m: Any, rect: pygame.Rect, ctx: ParkinsonContext) -> None:
        strip_w, gap = m.px(118), m.px(8)
        note_h = 2 * (m.small - 4) + m.px(6)
        row_h = m.small + m.px(1)
        table = pygame.Rect(rect.x + strip_w + m.margin, rect.y, rect.w - strip_w - m.margin, rect.h - note_h)
        per_page = max(1, table.h // row_h - 1)
        shown = pages(ctx, per_page)
        self.page = min(self.page, len(shown) - 1) if shown else 0
        bh = max(48, min(m.button_h, (rect.h - gap * (len(shown) - 1)) // max(len(shown), 1)))
        for i, (label, _) in enumerate(shown):
            p.button(pygame.Rect(rect.x, rect.y + i * (bh + gap), strip_w, bh), label,
                     lambda i=i: setattr(self, "page", i), key=f"pd:{label}", selected=i == self.page,
                     kind="primary" if i == self.page else "secondary", px=m.small - 2)
        if not shown:
            p.wrap("No Parkinson's measures stored for this session.", table, m.small, theme.MUTED)
            return
        label, rows = shown[self.page]
        head = TREMOR_HEAD if label == "Tremor" else MEASURE_HEAD
        pad = m.px(12)
        left = 3 if label == "Tremor" else 1          # left-aligned text columns; numbers right-aligned
        size, widths = layout([list(head)] + [cells for cells, _ in rows], table.w, m.small - 3, pad,
                              left - 1)
        x = table.x
        for j, (h, w) in enumerate(zip(head, widths)):
            at, anchor = (x, "topleft") if j < left else (x + w, "topright")
            p.text(h, (at, table.y), size, theme.MUTED, bold=True, anchor=anchor)
            for r, (cells, marked) in enumerate(rows, start=1):
                p.text(cells[j], (at, table.y + r * row_h), size, theme.BAD if j in marked else theme.FG,
                       bold=j in marked, anchor=anchor)
            x += w + pad
        bands = ", ".join(f"{c} {lo:.0f}–{hi:.0f} Hz" for c, (lo, hi) in TREMOR_BANDS_HZ.items())
        note = (BLINK_CAVEAT + " " if label.startswith(PAGE_LABELS["blink"]) else "") + (f"Peak in 3–12 Hz, amplitude mm in the image plane. Typical PD bands: {bands}." if label == "Tremor"
                else "! outside the healthy range or worse than before; * provisional reference; " + (
                    f"previous {ctx.previous[0].astimezone():%d %b %Y}, first {ctx.first[0].astimezone():%d %b %Y}."
                    if ctx.previous and ctx.first else "no earlier Parkinson's session to compare."))
        p.fit(note + " Screening measures, not a diagnosis.",
              pygame.Rect(table.x, rect.bottom - note_h, table.w, note_h), m.small - 4, theme.ACCENT, min_px=MIN_PX,
              line_gap=1.0)
