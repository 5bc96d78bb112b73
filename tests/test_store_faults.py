"""Issue 13 items 1 and 12: a healthy kiosk.db is never moved aside for a lock, a full disk or a
read-only file system (each is reported with what to do, the file left byte for byte); databases,
backups, reports and peak frames are created 0600 whatever the umask."""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from fs_faults import can_mount, fill, remount_ro, small_fs
from kiosk.store import Store
from kiosk.store.db import DatabaseBusy, DatabaseFull, DatabaseReadOnly, StoreError, error_kind, open_database

needs_mount = pytest.mark.skipif(not can_mount(), reason="needs mount rights for a real full / read-only tmpfs")


def _healthy(state: Path) -> bytes:
    with Store.open(state) as s:
        s.add_patient("P-1", "Ann")
    return (state / "kiosk.db").read_bytes()


def _only_db_files(state: Path) -> list[str]:
    return sorted(p.name for p in state.iterdir() if p.name.startswith("kiosk.db"))


def test_locked_database_is_reported_busy_not_moved(tmp_path: Path) -> None:
    raw = _healthy(tmp_path)
    holder = sqlite3.connect(str(tmp_path / "kiosk.db"))
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO audit_log VALUES('x', 'now', 'test', 'lock', NULL, NULL, NULL)")
    try:
        with pytest.raises(DatabaseBusy, match="locked by another program.*Nothing was changed"):
            open_database(tmp_path, busy_timeout_ms=100, busy_retries=2)
        assert not any(".corrupt-" in n for n in _only_db_files(tmp_path))
    finally:
        holder.rollback()
        holder.close()
    assert (tmp_path / "kiosk.db").read_bytes() == raw
    with Store.open(tmp_path) as s:                  # the lock gone, the same data is there
        assert [p.code for p in s.search_patients("")] == ["P-1"]


@needs_mount
def test_full_disk_is_reported_not_moved(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs") as fs:
        state = fs / "state"
        raw = _healthy(state)
        filler = fill(fs)
        with pytest.raises(DatabaseFull, match="storage is full"):
            Store.open(state)
        assert not any(".corrupt-" in n for n in _only_db_files(state))
        assert (state / "kiosk.db").read_bytes() == raw
        filler.unlink()
        with Store.open(state) as s:
            assert s.count("patients") == 1


@needs_mount
def test_read_only_file_system_names_the_folder_and_keeps_the_file(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs") as fs:
        state = fs / "state"
        raw = _healthy(state)
        remount_ro(fs)
        with pytest.raises(DatabaseReadOnly) as e:
            Store.open(state)
        assert f"the file system holding {state} is mounted read-only" in str(e.value)
        assert (state / "kiosk.db").read_bytes() == raw and _only_db_files(state) == ["kiosk.db"]


def test_state_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        Store.open(tmp_path / "state")


def test_error_kinds_from_sqlite_codes() -> None:
    def err(msg: str, code: int) -> sqlite3.Error:
        e = sqlite3.OperationalError(msg)
        e.sqlite_errorcode = code
        return e
    assert error_kind(err("database is locked", 5)) == "busy"
    assert error_kind(err("database disk image is malformed", 11)) == "corrupt"
    assert error_kind(err("file is not a database", 26)) == "corrupt"
    assert error_kind(err("disk I/O error", 10 | (19 << 8))) == "io"
    assert error_kind(err("attempt to write a readonly database", 8)) == "readonly"
    assert error_kind(sqlite3.OperationalError("database or disk is full")) == "full"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_and_backups_are_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    import sqlite_utils

    from kiosk.store.migrations import m001_initial
    old = os.umask(umask)
    try:
        db = sqlite_utils.Database(tmp_path / "kiosk.db")      # a v1 database: opening it makes a backup
        m001_initial(db)
        db.execute("PRAGMA user_version = 1")
        db.close()
        os.chmod(tmp_path / "kiosk.db", 0o644)                  # as older versions left it
        with Store.open(tmp_path) as s:
            s.add_patient("P-1")
            files = [tmp_path / "kiosk.db", tmp_path / "kiosk.db-wal", *s.open_report.backups]
            assert len(files) == 3
            for f in files:
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) & 0o077 == 0
    finally:
        os.umask(old)


@needs_mount
def test_report_on_read_only_file_system_names_the_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Issue 13 item 12: the error names the file that could not be written, not a temporary one."""
    from kiosk.cli import main
    from store_samples import sample_assessment
    from datetime import datetime, timezone
    state = tmp_path / "state"
    with Store.open(state) as s:
        sid = s.save_session(s.add_patient("P-1").id, sample_assessment(0.5),
                             started_at=datetime(2026, 1, 5, tzinfo=timezone.utc)).id
    with small_fs(tmp_path / "fs") as fs:
        remount_ro(fs)
        out = fs / "r.pdf"
        assert main(["report", sid, "--state-dir", str(state), "-o", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"could not write {out} ([Errno 30] Read-only file system: '{out}')" in err, err
        assert ".tmp" not in err
