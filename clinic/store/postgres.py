"""Clinic database on PostgreSQL (psycopg 3): the :class:`clinic.store.base.ClinicStore` interface
for a clinic with many kiosks and several receivers.

Selected by a URL in the receiver's config (``[sync] receiver_db = "postgresql://user:pw@host/db"``,
see :func:`clinic.store.open_clinic_store`). Same tables, columns and meaning as the SQLite
store: ``session_summaries`` keyed by ``(device_id, session_id)`` (idempotent ``INSERT ... ON CONFLICT
DO NOTHING``, so any number of receivers, redeliveries and restarts store each session once),
``dead_letters``, and the ``patient_summary`` view. Times are ``timestamptz`` and come back as
UTC ISO-8601 strings like SQLite's; the payload is kept as the exact JSON text received.

Schema changes are numbered migrations (``MIGRATIONS``), applied in order at connect inside
one transaction under an advisory lock, so receivers starting together migrate once.
Every write commits before it returns. After a server restart the broken
connection is re-opened and the statement tried once more; if the server is still down the
psycopg error reaches the receiver, which does not ack (the broker redelivers later).
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any, Callable

import psycopg
from psycopg.rows import dict_row, tuple_row

from clinic.store.base import (DEAD_LETTER_MAX_BYTES, PARKINSON_COLUMNS, PATIENT_SUMMARY_SELECT, ClinicStore, one_payload,
                               parkinson_rows, summary_columns)
from wire.schema import SessionSummary

MIGRATION_LOCK_ID = 0x6B696F736B   # pg_advisory_xact_lock key ("kiosk")

_V1 = """
CREATE TABLE session_summaries (
    session_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    patient_ref TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    schema_version INTEGER NOT NULL,
    app_version TEXT NOT NULL,
    hb_grade INTEGER,
    sunnybrook_composite DOUBLE PRECISION,
    affected_side TEXT,
    clarity_score DOUBLE PRECISION,
    msii DOUBLE PRECISION,
    payload TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX session_summaries_patient ON session_summaries (patient_ref, started_at);
CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    payload BYTEA NOT NULL,
    payload_bytes INTEGER NOT NULL,
    reason TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""

_V2 = "CREATE VIEW patient_summary AS" + PATIENT_SUMMARY_SELECT + ";"

_V3 = "CREATE INDEX dead_letters_received ON dead_letters (received_at);"

_V4 = """
ALTER TABLE session_summaries DROP CONSTRAINT session_summaries_pkey;
ALTER TABLE session_summaries ADD PRIMARY KEY (device_id, session_id);
CREATE INDEX session_summaries_session ON session_summaries (session_id);
"""

_V5 = """
ALTER TABLE session_summaries ADD COLUMN protocol TEXT NOT NULL DEFAULT 'palsy';
CREATE TABLE parkinson_measures (
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    patient_ref TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    key TEXT NOT NULL,
    value DOUBLE PRECISION,
    unit TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (device_id, session_id, key)
);
CREATE INDEX parkinson_measures_trend ON parkinson_measures (patient_ref, key, started_at);
CREATE INDEX session_summaries_protocol ON session_summaries (protocol, patient_ref);
"""

#: (version, description, SQL). Append only; never edit a released migration.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "session_summaries and dead_letters", _V1),
    (2, "patient_summary view (one row per patient across devices)", _V2),
    (3, "index dead letters by arrival for review", _V3),
    (4, "key summaries on (device_id, session_id): a session id reused by another device is its own row", _V4),
    (5, "protocol column and parkinson_measures (schema v2 summaries; trends by key)", _V5),
)
LATEST_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: psycopg.Connection) -> int:
    """The highest applied migration (0 for an empty database)."""
    cur = conn.cursor(row_factory=tuple_row)
    row = cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    got = cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return int(got[0]) if got else 0


