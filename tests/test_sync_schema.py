"""Summary schema, clinic store and pure helpers of sync/ (no broker needed)."""
from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime, timezone

import pytest

from clinic.store import open_clinic_store
from clinic.store.sqlite import SqliteClinicStore
from sync.outbox import Outbox, enqueue
from sync.publisher import parse_ack
from clinic.receiver import parse_topic, subscription
from kiosk.demo.samples import sample_assessment, sample_summary
from wire.schema import MAX_PAYLOAD_BYTES, SCHEMA_VERSION, SchemaError, build_summary, parse_summary
from wire.transport import backoff_delay_s


def _build(assessment: dict, **kw):  # type: ignore[no-untyped-def]
    args = dict(session_id="3f0c8a8e-1c2b-4e7a-9d3e-2b1f0a9c7d11", device_id="kiosk-a", patient_ref="P0001",
                started_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), finished_at="2026-03-02T09:04:10+00:00",
                assessment=assessment, model_versions={"face_landmark.tflite": "1055cb9d"}, app_version="0.1.0")
    args.update(kw)
    return build_summary(**args)


def test_round_trip_keeps_every_measure() -> None:
    a = sample_assessment(random.Random(7))
    s = _build(a)
    back = parse_summary(s.model_dump_json().encode())
    assert back == s
    assert back.schema_version == SCHEMA_VERSION == 1
    assert back.facial.regions["smile"].left_mm == a["face"]["regions"]["smile"]["left_mm"]
    assert back.facial.house_brackmann.grade == a["face"]["house_brackmann"]["grade"]
    assert back.speech.ddk["pa"]["rate_sps"] == a["speech"]["ddk"]["pa"]["rate_sps"]
    assert back.finished_at == datetime(2026, 3, 2, 9, 4, 10, tzinfo=timezone.utc)
    # a field an assessment owner adds later passes through unchanged
    a["face"]["regions"]["smile"]["peak_frame"] = 17
    assert parse_summary(_build(a).model_dump_json()).facial.regions["smile"].model_extra == {"peak_frame": 17}


def test_nulls_are_tolerated_but_keys_and_types_are_checked() -> None:
    a = sample_assessment(random.Random(1))
    a["face"]["sunnybrook"] = None
    a["face"]["mm_per_px"] = None
    a["speech"] = None
    s = _build(a)
    assert s.facial.sunnybrook is None and s.speech is None
    bad = sample_assessment(random.Random(1))
    del bad["face"]["house_brackmann"]
    with pytest.raises(SchemaError, match="facial.house_brackmann"):
        _build(bad)
    bad = sample_assessment(random.Random(1))
    bad["face"]["affected_side"] = "both"
    with pytest.raises(SchemaError, match="affected_side"):
        _build(bad)
    with pytest.raises(SchemaError, match="started_at"):
        _build(sample_assessment(random.Random(1)), started_at="2026-03-02T09:00:00")   # no time zone


def test_parse_rejects_with_reasons() -> None:
    good = json.loads(sample_summary(random.Random(2)).model_dump_json())
    with pytest.raises(SchemaError) as e:
        parse_summary(b"{not json")
    assert e.value.reason.startswith("malformed_json")
    with pytest.raises(SchemaError) as e:
        parse_summary(json.dumps(good | {"schema_version": 3}))
    assert e.value.reason == "unknown_schema_version: 3"
    with pytest.raises(SchemaError) as e:                   # version 2 needs the session's protocol
        parse_summary(json.dumps(good | {"schema_version": 2}))
    assert e.value.reason.startswith("invalid: protocol: Field required")
    with pytest.raises(SchemaError) as e:
        parse_summary(json.dumps({k: v for k, v in good.items() if k != "schema_version"}))
    assert e.value.reason == "unknown_schema_version: None"
    with pytest.raises(SchemaError) as e:
        parse_summary(b"x" * (MAX_PAYLOAD_BYTES + 1))
    assert e.value.reason == f"oversize: {MAX_PAYLOAD_BYTES + 1} bytes > {MAX_PAYLOAD_BYTES}"
    with pytest.raises(SchemaError) as e:
        parse_summary(json.dumps(good | {"surprise": 1}))
    assert e.value.reason.startswith("invalid: surprise")
    with pytest.raises(SchemaError) as e:
        parse_summary(b"[1, 2]")
    assert e.value.reason == "not_an_object"


