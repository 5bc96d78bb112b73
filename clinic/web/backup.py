"""Consistent backups of the clinic database while the receiver and the dashboard keep running.

SQLite: SQLite's online backup API copies a consistent snapshot page by page (WAL
included), so the copy is a complete database file. PostgreSQL: ``pg_dump --format=custom``
(one consistent snapshot; restore with ``pg_restore``). Restoring is done with the
standard tools (docs/clinic-server.md#backup-and-restore); tests/test_web_backup.py does
both round trips and compares row counts.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

#: Tables whose row counts a restore must reproduce (receiver's and dashboard's).
TABLES = ("session_summaries", "dead_letters", "auth_user", "web_clinic", "web_membership", "web_device",
          "web_audit")


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: Debian's wrapper on PATH, else PostgreSQL 15's own binary."""
    found = shutil.which(name)
    if found:
        return found
    local = Path("/usr/lib/postgresql/15/bin") / name
    if local.exists():
        return str(local)
    raise FileNotFoundError(f"{name} not found: install postgresql-client")


def backup(db: str, out: Path) -> Path:
    """Write a consistent copy of ``db`` to ``out`` (SQLite file, or pg_dump custom archive)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_postgres(db):
        r = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), db],
                           capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
        return out
    path = Path(db.removeprefix("sqlite://"))
    if not path.is_file():
        raise FileNotFoundError(f"clinic database {path} not found")
    if out.exists():
        raise FileExistsError(f"{out} exists: choose a new file")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return out


def counts(db: str) -> dict[str, int]:
    """Rows per table of :data:`TABLES` (missing tables are absent from the result)."""
    out: dict[str, int] = {}
    if is_postgres(db):
        import psycopg
        with psycopg.connect(db) as conn:
            for t in TABLES:
                if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is not None:
                    out[t] = int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
        return out
    conn = sqlite3.connect(f"file:{Path(db.removeprefix('sqlite://'))}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for t in TABLES:
            if t in names:
                out[t] = int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
    finally:
        conn.close()
    return out
