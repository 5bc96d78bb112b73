"""A clear drop of the composite travels to the clinic in the session summary (wire.schema decline)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.store import Store
from store_samples import sample_assessment
from wire.schema import parse_summary

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_drop_is_flagged_in_the_outbox_payload_and_a_rise_is_not(tmp_path: Path) -> None:
    sevs = (0.7, 0.3, 0.25, 0.8)              # recovers, holds, then falls back
    with Store.open(tmp_path, device_id="kiosk-3") as s:
        p = s.add_patient("P-9")
        recs = [s.save_session(p.id, sample_assessment(v), started_at=T0 + timedelta(days=7 * i))
                for i, v in enumerate(sevs)]
        by_sid = {o.session_id: parse_summary(o.payload) for o in s.outbox()}
    comps = [r.assessment["face"]["sunnybrook"]["composite"] for r in recs]
    assert comps[1] - comps[0] >= 10 and comps[2] - comps[3] >= 10    # the samples do rise, then fall
    assert [by_sid[r.id].decline for r in recs[:3]] == [None, None, None]
    flag = by_sid[recs[3].id].decline
    assert flag.reference == "previous" and flag.drop_points == pytest.approx(comps[2] - comps[3])
    assert (flag.today_composite, flag.reference_composite) == (comps[3], comps[2])
    assert flag.reference_at == flag.previous_session_at == T0 + timedelta(days=14)
