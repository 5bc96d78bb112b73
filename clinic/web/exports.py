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
HEADER = ("clinic_id", "device_id", "patient_ref", "session_id", "started_at_utc", "received_at_utc",
          *[c for c, _ in COLUMNS])


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


def csv_row(row: dict[str, Any]) -> list[Any]:
    s = json.loads(row["payload"])
    cells = [row["clinic_id"], row["device_id"], row["patient_ref"], row["session_id"],
             as_datetime(row["started_at"]).isoformat(), as_datetime(row["received_at"]).isoformat()]
    return [safe_cell(v) for v in cells + [dig(s, p) for _, p in COLUMNS]]


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
