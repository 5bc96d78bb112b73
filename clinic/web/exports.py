"""Downloads: CSV for a study (one row per session, units in the column names) and FHIR R4 bundles.

CSV cells that a spreadsheet would run as a formula (text starting with ``= + - @``, tab or
CR) are prefixed with ``'`` (OWASP CSV injection); numbers are written as numbers.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Iterator

from clinic.fhir import session_bundle
from clinic.web.queries import as_datetime
from wire.schema import parse_summary

_REGIONS = ("brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker")

#: (column, path in the summary). Units: _mm millimetres, _pct per cent, _sps syllables/s, _s seconds,
#: _hz hertz, _db decibels; closure 0..1; ratio = smaller/larger side (1 = symmetric); scores 0..100.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("app_version", ("app_version",)),
    ("hb_grade_estimate", ("facial", "house_brackmann", "grade")),
    ("sunnybrook_composite", ("facial", "sunnybrook", "composite")),
    ("sunnybrook_resting", ("facial", "sunnybrook", "resting")),
    ("sunnybrook_voluntary", ("facial", "sunnybrook", "voluntary")),
    ("sunnybrook_synkinesis", ("facial", "sunnybrook", "synkinesis")),
    ("affected_side", ("facial", "affected_side")),
    ("severity_class", ("facial", "severity_class")),
    *[(f"{r}_{k}", ("facial", "regions", r, k)) for r in _REGIONS
      for k in (("left_closure", "right_closure", "ratio") if r.startswith("eye") else ("left_mm", "right_mm", "ratio"))],
    ("clarity_score", ("speech", "clarity_score")),
    ("msii", ("speech", "msii")),
    ("mpt_s", ("speech", "voice", "mpt_s")),
    ("f0_mean_hz", ("speech", "voice", "f0_mean_hz")),
    ("jitter_local_pct", ("speech", "voice", "jitter_local_pct")),
    ("shimmer_local_pct", ("speech", "voice", "shimmer_local_pct")),
    ("hnr_db", ("speech", "voice", "hnr_db")),
    ("cpps_db", ("speech", "voice", "cpps_db")),
    *[(f"ddk_{s}_rate_sps", ("speech", "ddk", s, "rate_sps")) for s in ("pa", "ta", "ka", "pataka")],
    ("phone_accuracy_pct", ("speech", "intelligibility", "phone_accuracy_pct")),
    ("bilabial_accuracy_pct", ("speech", "intelligibility", "bilabial_accuracy_pct")),
    ("speaking_rate_sps", ("speech", "intelligibility", "speaking_rate_sps")),
)
#: Parkinson's screening measures (schema v2, docs/wire-format.md#parkinsons-section) by their stable key;
#: the unit is in the key (st semitones, db decibels, sps syllables/s, pct per cent, mm_s mm/s, ms).
PD_KEYS = ("speech.f0_sd_st", "speech.intensity_sd_db", "speech.speech_rate_sps", "speech.pause_ratio_pct",
           "speech.ddk_rate_sps", "speech.ddk_cv_pct", "expression.spontaneous_mm_s", "blink.rate_per_min",
           "blink.duration_ms")
#: Tremor findings (site, step): detected (true/false/empty = not measured), frequency_hz, amplitude_mm.
PD_TREMOR = (("head", "sit_still"), ("jaw", "sit_still"), ("hand_left", "hands_lap"), ("hand_right", "hands_lap"),
             ("hand_left", "hands_up"), ("hand_right", "hands_up"))
PD_HEADER = ("protocol", *[f"pd_{k.replace('.', '_')}" for k in PD_KEYS],
             *[f"pd_tremor_{site}_{step}_{f}" for site, step in PD_TREMOR
               for f in ("detected", "frequency_hz", "amplitude_mm")])
HEADER = ("clinic_id", "device_id", "patient_ref", "session_id", "started_at_utc", "received_at_utc",
          *[c for c, _ in COLUMNS], *PD_HEADER)


def dig(obj: Any, path: tuple[str, ...]) -> Any:
    for k in path:
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj


def safe_cell(v: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula."""
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    text = str(v)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def pd_cells(summary: dict[str, Any]) -> list[Any]:
    """The :data:`PD_HEADER` cells of one summary (empty for a palsy session)."""
    pd = summary.get("parkinson") or {}
    values = {m["key"]: m["value"] for m in pd.get("measures") or ()}
    tremor = {(t["site"], t["step"]): t for t in pd.get("tremor") or ()}
    cells: list[Any] = [summary.get("protocol", "palsy"), *[values.get(k) for k in PD_KEYS]]
    for key in PD_TREMOR:
        t = tremor.get(key) or {}
        detected = t.get("detected")
        cells += [None if detected is None else str(detected).lower(), t.get("frequency_hz"), t.get("amplitude_mm")]
    return cells


def csv_row(row: dict[str, Any]) -> list[Any]:
    s = json.loads(row["payload"])
    cells = [row["clinic_id"], row["device_id"], row["patient_ref"], row["session_id"],
             as_datetime(row["started_at"]).isoformat(), as_datetime(row["received_at"]).isoformat()]
    return [safe_cell(v) for v in cells + [dig(s, p) for _, p in COLUMNS] + pd_cells(s)]


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one CSV line per stored session (streamed)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow(csv_row(r))
        if buf.tell() > 64 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def fhir_json(payload: str, pdf: bytes | None = None) -> str:
    """The session's FHIR R4 transaction Bundle (clinic/fhir.py), with the clinician PDF attached."""
    bundle = session_bundle(parse_summary(payload), pdf)
    return json.dumps(json.loads(bundle.model_dump_json(exclude_none=True)), indent=1)
