"""Clinician view (behind the PIN): raw ratios per region, affected side, severity class,
comparison with the previous session, PDF export/print, and the way to the live symmetry view."""
from __future__ import annotations

from typing import Any

import pygame

from kiosk.ui import theme
from kiosk.ui.paint import fmt
from kiosk.ui.screens.base import Screen

REGIONS = (("brow", "Brow", "mm"), ("eye_gentle", "Eye gentle", "%"), ("eye_tight", "Eye tight", "%"),
           ("smile", "Smile", "mm"), ("snarl", "Snarl", "mm"), ("pucker", "Pucker", "mm"))


def region_values(region: dict[str, Any] | None, unit: str) -> tuple[float | None, float | None]:
    """(right, left) excursion in mm, or closure in % for the eye regions."""
    if not region:
        return None, None
    if unit == "%":
        r, lft = region.get("right_closure"), region.get("left_closure")
        return (None if r is None else r * 100), (None if lft is None else lft * 100)
    return region.get("right_mm"), region.get("left_mm")


def _consistency(grade: int | None, composite: float | None) -> str | None:
    """Short form of kiosk.reports.norms.hb_sunnybrook_note for the screen (the PDF has the long one)."""
    from kiosk.reports.norms import hb_sunnybrook_note
    from kiosk.scoring.grades import KANERVA_2011, hb_roman
    if hb_sunnybrook_note(grade, composite) is None:
        return None
    lo, hi = KANERVA_2011[grade]
    roman = hb_roman(grade)
    return (f"Check: Sunnybrook {composite:.0f} is outside {lo}-{hi}, the middle 50 % for HB {roman} "
            "(Kanerva 2011). Read both with care.")


def _of_100(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}/100"


class ClinicianScreen(Screen):
    name = "clinician"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.sessions: list = []

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.sessions = []
        if self.app.patient is None:
            return
        try:
            self.sessions = self.app.services.sessions_for(self.app.patient.id)
        except Exception as e:
            self.app.say(f"Sessions could not be read: {e}")

    def clear(self) -> None:
        self.sessions = []

    def _report(self) -> None:
        if self.sessions:
            self.start_report(self.sessions[-1].id, "clinician")

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        pt = self.app.patient
        if pt is None:
            self.app.home()
            return
        body = self.header(p, f"Clinician: {pt.code}", self.app.home, "Close")
        bw = m.px(170)
        p.button(pygame.Rect(m.width - m.margin - bw, m.margin, bw, m.button_h), "Live view",
                 lambda: self.app.go("live"), key="live")
        if not self.sessions:
            p.wrap("No stored session for this patient yet.", body, m.text, theme.MUTED)
            return
        latest = self.sessions[-1]
        prev = self.sessions[-2] if len(self.sessions) > 1 else None
        table = pygame.Rect(body.x, body.y, int(body.w * 0.56), body.h - m.button_h - m.margin)
        side = pygame.Rect(table.right + m.margin, body.y, body.right - table.right - m.margin, table.h)
        self._table(p, table, latest.assessment, prev.assessment if prev else None)
        self._summary(p, side, latest, prev)
        y = body.bottom - m.button_h
        p.button(pygame.Rect(body.x, y, m.px(300), m.button_h), "Export / print PDF", self._report,
                 kind="primary", key="export_pdf")
        p.text(f"{len(self.sessions)} sessions; latest {latest.started_at:%Y-%m-%d %H:%M} UTC",
               (body.x + m.px(316), y + m.button_h // 2), m.small, theme.MUTED, anchor="midleft")

    def _table(self, p, rect: pygame.Rect, a: dict, before: dict | None) -> None:  # noqa: ANN001
        """Region rows (unit in the row label), numbers right-aligned in their columns."""
        m = self.m
        regions = (a.get("face") or {}).get("regions") or {}
        old = ((before or {}).get("face") or {}).get("regions") or {}
        ends = (0.53, 0.68, 0.83, 0.98)            # right edges of Right, Left, Ratio, Before
        rh = max(m.small + 10, (rect.h - m.small - 8) // (len(REGIONS) + 2))
        p.text("Region", (rect.x, rect.y), m.small, theme.MUTED, bold=True)
        for e, h in zip(ends, ("Right", "Left", "Ratio", "Prev")):
            p.text(h, (rect.x + int(e * rect.w), rect.y), m.small, theme.MUTED, bold=True, anchor="topright")
        for i, (key, label, unit) in enumerate(REGIONS):
            y = rect.y + (i + 1) * rh
            reg = regions.get(key)
            r, lft = region_values(reg, unit)
            ratio = reg.get("ratio") if reg else None
            weak = reg.get("weaker_side") if reg else None
            spec = ".0f" if unit == "%" else ".1f"
            p.text(f"{label} ({unit})", (rect.x, y), m.small, theme.FG)
            cells = (fmt(r, spec), fmt(lft, spec), fmt(ratio, ".2f"), fmt((old.get(key) or {}).get("ratio"), ".2f"))
            for j, (e, v) in enumerate(zip(ends, cells)):
                bold = (j == 0 and weak == "right") or (j == 1 and weak == "left")
                colour = theme.BAD if j == 2 and ratio is not None and ratio < 0.75 else theme.FG
                p.text(v, (rect.x + int(e * rect.w), y), m.small, colour, bold=bold, anchor="topright")
        y = rect.y + (len(REGIONS) + 1) * rh
        note = ("Patient's sides, rest to peak. Ratio = weaker / stronger (1.00 symmetric); bold: weaker side; "
                "red: < 0.75; Prev: last session.")
        p.wrap(note, pygame.Rect(rect.x, y, rect.w, rect.bottom - y), m.small - 3, theme.MUTED, line_gap=1.0)

    def _summary(self, p, rect: pygame.Rect, latest, prev) -> None:  # noqa: ANN001
        m = self.m
        face = latest.assessment.get("face") or {}
        speech = latest.assessment.get("speech") or {}
        hb = face.get("house_brackmann") or {}
        sb = face.get("sunnybrook") or {}
        pataka = ((speech.get("ddk") or {}).get("pataka") or {}).get("rate_sps")
        old_sb = (((prev.assessment.get("face") or {}).get("sunnybrook") or {}).get("composite")
                  if prev else None)
        lines = [("Affected side", face.get("affected_side") or "–"),
                 ("Severity est.", face.get("severity_class") or "–"),
                 ("HB estimate", hb.get("roman") or "–"),
                 ("Sunnybrook", fmt(sb.get("composite"), ".0f") + (
                     f" (was {old_sb:.0f})" if old_sb is not None else "")),
                 ("Clarity", _of_100(speech.get("clarity_score"))),
                 ("MSII", _of_100(speech.get("msii"))),
                 ("/pataka/", fmt(pataka, ".1f", "syll/s"))]
        p.panel(rect)
        y = rect.y + m.px(8)
        for k, v in lines:
            p.text(k, (rect.x + m.px(10), y), m.small, theme.MUTED)
            p.text(v, (rect.right - m.px(10), y), m.small, theme.FG, bold=True, anchor="topright")
            y += m.small + m.px(8)
        note = _consistency(hb.get("grade"), sb.get("composite"))
        missing = latest.assessment.get("missing_steps") or {}
        extra = ("Not measured: " + ", ".join(missing) + ". ") if missing else ""
        p.wrap(extra + (note or "Automated estimates: decision support, not a diagnosis."),
               pygame.Rect(rect.x + m.px(10), y, rect.w - m.px(20), rect.bottom - y), m.small - 4, theme.ACCENT,
               line_gap=1.0)
