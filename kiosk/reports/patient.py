"""Patient PDF: large type, a drawn face for feedback, today's score against earlier visits,
weekly graph, clarity score.

Plain words only; no grades, jargon or predictions. The "face movement score" is the
Sunnybrook-style composite (0..100). Face, sentence, improvement % (never negative) and
"speak to the nurse" follow the one rule in kiosk.analytics.feedback, as on the results screen.
A Parkinson's session gets gentle words only: thanks and what was recorded, no number
(kiosk.analytics.parkinson_view, docs/clinical-views.md#parkinsons).
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.analytics.feedback import clarity_words, face_feedback
from kiosk.analytics.parkinson_view import PATIENT_NOTE, is_parkinson, patient_lines
from kiosk.reports.charts import face_icon, weekly_bars
from kiosk.reports.data import ReportData
from kiosk.reports.layout import (BASE, CREATOR, FONT, FONT_BOLD, check_report_target, footer_text, numbered_canvas,
                                  para, rich, save_pdf)

TITLE = ParagraphStyle("pt", parent=BASE["Title"], fontName=FONT_BOLD, fontSize=28, leading=34, spaceAfter=6)
BIG = ParagraphStyle("pbig", parent=BASE["BodyText"], fontName=FONT, fontSize=20, leading=26, spaceAfter=6)
TEXT = ParagraphStyle("ptext", parent=BASE["BodyText"], fontName=FONT, fontSize=15, leading=20, spaceAfter=6)
FINE = ParagraphStyle("pfine", parent=BASE["BodyText"], fontName=FONT, fontSize=12, leading=16,
                      textColor=colors.HexColor("#444444"))

NURSE = ParagraphStyle("pnurse", parent=BIG, backColor=colors.HexColor("#fff1c2"), borderColor=colors.HexColor("#d68910"),
                       borderWidth=1, borderPadding=6, spaceAfter=10)

__all__ = ["build_patient_pdf"]


def _headline(d: ReportData) -> list[Any]:
    """The drawn face, the plain sentence and today's score against earlier visits (kiosk.analytics.feedback)."""
    fb = face_feedback(d.history.points)
    if fb.today is None:
        return [para("Your face movement was not measured today. Please ask the nurse if you would like to "
                     "repeat it.", BIG)]
    text = [para(fb.headline, BIG if not fb.see_nurse else NURSE)]
    if fb.first is None:
        text.append(rich("Your face movement score today: <b>{}</b> out of 100.", BIG, f"{fb.today:.0f}"))
    else:
        text.append(rich("Face movement score – <b>{}</b>", TEXT, fb.comparison))
    if fb.improvement_pct is not None:
        text.append(rich("Improvement since your first visit: <b>{}&nbsp;%</b> – that much of the gap to a full "
                         "score at your first visit has closed.", TEXT, f"{fb.improvement_pct:.0f}"))
    t = Table([[face_icon(fb.mood, size=120), text]], colWidths=[45 * mm, 130 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return [t]


def _weekly(d: ReportData) -> list[Any]:
    weeks = [w for w in d.history.weeks if w.composite is not None]
    if len(weeks) < 2:
        return [para("After your next visit you will see a weekly graph of your progress here.", TEXT)]
    chart = weekly_bars([f"Week {w.week_index + 1}" for w in weeks], [w.composite for w in weeks],
                        title="Your face movement score, week by week", y_label="score (100 = full movement)",
                        width=170 * mm, height=72 * mm, font_size=12)
    gaps = any(b.week_index - a.week_index > 1 for a, b in zip(weeks, weeks[1:]))
    note = "Taller bars mean your face moved more evenly."
    if gaps:
        note += " Missing week numbers are weeks without a check."
    return [chart, para(note, FINE)]


def _clarity(d: ReportData) -> list[Any]:
    speech = d.speech
    score = speech.get("clarity_score") if speech else None
    if score is None:
        return [para("Speech clarity was not measured today.", TEXT)]
    out = [rich("Speech clarity: <b>{}</b> out of 100", BIG, f"{score:.0f}"), para(clarity_words(score), TEXT)]
    imp = d.history.improvement
    if imp and imp.clarity.change is not None and imp.clarity.baseline is not None:
        word = "up" if imp.clarity.change >= 0.5 else "down" if imp.clarity.change <= -0.5 else "about the same,"
        out.append(para(f"That is {word} {abs(imp.clarity.change):.0f} points from {imp.clarity.baseline:.0f} "
                        "at your first visit." if word != "about the same," else
                        "That is about the same as at your first visit.", TEXT))
    return out


def _precision_note(d: ReportData) -> list[Any]:
    """One plain sentence when some face step was measured with low confidence."""
    from kiosk.face.assessment import LOW_CONFIDENCE
    steps = (d.face.get("steps") or {}).values()
    if not any(isinstance(s, dict) and s.get("status") == LOW_CONFIDENCE for s in steps):
        return []
    return [para("Some of today's face measurements are less precise than usual (low confidence). Your care "
                 "team will take this into account.", FINE)]


def _movement_and_speech(d: ReportData) -> list[Any]:
    """A Parkinson's session: thanks and what was recorded, in words only (no measure, no range, no
    disease name; docs/clinical-views.md#parkinsons)."""
    first, *rest = patient_lines(d.session.assessment)
    return [para(first, BIG), Spacer(1, 2 * mm), *[para(line, TEXT) for line in rest], Spacer(1, 3 * mm),
            para("If you have questions or noticed anything unusual today, please tell the nurse.", TEXT),
            Spacer(1, 3 * mm), para(f"{PATIENT_NOTE} Your doctor or nurse will explain them to you.", FINE)]


def build_patient_pdf(d: ReportData, out: Path) -> Path:
    """Write the patient's sheet for ``d`` to ``out``; return the path."""
    check_report_target(out)
    buf = io.BytesIO()
    gentle = is_parkinson(d.session.assessment)
    title = "Your check today" if gentle else "Your facial palsy check"
    doc = SimpleDocTemplate(buf, creator=CREATOR, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=12 * mm,
                            bottomMargin=20 * mm, title=title, author=d.clinic_name)
    name = d.patient.display_name or d.patient.code
    story: list[Any] = [para(title if gentle else "Your progress", TITLE),
                        para(f"{name} – {d.session.started_at.astimezone():%d %B %Y} – {d.clinic_name}", TEXT),
                        Spacer(1, 4 * mm)]
    if gentle:
        story += _movement_and_speech(d)
    else:
        story += _headline(d) + _precision_note(d) + [Spacer(1, 3 * mm)] + _weekly(d) + [Spacer(1, 3 * mm)]
        story += _clarity(d) + [Spacer(1, 3 * mm), para(
            "This sheet shows measurements made by the kiosk. It is not a diagnosis. Your doctor or "
            "therapist will explain what the results mean for you.", FINE)]
    doc.build(story, canvasmaker=numbered_canvas(f"{footer_text(d.clinic_name)} – not a diagnosis", font_size=10))
    return save_pdf(out, buf.getvalue())
