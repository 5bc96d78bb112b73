"""Backup and restore of the clinic database as docs/clinic-server.md says, on SQLite and PostgreSQL:
``clinic-web backup`` while the data is in use, restore with the standard tools, same row counts,
and the restored database still logs the same user in."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from clinic.web.backup import counts, pg_tool
from clinic.web.devtools import Client, WebServer, cli, demo_clinics
from deploy_helpers import PG_BIN, PostgresServer

PASSWORD = "backup-user-password-1"


def fill(db: str) -> dict[str, int]:
    seeded = demo_clinics(db)
    assert cli("add-device", "kiosk-a1", "--clinic", "A", "--db", db).returncode == 0
    r = cli("add-user", "backup-user", "--db", db, "--clinic", "A", "--clinic", "default", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    before = counts(db)
    assert before["session_summaries"] == seeded["n"] and before["auth_user"] == 1 and before["web_device"] == 1
    return before


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    db = str(tmp_path / "clinic.db")
    before = fill(db)
    with WebServer(db):                                   # taken while the dashboard has the file open
        r = cli("backup", str(tmp_path / "backup.db"), "--db", db)
    assert r.returncode == 0, r.stderr
    assert f"session_summaries {before['session_summaries']}" in r.stdout
    # restore: services stopped, the copy put in place (a stale -wal/-shm must go with the old file)
    restored = tmp_path / "restored" / "clinic.db"
    restored.parent.mkdir()
    shutil.copy2(tmp_path / "backup.db", restored)
    assert counts(str(restored)) == before
    with WebServer(str(restored)) as srv:
        c = Client(srv.url)
        assert c.login("backup-user", PASSWORD)[0] == 302
        status, _, body = c.get("/")
        assert status == 200 and b"DEMO-A-0001" in body
    again = cli("backup", str(tmp_path / "backup.db"), "--db", db)
    assert again.returncode == 1 and "exists" in again.stderr      # never overwrites a backup


@pytest.mark.postgres
@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server not installed")
def test_postgres_backup_and_restore(tmp_path: Path) -> None:
    server = PostgresServer().start()
    try:
        db = server.create_db("clinic")
        before = fill(db)
        dump = tmp_path / "clinic.dump"
        r = cli("backup", str(dump), "--db", db)
        assert r.returncode == 0, r.stderr
        assert dump.stat().st_size > 10_000
        target = server.create_db("clinic_restored")
        res = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", target, str(dump)],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        assert counts(target) == before
        with WebServer(target) as srv:
            c = Client(srv.url)
            assert c.login("backup-user", PASSWORD)[0] == 302
            assert b"DEMO-A-0001" in c.get("/")[2]
    finally:
        server.stop()
