"""Every SQL statement of the dashboard, parameterised, on SQLite and PostgreSQL alike.

Visibility: a summary belongs to the clinic of its device (``web_device``; a device no
admin assigned belongs to ``default``), resolved by join at read time, so the receiver and
its migrations stay untouched. Every function takes the caller's clinic ids and adds
``COALESCE(d.clinic_id, 'default') IN (...)``; values are always bound parameters (only the
number of ``%s`` placeholders is formatted into the text).

Indexes used (docs/clinic-server.md#indexes): ``session_summaries_patient (patient_ref,
started_at)`` for the patient page, its downloads and the patient list's page of patients;
``web_summaries_device_protocol (device_id, patient_ref, started_at, protocol)`` (covering the patient list's aggregate
and its Parkinson's filter) (:data:`INDEXES`) from a clinic's devices
into their sessions; ``web_device_clinic`` for a clinic's devices. The patient list and the
devices page aggregate the visible rows in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from django.db import connection

from clinic.web.ids import DEFAULT_CLINIC

PAGE_SIZE = 50

_ASSIGNED = ("FROM session_summaries s JOIN web_device d ON d.device_id = s.device_id "
             "WHERE d.clinic_id IN ({marks})")
_WITH_DEFAULT = ("FROM session_summaries s LEFT JOIN web_device d ON d.device_id = s.device_id "
                 "WHERE COALESCE(d.clinic_id, %s) IN ({marks})")

#: Created at every start (idempotent) so the join from a clinic's devices into session_summaries
#: is an index range scan; the receiver's own migrations stay untouched.
INDEXES = ("CREATE INDEX IF NOT EXISTS web_summaries_device_protocol ON session_summaries "
           "(device_id, patient_ref, started_at, protocol)",
           "DROP INDEX IF EXISTS web_summaries_device")     # the same without protocol (before schema v2)


def _scope(clinics: Sequence[str]) -> tuple[str, list[Any]]:
    """FROM/WHERE restricting ``s`` (session_summaries) to the devices of ``clinics``, and its parameters.

    Without the default clinic an inner join from ``web_device`` (index on device_id); with it,
    devices nobody assigned count too (left join)."""
    if not clinics:
        raise ValueError("no clinics: nothing is visible")
    marks = ", ".join(["%s"] * len(clinics))
    if DEFAULT_CLINIC in clinics:
        return _WITH_DEFAULT.format(marks=marks), [DEFAULT_CLINIC, *clinics]
    return _ASSIGNED.format(marks=marks), list(clinics)


def _rows(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def as_datetime(v: Any) -> datetime | None:
    """UTC datetime from a PostgreSQL timestamptz or a SQLite ISO-8601 text."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc)
    return datetime.fromisoformat(str(v).replace("Z", "+00:00")).astimezone(timezone.utc)


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class PatientRow:
    """One line of the patient list."""

    patient_ref: str
    sessions: int
    first_at: datetime
    last_at: datetime
    last_device: str
    latest_composite: float | None
    previous_composite: float | None
    first_composite: float | None
    latest_hb: int | None
    latest_clarity: float | None
    parkinson_sessions: int = 0     # sessions of the Parkinson's protocol


def patient_page(clinics: Sequence[str], q: str = "", page: int = 1,
                 page_size: int = PAGE_SIZE, parkinson_only: bool = False) -> tuple[list[PatientRow], int]:
    """Visible patients (latest visit first) matching ``q`` in their reference, one page; and the total.
    ``parkinson_only``: only patients with a Parkinson's-protocol session.

    Two statements: one pass over the visible rows for the page and the total, then the page's
    patients' sessions through the ``(patient_ref, started_at)`` index."""
    scope, params = _scope(clinics)
    where, wparams = (" AND LOWER(s.patient_ref) LIKE LOWER(%s) ESCAPE '\\'", [_like(q)]) if q else ("", [])
    having = " HAVING SUM(CASE WHEN s.protocol = 'parkinson' THEN 1 ELSE 0 END) > 0" if parkinson_only else ""
    head = _rows(f"SELECT p.patient_ref, p.last_at, p.n, p.pd, COUNT(*) OVER () AS total FROM "
                 f"(SELECT s.patient_ref, MAX(s.started_at) AS last_at, COUNT(*) AS n, "
                 f"SUM(CASE WHEN s.protocol = 'parkinson' THEN 1 ELSE 0 END) AS pd {scope}{where} "
                 f"GROUP BY s.patient_ref{having}) p ORDER BY p.last_at DESC, p.patient_ref LIMIT %s OFFSET %s",
                 params + wparams + [page_size, max(0, page - 1) * page_size])
    if not head:
        return [], 0 if page == 1 else patient_page(clinics, q, 1, page_size, parkinson_only)[1]
    pd_counts = {r["patient_ref"]: int(r["pd"] or 0) for r in head}
    refs = [r["patient_ref"] for r in head]
    counts = {r["patient_ref"]: int(r["n"]) for r in head}
    marks = ", ".join(["%s"] * len(refs))
    firsts = ", ".join(["(%s, %s)"] * len(refs))       # the first session of each is number n, newest first
    rows = _rows(f"SELECT * FROM (SELECT s.patient_ref, s.device_id, s.started_at, s.sunnybrook_composite, "
                 f"s.hb_grade, s.clarity_score, "
                 f"ROW_NUMBER() OVER (PARTITION BY s.patient_ref ORDER BY s.started_at DESC, s.session_id DESC) AS rn "
                 f"{scope} AND s.patient_ref IN ({marks})) x "
                 f"WHERE x.rn <= 2 OR (x.patient_ref, x.rn) IN (VALUES {firsts})",
                 params + refs + [v for ref in refs for v in (ref, counts[ref])])
    by_rank = {(r["patient_ref"], int(r["rn"])): r for r in rows}
    out = []
    for ref in refs:
        n = counts[ref]
        last, prev, f = by_rank.get((ref, 1)), by_rank.get((ref, 2)), by_rank.get((ref, n))
        if last is None or f is None:
            continue
        out.append(PatientRow(ref, n, as_datetime(f["started_at"]), as_datetime(last["started_at"]),
                              last["device_id"], last["sunnybrook_composite"],
                              prev["sunnybrook_composite"] if prev else None, f["sunnybrook_composite"],
                              last["hb_grade"], last["clarity_score"], pd_counts[ref]))
    return out, int(head[0]["total"])


