"""Clinician view (behind the PIN): any stored session of the patient, in three tabs.

* Measures: raw values per region (patient's Right | Left, right orange, left blue; eye closure
  in %), the summary (affected side, severity, HB, Sunnybrook, speech with norms);
* Grading: the Sunnybrook form grid, the eFACE row, the eye-closure gap (mm) and the signed
  resting differences (kiosk.analytics.clinical); unmeasured items read "not assessed";
* Parkinson's (sessions of that protocol only): tremor and the screening measures with their
  healthy ranges and trend (kiosk.ui.screens.parkinson_tab, same rows as the PDF);
* History: trend strip (composite, clarity, asymmetry; dates in local time) and the recovery
  outlook (kiosk.analytics.outlook, an estimate, clinicians only).

A session picker (< >) chooses the session; its PDF can be exported. A session whose composite
fell clearly carries the decline flag (kiosk.analytics.feedback) at the top of every tab.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pygame

from kiosk.convention import SIDES, closure_pct, week_number
from kiosk.ui import theme
from kiosk.ui.paint import fmt
from kiosk.ui.screens.base import Screen
from kiosk.ui.screens.parkinson_tab import ParkinsonTab

REGIONS = (("brow", "Brow (mm)", "mm"), ("eye_gentle", "Eye gentle (%)", "%"), ("eye_tight", "Eye tight (%)", "%"),
           ("smile", "Smile (mm)", "mm"), ("snarl", "Snarl (mm)", "mm"), ("pucker", "Pucker (mm)", "mm"))
TABS = (("measures", "Measures"), ("grading", "Grading"), ("history", "History"))
PD_TAB = ("parkinson", "Parkinson's")       # shown when the session has a Parkinson's section
PATAKA_NORM_SPS = 5.4        # /pataka/ lower normal limit (kiosk.reports.norms: 6.2 +- 0.8 syll/s)


def region_values(region: dict[str, Any] | None, unit: str) -> tuple[float | None, float | None]:
    """(right, left) excursion in mm, or closure in % for the eye regions."""
    if not region:
        return None, None
    if unit == "%":
        return tuple(closure_pct(region.get(f"{s}_closure")) for s in SIDES)  # type: ignore[return-value]
    return region.get("right_mm"), region.get("left_mm")


def local_time(at: datetime) -> str:
    """A stored UTC time as the kiosk's local time."""
    return at.astimezone().strftime("%d %b %Y %H:%M")


def _consistency(grade: int | None, composite: float | None) -> str | None:
    """Short form of kiosk.reports.norms.hb_sunnybrook_note for the screen (the PDF has the long one)."""
    from kiosk.reports.norms import hb_sunnybrook_note
    from kiosk.scoring.grades import KANERVA_2011, hb_roman
    if hb_sunnybrook_note(grade, composite) is None:
        return None
    lo, hi = KANERVA_2011[grade]
    return (f"Check: Sunnybrook {composite:.0f} is outside {lo}-{hi}, the middle 50 % for HB {hb_roman(grade)} "
            "(Kanerva 2011). Read both with care.")


def _of_100(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}/100"


