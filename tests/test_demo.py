"""`kiosk demo` end to end with two weekly sessions: real synthetic faces and speech, real assessment,
real SQLite, real PDFs, real local Mosquitto and clinic receiver."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.cli import main as kiosk_main
from kiosk.reports.norms import side_text
from kiosk.store import Store


@pytest.mark.slow
@pytest.mark.broker
def test_demo_two_weeks_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], model_dir: Path,
                                   mosquitto: None) -> None:
    out = tmp_path / "demo"
    assert kiosk_main(["demo", "--out", str(out), "--sessions", "2"]) == 0
    printed = capsys.readouterr().out
    assert "sync done: 2 acked, 0 pending" in printed
    assert str(out / "report-clinician.pdf") in printed and str(out / "report-patient.pdf") in printed

    with Store.open(out) as s:
        (patient_row,) = list(s.db.query("SELECT id FROM patients"))
        sessions = s.sessions_for(patient_row["id"])
        assert len(sessions) == 2
        assert (sessions[1].started_at - sessions[0].started_at).days == 7
        f0, f1 = (x.assessment["face"] for x in sessions)
        assert f0["affected_side"] == "left"                       # the synthetic palsy is on the left
        assert f1["sunnybrook"]["composite"] > f0["sunnybrook"]["composite"]
        assert f0["regions"]["smile"]["ratio"] < f1["regions"]["smile"]["ratio"]
        assert all(o.acked_at for o in s.outbox())
        assert len(s.reports(sessions[1].id)) == 2
        assert all(len(v) == 64 for v in sessions[1].model_versions.values())   # sha256 pins
    clinic = sqlite3.connect(out / "clinic.db")
    tables = [r[0] for r in clinic.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert any(sum(1 for _ in clinic.execute(f'SELECT 1 FROM "{t}" WHERE 1')) == 2 for t in tables)
    clinic.close()

    clin = PdfReader(out / "report-clinician.pdf")
    text = " ".join(p.extract_text() for p in clin.pages)
    # the report is of the latest (nearly recovered) session and names its own affected side
    assert side_text(f1["affected_side"]) in text and f"{f1['sunnybrook']['composite']:.0f} / 100" in text
    assert "Peak frames with landmarks" in text and "rest" in text
    assert text.count("matches pin") == 3                      # the models used are the pinned ones
    patient_text = PdfReader(out / "report-patient.pdf").pages[0].extract_text()
    assert "Improvement since your first visit" in patient_text


def test_sync_skipped_without_mosquitto_keeps_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    from kiosk.demo.run_demo import severities, sync_outbox
    from store_samples import sample_assessment
    with Store.open(tmp_path) as s:
        p = s.add_patient("P-1")
        s.save_session(p.id, sample_assessment(0.5), started_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    ok, msg = sync_outbox(tmp_path / "kiosk.db", tmp_path, "kiosk-dev", "clinic")
    assert not ok and msg.startswith("sync skipped: could not run a local Mosquitto") and "not found" in msg
    with Store.open(tmp_path) as s:
        assert [o.acked_at for o in s.outbox()] == [None]          # still queued for the next sync
    assert severities(6) == [0.9, 0.74, 0.58, 0.42, 0.26, 0.1] and severities(1) == [0.1]
    assert kiosk_main(["demo", "--sessions", "0", "--out", str(tmp_path / "x")]) == 2


def test_scenarios_shape_the_true_course() -> None:
    from kiosk.demo.run_demo import RELAPSE_SEVERITY, scenario_severities
    side, sev = scenario_severities("relapse", 6)
    assert side == "left" and sev[-1] == RELAPSE_SEVERITY and sev[:5] == sorted(sev[:5], reverse=True)
    assert sev[-1] - min(sev) >= 0.5                                   # a clear drop in the last session
    assert scenario_severities("recovering", 3) == ("left", [0.9, 0.5, 0.1])
    assert scenario_severities("healthy", 2) == ("none", [0.0, 0.0])
    with pytest.raises(ValueError, match="unknown scenario"):
        scenario_severities("worse", 2)


@pytest.mark.slow
def test_relapse_demo_points_the_patient_to_the_nurse_and_flags_the_clinician(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str],
                                                                             model_dir: Path) -> None:
    out = tmp_path / "relapse"
    assert kiosk_main(["demo", "--scenario", "relapse", "--sessions", "3", "--no-sync", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(relapse)" in printed and "DECLINE FLAG on the latest session: Composite dropped" in printed
    with Store.open(out) as s:
        (patient_row,) = list(s.db.query("SELECT id FROM patients"))
        comps = [x.assessment["face"]["sunnybrook"]["composite"] for x in s.sessions_for(patient_row["id"])]
        (last,) = [o for o in s.outbox() if o.session_id == s.sessions_for(patient_row["id"])[-1].id]
    assert comps[1] > comps[0] and comps[1] - comps[2] >= 10             # recovered, then dropped clearly
    import json
    assert json.loads(last.payload)["decline"]["drop_points"] == pytest.approx(comps[1] - comps[2], abs=0.1)
    patient = " ".join(PdfReader(out / "report-patient.pdf").pages[0].extract_text().split())
    assert f"Today {comps[2]:.0f}, first visit {comps[0]:.0f}, last visit {comps[1]:.0f}" in patient
    assert "speak to the nurse" in patient and "Well done" not in patient
    assert "Improvement" not in patient and not any(f"-{n} %" in patient for n in range(1, 1000))
    clin = " ".join(" ".join(p.extract_text() for p in PdfReader(out / "report-clinician.pdf").pages).split())
    assert f"Decline flag. Composite dropped {comps[1] - comps[2]:.0f} points" in clin
