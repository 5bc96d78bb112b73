"""Access to the device's ``outbox`` table (columns fixed in docs/contracts.md).

The store writes one row per session inside the session's transaction (use
:func:`enqueue` with the store's connection; it does not commit). The sync process
reads rows with :class:`Outbox`, which owns its own SQLite connection (WAL, busy
timeout) so it can run beside the kiosk UI.

A row is delivered when ``acked_at`` is set, which happens only when the clinic
receiver's ack for that session arrives (docs/wire-format.md#outbox).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from wire.schema import SessionSummary
from wire.topics import session_topic

# The one definition of the outbox table: the store's first migration creates it with this
# statement, and tests and benchmarks that have no store use ensure_outbox_table.
OUTBOX_DDL = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT UNIQUE NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_sent_at TEXT,
    acked_at TEXT
)
"""


def utc_now() -> str:
    """UTC ISO-8601 with offset, millisecond precision."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def ensure_outbox_table(conn: sqlite3.Connection) -> None:
    """Create the outbox table if the store's migrations have not (tests, bench)."""
    conn.execute(OUTBOX_DDL)


def enqueue(conn: sqlite3.Connection, summary: SessionSummary, *, topic_root: str = "clinic",
            created_at: str | None = None) -> int:
    """Insert the outbox row for ``summary``; return its id. Does NOT commit.

    Call it inside the transaction that stores the session, so the session and its
    outbox row are written together or not at all.
    """
    cur = conn.execute(
        "INSERT INTO outbox (session_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
        (summary.session_id, session_topic(topic_root, summary.device_id, summary.session_id),
         summary.model_dump_json(), created_at or utc_now()))
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class OutboxRow:
    """A row of the outbox table (docs/wire-format.md#outbox). The publisher reads only the
    first five columns (its hot path); the store's listing fills them all."""

    id: int
    session_id: str
    topic: str
    payload: str
    attempts: int
    created_at: str | None = None
    last_sent_at: str | None = None
    acked_at: str | None = None


@dataclass(frozen=True)
class OutboxCounts:
    total: int
    pending: int
    acked: int


class Outbox:
    """The sync process's view of the outbox (its own connection; autocommit per call)."""

    def __init__(self, db_path: Path | str, *, create: bool = False, busy_timeout_ms: int = 10_000) -> None:
        self.path = Path(db_path)
        if not create and not self.path.is_file():
            raise sqlite3.OperationalError(f"{self.path} does not exist (the kiosk has not stored a session yet)")
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        if create:
            ensure_outbox_table(self._conn)
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='outbox'").fetchone():
            self._conn.close()
            raise sqlite3.OperationalError(f"{self.path} has no outbox table (run the kiosk store migrations first)")

    def pending(self, limit: int, *, exclude: Iterable[str] = (), after_id: int = 0) -> list[OutboxRow]:
        """Up to ``limit`` unacked rows with id > ``after_id`` in id order, skipping ``exclude`` session ids."""
        skip = set(exclude)
        rows: list[OutboxRow] = []
        cur = self._conn.execute("SELECT id, session_id, topic, payload, attempts FROM outbox "
                                 "WHERE id > ? AND acked_at IS NULL ORDER BY id", (after_id,))
        for r in cur:
            if r[1] in skip:
                continue
            rows.append(OutboxRow(*r))
            if len(rows) >= limit:
                break
        cur.close()
        return rows

    def rows(self, session_ids: Iterable[str]) -> list[OutboxRow]:
        """The unacked rows among ``session_ids``, in id order."""
        ids = list(session_ids)
        out: list[OutboxRow] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = ("SELECT id, session_id, topic, payload, attempts FROM outbox WHERE acked_at IS NULL "
                 f"AND session_id IN ({','.join('?' * len(chunk))}) ORDER BY id")
            out += [OutboxRow(*r) for r in self._conn.execute(q, chunk)]
        return sorted(out, key=lambda r: r.id)

    def mark_sent(self, session_ids: Iterable[str], when: str | None = None) -> None:
        """Count one more publish and remember when."""
        when = when or utc_now()
        with self._tx():
            self._conn.executemany("UPDATE outbox SET attempts = attempts + 1, last_sent_at = ? WHERE session_id = ?",
                                   [(when, s) for s in session_ids])

    def mark_acked(self, session_ids: Iterable[str], when: str | None = None) -> int:
        """Set ``acked_at`` on rows not yet acked; return how many changed."""
        when = when or utc_now()
        with self._tx():
            before = self._conn.total_changes
            self._conn.executemany("UPDATE outbox SET acked_at = ? WHERE session_id = ? AND acked_at IS NULL",
                                   [(when, s) for s in session_ids])
            return self._conn.total_changes - before

    def counts(self) -> OutboxCounts:
        total, acked = self._conn.execute("SELECT COUNT(*), COUNT(acked_at) FROM outbox").fetchone()
        return OutboxCounts(total=int(total), pending=int(total - acked), acked=int(acked))

    def close(self) -> None:
        self._conn.close()

    def _tx(self) -> "_Tx":
        return _Tx(self._conn)


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error (the connection is in autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