class ClinicianScreen(Screen):
    name = "clinician"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.clear()

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.clear()
        if self.app.patient is None:
            return
        try:
            self.sessions = self.app.services.sessions_for(self.app.patient.id)
        except Exception as e:
            self.app.say(f"Sessions could not be read: {e}")
        self.index = len(self.sessions) - 1

    def clear(self) -> None:
        self.sessions: list = []
        self.index = -1
        self.tab = "measures"
        self._cache: tuple[int, Any] | None = None
        self._pd: tuple[int, Any] | None = None
        self.pd_tab = ParkinsonTab()

    # -- the selected session and what is derived from it (computed once per selection) ----------
    @property
    def selected(self) -> Any:
        return self.sessions[self.index] if self.sessions else None

    def derived(self) -> Any:
        """(history up to the selected session, feedback, clinical detail, outlook) for the selection."""
        if self._cache is None or self._cache[0] != self.index:
            from kiosk.analytics import face_feedback, history
            from kiosk.analytics.clinical import clinical_detail
            from kiosk.analytics.outlook import recovery_outlook
            h = history(self.sessions[:self.index + 1])
            face = self.selected.assessment.get("face") or {}
            self._cache = (self.index, (h, face_feedback(h.points), clinical_detail(face),
                                        recovery_outlook(h.points)))
        return self._cache[1]

    def parkinson(self) -> Any:
        """The selected session's Parkinson's context (kiosk.analytics.parkinson_view), or None."""
        if self._pd is None or self._pd[0] != self.index:
            from kiosk.analytics.parkinson_view import context
            self._pd = (self.index, context(self.sessions[:self.index + 1]))
        return self._pd[1]

    def tabs(self) -> tuple[tuple[str, str], ...]:
        """The tabs; "Parkinson's" only when the selected session has that section."""
        return TABS + ((PD_TAB,) if self.sessions and self.parkinson() is not None else ())

    def pick(self, step: int) -> None:
        self.index = max(0, min(len(self.sessions) - 1, self.index + step))

    def _report(self) -> None:
        if self.selected is not None:
            self.start_report(self.selected.id, "clinician")

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        if self.app.patient is None:
            self.app.home()
            return
        body = self.header(p, "", self.app.home, "Close")
        lw = m.px(150)
        p.button(pygame.Rect(m.width - m.margin - lw, m.margin, lw, m.button_h), "Live view",
                 lambda: self.app.go("live"), key="live")
        x0 = m.margin * 2 + m.px(130)
        tabs = self.tabs()
        if self.tab not in dict(tabs):
            self.tab = "measures"
        tw = (m.width - m.margin - lw - m.margin - x0 - (len(tabs) - 1) * m.px(6)) // len(tabs)
        for i, (key, label) in enumerate(tabs):
            p.button(pygame.Rect(x0 + i * (tw + m.px(6)), m.margin, tw, m.button_h), label,
                     lambda k=key: setattr(self, "tab", k), key=f"tab:{key}", selected=self.tab == key,
                     kind="primary" if self.tab == key else "secondary", px=m.small)
        if not self.sessions:
            p.wrap(f"{self.app.patient.code}: no stored session for this patient yet.", body, m.text, theme.MUTED)
            return
        foot = pygame.Rect(body.x, body.bottom - m.button_h, body.w, m.button_h)
        self._footer(p, foot)
        content = pygame.Rect(body.x, body.y, body.w, foot.y - m.px(8) - body.y)
        _, fb, detail, outlook = self.derived()
        if fb.flag is not None:
            band = pygame.Rect(content.x, content.y, content.w, m.small * 2 + m.px(12))
            p.panel(band, (90, 20, 20), theme.BAD)
            p.fit("Decline flag: " + fb.flag.staff_text(),
                  band.inflate(-m.px(16), -m.px(6)), m.small, theme.FG, bold=True, min_px=14, line_gap=1.0)
            content = pygame.Rect(content.x, band.bottom + m.px(6), content.w, content.bottom - band.bottom - m.px(6))
        if self.tab == "measures":
            self._measures(p, content)
        elif self.tab == "grading":
            self._grading(p, content, detail)
        elif self.tab == PD_TAB[0]:
            self.pd_tab.draw(p, m, content, self.parkinson())
        else:
            self._history(p, content, outlook)

    def _footer(self, p, rect: pygame.Rect) -> None:  # noqa: ANN001
        m = self.m
        bw, ew = max(64, m.px(64)), m.px(190)
        p.button(pygame.Rect(rect.x, rect.y, bw, rect.h), "<", (lambda: self.pick(-1)) if self.index > 0 else None,
                 key="session:prev")
        last = len(self.sessions) - 1
        p.button(pygame.Rect(rect.right - ew - m.margin - bw, rect.y, bw, rect.h), ">",
                 (lambda: self.pick(1)) if self.index < last else None, key="session:next")
        p.button(pygame.Rect(rect.right - ew, rect.y, ew, rect.h), "Export PDF", self._report, kind="primary",
                 key="export_pdf", px=m.small)
        mid = pygame.Rect(rect.x + bw + m.px(8), rect.y, rect.w - 2 * bw - ew - m.margin - m.px(16), rect.h)
        s = self.selected
        p.fit(f"{self.app.patient.code} – session {self.index + 1} of {len(self.sessions)}\n"
              f"{local_time(s.started_at)} (local time)", mid, m.small, theme.FG, align="center", min_px=14,
              line_gap=1.0)

    def _measures(self, p, rect: pygame.Rect) -> None:  # noqa: ANN001
        m = self.m
        table = pygame.Rect(rect.x, rect.y, int(rect.w * 0.56), rect.h)
        side = pygame.Rect(table.right + m.margin, rect.y, rect.right - table.right - m.margin, rect.h)
        prev = self.sessions[self.index - 1] if self.index > 0 else None
        self._table(p, table, self.selected.assessment, prev.assessment if prev else None)
        self._summary(p, side, self.selected, prev)

    def _table(self, p, rect: pygame.Rect, a: dict, before: dict | None) -> None:  # noqa: ANN001
        """Region rows (unit in the row label), numbers right-aligned; Right | Left in the side colours."""
        m = self.m
        regions = (a.get("face") or {}).get("regions") or {}
        old = ((before or {}).get("face") or {}).get("regions") or {}
        ends = (0.53, 0.68, 0.83, 0.98)            # right edges of Right, Left, Ratio, Last
        rh = max(m.small + 4, (rect.h - m.small - 8) // (len(REGIONS) + 2))
        p.text("Region", (rect.x, rect.y), m.small, theme.MUTED, bold=True)
        for e, (h, colour) in zip(ends, (("Right", theme.RIGHT_COLOUR), ("Left", theme.LEFT_COLOUR),
                                         ("Ratio", theme.MUTED), ("Last", theme.MUTED))):
            p.text(h, (rect.x + int(e * rect.w), rect.y), m.small, colour, bold=True, anchor="topright")
        for i, (key, label, unit) in enumerate(REGIONS):
            y = rect.y + (i + 1) * rh
            reg = regions.get(key)
            r, lft = region_values(reg, unit)
            ratio = reg.get("ratio") if reg else None
            weak = reg.get("weaker_side") if reg else None
            spec = ".0f" if unit == "%" else ".1f"
            p.text(label, (rect.x, y), m.small, theme.FG)
            cells = (fmt(r, spec), fmt(lft, spec), fmt(ratio, ".2f"), fmt((old.get(key) or {}).get("ratio"), ".2f"))
            for j, (e, v) in enumerate(zip(ends, cells)):
                bold = (j == 0 and weak == "right") or (j == 1 and weak == "left")
                colour = theme.BAD if j == 2 and ratio is not None and ratio < 0.75 else theme.FG
                p.text(v, (rect.x + int(e * rect.w), y), m.small, colour, bold=bold, anchor="topright")
        y = rect.y + (len(REGIONS) + 1) * rh
        note = ("Patient's sides, rest to peak. Ratio = weaker / stronger (1.00 symmetric); bold: weaker side; "
                "red: < 0.75; Last: the session before.")
        p.fit(note, pygame.Rect(rect.x, y, rect.w, rect.bottom - y), m.small - 3, theme.MUTED, min_px=13,
              line_gap=1.0)

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
                 ("Speech clarity", _of_100(speech.get("clarity_score"))),
                 ("Motor-speech imp. (MSII)", _of_100(speech.get("msii"))),
                 ("/pataka/ (norm >= 5.4)", fmt(pataka, ".1f", "syll/s"))]
        p.panel(rect)
        row = max(m.small + 2, min(m.small + m.px(8), (rect.h - m.px(8)) // (len(lines) + 2)))
        y = rect.y + m.px(6)
        for k, v in lines:
            colour = theme.BAD if k.startswith("/pataka/") and pataka is not None and pataka < PATAKA_NORM_SPS \
                else theme.FG
            p.text(k, (rect.x + m.px(10), y), m.small - 2, theme.MUTED)
            p.text(v, (rect.right - m.px(10), y), m.small - 2, colour, bold=True, anchor="topright")
            y += row
        note = _consistency(hb.get("grade"), sb.get("composite"))
        missing = latest.assessment.get("missing_steps") or {}
        extra = ("Not measured: " + ", ".join(missing) + ". ") if missing else ""
        p.fit(extra + (note or "Automated estimates: decision support, not a diagnosis."),
              pygame.Rect(rect.x + m.px(10), y, rect.w - m.px(20), rect.bottom - y - m.px(4)), m.small - 4,
              theme.ACCENT, min_px=13, line_gap=1.0)

    def _grading(self, p, rect: pygame.Rect, c: Any) -> None:  # noqa: ANN001
        """The Sunnybrook form (left) and eFACE, eye-closure gap and resting positions (right)."""
        from kiosk.analytics.clinical import NOT_ASSESSED
        m = self.m
        g = c.sunnybrook
        left = pygame.Rect(rect.x, rect.y, int(rect.w * 0.55), rect.h)
        right = pygame.Rect(left.right + m.margin, rect.y, rect.right - left.right - m.margin, rect.h)
        px = m.small - 3
        rh = max(px + 3, rect.h // 9)
        cols = (0.70, 0.98)                               # right edges: voluntary, synkinesis
        p.text("Sunnybrook (est.)", (left.x, left.y), px, theme.MUTED, bold=True)
        for e, h in zip(cols, ("Vol 1-5", "Syn 0-3")):
            p.text(h, (left.x + int(e * left.w), left.y), px, theme.MUTED, bold=True, anchor="topright")
        for i, (v, s) in enumerate(zip(g.voluntary, g.synkinesis)):
            y = left.y + (i + 1) * rh
            p.text(v.label.split(" (")[0], (left.x, y), px, theme.FG)
            if v.score is None and s.score is None:
                x = left.x + int(0.45 * left.w)
                p.fit(NOT_ASSESSED, pygame.Rect(x, y, left.right - x, rh), px - 2, theme.ACCENT, min_px=12)
                continue
            for e, item in zip(cols, (v, s)):
                p.text("n/a" if item.score is None else str(item.score), (left.x + int(e * left.w), y), px,
                       theme.ACCENT if item.score is None else theme.FG, bold=True, anchor="topright")
        y = left.y + 6 * rh
        rest = "  ".join(f"{i.label.split(' (')[0]} {'n/a' if i.score is None else i.score}" for i in g.resting)
        p.text(f"Rest: {rest}", (left.x, y), px, theme.FG)
        total = (f"{fmt(g.voluntary_score, '.0f')} - {fmt(g.resting_score, '.0f')} - "
                 f"{fmt(g.synkinesis_score, '.0f')} = {fmt(g.composite, '.0f')}")
        p.text(f"Vol x4 - rest x5 - syn = {total}", (left.x, y + rh), px, theme.FG, bold=True)
        note = (f"n/a: {NOT_ASSESSED}." if any(i.score is None for i in (*g.voluntary, *g.synkinesis, *g.resting))
                else "Automated estimate laid out as the Sunnybrook form.")
        p.fit(note, pygame.Rect(left.x, y + 2 * rh, left.w, left.bottom - y - 2 * rh), px - 2, theme.MUTED,
              min_px=12, line_gap=1.0)
        p.panel(right)
        inner = right.inflate(-m.px(16), -m.px(10))
        e = c.eface
        lines = [("eFACE-style (100 = balanced)", None),
                 (f"static {fmt(e.static, '.0f')}  dynamic {fmt(e.dynamic, '.0f')}  synk. {fmt(e.synkinesis, '.0f')}"
                  if e else NOT_ASSESSED, theme.FG),
                 ("Eye gap at closure (R / L)", None)]
        for gap in c.eye_gaps:
            lines.append((f"{gap.label.split()[0]}: {fmt(gap.right_mm, '.1f')} / {fmt(gap.left_mm, '.1f')} mm",
                          theme.FG))
        lines.append(("At rest (lower side)", None))
        if c.rest:
            lines += [(f"{r.label.replace(' height', '')}: {r.text}", theme.FG) for r in c.rest if r.side] or \
                     [("all level (< 0.5 mm)", theme.FG)]
        else:
            lines.append(("not recorded", theme.MUTED))
        lh = max(px, (inner.h - 2) // max(len(lines), 1))
        y = inner.y
        for text, colour in lines:
            p.fit(text, pygame.Rect(inner.x, y, inner.w, lh), px - 1, colour or theme.MUTED, bold=colour is None,
                  min_px=12, line_gap=1.0)
            y += lh

    def _history(self, p, rect: pygame.Rect, o: Any) -> None:  # noqa: ANN001
        """Weekly trend strip up to the selected session (week 1 = first session), then the outlook (estimate)."""
        from kiosk.ui.charts import trend_strip
        m = self.m
        h = self.derived()[0]
        strip = pygame.Rect(rect.x, rect.y, rect.w, int(rect.h * 0.58))
        weeks = h.weeks
        series = (("Composite", [w.composite for w in weeks], theme.ACCENT),
                  ("Clarity", [w.clarity for w in weeks], theme.GOOD),
                  ("Asymmetry %", [w.asymmetry_pct for w in weeks], (200, 150, 255)))
        trend_strip(p, strip, [f"Wk {week_number(w.week_index * 7):.0f}" for w in weeks], series)
        box = pygame.Rect(rect.x, strip.bottom + m.px(6), rect.w, rect.bottom - strip.bottom - m.px(6))
        p.panel(box)
        inner = box.inflate(-m.px(16), -m.px(8))
        if o.status == "ok":
            proj = "   ".join(f"{q.months} mo: {q.estimate:.0f} ({q.low:.0f}-{q.high:.0f})" for q in o.projections[:2])
            head = f"Outlook (estimate, 80 % band) – {proj}"
        else:
            head = f"Outlook (estimate): no projection, {o.status}"
        y = p.fit(head, pygame.Rect(inner.x, inner.y, inner.w, m.small * 2), m.small - 2, theme.FG, bold=True,
                  min_px=13, line_gap=1.0)
        flags = " ".join(o.flags) if o.flags else "Course not below the published prognosis (Peitersen 2002, " \
                                                  "Marsk 2012)."
        y = p.fit(flags, pygame.Rect(inner.x, y, inner.w, (inner.bottom - y) * 2 // 3), m.small - 4,
                  theme.BAD if o.flags else theme.MUTED, min_px=12, line_gap=1.0)
        p.fit(f"{o.label}. Clinicians only; never shown to the patient.",
              pygame.Rect(inner.x, y, inner.w, inner.bottom - y), m.small - 6, theme.MUTED, min_px=12, line_gap=1.0)
