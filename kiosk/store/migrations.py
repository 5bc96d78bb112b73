"""Numbered schema migrations, each a plain function ``mNNN(db)``.

The schema version lives in ``PRAGMA user_version``. ``migrate`` copies the
database file (SQLite online backup) before each step that touches existing
data, runs the step in one transaction and bumps the version inside it, so a
crash mid-migration leaves the previous version intact (docs/architecture.md#storage).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from kiosk.privatefiles import create_private, private_dir

from sync.outbox import OUTBOX_DDL


def m001_initial(db: sqlite_utils.Database) -> None:
    """Version 1: patients, sessions, steps, measures, scores, outbox, audit log."""
    db.execute("""CREATE TABLE patients (
        id TEXT PRIMARY KEY, code TEXT UNIQUE NOT NULL, display_name TEXT,
        birth_year INTEGER, created_at TEXT NOT NULL)""")
    db.execute("""CREATE TABLE sessions (
        id TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients(id),
        started_at TEXT NOT NULL, ended_at TEXT, device_id TEXT NOT NULL,
        status TEXT NOT NULL, assessment_json TEXT NOT NULL, created_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX idx_sessions_patient ON sessions(patient_id, started_at)")
    db.execute("""CREATE TABLE steps (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        step TEXT NOT NULL, kind TEXT NOT NULL, attempt INTEGER NOT NULL,
        status TEXT NOT NULL, reason TEXT, frames_used INTEGER, frames_rejected INTEGER)""")
    db.execute("""CREATE TABLE face_measures (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        region TEXT NOT NULL, measure TEXT NOT NULL, left_value REAL, right_value REAL,
        value REAL, unit TEXT NOT NULL, ratio REAL, weaker_side TEXT)""")
    db.execute("""CREATE TABLE speech_measures (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        task TEXT NOT NULL, measure TEXT NOT NULL, value REAL, unit TEXT NOT NULL)""")
    db.execute("""CREATE TABLE scores (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        name TEXT NOT NULL, value REAL, value_text TEXT, inputs_json TEXT)""")
    for t in ("steps", "face_measures", "speech_measures", "scores"):
        db.execute(f"CREATE INDEX idx_{t}_session ON {t}(session_id)")
    db.execute(OUTBOX_DDL)   # the outbox table is defined once, by the sync side that reads it
    db.execute("""CREATE TABLE audit_log (
        id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        entity TEXT, entity_id TEXT, details TEXT)""")


def m002_reports_and_versions(db: sqlite_utils.Database) -> None:
    """Version 2: software/model versions on each session, and the reports table."""
    db.execute("ALTER TABLE sessions ADD COLUMN software_version TEXT NOT NULL DEFAULT 'unknown'")
    db.execute("ALTER TABLE sessions ADD COLUMN model_versions_json TEXT NOT NULL DEFAULT '{}'")
    db.execute("""CREATE TABLE reports (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        view TEXT NOT NULL, path TEXT NOT NULL, created_at TEXT NOT NULL, printer TEXT)""")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial, m002_reports_and_versions]
LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """The database's schema version (0 = empty)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def backup_copy(conn: sqlite3.Connection, backup_dir: Path, version: int) -> Path:
    """Write a consistent copy of the open database to ``backup_dir``; return its path."""
    private_dir(backup_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / f"kiosk-v{version}-{stamp}.db"
    create_private(target)                       # 0600 whatever the umask: it holds patient data
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def migrate(db: sqlite_utils.Database, backup_dir: Path, upto: int = LATEST_VERSION) -> list[Path]:
    """Bring ``db`` to version ``upto``; return the backup files written.

    An empty database (version 0, no tables) needs no backup; every later step
    is preceded by a copy named ``kiosk-v<old version>-<UTC time>.db``.
    """
    backups: list[Path] = []
    current = schema_version(db)
    if current > LATEST_VERSION:
        raise RuntimeError(f"database schema v{current} is newer than this software (v{LATEST_VERSION}); "
                           "update the kiosk software, the database was not changed")
    for version in range(current + 1, upto + 1):
        if version > 1 or db.table_names():
            backups.append(backup_copy(db.conn, backup_dir, version - 1))
        with db.atomic():
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return backups