def test_topics_acks_and_backoff() -> None:
    assert parse_topic("clinic/kiosk-a/sessions/abc", "clinic") == ("kiosk-a", "abc")
    assert parse_topic("clinic/kiosk-a/ack/abc", "clinic") is None
    assert parse_topic("other/kiosk-a/sessions/abc", "clinic") is None
    assert subscription("clinic", "rx") == "$share/rx/clinic/+/sessions/+"
    assert parse_ack(b'{"session_id": "s1", "outcome": "stored"}') == ("s1", "stored", None)
    assert parse_ack(b"garbage") is None
    rng = random.Random(0)
    delays = [backoff_delay_s(n, base_s=0.5, cap_s=8.0, rng=rng) for n in range(10)]
    for n, d in enumerate(delays):
        top = min(8.0, 0.5 * 2 ** n)
        assert top / 2 <= d <= top
    assert len({round(backoff_delay_s(3, base_s=0.5, cap_s=8.0, rng=rng), 6) for _ in range(20)}) > 10   # jitter


def test_clinic_store_is_idempotent_and_views_patients(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    store = open_clinic_store(f"sqlite://{tmp_path / 'clinic.db'}")
    assert isinstance(store, SqliteClinicStore)
    a1 = sample_summary(rng, device_id="kiosk-a", patient_ref="P0042")
    a2 = sample_summary(rng, device_id="kiosk-b", patient_ref="P0042")
    other = sample_summary(rng, device_id="kiosk-a", patient_ref="P0007")
    assert store.insert_summary(a1, a1.model_dump_json()) is True
    assert store.insert_summary(a1, a1.model_dump_json()) is False
    assert store.insert_summary(a2, a2.model_dump_json()) is True
    assert store.insert_summary(other, other.model_dump_json()) is True
    store.dead_letter("clinic/x/sessions/y", b"\xff" * 10, "malformed_json: bad")
    store.close()
    store = SqliteClinicStore(tmp_path / "clinic.db")     # reopened: everything committed
    assert store.count_summaries() == 3 and store.count_dead_letters() == 1
    rows = store.patient_summaries("P0042")
    assert [r["device_id"] for r in rows] == [s.device_id for s in sorted((a1, a2), key=lambda s: s.started_at)]
    assert {r["hb_grade"] for r in rows} == {a1.facial.house_brackmann.grade, a2.facial.house_brackmann.grade}
    view = {r["patient_ref"]: r for r in store.patient_overview()}
    assert view["P0042"]["sessions"] == 2 and view["P0042"]["devices"] == 2
    latest = max((a1, a2), key=lambda s: s.started_at)
    assert view["P0042"]["latest_clarity_score"] == latest.speech.clarity_score
    assert store.dead_letters()[0]["reason"] == "malformed_json: bad"
    assert store.summary_payload(a1.session_id) == a1.model_dump_json()
    assert store.summary_payload("no-such-session") is None


def test_outbox_uses_the_store_migrations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kiosk.store.repositories import Store

    rng = random.Random(9)
    with Store.open(tmp_path, device_id="kiosk-a") as st:
        p = st.add_patient("P0001")
        rec = st.save_session(p.id, sample_assessment(rng), started_at="2026-03-02T09:00:00+00:00",
                              model_versions={"m": "1"})
    ob = Outbox(tmp_path / "kiosk.db")
    rows = ob.pending(10)
    assert [r.session_id for r in rows] == [rec.id]
    assert rows[0].topic == f"clinic/kiosk-a/sessions/{rec.id}"
    assert parse_summary(rows[0].payload).patient_ref == "P0001"
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    with conn:
        enqueue(conn, sample_summary(rng, device_id="kiosk-a"))
    conn.close()
    assert ob.counts().pending == 2
    ob.mark_sent([rec.id])
    assert ob.mark_acked([rec.id]) == 1 and ob.mark_acked([rec.id]) == 0
    assert ob.counts().pending == 1 and ob.counts().acked == 1
    ob.close()
    with pytest.raises(sqlite3.OperationalError, match="does not exist"):
        Outbox(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()           # not created as a side effect
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(sqlite3.OperationalError, match="no outbox table"):
        Outbox(tmp_path / "empty.db")
