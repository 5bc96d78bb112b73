"""Schema version 2 (issue 17 item 5): the Parkinson's section on the wire, built from the real
``kiosk.analytics.parkinson`` dataclasses, parsed as strictly as version 1, and stored by the clinic
(JSON and the ``parkinson_measures`` table queried for trends)."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.store.sqlite import SqliteClinicStore
from kiosk.analytics.parkinson import Measure, ParkinsonSummary, Reference
from kiosk.demo.samples import sample_assessment, sample_parkinson
from test_sync_fuzz import SETTINGS, _paths, json_values, outcome, replaced
from wire.schema import (MAX_MEASURES, PARKINSON_UNITS, SchemaError, SessionSummary, SessionSummaryV2, build_summary, parse_summary,
                         protocol_of)

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def pd_assessment(seed: int = 1, *, severity: float = 0.6, protocol: str | None = "parkinson",
                  parkinson: dict | None | str = "sample") -> dict:
    a = sample_assessment(random.Random(seed))
    if protocol is not None:
        a["protocol"] = protocol
    a["parkinson"] = sample_parkinson(random.Random(seed), severity=severity) if parkinson == "sample" else parkinson
    return a


def build(a: dict, *, sid: str = "s-1", device: str = "kiosk-a", patient: str = "P1",
          start: datetime = START) -> SessionSummary:
    return build_summary(session_id=sid, device_id=device, patient_ref=patient, started_at=start,
                         finished_at=start + timedelta(minutes=9), assessment=a, model_versions={"m": "1"},
                         app_version="0.2.0")


def reason(payload: str | bytes, **kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaError) as e:
        parse_summary(payload, **kw)
    return e.value.reason


GOOD = json.loads(build(pd_assessment()).model_dump_json())


def mutated(edit) -> str:  # type: ignore[no-untyped-def]
    d = json.loads(json.dumps(GOOD))
    edit(d)
    return json.dumps(d)


def test_version_follows_the_session() -> None:
    """Palsy sessions stay version 1 (an old clinic keeps reading them); Parkinson's ones are version 2."""
    palsy = build(sample_assessment(random.Random(1)))
    assert type(palsy) is SessionSummary and palsy.schema_version == 1 and protocol_of(palsy) == "palsy"
    assert "protocol" not in json.loads(palsy.model_dump_json())
    assert build(pd_assessment(protocol="palsy", parkinson=None)).schema_version == 1
    v2 = build(pd_assessment())
    assert isinstance(v2, SessionSummaryV2) and v2.schema_version == 2 and v2.protocol == "parkinson"
    empty = build(pd_assessment(parkinson=None))           # Parkinson's protocol, section not made
    assert (empty.schema_version, empty.protocol, empty.parkinson) == (2, "parkinson", None)
    with pytest.raises(SchemaError, match="protocol"):
        build(pd_assessment(protocol="migraine", parkinson=None))


def test_round_trip_carries_every_measure_but_not_extra() -> None:
    a = pd_assessment(severity=0.8)
    record = ParkinsonSummary.from_dict(a["parkinson"])
    assert record.extra                                     # the kiosk keeps per-step detail ...
    s = build(a)
    text = s.model_dump_json()
    assert '"extra"' not in text                            # ... which is not sent
    back = parse_summary(text.encode())
    assert back == s and isinstance(back, SessionSummaryV2)
    assert [m.key for m in back.parkinson.measures] == [m.key for m in record.measures]
    f0 = back.parkinson.measures[[m.key for m in back.parkinson.measures].index("speech.f0_sd_st")]
    want = record.measure("speech.f0_sd_st")
    assert (f0.value, f0.unit, f0.status) == (round(want.value, 3), "st", want.status) == (f0.value, "st", "outside")
    assert f0.reference.source == want.reference.source and f0.reference.provisional is True
    jaw = next(t for t in back.parkinson.tremor if t.site == "jaw")
    assert jaw.detected is True and jaw.amplitude_mm == round(record.tremor[1].amplitude_mm, 3)
    assert back.parkinson.note == record.note and "not a diagnosis" in back.parkinson.note
    # the section read back into the kiosk's record is the same record (minus extra)
    again = ParkinsonSummary.from_dict(json.loads(text)["parkinson"])
    assert again.measures == record.measures and again.tremor == record.tremor


