"""Store faults: a lock, a full disk, a read-only file system never move a healthy kiosk.db aside;
a really corrupt file is moved aside byte for byte; a full disk during a save keeps earlier data;
files are 0600."""
from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timezone
from pathlib import Path

from scripts.adversarial_cases import Case, Skip, check, refused
from scripts.adversarial_cases._common import ROOT  # noqa: F401 (sys.path)

AREA = "store faults"
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _healthy(state: Path) -> bytes:
    from kiosk.store import Store
    with Store.open(state) as s:
        s.add_patient("P-1", "Ann")
    return (state / "kiosk.db").read_bytes()


def _untouched(state: Path, raw: bytes) -> None:
    names = [p.name for p in state.iterdir()]
    check(not any(".corrupt-" in n for n in names), f"moved aside: {names}")
    check((state / "kiosk.db").read_bytes() == raw, "kiosk.db changed")


def _expect(exc_name: str, fn) -> str:  # noqa: ANN001
    import kiosk.store.db as db
    return refused(fn, getattr(db, exc_name))


def locked(tmp: Path) -> None:
    from kiosk.store.db import open_database
    raw = _healthy(tmp)
    c = sqlite3.connect(str(tmp / "kiosk.db"))
    c.execute("PRAGMA locking_mode=EXCLUSIVE")
    c.execute("BEGIN EXCLUSIVE")
    c.execute("INSERT INTO audit_log VALUES('x','a','b','c',NULL,NULL,NULL)")
    try:
        _expect("DatabaseBusy", lambda: open_database(tmp, busy_timeout_ms=100, busy_retries=2))
        _untouched(tmp, raw)
    finally:
        c.rollback()
        c.close()


def _mounted(fn):  # noqa: ANN001, ANN202
    def run(tmp: Path) -> None:
        from fs_faults import can_mount, small_fs
        if not can_mount():
            raise Skip("needs mount rights for a real tmpfs")
        with small_fs(tmp / "fs") as fs:
            fn(fs)
    return run


def full(fs: Path) -> None:
    from fs_faults import fill

    from kiosk.store import Store
    raw = _healthy(fs / "state")
    filler = fill(fs)
    _expect("DatabaseFull", lambda: Store.open(fs / "state"))
    _untouched(fs / "state", raw)
    filler.unlink()


def read_only(fs: Path) -> None:
    from fs_faults import remount_ro

    from kiosk.store import Store
    raw = _healthy(fs / "state")
    remount_ro(fs)
    msg = _expect("DatabaseReadOnly", lambda: Store.open(fs / "state"))
    check(f"{fs / 'state'} is mounted read-only" in msg, f"names the wrong thing: {msg}")
    _untouched(fs / "state", raw)


def _corrupt(name: str, damage) -> Case:  # noqa: ANN001
    def run(tmp: Path) -> None:
        from kiosk.store import Store
        _healthy(tmp)
        damage(tmp / "kiosk.db")
        raw = (tmp / "kiosk.db").read_bytes()
        with Store.open(tmp) as s:
            moved = s.open_report.moved_aside
            check(moved is not None and moved.read_bytes() == raw, "not moved aside byte for byte")
            check(s.count("patients") == 0, "new database not empty")
    return Case(f"corrupt: {name}", run, fast=name == "header page wrecked")


def _wreck(p: Path) -> None:
    raw = bytearray(p.read_bytes())
    raw[100:4096] = b"\xa5" * (4096 - 100)
    p.write_bytes(bytes(raw))


def full_on_save(tmp: Path) -> None:
    from store_samples import sample_assessment

    from kiosk.store import Store
    with Store.open(tmp) as s:
        p = s.add_patient("P-1")
        first = s.save_session(p.id, sample_assessment(0.5), started_at=T0)
        s.db.execute(f"PRAGMA max_page_count = {s.db.execute('PRAGMA page_count').fetchone()[0] + 1}")
        big = sample_assessment(0.4)
        big["face"]["blob"] = "x" * 200_000
        _expect("DatabaseFull", lambda: s.save_session(p.id, big, started_at=T0))
        check([x.id for x in s.sessions_for(p.id)] == [first.id] and s.count("outbox") == 1, "data changed")


def state_dir_is_file(tmp: Path) -> None:
    from kiosk.store import Store
    (tmp / "state").write_text("x")
    msg = _expect("StoreError", lambda: Store.open(tmp / "state"))
    check("is a file" in msg, msg)


def db_is_folder(tmp: Path) -> None:
    from kiosk.store import Store
    (tmp / "kiosk.db").mkdir()
    _expect("StoreError", lambda: Store.open(tmp))
    check((tmp / "kiosk.db").is_dir(), "folder removed")


def modes_0600(tmp: Path) -> None:
    from kiosk.store import Store
    old = os.umask(0)
    try:
        with Store.open(tmp) as s:
            s.add_patient("P-1")
            for f in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
                mode = stat.S_IMODE((tmp / f).stat().st_mode)
                check(mode == 0o600, f"{f} is {mode:04o}")
    finally:
        os.umask(old)


def duplicate_and_bad_patients(tmp: Path) -> None:
    from kiosk.store import Store, StoreError
    with Store.open(tmp) as s:
        s.add_patient("P-1")
        for code, name, year in (("P-1", None, None), ("", None, None), ("A\x00B", None, None),
                                 ("OK-2", "x\ny", None), ("OK-3", None, 3000),
                                 ("OK-4", "\u202eevil", None)):          # bidi override: spoofs the name
            try:
                s.add_patient(code, name, year)
            except StoreError:
                continue
            raise AssertionError(f"stored {code!r} {name!r} {year!r}")
        check(s.count("patients") == 1, "extra patients stored")


def cases() -> list[Case]:
    return [
        Case("exclusive lock held by another process", locked, fast=True),
        Case("disk full at open", _mounted(full)),
        Case("read-only file system", _mounted(read_only)),
        _corrupt("header page wrecked", _wreck),
        _corrupt("text file", lambda p: p.write_text("not a database " * 200)),
        _corrupt("truncated to 1000 bytes", lambda p: p.write_bytes(p.read_bytes()[:1000])),
        Case("disk full during a save", full_on_save, fast=True),
        Case("state_dir is a file", state_dir_is_file),
        Case("kiosk.db is a folder", db_is_folder),
        Case("files 0600 with umask 000", modes_0600, fast=True),
        Case("duplicate or malformed patients", duplicate_and_bad_patients),
    ]
