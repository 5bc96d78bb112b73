"""What the clinician views (screen and PDF) and the patient views show of a Parkinson's session.

Pure functions from the stored assessment (``SessionAssessment.to_dict()``: ``protocol`` and
``parkinson`` = ``ParkinsonSummary.to_dict()``) to rows of text, so the screen and the PDF show the
same numbers with the same units, references and trend marks (docs/clinical-views.md#parkinsons).
The patient side gets words only: which parts of the session were recorded, no measure.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.analytics.parkinson import Change, Measure, ParkinsonSummary, TremorFinding, trend
from kiosk.protocol.steps import FACE_STEPS, SPEECH_STEPS

log = logging.getLogger(__name__)

#: Typical frequency bands of parkinsonian tremor (Hz): rest 4-6 (Deuschl et al. 1998, consensus
#: statement of the Movement Disorder Society on tremor), postural 5-8 (re-emergent tremor, Jankovic et al. 1999).
TREMOR_BANDS_HZ: dict[str, tuple[float, float]] = {"rest": (4.0, 6.0), "postural": (5.0, 8.0)}
SITE_LABELS = {"head": "Head", "jaw": "Jaw", "hand_left": "Left hand", "hand_right": "Right hand"}
CONDITION_LABELS = {"rest": "at rest", "postural": "hands held up"}
#: Blink rate in Parkinson's is reported reduced (Fitzpatrick 2012) and not different (Kimura 2017).
BLINK_CAVEAT = "Blink rate findings differ between studies: read it with care, do not over-weight it."
DOMAINS: tuple[tuple[str, str], ...] = (("expression", "Facial expression"), ("blink", "Blinks at rest"),
                                         ("speech", "Speech"))

#: What the patient reads after a Parkinson's session (screen and sheet): no number, no range, no name
#: of a disease (docs/clinical-views.md#parkinsons).
PATIENT_THANKS = ("Thank you. Your recordings of movement and speech have been saved for your care team, "
                  "who will talk them through with you.")
PATIENT_NOTE = "These recordings help your care team. They are not a diagnosis."
#: The session's parts in plain words, with the steps that make up each (kiosk.protocol.steps).
PATIENT_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Sitting still", ("sit_still",)),
    ("Talking about your morning", ("spontaneous",)),
    ("Face movements", FACE_STEPS),
    ("Voice and speech tasks", SPEECH_STEPS),
    ("Hands held up", ("hands_up",)),
    ("Hands resting", ("hands_lap",)),
)


def is_parkinson(assessment: dict[str, Any] | None) -> bool:
    """True for a session of the Parkinson's protocol (or one that carries its summary)."""
    a = assessment or {}
    return a.get("protocol") == "parkinson" or bool(a.get("parkinson"))


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def summary_of(assessment: dict[str, Any] | None) -> ParkinsonSummary | None:
    """The session's ParkinsonSummary, or None when it has no Parkinson's section or the stored one
    cannot be read (a missing key or a value that is not a finite number; logged in one line)."""
    d = (assessment or {}).get("parkinson")
    if not isinstance(d, dict):
        return None
    try:
        s = ParkinsonSummary.from_dict(d)
        numbers = [v for t in s.tremor for v in (t.frequency_hz, t.amplitude_mm) if v is not None]
        numbers += [m.value for m in s.measures if m.value is not None]
        numbers += [v for m in s.measures if m.reference for v in (m.reference.low, m.reference.high,
                                                                    m.reference.typical)]
        if not all(_number(v) for v in numbers) or not all(isinstance(x, str) for m in s.measures
                                                          for x in (m.key, m.label, m.unit, m.domain)):
            raise ValueError("a value is not a finite number or a label is not text")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        log.warning("stored Parkinson's summary cannot be read (%s: %s); shown as not stored", type(e).__name__, e)
        return None
    return s


@dataclass(frozen=True)
class ParkinsonContext:
    """The selected session's summary and, for trends, the patient's previous and first earlier
    Parkinson's sessions (None when there is none): (started_at, summary)."""

    now: ParkinsonSummary
    previous: tuple[datetime, ParkinsonSummary] | None
    first: tuple[datetime, ParkinsonSummary] | None


def context(sessions: Sequence[Any]) -> ParkinsonContext | None:
    """From a patient's sessions up to and including the selected one (oldest first, each with
    ``started_at`` and ``assessment``): the context, or None when the last has no section."""
    if not sessions:
        return None
    now = summary_of(sessions[-1].assessment)
    if now is None:
        return None
    earlier = [(s.started_at, p) for s in sessions[:-1] if (p := summary_of(s.assessment)) is not None]
    return ParkinsonContext(now, earlier[-1] if earlier else None, earlier[0] if earlier else None)


def _digits(v: float) -> int:
    a = abs(v)
    return 0 if a >= 100 else 1 if a >= 1 else 2


