"""Analytics on hand-made histories with answers worked out by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from kiosk.analytics import change, history
from store_samples import sample_assessment

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)   # a Monday, ISO week 2026-W02


@dataclass(frozen=True)
class Rec:
    id: str
    started_at: datetime
    assessment: dict[str, Any]


def test_single_session_has_no_improvement_but_a_point() -> None:
    h = history([Rec("s0", T0, sample_assessment(0.8))])
    assert h.improvement is None
    assert len(h.points) == 1 and len(h.weeks) == 1 and h.weeks[0].week_index == 0
    p = h.points[0]
    assert p.ratios["smile"] == pytest.approx(0.2)
    # mean ratio: 4 mm regions at 0.2 and 2 eye regions at 1 - 0.8*0.8 = 0.36
    assert p.asymmetry_pct == pytest.approx((1 - (4 * 0.2 + 2 * 0.36) / 6) * 100)
    assert h.asymmetry_curve.slope_per_week is None


def test_improvement_is_share_of_baseline_deficit_recovered() -> None:
    recs = [Rec("s0", T0, sample_assessment(0.8, clarity=40.0, msii=60.0)),
            Rec("s1", T0 + timedelta(days=7), sample_assessment(0.5, clarity=55.0, msii=45.0)),
            Rec("s2", T0 + timedelta(days=14), sample_assessment(0.2, clarity=70.0, msii=30.0))]
    h = history(list(reversed(recs)))                  # order of input does not matter
    imp = h.improvement
    assert (imp.baseline_session_id, imp.latest_session_id, imp.days) == ("s0", "s2", 14)
    # smile ratio 0.2 -> 0.8: recovered 0.6 of a 0.8 deficit = 75 %
    assert imp.regions["smile"].recovered_pct == pytest.approx(75.0)
    # clarity 40 -> 70 of 60 possible: 50 %; MSII 60 -> 30 (ideal 0): 50 %
    assert imp.clarity.recovered_pct == pytest.approx(50.0)
    assert imp.msii.recovered_pct == pytest.approx(50.0) and imp.msii.change == pytest.approx(-30.0)
    c0 = recs[0].assessment["face"]["sunnybrook"]["composite"]
    c2 = recs[2].assessment["face"]["sunnybrook"]["composite"]
    assert imp.composite.recovered_pct == pytest.approx((c2 - c0) / (100 - c0) * 100)
    a0, a2 = h.points[0].asymmetry_pct, h.points[2].asymmetry_pct
    assert imp.asymmetry_reduction_pct == pytest.approx((a0 - a2) / a0 * 100)
    # clarity rises 15 points per week exactly
    clarity = h.speech_trends[0]
    assert clarity.days == (0.0, 7.0, 14.0) and clarity.slope_per_week == pytest.approx(15.0)


def test_weekly_aggregation_iso_weeks_with_gap() -> None:
    recs = [Rec("a", T0, sample_assessment(0.8, clarity=40.0)),
            Rec("b", T0 + timedelta(days=6, hours=12), sample_assessment(0.6, clarity=50.0)),  # Sunday, same week
            Rec("c", T0 + timedelta(days=28), sample_assessment(0.4, clarity=70.0))]          # 3-week gap
    weeks = history(recs).weeks
    assert [(w.iso_year, w.iso_week, w.week_index, w.n_sessions) for w in weeks] == [(2026, 2, 0, 2), (2026, 6, 4, 1)]
    assert weeks[0].clarity == pytest.approx(45.0) and weeks[1].clarity == pytest.approx(70.0)
    assert weeks[0].week_start.isoformat() == "2026-01-05"


def test_year_boundary_uses_iso_year() -> None:
    d = datetime(2026, 12, 31, 9, tzinfo=timezone.utc)   # Thursday of ISO week 2026-W53
    recs = [Rec("x", d, sample_assessment(0.5)), Rec("y", d + timedelta(days=7), sample_assessment(0.4))]
    weeks = history(recs).weeks
    assert [(w.iso_year, w.iso_week, w.week_index) for w in weeks] == [(2026, 53, 0), (2027, 1, 1)]


def test_missing_steps_and_missing_speech() -> None:
    a0 = sample_assessment(0.8, drop=("smile",))      # baseline without a smile
    a1 = sample_assessment(0.6, clarity=None, msii=None)
    a2 = sample_assessment(0.4)
    a2["speech"] = None
    h = history([Rec("s0", T0, a0), Rec("s1", T0 + timedelta(days=7), a1), Rec("s2", T0 + timedelta(days=21), a2)])
    assert h.points[0].missing_steps == ("smile",) and "smile" not in h.points[0].ratios
    # smile baseline falls to the first session that has one (s1, 0.4) -> latest 0.6: 0.2 of 0.6 = 33.3 %
    assert h.improvement.regions["smile"].recovered_pct == pytest.approx(100 / 3)
    assert h.improvement.clarity.recovered_pct == pytest.approx(0.0)    # only s0 had a clarity score
    assert h.speech_trends[0].values == (60.0,)


def test_change_edge_cases() -> None:
    assert change(100.0, 100.0, 100.0).recovered_pct is None   # nothing to recover
    assert change(50.0, 40.0, 100.0).recovered_pct == pytest.approx(-20.0)
    assert change(None, 40.0, 100.0).change is None