def migrate(conn: psycopg.Connection) -> list[int]:
    """Apply pending migrations in one transaction under an advisory lock; return those applied."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                     "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        current = schema_version(conn)
        if current > LATEST_VERSION:
            raise RuntimeError(f"clinic database schema v{current} is newer than this receiver "
                               f"(knows v{LATEST_VERSION}): upgrade the receiver")
        for version, description, sql in MIGRATIONS:
            if version > current:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                             (version, description))
                applied.append(version)
    return applied


def _text(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL: replace it (U+FFFD) rather than fail the insert forever."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.astimezone(timezone.utc).isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


class PostgresClinicStore(ClinicStore):
    """One psycopg connection (autocommit: each write is its own committed transaction)."""

    # server down or restarting, connection lost, disk full (class 53): hold messages back
    outage_errors = (psycopg.OperationalError, psycopg.InterfaceError, OSError)

    def __init__(self, url: str, *, connect_timeout_s: int = 10) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._lock = threading.Lock()
        self._conn = self._connect()
        self.migrated = migrate(self._conn)

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout_s,
                               options="-c TimeZone=UTC", row_factory=dict_row)

    def _run(self, fn: Callable[[psycopg.Connection], Any]) -> Any:
        """Run ``fn`` on the connection; after a server restart reconnect and try once more
        (safe: inserts are idempotent). A second failure reaches the receiver, which does not ack."""
        with self._lock:
            if self._conn.closed or self._conn.broken:
                self._conn = self._connect()
            try:
                return fn(self._conn)
            except psycopg.OperationalError:
                if not self._conn.broken:
                    raise
                self._conn = self._connect()
                return fn(self._conn)

    def insert_summary(self, summary: SessionSummary, payload: str) -> bool:
        cols = {k: _text(v) for k, v in summary_columns(summary).items()} | {"payload": _text(payload)}
        names = ", ".join(cols)
        marks = ", ".join(f"%({k})s" for k in cols)
        sql = f"INSERT INTO session_summaries ({names}) VALUES ({marks}) ON CONFLICT (device_id, session_id) DO NOTHING"
        rows = [{k: _text(v) for k, v in r.items()} for r in parkinson_rows(summary)]
        pd_sql = (f"INSERT INTO parkinson_measures ({', '.join(PARKINSON_COLUMNS)}) "
                  f"VALUES ({', '.join(f'%({k})s' for k in PARKINSON_COLUMNS)})")

        def work(c: psycopg.Connection) -> bool:
            with c.transaction():          # the summary and its measure rows together or not at all
                stored = c.execute(sql, cols).rowcount == 1
                if stored and rows:
                    c.cursor().executemany(pd_sql, rows)
                return stored
        return bool(self._run(work))

    def dead_letter(self, topic: str, payload: bytes, reason: str) -> None:
        kept = bytes(payload[:DEAD_LETTER_MAX_BYTES])
        self._run(lambda c: c.execute(
            "INSERT INTO dead_letters (topic, payload, payload_bytes, reason) VALUES (%s, %s, %s, %s)",
            (_text(topic), kept, len(payload), _text(reason))))

    def patient_summaries(self, patient_ref: str) -> list[dict[str, Any]]:
        rows = self._run(lambda c: c.execute(
            "SELECT session_id, device_id, started_at, finished_at, hb_grade, sunnybrook_composite, "
            "affected_side, clarity_score, msii FROM session_summaries WHERE patient_ref = %s "
            "ORDER BY started_at, session_id", (patient_ref,)).fetchall())
        return [_iso(r) for r in rows]

    def parkinson_measures(self, patient_ref: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
        where, args = "patient_ref = %s", [patient_ref]
        if keys is not None:
            where += " AND key = ANY(%s)"
            args.append(list(keys))
        rows = self._run(lambda c: c.execute(
            f"SELECT {', '.join(PARKINSON_COLUMNS)} FROM parkinson_measures WHERE {where} "
            "ORDER BY started_at, session_id, key", args).fetchall())
        return [_iso(r) for r in rows]

    def patient_overview(self) -> list[dict[str, Any]]:
        """The ``patient_summary`` view: one row per patient across devices."""
        rows = self._run(lambda c: c.execute("SELECT * FROM patient_summary ORDER BY patient_ref").fetchall())
        return [_iso(r) for r in rows]

    def dead_letters(self) -> list[dict[str, Any]]:
        rows = self._run(lambda c: c.execute(
            "SELECT id, topic, payload_bytes, reason, received_at FROM dead_letters ORDER BY id").fetchall())
        return [_iso(r) for r in rows]

    def session_ids(self) -> list[str]:
        return [r["session_id"] for r in self._run(
            lambda c: c.execute("SELECT session_id FROM session_summaries").fetchall())]

    def summary_keys(self) -> list[tuple[str, str]]:
        return [(r["device_id"], r["session_id"]) for r in self._run(
            lambda c: c.execute("SELECT device_id, session_id FROM session_summaries").fetchall())]

    def summary_payload(self, session_id: str, device_id: str | None = None) -> str | None:
        """The JSON text received for one session (for FHIR export), or None."""
        where, args = ("session_id = %s", (session_id,)) if device_id is None else \
            ("session_id = %s AND device_id = %s", (session_id, device_id))
        rows = self._run(lambda c: c.execute(
            f"SELECT device_id, payload FROM session_summaries WHERE {where}", args).fetchall())
        return one_payload([(r["device_id"], r["payload"]) for r in rows], session_id)

    def same_content(self, stored: str, payload: str) -> bool:
        return super().same_content(stored, _text(payload))

    def count_summaries(self) -> int:
        return int(self._run(lambda c: c.execute("SELECT COUNT(*) AS n FROM session_summaries").fetchone())["n"])

    def count_dead_letters(self) -> int:
        return int(self._run(lambda c: c.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone())["n"])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
