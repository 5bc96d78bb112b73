"""Clinic database behind a narrow interface: :class:`ClinicStore`, SQLite by default.

The receiver needs only three writes/reads, so another backend (PostgreSQL in
``clinic/store/postgres.py``, class ``PostgresClinicStore(url)``) implements the same
methods with the same meaning:

``insert_summary(summary, payload) -> bool``
    Store one session summary, idempotent by its key ``(device_id, session_id)`` (INSERT ...
    ON CONFLICT DO NOTHING), committed before returning. True = newly stored, False = a row
    with that key is already there (never overwritten). Two kiosks may use the same session
    id: each device's session is its own row.
``put_summary(summary, payload) -> "stored" | "duplicate" | "conflict"``
    ``insert_summary`` plus the verdict on an existing key: the same content again is a
    ``duplicate`` (a redelivery), different content is a ``conflict`` (the receiver
    dead-letters it; the stored row stays as it was).
``dead_letter(topic, payload, reason) -> None``
    Keep a message that could not be accepted, with why; committed before returning.
``patient_summaries(patient_ref) -> list[dict]``
    That patient's sessions from every device, oldest first (the per-patient view).
``patient_overview()``, ``dead_letters()``, ``session_ids()``, ``summary_keys()``,
``summary_payload(session_id, device_id=None)``, ``count_summaries() -> int``,
``count_dead_letters() -> int``, ``close()``.

``outage_errors``: the exception types that mean the database itself is unavailable (server
down, disk full, locked); the receiver then holds messages back instead of counting them
as failures of the message (docs/security.md#receiver).

``parkinson_measures(patient_ref, keys=None)``
    That patient's Parkinson's measures, one row per session and key, oldest first (trends).

Tables: ``session_summaries`` (key columns, ``protocol``, the full JSON payload), ``dead_letters``,
``parkinson_measures`` (one row per measure of a session's Parkinson's section, written in the
summary's transaction: ``key``, ``value``, ``unit``, ``status``, indexed by patient, key and time;
tremor findings as ``tremor.<site>.<step>.amplitude_mm`` / ``.frequency_hz`` with status
``detected`` / ``not_detected`` / ``not_measured``); view ``patient_summary`` (one row per patient: sessions, devices, first/last session,
latest House-Brackmann estimate and Speech Clarity Score). All times UTC ISO-8601.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from datetime import timezone
from typing import Any, ClassVar, Literal

from wire.schema import SessionSummary, parkinson_of, protocol_of

DEAD_LETTER_MAX_BYTES = 1024 * 1024   # keep at most 1 MiB of a rejected payload

#: One row per patient across devices (the same view on SQLite and PostgreSQL).
PATIENT_SUMMARY_SELECT = """
SELECT s.patient_ref,
       COUNT(*) AS sessions,
       COUNT(DISTINCT s.device_id) AS devices,
       MIN(s.started_at) AS first_session_at,
       MAX(s.started_at) AS last_session_at,
       (SELECT l.hb_grade FROM session_summaries l WHERE l.patient_ref = s.patient_ref
         ORDER BY l.started_at DESC LIMIT 1) AS latest_hb_grade,
       (SELECT l.clarity_score FROM session_summaries l WHERE l.patient_ref = s.patient_ref
         ORDER BY l.started_at DESC LIMIT 1) AS latest_clarity_score