def device_last_contact(clinics: Sequence[str], devices: Sequence[str]) -> dict[str, datetime]:
    """Latest arrival (received_at) of a summary from each of ``devices``."""
    if not devices:
        return {}
    scope, params = _scope(clinics)
    marks = ", ".join(["%s"] * len(devices))
    rows = _rows(f"SELECT s.device_id, MAX(s.received_at) AS last {scope} AND s.device_id IN ({marks}) "
                 "GROUP BY s.device_id", params + list(devices))
    return {r["device_id"]: as_datetime(r["last"]) for r in rows}


def parkinson_trend(clinics: Sequence[str], patient_ref: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The patient's visible ``parkinson_measures`` rows of ``keys``, oldest first (index
    ``parkinson_measures_trend (patient_ref, key, started_at)``)."""
    if not keys:
        return []
    scope, params = _scope(clinics)
    scope = scope.replace("FROM session_summaries s", "FROM parkinson_measures m JOIN session_summaries s "
                          "ON s.device_id = m.device_id AND s.session_id = m.session_id", 1)
    marks = ", ".join(["%s"] * len(keys))
    rows = _rows(f"SELECT m.session_id, m.device_id, m.started_at, m.key, m.value, m.unit, m.status {scope} "
                 f"AND m.patient_ref = %s AND m.key IN ({marks}) ORDER BY m.started_at, m.session_id, m.key",
                 params + [patient_ref, *keys])
    for r in rows:
        r["started_at"] = as_datetime(r["started_at"])
    return rows


def patient_sessions(clinics: Sequence[str], patient_ref: str) -> list[dict[str, Any]]:
    """The patient's visible sessions, oldest first, with the payload (empty = not visible)."""
    scope, params = _scope(clinics)
    return _rows(f"SELECT s.session_id, s.device_id, s.started_at, s.received_at, s.payload {scope} "
                 "AND s.patient_ref = %s ORDER BY s.started_at, s.session_id", params + [patient_ref])


def devices(clinics: Sequence[str]) -> list[dict[str, Any]]:
    """Per visible device: clinic, sessions, patients, last contact, and its latest summary's versions."""
    scope, params = _scope(clinics)
    agg = _rows(f"SELECT s.device_id, COALESCE(d.clinic_id, %s) AS clinic_id, COUNT(*) AS sessions, "
                f"COUNT(DISTINCT s.patient_ref) AS patients, MAX(s.received_at) AS last_contact, "
                f"MAX(s.started_at) AS last_session {scope} GROUP BY s.device_id, d.clinic_id",
                [DEFAULT_CLINIC] + params)
    latest = _rows(f"SELECT * FROM (SELECT s.device_id, s.app_version, s.finished_at, s.received_at, s.payload, "
                   f"ROW_NUMBER() OVER (PARTITION BY s.device_id ORDER BY s.received_at DESC) AS rn {scope}) x "
                   "WHERE x.rn = 1", params)
    by_dev = {r["device_id"]: r for r in latest}
    for r in agg:
        r["latest"] = by_dev.get(r["device_id"])
    return agg


def export_rows(clinics: Sequence[str], patient_ref: str | None = None) -> Iterator[dict[str, Any]]:
    """Every visible session (or one patient's) with its payload, oldest first, streamed."""
    scope, params = _scope(clinics)
    sql = (f"SELECT s.session_id, s.device_id, COALESCE(d.clinic_id, %s) AS clinic_id, s.patient_ref, "
           f"s.started_at, s.received_at, s.payload {scope}")
    params = [DEFAULT_CLINIC] + params
    if patient_ref is not None:
        sql += " AND s.patient_ref = %s"
        params.append(patient_ref)
    sql += " ORDER BY s.patient_ref, s.started_at, s.session_id"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c[0] for c in cur.description]
        while batch := cur.fetchmany(500):
            for r in batch:
                yield dict(zip(names, r))
