"""Clinician PDF sections: the Sunnybrook form grid, the eFACE row, eye-closure gaps and signed resting
differences (kiosk.analytics.clinical), in the kiosk's side order and colours (kiosk.convention)."""
from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from kiosk.analytics.clinical import NOT_ASSESSED, ClinicalDetail, GridItem
from kiosk.convention import SIDE_RGB_PAPER
from kiosk.reports.layout import H2, SMALL, fmt, grid, para, rich

__all__ = ["clinical_sections", "side_header"]


def side_header(side: str) -> Any:
    """'Right' / 'Left' in the side's colour (table headers)."""
    r, g, b = SIDE_RGB_PAPER[side]
    return rich(f"<b><font color='#{r:02x}{g:02x}{b:02x}'>{{}}</font></b>", SMALL, side.title())


def _score(item: GridItem) -> Any:
    return rich("<i>{}</i>", SMALL, NOT_ASSESSED) if item.score is None else rich("<b>{}</b>", SMALL, item.score)


def _sunnybrook(c: ClinicalDetail) -> list[Any]:
    g = c.sunnybrook
    rows: list[list[Any]] = [["Resting symmetry", "Score", "Measured (left–right at rest)"]]
    rows += [[i.label + f" ({i.scale})", _score(i), i.basis or "–"] for i in g.resting]
    rows.append(["Total x 5", fmt(g.resting_score, 0), "0–20"])
    rest_t = grid(rows, [62 * mm, 42 * mm, 76 * mm])
    rows = [["Expression", "Voluntary (1–5)", "Basis", "Synkinesis (0–3)", "Basis"]]
    for v, s in zip(g.voluntary, g.synkinesis):
        rows.append([v.label, _score(v), v.basis or "–", _score(s), para(s.basis or "–")])
    rows.append(["Total", f"x 4 = {fmt(g.voluntary_score, 0)} (20–100)", "",
                 f"{fmt(g.synkinesis_score, 0)} (0–15)", ""])
    vol_t = grid(rows, [50 * mm, 38 * mm, 22 * mm, 34 * mm, 36 * mm])
    side = f" Synkinesis scored on the patient's {g.synkinesis_side} side." if g.synkinesis_side else ""
    comp = (rich("Composite = voluntary – resting – synkinesis = {} – {} – {} = <b>{}</b> / 100{}", SMALL,
                 fmt(g.voluntary_score, 0), fmt(g.resting_score, 0), fmt(g.synkinesis_score, 0),
                 fmt(g.composite, 0), side)
            if g.composite is not None else
            para(f"Composite not computed: {g.unavailable_reason or 'items missing'}.{side}", SMALL))
    return [KeepTogether([para("Sunnybrook facial grading (automated estimate, laid out as the form)", H2),
                          rest_t, Spacer(1, 2 * mm), vol_t, Spacer(1, 1 * mm), comp,
                          para("Voluntary items from the symmetry ratio (weaker / stronger side); synkinesis from "
                               "excess movement on the affected side (eye narrowing during mouth movements, mouth "
                               "movement during brow raise and eye closure). Resting items come from the rest frame "
                               "registered with its own mirror image (no landmark prior).", SMALL)])]


def _eface(c: ClinicalDetail) -> list[Any]:
    e = c.eface
    if e is None:
        return [para(f"eFACE-style row: {NOT_ASSESSED}.", SMALL)]
    rows = [["eFACE-style (100 = balanced)", "Static", "Dynamic", "Synkinesis", "Affected side"],
            ["This session", fmt(e.static, 0), fmt(e.dynamic, 0), fmt(e.synkinesis, 0),
             f"{e.affected_side or '–'}" + (" (assumed)" if e.assumed else "")]]
    return [Spacer(1, 2 * mm), grid(rows, [62 * mm, 25 * mm, 25 * mm, 25 * mm, 43 * mm])]


def _eyes_and_rest(c: ClinicalDetail) -> list[Any]:
    rows: list[list[Any]] = [["Eye closure: fissure left open at the peak", side_header("right"),
                              side_header("left")]]
    for gap in c.eye_gaps:
        rows.append([gap.label, fmt(gap.right_mm, 1, "mm"), fmt(gap.left_mm, 1, "mm")])
    out: list[Any] = [Spacer(1, 3 * mm), grid(rows, [80 * mm, 25 * mm, 25 * mm])]
    if c.rest:
        rows = [["At rest (position: up / wider = larger)", side_header("right"), side_header("left"),
                 "Lower side"]]
        rows += [[r.label, fmt(r.right_mm, 1, "mm"), fmt(r.left_mm, 1, "mm"), r.text] for r in c.rest]
        out += [Spacer(1, 2 * mm), grid(rows, [80 * mm, 25 * mm, 25 * mm, 50 * mm])]
    else:
        out.append(para("Signed resting differences: not recorded for this session (rest frame missing or an "
                        "older session); the unsigned differences are in the resting symmetry table.", SMALL))
    return out


def clinical_sections(c: ClinicalDetail) -> list[Any]:
    """The grid, the eFACE row, the eye-closure gaps and the resting positions."""
    return _sunnybrook(c) + _eface(c) + _eyes_and_rest(c)


