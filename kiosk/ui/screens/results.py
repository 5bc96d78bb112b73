"""The patient's results: drawn emoji faces, today's score against earlier visits, weekly graph,
speech clarity.

Plain words only. The face movement score is the Sunnybrook-style composite (0..100, an
automated estimate). Face, wording, improvement % (never negative) and "speak to the nurse"
come from the one rule in kiosk.analytics.feedback, shared with the patient PDF. A Parkinson's
session shows thanks and what was recorded, in words only (docs/clinical-views.md#parkinsons).
"""
from __future__ import annotations

from typing import Any

import pygame

from kiosk.analytics.parkinson_view import PATIENT_NOTE, PATIENT_THANKS, is_parkinson, patient_lines, patient_parts
from kiosk.ui import theme
from kiosk.ui.charts import weekly_bars
from kiosk.ui.pictograms import draw_emoji, mood_for_score
from kiosk.ui.screens.base import Screen, first_name, fit_line


class ResultsScreen(Screen):
    name = "results"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.history: Any = None

    def enter(self, **kw) -> None:  # noqa: ANN003
        from kiosk.analytics import history
        self.history = None
        if self.app.patient is not None:
            try:
                self.history = history(self.app.services.sessions_for(self.app.patient.id))
            except Exception as e:
                self.app.say(f"Earlier sessions could not be read: {e}")

    def clear(self) -> None:
        self.history = None

    def _print(self) -> None:
        if self.app.result:
            self.start_report(self.app.result[0].id, "patient")

    def poll_report(self) -> None:
        """Plain words for the patient: never a file path."""
        job = self.report_job
        if job is None or not job.done:
            return
        self.report_job = None
        ok = job.error is None and job.result.printed
        self.app.say("Your sheet is printing. The nurse will hand it to you." if ok else
                     "Your sheet could not be printed. Please ask the nurse.", 10.0)

    def idle_timeout_s(self) -> float:
        return self.app.config.ui.results_timeout_s

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        if self.app.result is None or self.app.patient is None:
            self.app.home()
            return
        fw, pw = m.px(150), m.px(210)
        printer = bool(self.app.config.report.printer)
        room = m.width - fw - (pw + m.margin if printer else 0) - 3 * m.margin
        title = fit_line("Your results, ", first_name(self.app.patient.display_name), room, (m.title, m.px(34), m.text))
        body = self.header(p, "")
        p.text(title[0], (m.margin, m.margin + m.button_h // 2), title[1], theme.FG, bold=True, anchor="midleft")
        p.button(pygame.Rect(m.width - m.margin - fw, m.margin, fw, m.button_h), "Finish", self.app.home,
                 kind="primary", key="finish")
        if printer:                          # no printer: no button that cannot work
            p.button(pygame.Rect(m.width - 2 * m.margin - fw - pw, m.margin, pw, m.button_h), "Print my sheet",
                     self._print, key="print_patient")
        foot_h = m.small + m.px(6)
        if is_parkinson(self.app.result[1]):
            self._draw_thanks(p, pygame.Rect(body.x, body.y, body.w, body.h - foot_h))
            p.text(PATIENT_NOTE, (body.centerx, body.bottom), m.small, theme.MUTED, anchor="midbottom")
            return
        colw = int(body.w * 0.47)
        left = pygame.Rect(body.x, body.y, colw, body.h - foot_h)
        right = pygame.Rect(body.x + colw + m.margin, body.y, body.w - colw - m.margin, left.h)
        self._draw_face(p, left)
        self._draw_graph_and_speech(p, right)
        p.text("These are measurements to help your care team. They are not a diagnosis.",
               (body.centerx, body.bottom), m.small, theme.MUTED, anchor="midbottom")

    def _draw_thanks(self, p, rect: pygame.Rect) -> None:  # noqa: ANN001
        """A Parkinson's session: thanks and the parts recorded, ticked, in words only (no measure, no range)."""
        m = self.m
        p.panel(rect)
        inner = rect.inflate(-2 * m.margin, -2 * m.margin)
        a = self.app.result[1]
        y = p.fit(PATIENT_THANKS, pygame.Rect(inner.x, inner.y, inner.w, inner.h // 3), m.text, theme.FG, bold=True,
                  min_px=20, line_gap=1.1) + m.px(12)
        done, not_done = patient_parts(a)
        p.text("Today you did:", (inner.x, y), m.small, theme.MUTED)
        y += m.small + m.px(8)
        row, colw = m.small + m.px(12), inner.w // 2
        for i, part in enumerate(done):
            x, yy = inner.x + (i % 2) * colw, y + (i // 2) * row
            s = m.small
            pygame.draw.lines(p.surface, theme.GOOD, False, [(x + s * 0.1, yy + s * 0.5), (x + s * 0.4, yy + s * 0.85),
                                                             (x + s * 0.9, yy + s * 0.1)], max(3, m.px(3)))
            p.text(part, (x + s + m.px(8), yy), m.small, theme.FG)
        y += ((len(done) + 1) // 2) * row + m.px(4)
        if not_done:
            p.fit(patient_lines(a)[-1], pygame.Rect(inner.x, y, inner.w, inner.bottom - y), m.small, theme.MUTED,
                  min_px=18, line_gap=1.05)

    def _draw_face(self, p, rect: pygame.Rect) -> None:  # noqa: ANN001
        """Today's score, the comparison in plain numbers and the one feedback rule (kiosk.analytics.feedback)."""
        from kiosk.analytics import face_feedback
        m = self.m
        fb = face_feedback(self.history.points if self.history else ())
        p.panel(rect)
        inner = rect.inflate(-2 * m.margin, -2 * m.margin)
        icon = pygame.Rect(inner.x, inner.y, m.px(96), m.px(96))
        draw_emoji(p.surface, fb.level, icon)
        if fb.today is None:
            p.wrap(fb.headline, pygame.Rect(icon.right + m.margin, inner.y, inner.w - icon.w - m.margin, inner.h),
                   m.text)
            return
        tx = icon.right + m.margin
        p.text("Face movement", (tx, inner.y), m.small, theme.MUTED)
        p.text(f"{fb.today:.0f} / 100", (tx, inner.y + m.small + 4), m.title, theme.FG, bold=True)
        y = max(icon.bottom, inner.y + m.small + m.title + 10) + m.px(8)
        if fb.improvement_pct is not None:
            p.text(f"Improvement: {fb.improvement_pct:.0f} %", (inner.x, y), m.text, theme.ACCENT, bold=True)
            y += m.text + m.px(8)
        if fb.comparison and fb.first is not None:
            y = p.wrap(fb.comparison, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), m.small, theme.FG,
                       bold=True, line_gap=1.05) + m.px(4)
        if fb.see_nurse:
            from kiosk.ui.paint import wrap_lines
            f = theme.font(m.small, True)
            need = len(wrap_lines(fb.headline, f, inner.w)) * int(f.get_height() * 1.05) + m.px(14)
            box = pygame.Rect(inner.x - m.px(6), y, inner.w + m.px(12), min(need, inner.bottom - y))
            p.panel(box, (70, 55, 0), theme.ACCENT)
            p.fit(fb.headline, box.inflate(-m.px(12), -m.px(10)), m.small, theme.FG, bold=True, line_gap=1.05)
        else:
            p.wrap(fb.headline, pygame.Rect(inner.x, y, inner.w, inner.bottom - y), m.small, line_gap=1.05)

    def _draw_graph_and_speech(self, p, rect: pygame.Rect) -> None:  # noqa: ANN001
        m, h = self.m, self.history
        weeks = [w for w in (h.weeks if h else ()) if w.composite is not None][-6:]
        graph = pygame.Rect(rect.x, rect.y, rect.w, int(rect.h * 0.52))
        if len(weeks) >= 2:
            weekly_bars(p, graph, [f"Wk {w.week_index + 1}" for w in weeks], [w.composite for w in weeks],
                        title="Face movement, week by week")
        else:
            p.wrap("After your next visit you will see a weekly graph of your progress here.", graph, m.small,
                   theme.MUTED)
        _, assessment = self.app.result
        score = (assessment.get("speech") or {}).get("clarity_score")
        box = pygame.Rect(rect.x, graph.bottom + m.px(8), rect.w, rect.bottom - graph.bottom - m.px(8))
        p.panel(box)
        icon = pygame.Rect(box.x + m.px(10), box.y + m.px(10), m.px(64), m.px(64))
        draw_emoji(p.surface, mood_for_score(score), icon)
        tx = icon.right + m.margin
        words = pygame.Rect(box.x + m.px(10), icon.bottom + m.px(6), box.w - m.px(20),
                            box.bottom - icon.bottom - m.px(10))
        if score is None:
            p.wrap("Speech clarity was not measured today.", pygame.Rect(tx, icon.y, box.right - tx, icon.h), m.small)
            return
        from kiosk.analytics.feedback import clarity_words   # the patient PDF's wording, shared
        p.text("Speech clarity", (tx, icon.y), m.small, theme.MUTED)
        p.text(f"{score:.0f} / 100", (tx, icon.y + m.small + 2), m.title, theme.FG, bold=True)
        p.wrap(clarity_words(score), words, m.small, line_gap=1.05)
