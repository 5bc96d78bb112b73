"""Store: migrations, round trip, corrupt file, disk full, kill mid-write (real files, real subprocess)."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from kiosk.store import DatabaseFull, Store, StoreError
from kiosk.store.db import integrity_ok
from kiosk.store.migrations import LATEST_VERSION, m001_initial
from store_samples import sample_assessment

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def test_empty_database_migrates_to_latest(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        assert s.open_report.from_version == 0 and s.open_report.to_version == LATEST_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert {"patients", "sessions", "steps", "face_measures", "speech_measures", "scores", "reports",
                "outbox", "audit_log"} <= set(s.db.table_names())
        cols = [c.name for c in s.db["outbox"].columns]
        assert cols == ["id", "session_id", "topic", "payload", "created_at", "attempts", "last_sent_at", "acked_at"]


def test_v1_database_migrates_keeping_data_and_backup(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    db = sqlite_utils.Database(path)
    m001_initial(db)
    db.execute("PRAGMA user_version = 1")
    db["patients"].insert({"id": "p1", "code": "OLD-1", "display_name": "Old", "birth_year": 1950,
                           "created_at": T0.isoformat()})
    db["sessions"].insert({"id": "s1", "patient_id": "p1", "started_at": T0.isoformat(), "ended_at": None,
                           "device_id": "k", "status": "complete", "assessment_json": "{}",
                           "created_at": T0.isoformat()})
    db.close()
    with Store.open(tmp_path) as s:
        assert s.open_report.from_version == 1 and s.open_report.to_version == 2
        assert s.get_patient("p1").code == "OLD-1"
        old = s.get_session("s1")
        assert old.software_version == "unknown" and old.model_versions == {}
        (backup,) = s.open_report.backups
        assert backup.name.startswith("kiosk-v1-") and backup.exists()
    # the backup is the untouched v1 database
    b = sqlite3.connect(backup)
    assert b.execute("PRAGMA user_version").fetchone()[0] == 1
    assert b.execute("SELECT code FROM patients").fetchone()[0] == "OLD-1"
    b.close()
    with Store.open(tmp_path) as s:   # reopening at the latest version: no new backup
        assert s.open_report.backups == ()


def test_session_round_trip(tmp_path: Path) -> None:
    a = sample_assessment(0.6, "left", clarity=55.0, drop=("snarl",))
    with Store.open(tmp_path, device_id="kiosk-7") as s:
        p = s.add_patient("P-1", "Ann Example", 1960)
        rec = s.save_session(p.id, a, started_at=T0, ended_at=T0 + timedelta(minutes=4),
                             model_versions={"face_landmark.tflite": "1055cb9d"})
    with Store.open(tmp_path, device_id="kiosk-7") as s:
        back = s.get_session(rec.id)
        assert back.assessment == a
        assert back.started_at == T0 and back.ended_at == T0 + timedelta(minutes=4)
        assert back.model_versions == {"face_landmark.tflite": "1055cb9d"}
        smile = next(m for m in s.face_measures(rec.id) if m.region == "smile")
        assert (smile.left_value, smile.right_value, smile.unit, smile.weaker_side) == (4.0, 10.0, "mm", "left")
        assert smile.ratio == pytest.approx(0.4)
        assert not any(m.region == "snarl" for m in s.face_measures(rec.id))
        eye = [m for m in s.face_measures(rec.id) if m.region == "eye_gentle"]
        assert [(m.measure, m.unit, m.ratio is not None) for m in eye] == [("closure_fraction", "1", True),
                                                                          ("lid_travel_mm", "mm", False)]
        assert eye[1].left_value == pytest.approx(7.0 * (1 - 0.8 * 0.6))
        steps = {st.step: st for st in s.steps(rec.id)}
        assert steps["snarl"].status == "missing" and steps["snarl"].reason == "no file"
        assert steps["smile"].frames_used == 10
        sc = s.scores(rec.id)
        assert sc["house_brackmann_grade"].value_text == a["face"]["house_brackmann"]["roman"]
        assert sc["clarity_score"].value == 55.0 and sc["affected_side"].value_text == "left"
        sp = {(m.task, m.measure): m for m in s.speech_measures(rec.id)}
        assert sp[("ddk_pa", "rate_sps")].unit == "syll/s" and sp[("vowel", "jitter_local_pct")].unit == "%"
        (ob,) = s.outbox()
        assert ob.topic == f"clinic/kiosk-7/sessions/{rec.id}" and ob.attempts == 0 and ob.acked_at is None
        payload = json.loads(ob.payload)
        assert payload["session_id"] == rec.id and payload["patient_ref"] == "P-1"
        assert payload["facial"]["affected_side"] == "left"
        assert [x.id for x in s.sessions_for(p.id)] == [rec.id]
        assert [x.code for x in s.search_patients("ann ex")] == ["P-1"] and s.search_patients("zzz") == []
        assert s.count("audit_log") == 2


def test_corrupt_database_is_moved_aside(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        s.add_patient("P-1")
    path = tmp_path / "kiosk.db"
    raw = bytearray(path.read_bytes())
    raw[100:4096] = b"\xa5" * (4096 - 100)         # wreck the header page's content
    path.write_bytes(bytes(raw))
    with Store.open(tmp_path) as s:
        rep = s.open_report
        assert rep.moved_aside is not None and rep.moved_aside.exists()
        assert rep.moved_aside.read_bytes() == bytes(raw)      # kept byte for byte
        assert "integrity check" in rep.message and str(rep.moved_aside) in rep.message
        assert s.count("patients") == 0


def test_garbage_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / "kiosk.db").write_text("this is not a database " * 100)
    with Store.open(tmp_path) as s:
        assert s.open_report.moved_aside is not None
        assert "not a database" in s.open_report.message


def test_disk_full_gives_clear_error_and_keeps_earlier_sessions(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        p = s.add_patient("P-1")
        first = s.save_session(p.id, sample_assessment(0.5), started_at=T0)
        pages = s.db.execute("PRAGMA page_count").fetchone()[0]
        s.db.execute(f"PRAGMA max_page_count = {pages + 1}")
        big = sample_assessment(0.4)
        big["face"]["inputs_blob"] = "x" * 200_000      # a session that cannot fit
        with pytest.raises(DatabaseFull, match="storage is full.*earlier sessions are intact"):
            s.save_session(p.id, big, started_at=T0 + timedelta(days=7))
        assert [x.id for x in s.sessions_for(p.id)] == [first.id]
        assert s.count("outbox") == 1 and s.count("sessions") == 1
        assert s.count("face_measures") == len(s.face_measures(first.id))
    assert integrity_ok(tmp_path / "kiosk.db") == (True, "ok")
    with Store.open(tmp_path) as s:
        assert s.get_session(first.id).assessment["face"]["severity_class"] == "moderately severe"


WRITER = """
import sys, datetime
sys.path.insert(0, {tests!r})
from store_samples import sample_assessment
from kiosk.store import Store
s = Store.open({state!r})
p = s.add_patient("KILL-1")
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
i = 0
while True:
    a = sample_assessment(0.5)
    a["face"]["padding"] = "p" * 50000        # make each transaction span many pages
    print("start", i, flush=True)
    s.save_session(p.id, a, started_at=t0 + datetime.timedelta(days=i))
    print("done", i, flush=True)
    i += 1
