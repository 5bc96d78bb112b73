"""The one patient-feedback rule on hand-made composite courses (kiosk.analytics.feedback)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kiosk.analytics import face_feedback
from kiosk.analytics.progress import SessionPoint

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def course(*composites: float | None) -> list[SessionPoint]:
    return [SessionPoint(f"s{i}", T0 + timedelta(days=7 * i), c, None, None, None, {}, None, None, None, None,
                         None, ()) for i, c in enumerate(composites)]


def test_first_visit_is_neutral_with_no_comparison() -> None:
    f = face_feedback(course(40))
    assert (f.face, f.see_nurse, f.improvement_pct, f.flag) == ("neutral", False, None, None)
    assert f.comparison == "Today 40 (out of 100)." and "first check" in f.headline


def test_relapse_76_to_32_asks_for_the_nurse_and_flags_the_drop() -> None:
    f = face_feedback(course(76, 32))
    assert f.face == "concerned" and f.see_nurse and f.improvement_pct is None
    assert f.comparison == "Today 32, first visit 76 (out of 100)."
    assert "nurse" in f.headline and "Well done" not in f.headline
    assert (f.flag.drop_points, f.flag.reference, f.flag.reference_at) == (44, "previous", T0)
    assert "dropped 44 points" in f.flag.staff_text() and f"({T0.astimezone():%d %b %Y})" in f.flag.staff_text()
    assert f.flag.to_dict()["previous_session_at"] == T0.isoformat()


def test_drop_since_last_visit_is_caught_even_when_above_the_first() -> None:
    # 40 -> 70 -> 58: still 18 above the first visit, but 12 below last week
    f = face_feedback(course(40, 70, 58))
    assert f.face == "concerned" and f.see_nurse and f.improvement_pct is None
    assert (f.flag.reference, f.flag.drop_points, f.flag.reference_composite) == ("previous", 12, 70)
    assert f.comparison == "Today 58, first visit 40, last visit 70 (out of 100)."


def test_small_dip_since_last_week_gets_no_praise_and_no_percentage() -> None:
    # the case: 56 last week, 48 today, first visit 38 -> no grin, no "Improvement: 28 %"
    f = face_feedback(course(38, 56, 48))
    assert f.face == "neutral" and not f.see_nurse and f.flag is None and f.improvement_pct is None
    assert "Well done" not in f.headline and "lower" in f.headline


def test_recovery_gets_a_smile_and_the_share_of_the_gap_closed() -> None:
    f = face_feedback(course(38, 47, 56, 65))
    assert f.face == "happy" and f.flag is None
    assert f.improvement_pct == pytest.approx((65 - 38) / 62 * 100)
    assert f.level == 1 and f.mood > 0


@pytest.mark.parametrize("comps", [(50, 51), (50, 48.5)])
def test_about_the_same(comps) -> None:
    f = face_feedback(course(*comps))
    assert f.face == "neutral" and "about the same" in f.headline and f.improvement_pct is None


def test_not_measured_today_and_missing_earlier_values() -> None:
    assert face_feedback(course(60, None)).face == "none"
    assert face_feedback(course()).face == "none"
    f = face_feedback(course(None, 50, 52))     # the first measured session counts as the first visit
    assert f.first == 50 and f.face == "neutral"