def test_status_must_match_value_and_reference() -> None:
    i = [m["key"] for m in GOOD["parkinson"]["measures"]].index("speech.f0_sd_st")

    def setm(**kw):  # type: ignore[no-untyped-def]
        return mutated(lambda d: d["parkinson"]["measures"][i].update(kw))
    ref = GOOD["parkinson"]["measures"][i]["reference"]       # worse when low
    assert reason(setm(value=ref["high"], status="outside")).startswith("invalid: parkinson.measures.")
    assert "status 'outside' does not match" in reason(setm(value=ref["high"], status="outside"))
    assert "status 'typical'" in reason(setm(value=round(ref["low"] - 0.1, 3), status="typical"))
    assert "not_measured" in reason(setm(value=None, status="typical"))
    assert parse_summary(setm(value=None, status="not_measured", reason="too quiet"))
    # Measure.to_dict rounds after deciding: a value a hair under the bound rounds onto it, still "outside"
    m = Measure("speech.f0_sd_st", "speech", "F0 SD", ref["low"] - 0.0003, "st", "spontaneous",
                Reference(ref["typical"], ref["low"], ref["high"], "low", "x", True))
    assert m.status == "outside" and m.to_dict()["value"] == round(ref["low"], 3)
    assert parse_summary(setm(**m.to_dict())).schema_version == 2


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["parkinson"]["measures"][0].update(unit="furlong"), "unit 'furlong' is not one of"),
    (lambda d: d["parkinson"]["measures"][0].update(key="expression"), "String should match pattern"),
    (lambda d: d["parkinson"]["measures"][0].update(key="speech.smile.left"), "is not in domain"),
    (lambda d: d["parkinson"]["measures"][0].update(key="expression.Smile;drop"), "String should match pattern"),
    (lambda d: d["parkinson"]["measures"][0].update(value=5000.0, status="typical"), "value 5000 mm outside 0..1000"),
    (lambda d: d["parkinson"]["measures"][0].update(value=-1.0), "outside 0..1000"),
    (lambda d: d["parkinson"]["measures"][0].update(value="7.1"), "Input should be a valid number"),
    (lambda d: d["parkinson"]["measures"][0]["reference"].update(low=99.0), "reference not ordered"),
    (lambda d: d["parkinson"]["measures"][0]["reference"].update(worse_when="sideways"), "worse_when"),
    (lambda d: d["parkinson"]["measures"][0].update(extra={"frames": 3}), "Extra inputs are not permitted"),
    (lambda d: d["parkinson"].update(extra={}), "parkinson.extra: Extra inputs are not permitted"),
    (lambda d: d["parkinson"]["measures"].append(d["parkinson"]["measures"][0]), "appears twice"),
    (lambda d: d["parkinson"]["tremor"].append(d["parkinson"]["tremor"][0]), "tremor head/rest/sit_still appears twice"),
    (lambda d: d["parkinson"]["tremor"][1].update(frequency_hz=None), "a detected tremor needs frequency_hz"),
    (lambda d: d["parkinson"]["tremor"][1].update(site="knee"), "parkinson.tremor.1.site"),
    (lambda d: d["parkinson"]["tremor"][1].update(amplitude_mm=1e6), "less than or equal to 1000"),
    (lambda d: d["parkinson"].update(measures=d["parkinson"]["measures"] * (MAX_MEASURES // 9 + 1)),
     "List should have at most 128 items"),
    (lambda d: d.update(protocol="Parkinson"), "protocol: Input should be 'palsy' or 'parkinson'"),
    (lambda d: d.pop("protocol"), "protocol: Field required"),
])
def test_impossible_sections_are_refused_with_the_field_named(edit, expected) -> None:  # type: ignore[no-untyped-def]
    r = reason(mutated(edit))
    assert r.startswith("invalid: ") and expected in r, r


