"""Open the kiosk database: integrity check, WAL, busy timeout, migrations.

A file that fails ``PRAGMA integrity_check`` (or is not a database at all) is
renamed ``<name>.corrupt-<UTC time>`` together with its ``-wal``/``-shm``
files, a message says where it went, and a fresh database is started; nothing
is overwritten. ``DatabaseFull`` turns SQLite's "database or disk is full" into
a clear message; the transaction that hit it is rolled back, earlier data stays.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from kiosk.store.migrations import LATEST_VERSION, migrate, schema_version

log = logging.getLogger(__name__)
DB_NAME = "kiosk.db"
BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database could not be used; the message says why and what to do."""


class DatabaseFull(StoreError):
    """The disk (or the database's page limit) is full; nothing of the failed write was kept."""


@dataclass(frozen=True)
class OpenReport:
    """What happened while opening: schema versions, backups, and a moved-aside corrupt file."""

    path: Path
    from_version: int
    to_version: int
    backups: tuple[Path, ...]
    moved_aside: Path | None
    message: str | None


def utc_now() -> str:
    """Current UTC time, ISO-8601 with offset (``2026-11-28T01:02:03.123456+00:00``)."""
    return datetime.now(timezone.utc).isoformat()


def integrity_ok(path: Path) -> tuple[bool, str]:
    """Run ``PRAGMA integrity_check`` on ``path``; return (ok, first problem or 'ok')."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return False, str(e)
    first = str(rows[0][0]) if rows else "no result"
    return first == "ok", first


def move_aside(path: Path) -> Path:
    """Rename a corrupt database (and its WAL/SHM files) with a UTC timestamp; return the new path."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def connect(path: Path) -> sqlite_utils.Database:
    """Connect with WAL, a busy timeout, foreign keys and full fsync on commit."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=FULL")
    return db


def open_database(state_dir: Path, name: str = DB_NAME) -> tuple[sqlite_utils.Database, OpenReport]:
    """Open (creating if needed) ``state_dir/name`` at the latest schema version.

    Raises StoreError when the directory is not writable or the schema is newer
    than this software.
    """
    state_dir = Path(state_dir)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the state directory {state_dir}: {e}") from e
    path = state_dir / name
    moved, message = None, None
    if path.exists():
        ok, problem = integrity_ok(path)
        if not ok:
            moved = move_aside(path)
            message = (f"The database {path} failed its integrity check ({problem}). It was moved to "
                       f"{moved} for recovery and a new, empty database was started.")
            log.error(message)
    try:
        db = connect(path)
        before = schema_version(db)
        backups = migrate(db, state_dir / "backups")
    except sqlite3.OperationalError as e:
        raise as_store_error(e, f"opening {path}") from e
    except RuntimeError as e:
        raise StoreError(str(e)) from e
    return db, OpenReport(path, before, LATEST_VERSION, tuple(backups), moved, message)


def as_store_error(e: sqlite3.Error, doing: str) -> StoreError:
    """Translate a SQLite error into a StoreError with a readable message."""
    text = str(e)
    if "full" in text.lower():
        return DatabaseFull(f"Could not save while {doing}: the storage is full ({text}). "
                            "Nothing of this write was kept; earlier sessions are intact. "
                            "Free space (or sync and archive old data) and try again.")
    if "locked" in text.lower() or "busy" in text.lower():
        return StoreError(f"Could not save while {doing}: the database is busy ({text}); try again.")
    return StoreError(f"Database error while {doing}: {text}")
