"""Clinic store in one SQLite file (WAL, busy timeout): the :class:`clinic.store.base.ClinicStore`
interface for a single clinic. Tables and meaning: see :mod:`clinic.store.base`."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from clinic.store.base import (DEAD_LETTER_MAX_BYTES, PARKINSON_COLUMNS, PATIENT_SUMMARY_SELECT, ClinicStore, one_payload,
                               parkinson_rows, summary_columns)
from wire.schema import SessionSummary

_COLUMNS = """
    session_id TEXT NOT NULL,
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
    received_at TEXT NOT NULL"""
_NAMES = ("session_id, device_id, patient_ref, started_at, finished_at, schema_version, app_version, hb_grade, "
          "sunnybrook_composite, affected_side, clarity_score, msii, payload, received_at")
_VIEW = "CREATE VIEW patient_summary AS" + PATIENT_SUMMARY_SELECT

#: (version, description, statements), tracked in ``PRAGMA user_version``. Append only. A file made
#: before versioning (user_version 0) already has the v1 tables: v1 is written to be a no-op on it.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "session_summaries, dead_letters, patient_summary view", (
        f"CREATE TABLE IF NOT EXISTS session_summaries ({_COLUMNS.replace('session_id TEXT NOT NULL', 'session_id TEXT PRIMARY KEY', 1)})",
        "CREATE INDEX IF NOT EXISTS session_summaries_patient ON session_summaries (patient_ref, started_at)",
        "CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, "
        "payload BLOB NOT NULL, payload_bytes INTEGER NOT NULL, reason TEXT NOT NULL, received_at TEXT NOT NULL)",
        _VIEW.replace("CREATE VIEW", "CREATE VIEW IF NOT EXISTS", 1),
    )),
    (2, "key summaries on (device_id, session_id): a session id reused by another device is its own row", (
        "DROP VIEW patient_summary",
        f"CREATE TABLE session_summaries_v2 ({_COLUMNS}, PRIMARY KEY (device_id, session_id))",
        f"INSERT INTO session_summaries_v2 ({_NAMES}) SELECT {_NAMES} FROM session_summaries",
        "DROP TABLE session_summaries",
        "ALTER TABLE session_summaries_v2 RENAME TO session_summaries",
        "CREATE INDEX session_summaries_patient ON session_summaries (patient_ref, started_at)",
        "CREATE INDEX session_summaries_session ON session_summaries (session_id)",
        _VIEW,
    )),
    (3, "protocol column and parkinson_measures (schema v2 summaries; trends by key)", (
        "ALTER TABLE session_summaries ADD COLUMN protocol TEXT NOT NULL DEFAULT 'palsy'",
        "CREATE TABLE parkinson_measures (device_id TEXT NOT NULL, session_id TEXT NOT NULL, "
        "patient_ref TEXT NOT NULL, started_at TEXT NOT NULL, key TEXT NOT NULL, value REAL, unit TEXT NOT NULL, "
        "status TEXT NOT NULL, PRIMARY KEY (device_id, session_id, key))",
        "CREATE INDEX parkinson_measures_trend ON parkinson_measures (patient_ref, key, started_at)",
        "CREATE INDEX session_summaries_protocol ON session_summaries (protocol, patient_ref)",
    )),
)
LATEST_VERSION = MIGRATIONS[-1][0]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations in one write transaction (BEGIN IMMEDIATE: two receivers starting
    on one file migrate once); return the versions applied."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if current > LATEST_VERSION:
            raise RuntimeError(f"clinic database schema v{current} is newer than this receiver "
                               f"(knows v{LATEST_VERSION}): upgrade the receiver")
        applied = []
        for version, _, statements in MIGRATIONS:
            if version > current:
                for sql in statements:
                    conn.execute(sql)
                applied.append(version)
        if applied:
            conn.execute(f"PRAGMA user_version = {applied[-1]}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied


def payload_lookup(conn: sqlite3.Connection, session_id: str, device_id: str | None = None) -> str | None:
    """The stored JSON of one session (see :meth:`ClinicStore.summary_payload`); also used read-only by FHIR export."""
    if device_id is not None:
        row = conn.execute("SELECT payload FROM session_summaries WHERE device_id = ? AND session_id = ?",
                           (device_id, session_id)).fetchone()
        return row[0] if row else None
    rows = conn.execute("SELECT device_id, payload FROM session_summaries WHERE session_id = ?", (session_id,))
    return one_payload([(r[0], r[1]) for r in rows], session_id)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class SqliteClinicStore(ClinicStore):
    """One SQLite file (WAL, busy timeout); every write commits before it returns."""

    outage_errors = (sqlite3.OperationalError, OSError)   # locked, disk full, read-only, I/O error

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self.migrated = migrate(self._conn)

    def insert_summary(self, summary: SessionSummary, payload: str) -> bool:
        """The summary and its Parkinson's measure rows in one transaction."""
        cols = summary_columns(summary) | {"payload": payload, "received_at": _now()}
        names = ", ".join(cols)
        marks = ", ".join("?" * len(cols))
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self._conn.execute(
                f"INSERT INTO session_summaries ({names}) VALUES ({marks}) ON CONFLICT (device_id, session_id) "
                "DO NOTHING", list(cols.values()))
            stored = cur.rowcount == 1
            if stored:
                self._conn.executemany(
                    f"INSERT INTO parkinson_measures ({', '.join(PARKINSON_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(PARKINSON_COLUMNS))})",
                    [[r[c] for c in PARKINSON_COLUMNS] for r in parkinson_rows(summary)])
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return stored

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

    def parkinson_measures(self, patient_ref: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
        where, args = "patient_ref = ?", [patient_ref]
        if keys is not None:
            where += f" AND key IN ({', '.join('?' * len(keys))})"
            args += keys
        return [dict(r) for r in self._conn.execute(
            f"SELECT {', '.join(PARKINSON_COLUMNS)} FROM parkinson_measures WHERE {where} "
            "ORDER BY started_at, session_id, key", args)]

    def patient_overview(self) -> list[dict[str, Any]]:
        """The ``patient_summary`` view: one row per patient across devices."""
        return [dict(r) for r in self._conn.execute("SELECT * FROM patient_summary ORDER BY patient_ref")]

    def dead_letters(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute(
            "SELECT id, topic, payload_bytes, reason, received_at FROM dead_letters ORDER BY id")]

    def session_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT session_id FROM session_summaries")]

    def summary_keys(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._conn.execute("SELECT device_id, session_id FROM session_summaries")]

    def summary_payload(self, session_id: str, device_id: str | None = None) -> str | None:
        return payload_lookup(self._conn, session_id, device_id)

    def count_summaries(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM session_summaries").fetchone()[0])

    def count_dead_letters(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