def test_non_standard_json_inside_the_section_is_refused() -> None:
    text = json.dumps(GOOD)
    assert reason(text.replace('"unit": "st"', '"unit": "st", "unit": "dB"', 1)) == "duplicate_key: 'unit'"
    assert text.index('"value": ') > text.index('"parkinson"')
    assert reason(text.replace('"value": ', '"value": NaN, "v": ', 1)).startswith("malformed_json: NaN")
    assert reason(text.replace('"amplitude_mm": ', '"amplitude_mm": 1e999, "a": ', 1)).startswith(
        "malformed_json: 1e999")


def test_build_turns_nan_into_not_measured() -> None:
    """A measurement that returned NaN is 'not measured' on the wire, as everywhere else; the session is saved."""
    a = pd_assessment()
    a["parkinson"]["measures"][0] |= {"value": float("nan"), "status": "typical"}
    m = build(a).parkinson.measures[0]
    assert (m.value, m.status) == (None, "not_measured")


def test_a_v1_receiver_refuses_v2_by_its_version() -> None:
    text = build(pd_assessment()).model_dump_json()
    assert reason(text, versions=frozenset({1})) == "unknown_schema_version: 2"
    palsy = build(sample_assessment(random.Random(3))).model_dump_json()
    assert parse_summary(palsy, versions=frozenset({1})).schema_version == 1


PATHS = _paths(GOOD)


@SETTINGS
@given(st.sampled_from(PATHS), json_values)
def test_one_field_of_a_real_v2_summary_replaced(path: tuple, value: object) -> None:
    """Whatever replaces one field of a real version-2 summary: a valid summary or SchemaError, nothing else."""
    outcome(replaced(GOOD, path, value))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["speech.f0_sd_st", "blink.rate_per_min", "expression.smile.left"]),
                          st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=700) | st.none(),
                          st.floats(min_value=0, max_value=50), st.floats(min_value=0, max_value=50),
                          st.sampled_from(["low", "high"])), max_size=6))
def test_any_real_measure_record_travels(items: list) -> None:  # type: ignore[type-arg]
    """Measures made by the real dataclass with any finite value and reference: the kiosk can always build
    the summary (or is told why, for a value outside physics), and the clinic parses what it built."""
    units = {"speech": "st", "blink": "/min", "expression": "mm"}
    measures, seen = [], set()
    for key, value, a, b, worse in items:
        if key in seen:
            continue
        seen.add(key)
        lo, hi = min(a, b), max(a, b)
        measures.append(Measure(key, key.split(".")[0], key, value, units[key.split(".")[0]], "sit_still",
                                Reference((lo + hi) / 2, lo, hi, worse, "test", True)))
    a = pd_assessment(parkinson=ParkinsonSummary((), tuple(measures)).to_dict())
    impossible = [m for m in measures if m.value is not None
                  and not PARKINSON_UNITS[m.unit][0] <= round(m.value, 3) <= PARKINSON_UNITS[m.unit][1]]
    try:
        s = build(a)
    except SchemaError as e:
        assert impossible and f"value {round(impossible[0].value, 3):g} {impossible[0].unit} outside" in e.reason
        return
    assert not impossible
    assert parse_summary(s.model_dump_json()) == s
    assert [m.status for m in s.parkinson.measures] == [m.status for m in measures]


