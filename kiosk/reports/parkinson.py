"""Clinician PDF section "Parkinson's screening measures" (docs/clinical-views.md#parkinsons).

A tremor table (site, condition, detected, frequency Hz, amplitude mm, the typical parkinsonian
band), then one table per domain (facial expression, blinks, speech): value with unit, healthy
range with its source (provisional references marked), status (outside the range marked) and the
change since the patient's previous and first Parkinson's sessions (worse marked). The note says
these are screening measures, not a diagnosis. Rows come from kiosk.analytics.parkinson_view,
shared with the clinician screen.
"""
from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from kiosk.analytics.parkinson_view import (BLINK_CAVEAT, DOMAINS, TREMOR_BANDS_HZ, MeasureRow, ParkinsonContext, measure_rows,
                                            tremor_rows, trend_note)
from kiosk.reports.layout import BODY, FONT_BOLD, H2, SMALL, grid, para, rich

BOXED = ParagraphStyle("pdnote", parent=BODY, backColor=colors.HexColor("#eef3f8"),
                       borderColor=colors.HexColor("#5d7b99"), borderWidth=0.8, borderPadding=5, spaceAfter=8)
H3 = ParagraphStyle("pdh3", parent=BODY, fontName=FONT_BOLD, spaceBefore=6, spaceAfter=3)
MARK = colors.HexColor("#fde2e0")         # background of an outside-range value or a worse change
CELL = ParagraphStyle("pdcell", parent=SMALL, fontSize=7.5, leading=9)

__all__ = ["parkinson_section"]


def _tremor(ctx: ParkinsonContext) -> list[Any]:
    rows: list[list[Any]] = [["Site", "Condition", "Tremor detected", "Frequency", "Amplitude", "Typical PD band"]]
    marks = []
    for i, t in enumerate(tremor_rows(ctx.now), start=1):
        rows.append([t.site, t.condition, para(f"{t.detected}: {t.reason}", CELL) if t.reason else t.detected,
                     t.frequency, t.amplitude, t.band])
        if t.found:
            marks.append(("BACKGROUND", (2, i), (2, i), MARK))
    if len(rows) == 1:
        return [para("Tremor", H3), para("No tremor recording in this session.", SMALL)]
    table = grid(rows, [24 * mm, 28 * mm, 48 * mm, 22 * mm, 22 * mm, 36 * mm])
    table.setStyle(marks)
    bands = ", ".join(f"{c} {lo:.0f}–{hi:.0f} Hz" for c, (lo, hi) in TREMOR_BANDS_HZ.items())
    return [KeepTogether([para("Tremor", H3), table, para(
        f"Frequency and amplitude of the strongest peak in 3–12 Hz, shown even when no tremor is detected; "
        f"amplitude in mm in the image plane. Typical parkinsonian tremor bands: {bands} (Deuschl 1998, "
        "Jankovic 1999). Rest: sitting still and hands on the lap; postural: hands held up.", SMALL)])]


def _domain(label: str, rows: list[MeasureRow]) -> list[Any]:
    head = ["Measure", "Value", "Healthy range [source]", "Status", "vs previous", "vs first"]
    table_rows: list[list[Any]] = [head]
    marks = []
    sources: list[str] = []            # each source printed once, under the table, by number
    for i, r in enumerate(rows, start=1):
        if r.source and r.source not in sources:
            sources.append(r.source)
        ref = f" [{sources.index(r.source) + 1}]" if r.source else ""
        rng = r.range + (" (provisional)" if r.provisional else "") + ref
        status = ("OUTSIDE range" if r.outside else "within range" if r.measured else
                  "not measured" + (f": {r.reason}" if r.reason else ""))
        table_rows.append([para(r.label, CELL), para(r.value, CELL), para(rng, CELL), para(status, CELL),
                           para(r.since_last + (" worse" if r.last_worse else ""), CELL),
                           para(r.since_first + (" worse" if r.first_worse else ""), CELL)])
        marks += [("BACKGROUND", (c, i), (c, i), MARK) for c, on in ((1, r.outside), (3, r.outside),
                                                                     (4, r.last_worse), (5, r.first_worse)) if on]
    table = grid(table_rows, [40 * mm, 20 * mm, 54 * mm, 24 * mm, 21 * mm, 21 * mm], font_size=7.5)
    table.setStyle(marks)
    caveat = [para(BLINK_CAVEAT, SMALL)] if rows[0].domain == "blink" else []
    notes = [para(f"[{k}] {src}", CELL) for k, src in enumerate(sources, start=1)]
    # one domain's table stays on one page with its heading (a domain is at most ~15 rows)
    return [KeepTogether([para(label, H3), table, *notes, *caveat])]


def parkinson_section(ctx: ParkinsonContext | None) -> list[Any]:
    """The section's flowables; empty when the session has no Parkinson's section."""
    if ctx is None:
        return []
    out: list[Any] = [CondPageBreak(60 * mm), para("Parkinson's screening measures", H2),
                      rich("<b>Screening, not a diagnosis.</b> {}", BOXED, ctx.now.note)]
    out += _tremor(ctx)
    rows = measure_rows(ctx)
    for domain, label in DOMAINS:
        mine = [r for r in rows if r.domain == domain]
        if mine:
            out += _domain(label, mine)
    if not rows:
        out.append(para("No expression, blink or speech measure in this session.", SMALL))
    out += [Spacer(1, 2 * mm), para(trend_note(ctx), SMALL)]
    return out
