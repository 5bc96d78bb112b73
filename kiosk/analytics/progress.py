"""Progress over sessions: per-session points, ISO-week aggregation, improvement against baseline.

Pure functions over lists of stored sessions (anything with ``id``, ``started_at``
and ``assessment`` = ``SessionAssessment.to_dict()``), returning frozen dataclasses.

Improvement % is the share of the baseline deficit that has been recovered:
``(latest - baseline) / (best - baseline) x 100`` where ``best`` is the ideal
value of the measure (composite 100, symmetry ratio 1.0, clarity 100, MSII 0).
It is 100 % when the measure reached its ideal, 0 % when unchanged, negative
when worse, and ``None`` when the baseline was already ideal or a value is
missing. It measures change in automated estimates, not clinical recovery.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, Sequence

REGIONS = ("brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker")


class SessionLike(Protocol):
    id: str
    started_at: datetime
    assessment: dict[str, Any]


@dataclass(frozen=True)
class SessionPoint:
    """The numbers of one session that progress is tracked on (None = not measured)."""

    session_id: str
    at: datetime
    composite: float | None            # Sunnybrook-style composite, 0..100
    hb_grade: int | None               # House-Brackmann estimate 1..6
    severity_class: str | None
    affected_side: str | None
    ratios: dict[str, float]           # region -> symmetry ratio (1.0 = symmetric)
    asymmetry_pct: float | None        # (1 - mean region ratio) x 100
    clarity: float | None              # Speech Clarity Score, 0..100
    msii: float | None                 # Motor-Speech Impairment Index, 0..100 (0 = none)
    pa_rate_sps: float | None
    bilabial_accuracy_pct: float | None
    missing_steps: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One measure, baseline against latest; ``recovered_pct`` = share of the baseline deficit recovered."""

    baseline: float | None
    latest: float | None
    change: float | None
    recovered_pct: float | None


@dataclass(frozen=True)
class Improvement:
    baseline_session_id: str
    latest_session_id: str
    days: int
    composite: Change
    regions: dict[str, Change]
    clarity: Change
    msii: Change
    asymmetry_reduction_pct: float | None   # (baseline - latest) / baseline asymmetry x 100


@dataclass(frozen=True)
class WeekPoint:
    """Mean values over one ISO week that had at least one session."""

    iso_year: int
    iso_week: int
    week_start: date                   # Monday
    week_index: int                    # weeks since the baseline's week (gaps show as skipped numbers)
    n_sessions: int
    composite: float | None
    asymmetry_pct: float | None
    clarity: float | None
    msii: float | None


@dataclass(frozen=True)
class Trend:
    """A measure over time and its least-squares slope per week (None with fewer than 2 values)."""

    name: str
    unit: str
    days: tuple[float, ...]
    values: tuple[float, ...]
    slope_per_week: float | None


@dataclass(frozen=True)
class PatientHistory:
    points: tuple[SessionPoint, ...]
    weeks: tuple[WeekPoint, ...]
    improvement: Improvement | None    # None with fewer than two sessions
    asymmetry_curve: Trend
    speech_trends: tuple[Trend, ...]   # clarity, MSII, /pa/ rate, bilabial accuracy


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def session_point(rec: SessionLike) -> SessionPoint:
    """Extract the tracked numbers from one stored session."""
    a = rec.assessment or {}
    face, speech = a.get("face") or {}, a.get("speech") or {}
    regions = face.get("regions") or {}
    ratios = {k: float(v["ratio"]) for k in REGIONS if (v := regions.get(k)) and _num(v.get("ratio")) is not None}
    hb = face.get("house_brackmann") or {}
    ddk = speech.get("ddk") or {}
    intel = speech.get("intelligibility") or {}
    return SessionPoint(
        session_id=rec.id, at=rec.started_at, composite=_num((face.get("sunnybrook") or {}).get("composite")),
        hb_grade=int(hb["grade"]) if _num(hb.get("grade")) is not None else None,
        severity_class=face.get("severity_class"), affected_side=face.get("affected_side"), ratios=ratios,
        asymmetry_pct=(1 - statistics.fmean(ratios.values())) * 100 if ratios else None,
        clarity=_num(speech.get("clarity_score")), msii=_num(speech.get("msii")),
        pa_rate_sps=_num((ddk.get("pa") or {}).get("rate_sps")),
        bilabial_accuracy_pct=_num(intel.get("bilabial_accuracy_pct")),
        missing_steps=tuple(sorted((a.get("missing_steps") or {}).keys())))