def test_clinic_store_keeps_the_section_and_its_measures(tmp_path: Path) -> None:
    store = SqliteClinicStore(tmp_path / "clinic.db")
    sessions = [build(pd_assessment(seed=i, severity=0.2 * i), sid=f"s-{i}", start=START + timedelta(weeks=i))
                for i in range(4)]
    palsy = build(sample_assessment(random.Random(9)), sid="s-palsy", start=START + timedelta(days=1))
    for s in sessions + [palsy]:
        assert store.put_summary(s, s.model_dump_json()) == "stored"
    assert store.put_summary(sessions[0], sessions[0].model_dump_json()) == "duplicate"
    rows = store.parkinson_measures("P1", ["speech.f0_sd_st", "tremor.jaw.sit_still.amplitude_mm"])
    f0 = [r["value"] for r in rows if r["key"] == "speech.f0_sd_st"]
    assert f0 == [next(m.value for m in s.parkinson.measures if m.key == "speech.f0_sd_st") for s in sessions]
    assert f0 == sorted(f0, reverse=True)                  # monopitch grows with severity in the samples
    jaw = [(r["value"], r["unit"], r["status"]) for r in rows if r["key"].startswith("tremor.jaw")]
    assert jaw == [(s.parkinson.tremor[1].amplitude_mm, "mm",
                    "detected" if s.parkinson.tremor[1].detected else "not_detected") for s in sessions]
    all_rows = store.parkinson_measures("P1")
    per_session = len(sessions[0].parkinson.measures) + 2 * len(sessions[0].parkinson.tremor)
    assert len(all_rows) == 4 * per_session                # the palsy session adds none
    assert {r["status"] for r in all_rows if r["key"] == "blink.duration_ms"} == {"not_measured"}
    protocols = dict(store._conn.execute("SELECT session_id, protocol FROM session_summaries").fetchall())
    assert protocols == {**{s.session_id: "parkinson" for s in sessions}, "s-palsy": "palsy"}
    assert json.loads(store.summary_payload("s-2"))["parkinson"] == json.loads(sessions[2].model_dump_json())["parkinson"]
    store.close()


def test_kiosk_store_queues_v2_for_parkinson_sessions_and_v1_for_palsy(tmp_path: Path) -> None:
    """The kiosk side: the store's own save (assessment dict with protocol and ParkinsonSummary.to_dict())
    puts the section in the outbox payload in the session's transaction; a palsy session stays version 1."""
    from kiosk.store.repositories import Store
    from sync.outbox import Outbox

    with Store.open(tmp_path, device_id="kiosk-a") as st:
        p = st.add_patient("P0001")
        pd = st.save_session(p.id, pd_assessment(seed=4, severity=0.7), started_at="2026-03-02T09:00:00+00:00")
        palsy = st.save_session(p.id, sample_assessment(random.Random(5)), started_at="2026-03-09T09:00:00+00:00")
    ob = Outbox(tmp_path / "kiosk.db")
    rows = {r.session_id: r for r in ob.pending(10)}
    ob.close()
    sent = parse_summary(rows[pd.id].payload)
    assert (sent.schema_version, sent.protocol) == (2, "parkinson")
    want = ParkinsonSummary.from_dict(pd_assessment(seed=4, severity=0.7)["parkinson"])
    assert [m.to_dict()["value"] for m in want.measures] == [m.value for m in sent.parkinson.measures]
    assert '"extra"' not in rows[pd.id].payload
    assert parse_summary(rows[palsy.id].payload, versions=frozenset({1})).schema_version == 1


def test_the_speech_norms_travel_as_references() -> None:
    """The prosody norms of kiosk.speech.prosody as references (typical +- 2 SD, as the speech measures
    make them): a low bound below 0 (pause ratio 15 +- 2 x 8 %) and a pooled step name are valid."""
    from kiosk.speech.prosody import NORMS

    measures = tuple(Measure(f"speech.{k}", "speech", k, n.typical, n.unit, "sentence+spontaneous",
                             Reference(n.typical, round(n.typical - 2 * n.sd, 3), round(n.typical + 2 * n.sd, 3),
                                       n.worse_when, n.source, n.provisional)) for k, n in NORMS.items())
    assert any(m.reference.low < 0 for m in measures)
    s = build(pd_assessment(parkinson=ParkinsonSummary((), measures).to_dict()))
    back = parse_summary(s.model_dump_json())
    assert [m.reference.low for m in back.parkinson.measures] == [m.reference.low for m in measures]
    assert {m.step for m in back.parkinson.measures} == {"sentence+spontaneous"}
    assert all(m.status == "typical" for m in back.parkinson.measures)
    bad = json.loads(s.model_dump_json())
    bad["parkinson"]["measures"][0]["step"] = "sentence+"
    assert "String should match pattern" in reason(json.dumps(bad))
