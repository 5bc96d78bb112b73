"""Recovery outlook on synthetic courses with known curves (kiosk.analytics.outlook)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from kiosk.analytics.outlook import recovery_outlook
from kiosk.analytics.progress import SessionPoint

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)


def course(days, values, hb=3) -> list[SessionPoint]:
    return [SessionPoint(f"s{i}", T0 + timedelta(days=d), v, hb, None, None, {}, None, None, None, None, None, ())
            for i, (d, v) in enumerate(zip(days, values))]


def truth(day: float, start: float = 35.0, end: float = 92.0, tau: float = 28.0) -> float:
    return end - (end - start) * math.exp(-day / tau)


@pytest.mark.parametrize("seed,tau", [(1, 21.0), (2, 28.0), (3, 40.0)])
def test_recovery_projected_within_10_points_four_weeks_ahead(seed: int, tau: float) -> None:
    rng = np.random.default_rng(seed)
    days = [0, 7, 14, 21, 28, 35]
    vals = [truth(d, tau=tau) + rng.normal(0, 2.0) for d in days]          # grading noise, 2 points
    o = recovery_outlook(course(days, vals))
    assert o.status == "ok" and o.label.startswith("Estimate")
    est, low, high = o.estimate_at(35 + 28)
    assert abs(est - truth(63, tau=tau)) <= 10, (est, truth(63, tau=tau))
    assert low <= truth(63, tau=tau) <= high
    six = o.at(6)
    assert six.low <= six.estimate <= six.high and abs(six.estimate - truth(182, tau=tau)) <= 10
    assert not any("Marsk" in f or "Peitersen" in f for f in o.flags)       # a good course is not flagged
    assert any("94 %" in c for c in o.context)                              # incomplete palsy (HB III)


def test_stalled_course_is_flagged_against_both_anchors() -> None:
    days = [0, 7, 14, 21, 28, 35]
    o = recovery_outlook(course(days, [30, 32, 29, 31, 30, 32], hb=6))
    assert o.status == "ok"
    assert any("Peitersen 2002" in f and "3 weeks" in f for f in o.flags)
    year = o.at(12)
    assert year.high < 70 and any("likely below 70" in f and "Marsk 2012" in f for f in o.flags)
    assert any("60 %" in c and "complete palsy" in c for c in o.context)


def test_relapse_is_called_not_a_recovery_course() -> None:
    o = recovery_outlook(course([0, 7, 14, 21], [36, 56, 76, 32]))
    assert any("not a recovery course" in f and "44 points" in f for f in o.flags)


def test_too_few_sessions_give_no_projection_but_still_context() -> None:
    o = recovery_outlook(course([0, 7], [40, 50]))
    assert o.status.startswith("too few sessions") and o.projections == () and o.curve == ()
    assert o.estimate_at(30) is None and o.context
    assert recovery_outlook([]).status.startswith("too few sessions")
