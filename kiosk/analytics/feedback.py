"""The one rule for what a patient is told about today's face score (screens and sheets alike).

Input: the patient's session points up to and including today's (kiosk.analytics.progress),
compared on the Sunnybrook-style composite (0..100). Output: a :class:`Feedback` with the face
to draw, the plain sentences, whether to send the patient to the nurse, and a
:class:`DeclineFlag` for staff and the clinic when the score fell clearly.

Rules:

* first visit -> neutral face, no comparison;
* today at least ``DROP_POINTS`` below the previous visit or below the first visit -> a
  concerned face, "today 32, first visit 76", and "please speak to the nurse"; the flag is set;
* today ``SAME_POINTS``..``DROP_POINTS`` below either -> neutral face, no praise;
* otherwise above the first visit by at least ``SAME_POINTS`` -> a smile and praise, else
  "about the same".

The patient never sees a negative percentage: ``improvement_pct`` is set only when it is
positive and today's score is not lower than the last visit's.

``DROP_POINTS`` = 10 composite points is a design choice, not a published minimal important
difference: a tenth of the scale, about half the width of the middle 50 % of clinician composites
within one House-Brackmann grade (Kanerva 2011: HB III 43-62), so a drop that large is unlikely to
be grading noise alone. Staff judge what it means; the kiosk only asks them to look.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Sequence

from kiosk.analytics.progress import SessionPoint

DROP_POINTS = 10.0      # composite points: a clear drop, staff are told
SAME_POINTS = 3.0       # composite points: smaller differences count as "about the same"

Face = Literal["none", "neutral", "happy", "concerned"]
# UI emoji level (0 best .. 4) and the PDF face mood (-1..1) of each face: one drawing per kind.
FACE_LEVEL: dict[str, int | None] = {"none": None, "happy": 1, "neutral": 2, "concerned": 3}
FACE_MOOD: dict[str, float] = {"none": 0.0, "happy": 0.7, "neutral": 0.0, "concerned": -0.25}


@dataclass(frozen=True)
class DeclineFlag:
    """A clear drop of the composite against an earlier visit (for staff and the clinic)."""

    today: float                      # composite today, 0..100
    drop_points: float                # > 0: how far today lies below ``reference_composite``
    reference: Literal["previous", "first"]
    reference_composite: float
    reference_at: datetime            # when the compared session started
    previous_at: datetime             # the session before today's

    def staff_text(self) -> str:
        """One line for staff on screen and paper (the compared session's date in the kiosk's local time)."""
        which = "the previous session" if self.reference == "previous" else "the first session"
        return (f"Composite dropped {self.drop_points:.0f} points: {self.today:.0f} today, "
                f"{self.reference_composite:.0f} at {which} ({self.reference_at.astimezone():%d %b %Y}).")

    def to_dict(self) -> dict[str, object]:
        return {"today_composite": round(self.today, 1), "drop_points": round(self.drop_points, 1),
                "reference": self.reference, "reference_composite": round(self.reference_composite, 1),
                "reference_at": self.reference_at.isoformat(), "previous_session_at": self.previous_at.isoformat()}


@dataclass(frozen=True)
class Feedback:
    face: Face
    headline: str                     # one plain sentence
    comparison: str | None            # "Today 32, first visit 76, last visit 70 (out of 100)."
    see_nurse: bool
    improvement_pct: float | None     # share of the first visit's gap closed; only when > 0 and not lower
    flag: DeclineFlag | None          # clear drop (staff, clinic)
    today: float | None
    first: float | None
    previous: float | None

    @property
    def level(self) -> int | None:
        return FACE_LEVEL[self.face]

    @property
    def mood(self) -> float:
        return FACE_MOOD[self.face]


NOT_MEASURED = "Your face movement was not measured today. Please ask the nurse."
FIRST = "Thank you for doing your first check. Today's score is your starting point."
DROP = "Your score today is lower than at your {visit} visit. Please speak to the nurse before you leave."
DIP = "Your score is a little lower than before. Scores vary a little from visit to visit. Keep up your exercises."
SAME = "Your face movement is about the same as at your first visit. Keep up your exercises."
BETTER = "Your face is moving more evenly than at your first visit. Well done!"


def _comparison(today: float, first: float, previous: float | None) -> str:
    text = f"Today {today:.0f}, first visit {first:.0f}"
    if previous is not None:
        text += f", last visit {previous:.0f}"
    return text + " (out of 100)."


def face_feedback(points: Sequence[SessionPoint]) -> Feedback:
    """Feedback on the last point ("today") against the earlier points (sorted by time)."""
    if not points or points[-1].composite is None:
        return Feedback("none", NOT_MEASURED, None, False, None, None, None, None, None)
    today_pt = points[-1]
    today = today_pt.composite
    earlier = [p for p in points[:-1] if p.composite is not None]
    if not earlier:
        return Feedback("neutral", FIRST, f"Today {today:.0f} (out of 100).", False, None, None, today, None, None)
    first_pt, prev_pt = earlier[0], earlier[-1]
    first, prev = first_pt.composite, prev_pt.composite
    shown_prev = prev if prev_pt is not first_pt else None
    comparison = _comparison(today, first, shown_prev)
    down_prev, down_first = prev - today, first - today
    if max(down_prev, down_first) >= DROP_POINTS:
        ref_pt, drop = (prev_pt, down_prev) if down_prev >= down_first else (first_pt, down_first)
        flag = DeclineFlag(today, drop, "previous" if ref_pt is prev_pt else "first", ref_pt.composite,
                           ref_pt.at, prev_pt.at)
        visit = "last" if flag.reference == "previous" else "first"
        return Feedback("concerned", DROP.format(visit=visit), comparison, True, None, flag, today, first, prev)
    if max(down_prev, down_first) >= SAME_POINTS:
        return Feedback("neutral", DIP, comparison, False, None, None, today, first, prev)
    if today - first >= SAME_POINTS:
        pct = (today - first) / (100 - first) * 100 if first < 100 else None     # > 0 here
        return Feedback("happy", BETTER, comparison, False, pct, None, today, first, prev)
    return Feedback("neutral", SAME, comparison, False, None, None, today, first, prev)


def clarity_words(score: float) -> str:
    """One plain sentence for the Speech Clarity Score (0..100), the same on screen and sheet."""
    if score >= 80:
        return "Your speech was clear."
    if score >= 60:
        return "Your speech was mostly clear."
    return "Some sounds were harder to make. Your speech therapist can help with this."
