"""`kiosk patient add/list` and `kiosk assess DIR --patient CODE --save` (issue 13, tooling):
a recording made elsewhere enters the record with its outbox row, all under --state-dir."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.demo.synthetic_face import SyntheticSpec, write_session
from kiosk.store import Store


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_patient_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    st = str(tmp_path / "st")
    rc, out, _ = cli(capsys, "patient", "add", "P-100", "--name", "Ελένη <b>", "--birth-year", "1958", "--state-dir", st)
    assert rc == 0 and out.startswith("registered patient P-100")
    assert cli(capsys, "patient", "add", "A-2", "--state-dir", st)[0] == 0
    rc, _, err = cli(capsys, "patient", "add", "P-100", "--state-dir", st)
    assert rc == 2 and "already registered" in err
    for bad in (["X\n1"], ["X-3", "--birth-year", "2999"], [" P"], ["Y" * 129]):
        rc, _, err = cli(capsys, "patient", "add", *bad, "--state-dir", st)
        assert rc == 2 and "nothing was stored" in err, bad
    rc, out, _ = cli(capsys, "patient", "list", "--json", "--state-dir", st)
    got = json.loads(out)
    assert [(p["code"], p["name"], p["birth_year"]) for p in got] == [("A-2", None, None), ("P-100", "Ελένη <b>", 1958)]
    rc, out, _ = cli(capsys, "patient", "list", "--state-dir", st)
    assert rc == 0 and out.strip().endswith("2 patients")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> tuple[Path, Path]:
    d = write_session(tmp_path_factory.mktemp("tablet") / "s1", SyntheticSpec("right", 0.7, symmetric=True),
                      clips=False)
    cfg = d.parent / "kiosk.toml"
    cfg.write_text(f'[vision]\nmodel_dir = "{model_dir}"\n')
    return d, cfg


def test_assess_save_stores_the_session_with_its_outbox_row(recorded, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    d, cfg = recorded
    st = str(tmp_path / "st")
    assert cli(capsys, "patient", "add", "TAB-1", "--state-dir", st)[0] == 0
    rc, out, err = cli(capsys, "--config", str(cfg), "assess", str(d), "--patient", "TAB-1", "--save",
                       "--state-dir", st, "--json")
    assert rc == 0, err
    r = json.loads(out)
    sid = r["session_id"]
    with Store.open(st) as s:
        rec = s.get_session(sid)
        assert s.get_patient(rec.patient_id).code == "TAB-1"
        assert rec.assessment["face"]["affected_side"] == r["face"]["affected_side"] == "right"
        assert [o.session_id for o in s.outbox()] == [sid]
        assert json.loads(s.outbox()[0].payload)["patient_ref"] == "TAB-1"
        assert {st_.step for st_ in s.steps(sid)} >= {"rest", "smile"}
        assert rec.model_versions["face_landmark.tflite"] != "missing"


def test_assess_save_refuses_an_unknown_patient_before_assessing(recorded, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    d, cfg = recorded
    st = tmp_path / "st"
    rc, out, err = cli(capsys, "--config", str(cfg), "assess", str(d), "--patient", "NOPE", "--save",
                       "--state-dir", str(st))
    assert rc == 2 and "no patient with code 'NOPE'" in err and out == ""
    with Store.open(st) as s:
        assert s.count("sessions") == 0 and s.count("outbox") == 0
    rc, _, err = cli(capsys, "assess", str(d), "--save")
    assert rc == 2 and "go together" in err