def number(v: float | None, unit: str, digits: int | None = None, sign: bool = False) -> str:
    """``v`` with its unit ("2.1 st", "18 ms", "12.5 %"); an en dash when missing."""
    if v is None:
        return "–"
    d = _digits(v) if digits is None else digits
    text = f"{v:+.{d}f}" if sign else f"{v:.{d}f}"
    return f"{text} {unit}".rstrip()


@dataclass(frozen=True)
class MeasureRow:
    """One measure as text: value with unit, healthy range with unit, trend against the previous and
    the first Parkinson's session ("–" when not comparable); flags for the marks."""

    key: str
    domain: str
    label: str
    value: str
    range: str
    source: str
    provisional: bool
    measured: bool
    outside: bool
    reason: str | None
    since_last: str
    last_worse: bool
    since_first: str
    first_worse: bool


def _range(m: Measure) -> str:
    r = m.reference
    if r is None:
        return "no reference"
    d = max(_digits(r.low), _digits(r.high))
    return f"{r.low:.{d}f}–{r.high:.{d}f} {m.unit}".rstrip()


def _change(c: Change | None, m: Measure) -> tuple[str, bool]:
    if c is None:
        return "–", False
    d = _digits(max(abs(c.before), abs(c.now)))
    if round(c.delta, d) == 0:
        return number(0.0, m.unit, d), False
    return number(c.delta, m.unit, d, sign=True), bool(c.worse)


def measure_rows(ctx: ParkinsonContext) -> list[MeasureRow]:
    """Every measure of the session, grouped by domain (expression, blink, speech), in stored order."""
    last = trend(ctx.now, ctx.previous[1]) if ctx.previous else {}
    first = trend(ctx.now, ctx.first[1]) if ctx.first else {}
    order = {d: i for i, (d, _) in enumerate(DOMAINS)}
    rows = []
    for m in sorted(ctx.now.measures, key=lambda m: order.get(m.domain, len(order))):
        sl, lw = _change(last.get(m.key), m)
        sf, fw = _change(first.get(m.key), m)
        rows.append(MeasureRow(m.key, m.domain, m.label,
                               number(m.value, m.unit), _range(m), m.reference.source if m.reference else "",
                               bool(m.reference and m.reference.provisional), m.value is not None,
                               m.status == "outside",
                               m.reason, sl, lw, sf, fw))
    return rows


@dataclass(frozen=True)
class TremorRow:
    """One tremor finding as text; ``band``: the typical parkinsonian band for its condition."""

    site: str
    condition: str
    detected: str
    frequency: str
    amplitude: str
    band: str
    found: bool
    reason: str | None


def tremor_rows(summary: ParkinsonSummary) -> list[TremorRow]:
    """Tremor findings by site (head, jaw, left hand, right hand), rest before postural."""
    site = {s: i for i, s in enumerate(SITE_LABELS)}
    cond = {c: i for i, c in enumerate(TREMOR_BANDS_HZ)}

    def row(t: TremorFinding) -> TremorRow:
        lo, hi = TREMOR_BANDS_HZ.get(t.condition, (None, None))
        detected = "not measured" if t.detected is None else "yes" if t.detected else "no"
        return TremorRow(SITE_LABELS.get(t.site, t.site), CONDITION_LABELS.get(t.condition, t.condition), detected,
                         number(t.frequency_hz, "Hz", 1), number(t.amplitude_mm, "mm", 2),
                         f"{lo:.0f}–{hi:.0f} Hz" if lo is not None else "–", bool(t.detected), t.reason)
    return [row(t) for t in sorted(summary.tremor, key=lambda t: (site.get(t.site, 9), cond.get(t.condition, 9)))]


def trend_note(ctx: ParkinsonContext) -> str:
    """Which sessions the trend columns compare with."""
    if ctx.previous is None:
        return "First Parkinson's session of this patient: no trend yet."
    last, first = (f"{w[0].astimezone():%Y-%m-%d}" for w in (ctx.previous, ctx.first))  # type: ignore[index]
    return (f"Change = this session minus the previous Parkinson's session ({last}) and the first ({first}), "
            "in the measure's unit; worse = moved in the sign's direction by more than half of the healthy "
            "range's half-width.")


def patient_parts(assessment: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(parts recorded, parts not recorded) of a Parkinson's session in plain words, from the
    assessment's ``missing_steps`` (a part counts as recorded when any of its steps is)."""
    missing = set((assessment or {}).get("missing_steps") or {})
    done, not_done = [], []
    for label, steps in PATIENT_PARTS:
        (not_done if all(s in missing for s in steps) else done).append(label)
    return done, not_done


def patient_lines(assessment: dict[str, Any]) -> list[str]:
    """The gentle text a patient reads after a Parkinson's session, one paragraph per item."""
    done, not_done = patient_parts(assessment)
    lines = [PATIENT_THANKS, "Today you did: " + ", ".join(p.lower() if i else p for i, p in enumerate(done)) + "."
             if done else "Today's recordings were short."]
    if not_done:
        lines.append("Not recorded today: " + ", ".join(p.lower() for p in not_done) + ". That is fine; the nurse "
                     "can tell you whether to try again next time.")
    return lines
