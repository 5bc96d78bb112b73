"""FHIR R4 export of one session for the clinic's record system.

Each session becomes a FHIR R4 ``transaction`` Bundle:

- ``Patient`` identified only by the clinic reference (``patient_ref``; conditional create,
  so re-exporting never duplicates the patient),
- ``Device``: the kiosk (device id, software version),
- ``Observation`` "facial symmetry assessment" and ``Observation`` "speech assessment", one
  component per measure or score, coded in a local CodeSystem (:data:`CODE_SYSTEM`) with the
  summary's key path as the code (``facial.regions.smile.left_mm``) and UCUM units taken
  from the key's unit suffix (``_mm`` mm, ``_pct`` %, ``_sps`` /s, ``_db`` dB, ``_hz`` Hz, ``_s`` s);
  a measure that could not be taken carries ``dataAbsentReason`` instead of a value,
- ``Observation`` "Parkinson's screening measures" for a schema-v2 session with that section:
  one component per measure (code: its stable key, e.g. ``speech.f0_sd_st``; UCUM unit from
  :data:`PD_UCUM`; ``referenceRange`` = the healthy range with its source; ``interpretation``
  L/H when outside in the sign's direction, N when typical) and per tremor finding (detected,
  frequency Hz, amplitude mm),
- ``DiagnosticReport`` referencing them, with the clinician PDF base64-encoded in
  ``presentedForm`` when one is given.

Status is ``preliminary`` throughout: the values are automated estimates for decision
support, to be reviewed by a clinician, not a diagnosis; the disclaimer travels in the
report's ``conclusion``. Validated with ``fhir.resources.R4B`` (fhir.resources 8 defaults to
R5; R4B is wire-compatible with R4 for these resources).

    python -m clinic.fhir SESSION_ID --db clinic.db|postgresql://... [--pdf report.pdf] -o bundle.json
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sqlite3
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from fhir.resources.R4B.bundle import Bundle

from wire.schema import ParkinsonPart, SchemaError, SessionSummary, parkinson_of, parse_summary

CODE_SYSTEM = "http://facial-palsy-kiosk.invalid/fhir/CodeSystem/kiosk-measures"
PATIENT_SYSTEM = "http://facial-palsy-kiosk.invalid/fhir/sid/patient-ref"
DEVICE_SYSTEM = "http://facial-palsy-kiosk.invalid/fhir/sid/device-id"
UCUM = "http://unitsofmeasure.org"
ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_NS = uuid.UUID("6f1c8a52-4c1e-4f7a-9d7e-2b6c0f5f1a10")   # uuid5 namespace: stable ids per session

# Unit suffix of a key -> (UCUM code, human unit). Ratios and closure fractions are unitless.
_UNITS = (("mm_per_px", "mm/{px}", "mm/px"), ("_mm", "mm", "mm"), ("_pct", "%", "%"), ("_sps", "/s", "syll/s"), ("_db", "dB", "dB"),
          ("_hz", "Hz", "Hz"), ("_s", "s", "s"))
_UNITLESS = ("ratio", "closure", "confidence")
#: Parkinson's measure unit (wire.schema.PARKINSON_UNITS) -> UCUM code. UCUM has no semitone: an
#: annotation (``{semitone}``, dimensionless) keeps the meaning without inventing a unit.
PD_UCUM = {"mm": "mm", "mm/s": "mm/s", "%": "%", "Hz": "Hz", "st": "{semitone}", "dB": "dB", "syll/s": "/s",
           "/min": "/min", "ms": "ms", "s": "s"}
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_SKIP = {"inputs", "steps"}


class FhirExportError(ValueError):
    """The session cannot be exported (not found, bad PDF, invalid bundle); the message says why."""


def _unit(key: str) -> tuple[str, str] | None:
    for suffix, ucum, human in _UNITS:
        if key.endswith(suffix):
            return ucum, human
    if key.endswith(_UNITLESS) or key in _UNITLESS:
        return "1", "ratio"
    return None


def _leaves(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(dotted key path, value) for every scalar in the nested summary part, skipping inputs/steps."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k not in _SKIP:
                yield from _leaves(v, f"{path}.{k}")
    elif not isinstance(data, list):
        yield path, data


def component(path: str, value: Any) -> dict[str, Any]:
    """One Observation.component for a measure; the code is its key path in the summary."""
    key = path.rsplit(".", 1)[-1]
    comp: dict[str, Any] = {"code": {"coding": [{"system": CODE_SYSTEM, "code": path,
                                                 "display": path.replace(".", " ").replace("_", " ")}]}}
    unit = _unit(key)
    if value is None:
        comp["dataAbsentReason"] = {"coding": [{"system": ABSENT, "code": "unknown",
                                                "display": "Unknown"}], "text": "not measured (see the step status)"}
    elif isinstance(value, bool):
        comp["valueBoolean"] = value
    elif isinstance(value, (int, float)) and unit:
        comp["valueQuantity"] = {"value": float(value), "unit": unit[1], "system": UCUM, "code": unit[0]}
    elif isinstance(value, int):
        comp["valueInteger"] = value
    elif isinstance(value, float):
        comp["valueQuantity"] = {"value": value, "unit": "score", "system": UCUM, "code": "{score}"}
    else:
        comp["valueString"] = str(value)
    return comp


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": float(value), "unit": unit, "system": UCUM, "code": PD_UCUM[unit]}


def _absent(comp: dict[str, Any], why: str | None) -> dict[str, Any]:
    comp["dataAbsentReason"] = {"coding": [{"system": ABSENT, "code": "unknown", "display": "Unknown"}],
                                "text": why or "not measured"}
    return comp


def parkinson_components(pd: ParkinsonPart) -> list[dict[str, Any]]:
    """Observation.components of the Parkinson's section: measures with healthy range and
    interpretation, then tremor findings (detected; frequency Hz; amplitude mm)."""
    out = []
    for m in pd.measures:
        comp: dict[str, Any] = {"code": {"coding": [{"system": CODE_SYSTEM, "code": m.key, "display": m.label}],
                                         "text": f"{m.label} ({m.unit})"}}
        if m.value is None:
            _absent(comp, m.reason)
        else:
            comp["valueQuantity"] = _quantity(m.value, m.unit)
            code = ("N" if m.status == "typical" else "L" if m.reference and m.reference.worse_when == "low" else "H")
            comp["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": code}]}]
        if m.reference is not None:
            r = m.reference
            comp["referenceRange"] = [{"low": _quantity(r.low, m.unit), "high": _quantity(r.high, m.unit),
                                       "text": f"healthy range {r.low:g}-{r.high:g} {m.unit} (typical {r.typical:g}); "
                                               f"{r.source}{'; provisional' if r.provisional else ''}"}]
        out.append(comp)
    for t in pd.tremor:
        base = f"tremor.{t.site}.{t.step}"
        label = f"{t.site.replace('_', ' ')} tremor, {t.condition} ({t.step})"
        found: dict[str, Any] = {"code": {"coding": [{"system": CODE_SYSTEM, "code": base, "display": label}]}}
        out.append(_absent(found, t.reason) if t.detected is None else found | {"valueBoolean": t.detected})
        for name, value, unit in (("frequency_hz", t.frequency_hz, "Hz"), ("amplitude_mm", t.amplitude_mm, "mm")):
            c: dict[str, Any] = {"code": {"coding": [{"system": CODE_SYSTEM, "code": f"{base}.{name}",
                                                      "display": f"{label}: {name.split('_')[0]}"}]}}
            out.append(_absent(c, t.reason) if value is None else c | {"valueQuantity": _quantity(value, unit)})
    return out


def _ref(kind: str, summary: SessionSummary) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, f'{kind}/{summary.session_id}')}"


def _observation(summary: SessionSummary, part: str, code: str, display: str, patient: str,
                 device: str) -> dict[str, Any] | None:
    data = getattr(summary, part, None)
    if data is None:
        return None
    if isinstance(data, ParkinsonPart):
        comps = parkinson_components(data)
        note = [{"text": data.note}, {"text": summary.disclaimer}]
    else:
        comps = [component(p, v) for p, v in _leaves(data.model_dump(mode="json", exclude_unset=True), part)]
        note = [{"text": summary.disclaimer}]
    return {
        "resourceType": "Observation", "status": "preliminary",
        "identifier": [{"system": CODE_SYSTEM + "/observation", "value": f"{summary.session_id}/{part}"}],
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "exam", "display": "Exam"}]}],
        "code": {"coding": [{"system": CODE_SYSTEM, "code": code, "display": display}], "text": display},
        "subject": {"reference": patient}, "device": {"reference": device},
        "effectivePeriod": {"start": summary.started_at.isoformat(), "end": summary.finished_at.isoformat()},
        "note": note, "component": comps,
    }


def _pdf_attachment(pdf: bytes, title: str) -> dict[str, Any]:
    if not pdf.startswith(b"%PDF-"):
        raise FhirExportError("the clinician report is not a PDF (no %PDF- header)")
    return {"contentType": "application/pdf", "language": "en", "title": title, "size": len(pdf),
            "data": base64.b64encode(pdf).decode("ascii"),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
            "creation": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _entry(full_url: str, resource: dict[str, Any], url: str, if_none_exist: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "POST", "url": url}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url, "resource": resource, "request": request}


def session_bundle(summary: SessionSummary, pdf: bytes | None = None) -> Bundle:
    """The session as a validated FHIR R4 (R4B model) transaction Bundle."""
    patient, device, report = _ref("patient", summary), _ref("device", summary), _ref("report", summary)
    entries = [
        _entry(patient, {"resourceType": "Patient", "identifier": [{"system": PATIENT_SYSTEM,
                                                                     "value": summary.patient_ref}]},
               "Patient", f"identifier={PATIENT_SYSTEM}|{summary.patient_ref}"),
        _entry(device, {"resourceType": "Device",
                        "identifier": [{"system": DEVICE_SYSTEM, "value": summary.device_id}],
                        "deviceName": [{"name": f"Facial palsy kiosk {summary.device_id}", "type": "user-friendly-name"}],
                        "version": [{"value": summary.app_version}]},
               "Device", f"identifier={DEVICE_SYSTEM}|{summary.device_id}"),
    ]
    results = []
    for part, code, display in (("facial", "facial-assessment", "Facial symmetry assessment (automated estimate)"),
                                ("speech", "speech-assessment", "Speech assessment (automated estimate)"),
                                ("parkinson", "parkinson-screening",
                                 "Parkinson's screening measures (automated; not a diagnosis)")):
        obs = _observation(summary, part, code, display, patient, device)
        if obs is not None:
            ref = _ref(part, summary)
            entries.append(_entry(ref, obs, "Observation"))
            results.append({"reference": ref})
    dr: dict[str, Any] = {
        "resourceType": "DiagnosticReport", "status": "preliminary",
        "identifier": [{"system": CODE_SYSTEM + "/report", "value": summary.session_id}],
        "code": {"coding": [{"system": CODE_SYSTEM, "code": "kiosk-session-report",
                             "display": "Facial palsy kiosk session report"}]},
        "subject": {"reference": patient},
        "effectivePeriod": {"start": summary.started_at.isoformat(), "end": summary.finished_at.isoformat()},
        "issued": summary.finished_at.isoformat(), "result": results,
        "conclusion": _conclusion(summary),
    }
    if pdf is not None:
        dr["presentedForm"] = [_pdf_attachment(pdf, f"Clinician report, session {summary.session_id}")]
    entries.append(_entry(report, dr, "DiagnosticReport"))
    data = {"resourceType": "Bundle", "type": "transaction", "timestamp": datetime.now(timezone.utc).isoformat(),
            "identifier": {"system": CODE_SYSTEM + "/bundle", "value": summary.session_id}, "entry": entries}
    try:
        return Bundle.model_validate(data)
    except ValueError as e:   # pydantic ValidationError
        raise FhirExportError(f"FHIR validation failed: {e}") from e


def _conclusion(summary: SessionSummary) -> str:
    parts = []
    f, s = summary.facial, summary.speech
    if f and f.house_brackmann and f.house_brackmann.roman:
        parts.append(f"House-Brackmann estimate {f.house_brackmann.roman}")
    if f and f.sunnybrook and f.sunnybrook.composite is not None:
        parts.append(f"Sunnybrook-style composite {f.sunnybrook.composite:g}/100")
    if f and f.affected_side:
        parts.append(f"affected side (estimate): {f.affected_side}")
    if s and s.clarity_score is not None:
        parts.append(f"Speech Clarity Score {s.clarity_score:g}/100")
    if s and s.msii is not None:
        parts.append(f"Motor-Speech Impairment Index {s.msii:g}/100")
    pd = parkinson_of(summary)
    if pd is not None:
        outside = [m.label for m in pd.measures if m.status == "outside"]
        tremor = [f"{t.site.replace('_', ' ')} ({t.condition})" for t in pd.tremor if t.detected]
        parts.append(f"Parkinson's screening: tremor seen at {', '.join(tremor) or 'no site'}; "
                     f"{len(outside)} of {len(pd.measures)} measures outside the healthy range"
                     + (f" ({', '.join(outside)})" if outside else ""))
    return "; ".join(parts) + (". " if parts else "") + summary.disclaimer


def load_summary(db: str, session_id: str, device_id: str | None = None) -> SessionSummary:
    """The stored summary of ``session_id`` (of ``device_id`` when given; needed when two devices
    used that session id) from the clinic database (SQLite path or postgresql:// URL)."""
    from clinic.store.base import AmbiguousSession

    try:
        if db.startswith(("postgresql://", "postgres://")):
            from clinic.store.postgres import PostgresClinicStore
            store = PostgresClinicStore(db)
            try:
                payload = store.summary_payload(session_id, device_id)
            finally:
                store.close()
        else:
            from clinic.store.sqlite import payload_lookup

            path = Path(db.removeprefix("sqlite://"))
            if not path.is_file():
                raise FhirExportError(f"clinic database {path} not found")
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                payload = payload_lookup(conn, session_id, device_id)
    except AmbiguousSession as e:
        raise FhirExportError(f"{e} (--device ID)") from e
    if payload is None:
        raise FhirExportError(f"session {session_id} is not in the clinic database")
    try:
        return parse_summary(payload)
    except SchemaError as e:     # stored before the schema got its ranges
        raise FhirExportError(f"stored summary of session {session_id} does not validate: {e.reason}") from e


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m clinic.fhir", description="Export one session as a FHIR R4 Bundle")
    p.add_argument("session_id")
    p.add_argument("--db", required=True, help="clinic database: SQLite path or postgresql:// URL")
    p.add_argument("--device", help="device id, when several devices stored this session id")
    p.add_argument("--pdf", type=Path, help="clinician PDF to attach (DiagnosticReport.presentedForm)")
    p.add_argument("-o", "--out", type=Path, help="output JSON file (default: stdout)")
    args = p.parse_args(argv)
    try:
        pdf = args.pdf.read_bytes() if args.pdf else None
        bundle = session_bundle(load_summary(args.db, args.session_id, args.device), pdf)
    except (FhirExportError, OSError) as e:
        print(f"fhir export: {e}", file=sys.stderr)
        return 1
    text = json.dumps(json.loads(bundle.model_dump_json(exclude_none=True)), indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
