"""Open the kiosk database: integrity check, WAL, busy timeout, migrations.

Only a real integrity failure moves a database aside: ``PRAGMA integrity_check`` reporting a
problem, or SQLite saying the readable file is corrupt or not a database. The file is then
renamed ``<name>.corrupt-<UTC time>`` together with its ``-wal``/``-shm`` files, a message says
where it went, and a fresh database is started; nothing is overwritten. A database that is
busy (locked by another program: retried, then reported), on a full disk, on a read-only file
system, not writable, or failing with an I/O error is left exactly as it is and reported with
what to do (``DatabaseBusy``, ``DatabaseFull``, ``DatabaseReadOnly``, ``StoreError``).
``DatabaseFull`` during a write: the transaction that hit it is rolled back, earlier data stays.
Database files are created 0600 whatever the umask (docs/security.md#files-at-rest).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from kiosk.privatefiles import create_private, private_dir, tighten
from kiosk.store.migrations import LATEST_VERSION, migrate, schema_version

log = logging.getLogger(__name__)
DB_NAME = "kiosk.db"
BUSY_TIMEOUT_MS = 5000
BUSY_RETRIES = 3          # integrity check attempts on a locked database (each waits the busy timeout)


class StoreError(Exception):
    """The database could not be used; the message says why and what to do."""


class DatabaseFull(StoreError):
    """The disk (or the database's page limit) is full; nothing of the failed write was kept."""


class DatabaseBusy(StoreError):
    """Another program holds the database locked; nothing was changed."""


class DatabaseReadOnly(StoreError):
    """The database or its folder cannot be written (read-only file system, permissions)."""


class DatabaseCorrupt(Exception):
    """Internal: SQLite says the readable file is corrupt or not a database (it is then moved aside)."""


# primary SQLite result codes (https://www.sqlite.org/rescode.html)
_KINDS = {3: "readonly", 5: "busy", 6: "busy", 7: "nomem", 8: "readonly", 10: "io", 11: "corrupt", 13: "full",
          14: "cantopen", 23: "readonly", 26: "corrupt"}
_TEXT_KINDS = (("malformed", "corrupt"), ("not a database", "corrupt"), ("full", "full"), ("locked", "busy"),
               ("busy", "busy"), ("readonly", "readonly"), ("read-only", "readonly"), ("i/o", "io"),
               ("unable to open", "cantopen"))


def error_kind(e: sqlite3.Error) -> str:
    """'corrupt', 'busy', 'full', 'readonly', 'io', 'cantopen', 'nomem' or 'other', from SQLite's
    (extended) result code, else from the message text."""
    code = getattr(e, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _KINDS:
        return _KINDS[code & 0xFF]
    text = str(e).lower()
    return next((kind for needle, kind in _TEXT_KINDS if needle in text), "other")


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


def integrity_ok(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> tuple[bool, str]:
    """Run ``PRAGMA integrity_check`` on ``path``; return (ok, first problem or 'ok').

    (False, problem) only for a real integrity failure (the check's own verdict, or SQLite calling
    the file corrupt / not a database). Busy, full, read-only, I/O and open errors raise the
    matching StoreError instead: they say nothing about the file's integrity."""
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as e:
        if error_kind(e) == "corrupt":
            return False, str(e)
        raise as_store_error(e, f"checking {path}", path) from e
    first = str(rows[0][0]) if rows else "no result"
    return first == "ok", first


def _check_with_retry(path: Path, busy_timeout_ms: int, retries: int) -> tuple[bool, str]:
    """``integrity_ok`` retried while the database is busy (short backoff between attempts)."""
    for attempt in range(1, retries + 1):
        try:
            return integrity_ok(path, busy_timeout_ms)
        except DatabaseBusy:
            if attempt == retries:
                raise
            log.warning("%s is busy (attempt %d of %d); retrying", path, attempt, retries)
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def read_only_reason(state_dir: Path, path: Path) -> str | None:
    """Why the database at ``path`` in ``state_dir`` cannot be written, naming the exact thing; None if it can."""
    try:
        if os.statvfs(state_dir).f_flag & os.ST_RDONLY:
            return f"the file system holding {state_dir} is mounted read-only"
    except OSError:
        pass
    if not os.access(state_dir, os.W_OK | os.X_OK):
        return f"the folder {state_dir} is not writable by this user (SQLite creates {path.name}-wal there)"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"{path} is not readable and writable by this user"
    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if side.exists() and not os.access(side, os.R_OK | os.W_OK):
            return f"{side} is not readable and writable by this user"
    return None


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


def connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Connect with WAL, a busy timeout, foreign keys and full fsync on commit."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=FULL")
    return db


def prepare_state_dir(state_dir: Path) -> Path:
    """Create the state folder (0700) or explain why it cannot be used; return it."""
    state_dir = Path(state_dir)
    if state_dir.exists() and not state_dir.is_dir():
        raise StoreError(f"the state directory {state_dir} is a file, not a folder: point device.state_dir "
                         "at a folder")
    try:
        private_dir(state_dir)
    except OSError as e:
        raise StoreError(f"cannot create the state directory {state_dir}: {e.strerror or e}") from e
    return state_dir


def open_database(state_dir: Path, name: str = DB_NAME, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                  busy_retries: int = BUSY_RETRIES) -> tuple[sqlite_utils.Database, OpenReport]:
    """Open (creating if needed, mode 0600) ``state_dir/name`` at the latest schema version.

    Raises DatabaseBusy (locked by another program, after ``busy_retries`` checks),
    DatabaseReadOnly, DatabaseFull or StoreError (I/O error, newer schema); in each case the
    existing file is left untouched.
    """
    state_dir = prepare_state_dir(state_dir)
    path = state_dir / name
    if path.exists() and not path.is_file():
        raise StoreError(f"{path} is not a regular file; move it away and start again")
    why = read_only_reason(state_dir, path)
    if why:
        raise DatabaseReadOnly(f"Cannot open the database: {why}. Nothing was changed. Make it writable "
                               "(remount read-write, fix the owner) and start the kiosk again.")
    moved, message = None, None
    if path.exists():
        ok, problem = _check_with_retry(path, busy_timeout_ms, busy_retries)
        if not ok:
            try:
                moved = move_aside(path)
            except OSError as e:
                raise StoreError(f"The database {path} failed its integrity check ({problem}) and could not "
                                 f"be moved aside ({e.strerror or e}); it was left as it is.") from e
            message = (f"The database {path} failed its integrity check ({problem}). It was moved to "
                       f"{moved} for recovery and a new, empty database was started.")
            log.error(message)
    try:
        create_private(path)
        db = connect(path, busy_timeout_ms)
        for side in ("-wal", "-shm"):
            tighten(path.with_name(path.name + side))
        before = schema_version(db)
        backups = migrate(db, state_dir / "backups")
    except sqlite3.Error as e:
        raise as_store_error(e, f"opening {path}", path) from e
    except OSError as e:
        raise StoreError(f"Cannot create {e.filename or path}: {e.strerror or e}. Nothing was changed.") from e
    except RuntimeError as e:
        raise StoreError(str(e)) from e
    return db, OpenReport(path, before, LATEST_VERSION, tuple(backups), moved, message)


LOW_SPACE_BYTES = 1 << 20


def free_bytes(folder: Path) -> int:
    """Bytes available to this user on the file system holding ``folder`` (a large number if unknown)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


def as_store_error(e: sqlite3.Error, doing: str, path: Path | None = None) -> StoreError:
    """Translate a SQLite error into a StoreError subclass with a readable message and what to do."""
    text, kind = str(e), error_kind(e)
    where = f" ({path})" if path else ""
    if kind in ("io", "cantopen") and path is not None and free_bytes(path.parent) < LOW_SPACE_BYTES:
        kind = "full"      # SQLite reports a full disk while growing -shm as an I/O error
    if kind == "full":
        return DatabaseFull(f"Could not save while {doing}: the storage is full ({text}). "
                            "Nothing of this write was kept; earlier sessions are intact. "
                            "Free space (or sync and archive old data) and try again.")
    if kind == "busy":
        return DatabaseBusy(f"Could not finish {doing}: the database{where} is locked by another program ({text}). "
                            "Nothing was changed. Close the other program (a second kiosk, a backup, an "
                            "sqlite3 shell) or wait, then try again.")
    if kind == "readonly":
        return DatabaseReadOnly(f"Could not finish {doing}: the database{where} cannot be written ({text}). "
                                "Nothing was changed. Check that its folder is writable and the file system "
                                "is not read-only.")
    if kind in ("io", "cantopen"):
        return StoreError(f"Could not finish {doing}: the storage reported an error{where} ({text}). The file "
                          "was left as it is. Check the SD card / disk (dmesg) and try again.")
    return StoreError(f"Database error while {doing}: {text}")