"""


def test_kill_mid_write_keeps_earlier_sessions(tmp_path: Path) -> None:
    script = WRITER.format(tests=str(Path(__file__).parent), state=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parent.parent)
    committed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline().split()
        if not line:
            break
        if line[0] == "done":
            committed = int(line[1]) + 1
        elif committed >= 8:                 # "start": the writer is inside save_session now
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert committed >= 8, "writer did not get going"
    assert integrity_ok(tmp_path / "kiosk.db") == (True, "ok")
    with Store.open(tmp_path) as s:
        assert s.open_report.moved_aside is None
        sessions = s.sessions_for(s.find_patient("KILL-1").id)
        assert committed <= len(sessions) <= committed + 1   # the killed write is all there or not at all
        # every stored session is complete: its rows and its outbox row came with it
        per_session = len(s.face_measures(sessions[0].id))
        for rec in sessions:
            assert len(s.face_measures(rec.id)) == per_session
            assert s.scores(rec.id)["sunnybrook_composite"].value is not None
        assert s.count("outbox") == len(sessions)


def test_malformed_assessment_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        p = s.add_patient("P-1")
        bad = sample_assessment(0.5)
        bad["face"]["house_brackmann"]["grade"] = 9             # outside 1..6
        with pytest.raises(StoreError, match="agreed shape.*house_brackmann.*Nothing was written"):
            s.save_session(p.id, bad, started_at=T0)
        assert s.count("sessions") == 0 and s.count("outbox") == 0 and s.count("scores") == 0
        with pytest.raises(KeyError):
            s.save_session("no-such-patient", sample_assessment(0.5), started_at=T0)
