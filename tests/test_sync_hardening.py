"""Hostile and impossible summaries (issue 13, items 4, 6, 8): the wire parser bounds size and
depth before parsing and refuses non-standard JSON and impossible values with the field named;
the clinic store keys summaries on (device_id, session_id) and never overwrites one."""
from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from clinic.fhir import FhirExportError, load_summary
from clinic.store.base import AmbiguousSession
from clinic.store.sqlite import SqliteClinicStore
from kiosk.demo.samples import sample_assessment, sample_summary
from wire.schema import MAX_DEPTH, SchemaError, SessionSummary, build_summary, json_depth, parse_summary


def good() -> dict:
    return json.loads(sample_summary(random.Random(3), device_id="kiosk-a").model_dump_json())


def reason(payload: bytes | str) -> str:
    with pytest.raises(SchemaError) as e:
        parse_summary(payload)
    return e.value.reason


def test_deep_nesting_is_refused_before_parsing() -> None:
    """The 5000-deep extra field of the issue (about 10-30 KB) made json.loads raise RecursionError."""
    d = good()
    d["facial"]["regions"]["smile"]["extra"] = "DEEP"
    raw = json.dumps(d).replace('"DEEP"', "[" * 5000 + "]" * 5000).encode()
    assert 10_000 < len(raw) < 256 * 1024
    assert json_depth(raw) == 4 + 5000          # summary, facial, regions, smile, then the 5000 lists
    assert reason(raw) == f"too_deep: nesting 5004 > {MAX_DEPTH}"
    objects = '{"a":' * 5000 + "1" + "}" * 5000  # ~30 KB of nested objects
    assert reason(objects) == f"too_deep: nesting 5000 > {MAX_DEPTH}"


def test_depth_scanner_ignores_brackets_in_strings() -> None:
    assert json_depth(b"") == 0 and json_depth(b"1") == 0 and json_depth(b"[]") == 1
    assert json_depth(b"[[1],[2,[3]]]") == 3
    assert json_depth(b'{"a": "[[[[{{{{"}') == 1
    assert json_depth(b'{"a": "\\"[[[[", "b": [["]"]]}') == 3      # escaped quote inside a string
    assert json_depth(b'{"a": "\\\\", "b": [[]]}') == 3               # escaped backslash ends the string
    assert json_depth(b'[["unterminated \\" [[[[') == 2                   # an open string runs to the end
    real = sample_summary(random.Random(1)).model_dump_json().encode()
    assert json_depth(real) <= 6 < MAX_DEPTH


def test_size_is_bounded_before_anything_else() -> None:
    assert reason(b"[" * 300_000) == "oversize: 300000 bytes > 262144"


def _mutated(path: str, value: object) -> str:
    d = good()
    *parents, last = path.split(".")
    node = d
    for p in parents:
        node = node[p]
    node[last] = value
    return json.dumps(d)


@pytest.mark.parametrize("path, value, expected", [
    ("facial.sunnybrook.composite", -500, "facial.sunnybrook.composite: Input should be greater than or equal to -15"),
    ("facial.sunnybrook.composite", 90, "composite 90 != voluntary 60 - resting 5 - synkinesis 1"),
    ("facial.house_brackmann.grade", 5, "roman 'I"),                       # numeral of another grade
    ("facial.house_brackmann.grade", True, "facial.house_brackmann.grade: Input should be a valid integer"),
    ("facial.regions.smile.ratio", 1.7, "facial.regions.smile.ratio: Input should be less than or equal to 1"),
    ("facial.mm_per_px", -0.1, "facial.mm_per_px: Input should be greater than 0"),
    ("speech.clarity_score", "81", "speech.clarity_score: Input should be a valid number"),
    ("speech.msii", 250, "speech.msii: Input should be less than or equal to 100"),
    ("speech.voice.jitter_local_pct", -3, "speech.voice.jitter_local_pct: Input should be greater than or equal to 0"),
    ("started_at", "2999-01-01T09:00:00+00:00", "started_at: Value error, 2999-01-01T09:00:00+00:00 is outside 2020..2099"),
    ("finished_at", "2026-01-01T00:00:00+00:00", "is before started_at"),
    ("patient_ref", 42, "patient_ref: Input should be a valid string"),
])
def test_impossible_values_are_refused_with_the_field_named(path: str, value: object, expected: str) -> None:
    d = json.loads(_mutated(path, value))
    if path == "facial.house_brackmann.grade" and value == 5:
        d["facial"]["house_brackmann"]["roman"] = "II" if d["facial"]["house_brackmann"]["grade"] != 2 else "I"
        d["facial"]["house_brackmann"]["grade"] = 5
    got = reason(json.dumps(d))
    assert got.startswith("invalid: ") and expected in got, got


