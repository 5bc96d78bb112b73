"""FHIR R4 export: the bundle validates with fhir.resources (R4B models), carries the
summary's measures and scores with units, and attaches the clinician PDF, read back."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import sqlite3
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from clinic.store.sqlite import SqliteClinicStore
from clinic.fhir import CODE_SYSTEM, FhirExportError, main, session_bundle
from kiosk.demo.samples import sample_summary


def make_pdf(text: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def resources(bundle: Bundle) -> dict[str, list[dict]]:
    data = json.loads(bundle.model_dump_json(exclude_none=True))
    out: dict[str, list[dict]] = {}
    for e in data["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def components(obs: dict) -> dict[str, dict]:
    return {c["code"]["coding"][0]["code"]: c for c in obs["component"]}


def test_bundle_validates_and_carries_the_scores() -> None:
    s = sample_summary(random.Random(7), device_id="kiosk-a", patient_ref="P0042")
    pdf = make_pdf("Clinician report P0042")
    bundle = session_bundle(s, pdf)
    again = Bundle.model_validate_json(bundle.model_dump_json())          # R4B round trip
    assert again.type == "transaction" and len(again.entry) == 5
    res = resources(bundle)
    assert res["Patient"][0]["identifier"][0]["value"] == "P0042"
    face = components(next(o for o in res["Observation"] if o["code"]["coding"][0]["code"] == "facial-assessment"))
    speech = components(next(o for o in res["Observation"] if o["code"]["coding"][0]["code"] == "speech-assessment"))
    f, sp = s.facial, s.speech
    assert face["facial.regions.smile.left_mm"]["valueQuantity"] == {
        "value": f.regions["smile"].left_mm, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}
    assert face["facial.regions.brow.ratio"]["valueQuantity"]["value"] == f.regions["brow"].ratio
    assert face["facial.sunnybrook.composite"]["valueQuantity"]["value"] == f.sunnybrook.composite
    assert face["facial.house_brackmann.grade"]["valueInteger"] == f.house_brackmann.grade
    assert face["facial.affected_side"]["valueString"] == f.affected_side
    assert "facial.sunnybrook.inputs" not in face and not any(k.startswith("facial.steps") for k in face)
    assert speech["speech.ddk.pa.rate_sps"]["valueQuantity"]["unit"] == "syll/s"
    assert speech["speech.ddk.pa.rate_sps"]["valueQuantity"]["value"] == sp.ddk["pa"]["rate_sps"]
    assert speech["speech.voice.jitter_local_pct"]["valueQuantity"]["code"] == "%"
    assert speech["speech.clarity_score"]["valueQuantity"]["value"] == sp.clarity_score
    absent = speech["speech.voice.cpps_db"]                                  # null in the summary
    assert "valueQuantity" not in absent and absent["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert all(c["code"]["coding"][0]["system"] == CODE_SYSTEM for c in face.values())
    report = res["DiagnosticReport"][0]
    assert report["status"] == "preliminary" and len(report["result"]) == 2
    assert f"House-Brackmann estimate {f.house_brackmann.roman}" in report["conclusion"]
    assert "not a diagnosis" in report["conclusion"]
    form = report["presentedForm"][0]
    raw = base64.b64decode(form["data"])
    assert raw == pdf and form["size"] == len(pdf)
    assert base64.b64decode(form["hash"]) == hashlib.sha1(pdf).digest()
    assert "Clinician report P0042" in PdfReader(io.BytesIO(raw)).pages[0].extract_text()


def test_session_without_speech_and_without_pdf() -> None:
    s = sample_summary(random.Random(8))
    s = s.model_copy(update={"speech": None})
    res = resources(session_bundle(s))
    assert len(res["Observation"]) == 1 and "presentedForm" not in res["DiagnosticReport"][0]


def test_not_a_pdf_is_refused() -> None:
    with pytest.raises(FhirExportError, match="not a PDF"):
        session_bundle(sample_summary(random.Random(9)), b"<html>oops</html>")


def test_cli_exports_from_the_clinic_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = sample_summary(random.Random(10))
    db = tmp_path / "clinic.db"
    store = SqliteClinicStore(db)
    store.insert_summary(s, s.model_dump_json())
    store.close()
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(make_pdf("x"))
    out = tmp_path / "bundle.json"
    assert main([s.session_id, "--db", str(db), "--pdf", str(pdf), "-o", str(out)]) == 0
    bundle = Bundle.model_validate_json(out.read_text())
    assert bundle.identifier.value == s.session_id
    assert main(["no-such-session", "--db", str(db)]) == 1
    assert "not in the clinic database" in capsys.readouterr().err
    assert main([s.session_id, "--db", str(tmp_path / "missing.db")]) == 1
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM session_summaries").fetchone()[0] == 1   # export is read-only


def test_parkinson_section_as_an_observation_with_ucum_units_and_ranges() -> None:
    """A schema-v2 session: one more Observation, a component per measure with its UCUM unit, healthy
    range (with source) and L/H/N interpretation, and the tremor findings; validates as R4B."""
    from kiosk.demo.samples import sample_pd_summary as pd_summary
    s = pd_summary(random.Random(3))
    bundle = Bundle.model_validate_json(session_bundle(s).model_dump_json())
    res = resources(bundle)
    pd = components(next(o for o in res["Observation"] if o["code"]["coding"][0]["code"] == "parkinson-screening"))
    by_key = {m.key: m for m in s.parkinson.measures}
    assert set(by_key) <= set(pd)
    f0 = pd["speech.f0_sd_st"]
    m = by_key["speech.f0_sd_st"]
    assert f0["valueQuantity"] == {"value": m.value, "unit": "st", "system": "http://unitsofmeasure.org",
                                   "code": "{semitone}"}
    assert f0["referenceRange"][0]["low"]["value"] == m.reference.low and "Rusz" in f0["referenceRange"][0]["text"]
    want = {"typical": "N", "outside": "L"}[m.status]
    assert f0["interpretation"][0]["coding"][0]["code"] == want
    assert pd["speech.pause_ratio_pct"]["valueQuantity"]["code"] == "%"
    assert pd["blink.rate_per_min"]["valueQuantity"]["code"] == "/min"
    assert pd["blink.duration_ms"]["dataAbsentReason"]["text"] == by_key["blink.duration_ms"].reason
    jaw = next(t for t in s.parkinson.tremor if t.site == "jaw")
    assert pd["tremor.jaw.sit_still"]["valueBoolean"] is jaw.detected
    assert pd["tremor.jaw.sit_still.amplitude_mm"]["valueQuantity"]["value"] == jaw.amplitude_mm
    assert pd["tremor.hand_left.hands_lap"]["dataAbsentReason"]["text"] == "hands not in view"
    report = res["DiagnosticReport"][0]
    assert len(report["result"]) == 3 and "Parkinson's screening" in report["conclusion"]
