"""Clinic database behind a narrow interface: :class:`ClinicStore`, SQLite by default.

The receiver needs only three writes/reads, so another backend (PostgreSQL in
``clinic/store/postgres.py``, class ``PostgresClinicStore(url)``) implements the same
methods with the same meaning:

``insert_summary(summary, payload) -> bool``
    Store one session summary, idempotent by ``session_id`` (INSERT ... ON CONFLICT
    DO NOTHING), committed before returning. True = newly stored, False = already there.
``dead_letter(topic, payload, reason) -> None``
    Keep a message that could not be accepted, with why; committed before returning.
``patient_summaries(patient_ref) -> list[dict]``
    That patient's sessions from every device, oldest first (the per-patient view).
``patient_overview()``, ``dead_letters()``, ``session_ids()``, ``summary_payload(session_id)``,
``count_summaries() -> int``, ``count_dead_letters() -> int``, ``close()``.

Tables: ``session_summaries`` (key columns + the full JSON payload), ``dead_letters``;
view ``patient_summary`` (one row per patient: sessions, devices, first/last session,
latest House-Brackmann estimate and Speech Clarity Score). All times UTC ISO-8601.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timezone
from typing import Any

from wire.schema import SessionSummary

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
    }


class ClinicStore(ABC):
    """What the clinic receiver needs from its database (see the module docstring)."""

    @abstractmethod
    def insert_summary(self, summary: SessionSummary, payload: str) -> bool: ...

    @abstractmethod
    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None: ...

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
    def summary_payload(self, session_id: str) -> str | None:
        """The JSON text exactly as received, or None."""

    @abstractmethod
    def count_summaries(self) -> int: ...

    @abstractmethod
    def count_dead_letters(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...