def test_non_standard_json_is_refused() -> None:
    text = _mutated("speech.clarity_score", 81.5)
    assert reason(text.replace("81.5", "NaN")) == "malformed_json: NaN is not a JSON number"
    assert reason(text.replace("81.5", "Infinity")) == "malformed_json: Infinity is not a JSON number"
    assert reason(text.replace("81.5", "1e999")) == "malformed_json: 1e999 overflows a double"
    dup = text.replace('"patient_ref":', '"patient_ref": "P9999", "patient_ref":', 1)
    assert reason(dup) == "duplicate_key: 'patient_ref'"
    assert reason(text.replace('"patient_ref": "', '"patient_ref": "\\ud800', 1)).startswith("malformed_json: text")
    assert reason(text.replace("81.5", "1" * 5000)).startswith("malformed_json: ValueError")
    assert reason(b'{"schema_version": 1.0}') == "unknown_schema_version: 1.0"
    assert reason(b'{"schema_version": true}') == "unknown_schema_version: True"


def test_real_assessments_still_build_and_parse() -> None:
    """build_summary keeps working for the kiosk's assessments; NaN/inf measures become null."""
    a = sample_assessment(random.Random(2))
    a["speech"]["voice"]["f0_sd_hz"] = float("nan")
    a["speech"]["voice"]["hnr_db"] = float("inf")
    a["face"]["sunnybrook"]["inputs"] = {"x": float("nan")}
    s = build_summary(session_id="s-1", device_id="kiosk-a", patient_ref="P1", started_at="2026-03-02T09:00:00+00:00",
                      finished_at="2026-03-02T09:04:00+00:00", assessment=a, model_versions={}, app_version="0.1.0")
    assert s.speech.voice.f0_sd_hz is None and s.speech.voice.hnr_db is None
    assert parse_summary(s.model_dump_json()) == s
    a["face"]["sunnybrook"]["composite"] = 101
    with pytest.raises(SchemaError, match="facial.sunnybrook.composite"):
        build_summary(session_id="s-1", device_id="kiosk-a", patient_ref="P1", started_at="2026-03-02T09:00:00+00:00",
                      finished_at="2026-03-02T09:04:00+00:00", assessment=a, model_versions={}, app_version="0.1.0")


# -- (device_id, session_id) keys (item 6) ---------------------------------------------------------

def twin(s: SessionSummary, **change: object) -> SessionSummary:
    """The same summary with fields changed (re-validated)."""
    return SessionSummary.model_validate(json.loads(s.model_dump_json()) | change)


def test_same_session_id_on_two_devices_is_two_rows(tmp_path: Path) -> None:
    store = SqliteClinicStore(tmp_path / "clinic.db")
    a = sample_summary(random.Random(5), device_id="kiosk-a")
    b = twin(a, device_id="kiosk-b", patient_ref="P0777")
    assert store.put_summary(a, a.model_dump_json()) == "stored"
    assert store.put_summary(b, b.model_dump_json()) == "stored"        # was acked "duplicate" and dropped
    assert sorted(store.summary_keys()) == [("kiosk-a", a.session_id), ("kiosk-b", a.session_id)]
    assert store.patient_summaries("P0777")[0]["device_id"] == "kiosk-b"
    assert json.loads(store.summary_payload(a.session_id, "kiosk-b"))["patient_ref"] == "P0777"
    with pytest.raises(AmbiguousSession, match="kiosk-a, kiosk-b"):
        store.summary_payload(a.session_id)
    store.close()
    with pytest.raises(FhirExportError, match="name the device"):
        load_summary(str(tmp_path / "clinic.db"), a.session_id)
    assert load_summary(str(tmp_path / "clinic.db"), a.session_id, "kiosk-b").patient_ref == "P0777"


