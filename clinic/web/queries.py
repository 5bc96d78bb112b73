"""Every SQL statement of the dashboard, parameterised, on SQLite and PostgreSQL alike.

Visibility: a summary belongs to the clinic of its device (``web_device``; a device no
admin assigned belongs to ``default``), resolved by join at read time, so the receiver and
its migrations stay untouched. Every function takes the caller's clinic ids and adds
``COALESCE(d.clinic_id, 'default') IN (...)``; values are always bound parameters (only the
number of ``%s`` placeholders is formatted into the text).

Indexes used (docs/clinic-server.md#indexes): ``session_summaries_patient (patient_ref,
started_at)`` for the patient page and its downloads; ``web_device`` primary key for the
join; the patient list and the devices page aggregate the visible rows in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from django.db import connection

from clinic.web.models import DEFAULT_CLINIC

PAGE_SIZE = 50

_VISIBLE = ("FROM session_summaries s LEFT JOIN web_device d ON d.device_id = s.device_id "
            "WHERE COALESCE(d.clinic_id, %s) IN ({marks})")


def _scope(clinics: Sequence[str]) -> tuple[str, list[Any]]:
    if not clinics:
        raise ValueError("no clinics: nothing is visible")
    return _VISIBLE.format(marks=", ".join(["%s"] * len(clinics))), [DEFAULT_CLINIC, *clinics]


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


def patient_page(clinics: Sequence[str], q: str = "", page: int = 1,
                 page_size: int = PAGE_SIZE) -> tuple[list[PatientRow], int]:
    """Visible patients (latest visit first) matching ``q`` in their reference, one page; and the total."""
    scope, params = _scope(clinics)
    where, wparams = (" AND LOWER(s.patient_ref) LIKE LOWER(%s) ESCAPE '\\'", [_like(q)]) if q else ("", [])
    vis = f"SELECT s.patient_ref, s.device_id, s.started_at, s.sunnybrook_composite, s.hb_grade, s.clarity_score {scope}{where}"
    total = _rows(f"SELECT COUNT(DISTINCT v.patient_ref) AS n FROM ({vis}) v", params + wparams)[0]["n"]
    sql = f"""
WITH vis AS ({vis}),
page AS (SELECT patient_ref, MAX(started_at) AS last_at FROM vis GROUP BY patient_ref
         ORDER BY last_at DESC, patient_ref LIMIT %s OFFSET %s),
ranked AS (
  SELECT vis.*, ROW_NUMBER() OVER w_desc AS rn, COUNT(*) OVER w_all AS n,
         MIN(vis.started_at) OVER w_all AS first_at,
         FIRST_VALUE(vis.sunnybrook_composite) OVER (PARTITION BY vis.patient_ref ORDER BY vis.started_at
             ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_composite
  FROM vis JOIN page ON page.patient_ref = vis.patient_ref
  WINDOW w_desc AS (PARTITION BY vis.patient_ref ORDER BY vis.started_at DESC),
         w_all AS (PARTITION BY vis.patient_ref))
SELECT * FROM ranked WHERE rn <= 2"""
    rows = _rows(sql, params + wparams + [page_size, max(0, page - 1) * page_size])
    latest = {r["patient_ref"]: r for r in rows if r["rn"] == 1}
    previous = {r["patient_ref"]: r for r in rows if r["rn"] == 2}
    out = []
    for ref, r in latest.items():
        p = previous.get(ref)
        out.append(PatientRow(ref, int(r["n"]), as_datetime(r["first_at"]), as_datetime(r["started_at"]),
                              r["device_id"], r["sunnybrook_composite"],
                              p["sunnybrook_composite"] if p else None, r["first_composite"], r["hb_grade"],
                              r["clarity_score"]))
    out.sort(key=lambda x: (-x.last_at.timestamp(), x.patient_ref))
    return out, int(total)


def device_last_contact(clinics: Sequence[str], devices: Sequence[str]) -> dict[str, datetime]:
    """Latest arrival (received_at) of a summary from each of ``devices``."""
    if not devices:
        return {}
    scope, params = _scope(clinics)
    marks = ", ".join(["%s"] * len(devices))
    rows = _rows(f"SELECT s.device_id, MAX(s.received_at) AS last {scope} AND s.device_id IN ({marks}) "
                 "GROUP BY s.device_id", params + list(devices))
    return {r["device_id"]: as_datetime(r["last"]) for r in rows}


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
