"""Clinic database behind a narrow interface: :class:`ClinicStore`, SQLite by default.

The receiver needs only three writes/reads, so another backend (PostgreSQL in
``sync/clinic_db_pg.py``, class ``PostgresClinicStore(url)``) implements the same
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

import sqlite3
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sync.schema import SessionSummary

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

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS session_summaries (
    session_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    patient_ref TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    app_version TEXT NOT NULL,
    hb_grade INTEGER,
    sunnybrook_composite REAL,
    affected_side TEXT,
    clarity_score REAL,
    msii REAL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_summaries_patient ON session_summaries (patient_ref, started_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    payload_bytes INTEGER NOT NULL,
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS patient_summary AS
""" + PATIENT_SUMMARY_SELECT + ";\n"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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


class SqliteClinicStore(ClinicStore):
    """One SQLite file (WAL, busy timeout); every write commits before it returns."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.executescript(SQLITE_SCHEMA)

    def insert_summary(self, summary: SessionSummary, payload: str) -> bool:
        cols = summary_columns(summary) | {"payload": payload, "received_at": _now()}
        names = ", ".join(cols)
        marks = ", ".join("?" * len(cols))
        cur = self._conn.execute(
            f"INSERT INTO session_summaries ({names}) VALUES ({marks}) ON CONFLICT (session_id) DO NOTHING",
            list(cols.values()))
        return cur.rowcount == 1

    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None:
        kept = bytes(payload[:DEAD_LETTER_MAX_BYTES])
        self._conn.execute(
            "INSERT INTO dead_letters (topic, payload, payload_bytes, reason, received_at) VALUES (?, ?, ?, ?, ?)",
            (topic, kept, len(payload), reason, _now()))

    def patient_summaries(self, patient_ref: str) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT session_id, device_id, started_at, finished_at, hb_grade, sunnybrook_composite, "
            "affected_side, clarity_score, msii FROM session_summaries WHERE patient_ref = ? "
            "ORDER BY started_at, session_id", (patient_ref,))
        return [dict(r) for r in rows]

    def patient_overview(self) -> list[dict[str, Any]]:
        """The ``patient_summary`` view: one row per patient across devices."""
        return [dict(r) for r in self._conn.execute("SELECT * FROM patient_summary ORDER BY patient_ref")]

    def dead_letters(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute(
            "SELECT id, topic, payload_bytes, reason, received_at FROM dead_letters ORDER BY id")]

    def session_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT session_id FROM session_summaries")]

    def summary_payload(self, session_id: str) -> str | None:
        row = self._conn.execute("SELECT payload FROM session_summaries WHERE session_id = ?", (session_id,)).fetchone()
        return row[0] if row else None

    def count_summaries(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM session_summaries").fetchone()[0])

    def count_dead_letters(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def open_clinic_store(url: str | Path) -> ClinicStore:
    """``postgresql://...`` -> PostgresClinicStore (sync/clinic_db_pg.py); anything else is a SQLite path
    (``sqlite:///abs/path`` also accepted)."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from sync.clinic_db_pg import PostgresClinicStore  # type: ignore[import-not-found]
        return PostgresClinicStore(text)
    if text.startswith("sqlite://"):
        text = text[len("sqlite://"):]
    return SqliteClinicStore(Path(text))