def change(baseline: float | None, latest: float | None, best: float) -> Change:
    """Baseline against latest for a measure whose ideal value is ``best``."""
    if baseline is None or latest is None:
        return Change(baseline, latest, None, None)
    deficit = best - baseline
    pct = (latest - baseline) / deficit * 100 if abs(deficit) > 1e-9 else None
    return Change(baseline, latest, latest - baseline, pct)


def _first_last(points: Sequence[SessionPoint], attr: str) -> tuple[float | None, float | None]:
    """Baseline = the earliest session that has the value; latest = the latest that has it."""
    vals = [getattr(p, attr) for p in points if getattr(p, attr) is not None]
    return (vals[0], vals[-1]) if vals else (None, None)


def improvement(points: Sequence[SessionPoint]) -> Improvement | None:
    """Improvement of the latest session against the baseline (the first); None for one session."""
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    regions = {}
    for r in REGIONS:
        vals = [p.ratios[r] for p in points if r in p.ratios]
        regions[r] = change(vals[0], vals[-1], 1.0) if vals else Change(None, None, None, None)
    a0, a1 = _first_last(points, "asymmetry_pct")
    reduction = (a0 - a1) / a0 * 100 if a0 is not None and a1 is not None and a0 > 1e-9 else None
    return Improvement(
        baseline_session_id=first.session_id, latest_session_id=last.session_id, days=(last.at - first.at).days,
        composite=change(*_first_last(points, "composite"), 100.0), regions=regions,
        clarity=change(*_first_last(points, "clarity"), 100.0), msii=change(*_first_last(points, "msii"), 0.0),
        asymmetry_reduction_pct=reduction)


def _mean(vals: list[float | None]) -> float | None:
    got = [v for v in vals if v is not None]
    return statistics.fmean(got) if got else None


def weekly(points: Sequence[SessionPoint]) -> tuple[WeekPoint, ...]:
    """Aggregate sessions by ISO week (Monday start); weeks without sessions are absent."""
    if not points:
        return ()
    by_week: dict[tuple[int, int], list[SessionPoint]] = {}
    for p in points:
        iso = p.at.isocalendar()
        by_week.setdefault((iso.year, iso.week), []).append(p)
    first_monday = date.fromisocalendar(*min(by_week), 1)
    out = []
    for (y, w), ps in sorted(by_week.items()):
        monday = date.fromisocalendar(y, w, 1)
        out.append(WeekPoint(y, w, monday, (monday - first_monday).days // 7, len(ps),
                             _mean([p.composite for p in ps]), _mean([p.asymmetry_pct for p in ps]),
                             _mean([p.clarity for p in ps]), _mean([p.msii for p in ps])))
    return tuple(out)


def trend(points: Sequence[SessionPoint], attr: str, name: str, unit: str) -> Trend:
    """Values of ``attr`` against days since the first session, with a least-squares slope per week."""
    if not points:
        return Trend(name, unit, (), (), None)
    t0 = points[0].at
    pairs = [((p.at - t0) / timedelta(days=1), v) for p in points if (v := getattr(p, attr)) is not None]
    days = tuple(d for d, _ in pairs)
    values = tuple(v for _, v in pairs)
    slope = None
    if len(pairs) >= 2 and max(days) > min(days):
        slope = statistics.linear_regression(days, values).slope * 7
    return Trend(name, unit, days, values, slope)


def history(records: Sequence[SessionLike]) -> PatientHistory:
    """Everything the reports show about progress, from a patient's stored sessions (any order)."""
    points = tuple(sorted((session_point(r) for r in records), key=lambda p: p.at))
    return PatientHistory(
        points=points, weeks=weekly(points), improvement=improvement(points),
        asymmetry_curve=trend(points, "asymmetry_pct", "side asymmetry", "%"),
        speech_trends=(trend(points, "clarity", "speech clarity", "0-100"),
                       trend(points, "msii", "motor-speech impairment", "0-100"),
                       trend(points, "pa_rate_sps", "/pa/ rate", "syll/s"),
                       trend(points, "bilabial_accuracy_pct", "bilabial accuracy", "%")))