def test_conflicting_resend_never_overwrites(tmp_path: Path) -> None:
    store = SqliteClinicStore(tmp_path / "clinic.db")
    a = sample_summary(random.Random(6), device_id="kiosk-a")
    first = a.model_dump_json()
    assert store.put_summary(a, first) == "stored"
    same = json.dumps(json.loads(first), indent=2, sort_keys=True)     # same content, other bytes
    assert store.put_summary(a, same) == "duplicate"
    changed = twin(a, patient_ref="P0666")
    assert store.put_summary(changed, changed.model_dump_json()) == "conflict"
    assert store.summary_payload(a.session_id, "kiosk-a") == first and store.count_summaries() == 1
    assert store.patient_summaries("P0666") == []
    store.close()


OLD_SCHEMA = """
CREATE TABLE session_summaries (session_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, patient_ref TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL, schema_version INTEGER NOT NULL, app_version TEXT NOT NULL,
    hb_grade INTEGER, sunnybrook_composite REAL, affected_side TEXT, clarity_score REAL, msii REAL,
    payload TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX session_summaries_patient ON session_summaries (patient_ref, started_at);
CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,
    payload_bytes INTEGER NOT NULL, reason TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE VIEW patient_summary AS SELECT patient_ref, COUNT(*) AS sessions FROM session_summaries GROUP BY patient_ref;
"""


def test_existing_sqlite_file_is_migrated_to_device_keys(tmp_path: Path) -> None:
    """A clinic.db written before the (device, session) key keeps its rows and takes a second device's
    session with the same id afterwards."""
    from clinic.store.base import summary_columns

    path = tmp_path / "clinic.db"
    a = sample_summary(random.Random(7), device_id="kiosk-a", patient_ref="P0042")
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        cols = summary_columns(a) | {"payload": a.model_dump_json(), "received_at": "2026-03-02T10:00:00+00:00"}
        del cols["protocol"]                           # a column of a later version
        conn.execute(f"INSERT INTO session_summaries ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     list(cols.values()))
        conn.execute("INSERT INTO dead_letters (topic, payload, payload_bytes, reason, received_at) "
                     "VALUES ('t', x'00', 1, 'old', 'now')")
    conn.close()
    store = SqliteClinicStore(path)
    assert store.migrated == [1, 2, 3]
    assert [r[0] for r in store._conn.execute("SELECT protocol FROM session_summaries")] == ["palsy"]
    assert store.summary_keys() == [("kiosk-a", a.session_id)] and store.count_dead_letters() == 1
    b = twin(a, device_id="kiosk-b")
    assert store.put_summary(b, b.model_dump_json()) == "stored"
    assert store.put_summary(a, a.model_dump_json()) == "duplicate"
    assert {r["patient_ref"]: r["devices"] for r in store.patient_overview()} == {"P0042": 2}
    store.close()
    again = SqliteClinicStore(path)
    assert again.migrated == [] and again.count_summaries() == 2
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3
    again.close()


def test_decline_flag_takes_any_composite_the_scoring_can_produce() -> None:
    """A decline to a negative composite (arithmetic minimum -15) must not make the session unsaveable;
    a non-finite or out-of-range one is refused."""
    a = sample_assessment(random.Random(4))
    flag = {"today_composite": -6.0, "drop_points": 40.0, "reference": "previous", "reference_composite": 34.0,
            "reference_at": "2026-02-23T09:00:00+00:00", "previous_session_at": "2026-02-23T09:00:00+00:00"}
    args = dict(session_id="s-2", device_id="kiosk-a", patient_ref="P1", started_at="2026-03-02T09:00:00+00:00",
                finished_at="2026-03-02T09:04:00+00:00", assessment=a, model_versions={}, app_version="0.1.0")
    s = build_summary(**args, decline=flag)
    assert parse_summary(s.model_dump_json()).decline.today_composite == -6.0
    with pytest.raises(SchemaError, match="decline.drop_points"):
        parse_summary(s.model_dump_json().replace('"drop_points":40.0', '"drop_points":1e308'))
    with pytest.raises(SchemaError, match="decline.today_composite"):
        build_summary(**args, decline=flag | {"today_composite": -40.0})