FROM session_summaries s GROUP BY s.patient_ref"""


def summary_columns(summary: SessionSummary) -> dict[str, Any]:
    """The key columns every backend stores next to the JSON payload."""
    f, sp = summary.facial, summary.speech
    return {
        "session_id": summary.session_id, "device_id": summary.device_id, "patient_ref": summary.patient_ref,
        "started_at": summary.started_at.astimezone(timezone.utc).isoformat(),
        "finished_at": summary.finished_at.astimezone(timezone.utc).isoformat(),
        "schema_version": summary.schema_version, "app_version": summary.app_version,
        "hb_grade": f.house_brackmann.grade if f and f.house_brackmann else None,
        "sunnybrook_composite": f.sunnybrook.composite if f and f.sunnybrook else None,
        "affected_side": f.affected_side if f else None,
        "clarity_score": sp.clarity_score if sp else None,
        "msii": sp.msii if sp else None,
        "protocol": protocol_of(summary),
    }


PARKINSON_COLUMNS = ("device_id", "session_id", "patient_ref", "started_at", "key", "value", "unit", "status")


def parkinson_rows(summary: SessionSummary) -> list[dict[str, Any]]:
    """The ``parkinson_measures`` rows of a summary (none without a Parkinson's section)."""
    pd = parkinson_of(summary)
    if pd is None:
        return []
    base = {"device_id": summary.device_id, "session_id": summary.session_id, "patient_ref": summary.patient_ref,
            "started_at": summary.started_at.astimezone(timezone.utc).isoformat()}
    rows = [base | {"key": m.key, "value": m.value, "unit": m.unit, "status": m.status} for m in pd.measures]
    for t in pd.tremor:
        status = "not_measured" if t.detected is None else "detected" if t.detected else "not_detected"
        for name, value, unit in (("amplitude_mm", t.amplitude_mm, "mm"), ("frequency_hz", t.frequency_hz, "Hz")):
            rows.append(base | {"key": f"tremor.{t.site}.{t.step}.{name}", "value": value, "unit": unit,
                                "status": status})
    return rows


PutOutcome = Literal["stored", "duplicate", "conflict"]


class AmbiguousSession(LookupError):
    """A session id stored for more than one device: the caller must say which device."""


class ClinicStore(ABC):
    """What the clinic receiver needs from its database (see the module docstring)."""

    outage_errors: ClassVar[tuple[type[BaseException], ...]] = (OSError,)

    @abstractmethod
    def insert_summary(self, summary: SessionSummary, payload: str) -> bool: ...

    def put_summary(self, summary: SessionSummary, payload: str) -> PutOutcome:
        """Insert; on an existing ``(device_id, session_id)`` tell a redelivery from a conflict."""
        if self.insert_summary(summary, payload):
            return "stored"
        stored = self.summary_payload(summary.session_id, summary.device_id)
        return "duplicate" if stored is not None and self.same_content(stored, payload) else "conflict"

    def same_content(self, stored: str, payload: str) -> bool:
        """True when ``payload`` says what the stored text says (same JSON value)."""
        return stored == payload or json.loads(stored) == json.loads(payload)

    @abstractmethod
    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None: ...

    @abstractmethod
    def parkinson_measures(self, patient_ref: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """``PARKINSON_COLUMNS`` rows of one patient (only ``keys`` if given), by time then key."""

    @abstractmethod
    def patient_summaries(self, patient_ref: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def patient_overview(self) -> list[dict[str, Any]]:
        """The ``patient_summary`` view: one row per patient across devices."""

    @abstractmethod
    def dead_letters(self) -> list[dict[str, Any]]:
        """id, topic, payload_bytes, reason, received_at of every dead letter, oldest first."""

    @abstractmethod
    def session_ids(self) -> list[str]: ...

    @abstractmethod
    def summary_keys(self) -> list[tuple[str, str]]:
        """(device_id, session_id) of every stored summary."""

    @abstractmethod
    def summary_payload(self, session_id: str, device_id: str | None = None) -> str | None:
        """The JSON text exactly as received, or None. Without ``device_id``, raise
        :class:`AmbiguousSession` when several devices stored that session id."""

    @abstractmethod
    def count_summaries(self) -> int: ...

    @abstractmethod
    def count_dead_letters(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...


def one_payload(rows: list[tuple[str, str]], session_id: str) -> str | None:
    """The payload of the only (device_id, payload) row, None for none; AmbiguousSession for several."""
    if len(rows) > 1:
        raise AmbiguousSession(f"session {session_id} is stored for devices "
                               f"{', '.join(sorted(d for d, _ in rows))}: name the device")
    return rows[0][1] if rows else None
