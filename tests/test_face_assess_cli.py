"""`kiosk assess SESSION_DIR --json` on a synthetic session folder written at test time."""
from __future__ import annotations

import json
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.demo.synthetic_face import SyntheticSpec, write_session


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory, model_dir):
    d = write_session(tmp_path_factory.mktemp("session") / "s1", SyntheticSpec("right", 0.8, symmetric=True),
                      clips=False)
    (d / "snarl.png").unlink()
    (d / "pucker.png").write_bytes(b"not a png at all")
    (d / "vowel.wav").write_bytes(b"RIFF....WAVEjunk")
    (d / "notes.txt").write_text("ignored")
    cfg = d.parent / "kiosk.toml"
    cfg.write_text(f'[vision]\nmodel_dir = "{model_dir}"\n')
    return d, cfg


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_json(session_dir, capsys):
    d, cfg = session_dir
    code, out, _ = run_cli(capsys, "--config", str(cfg), "assess", str(d), "--json")
    assert code == 0
    r = json.loads(out)
    face = r["face"]
    assert face["affected_side"] == "right"
    assert set(face["regions"]) == {"brow", "eye_gentle", "eye_tight", "smile"}
    assert face["regions"]["eye_gentle"]["weaker_side"] == "right"
    assert {"left_mm", "right_mm", "ratio", "weaker_side"} <= set(face["regions"]["smile"])
    assert {"brow_height_diff_mm", "fissure_diff_mm", "commissure_height_diff_mm", "alar_diff_mm",
            "nasolabial_diff_mm"} == set(face["rest"])
    # steps it could not use are listed with their reason; scores that need them are unavailable
    assert r["missing_steps"]["snarl"] == "no file"
    assert "not a readable image" in r["missing_steps"]["pucker"]
    assert "not a readable WAV" in r["missing_steps"]["vowel"]
    assert r["missing_steps"]["sentence"] == "no file"
    assert face["sunnybrook"]["composite"] is None and "snarl" in face["sunnybrook"]["unavailable_reason"]
    assert face["house_brackmann"]["roman"] in ("III", "IV", "V", "VI")
    assert r["speech"] is None and r["unavailable"]["speech"] == "no speech recordings"
    assert "not a diagnosis" in r["disclaimer"]


def test_assess_text_summary(session_dir, capsys):
    d, cfg = session_dir
    code, out, _ = run_cli(capsys, "--config", str(cfg), "assess", str(d))
    assert code == 0
    assert "affected side: right" in out and "step snarl: no file" in out and "estimate" in out


def test_assess_video_clip(tmp_path, session_dir, capsys):
    src, cfg = session_dir
    d = tmp_path / "clips"
    write_session(d, SyntheticSpec("right", 0.8, symmetric=True), steps=("rest", "smile", "brow_raise"), clips=True)
    assert (d / "smile.avi").is_file() and (d / "rest.png").is_file()
    code, out, _ = run_cli(capsys, "--config", str(cfg), "assess", str(d), "--json")
    r = json.loads(out)
    assert code == 0
    assert r["face"]["steps"]["smile"]["frames_used"] == 9
    assert r["face"]["regions"]["smile"]["weaker_side"] == "right"


def test_assess_missing_folder(tmp_path, capsys):
    code, _, err = run_cli(capsys, "assess", str(tmp_path / "nope"))
    assert code == 2 and "not found" in err


def test_assess_empty_folder_nothing_to_assess(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "assess", str(tmp_path), "--json")
    r = json.loads(out)
    assert code == 4 and r["face"] is None and r["speech"] is None
    assert r["unavailable"]["face"] == "no face recordings" and len(r["missing_steps"]) == 13


def test_wav_reader_scales_integer_pcm(tmp_path):
    from scipy.io import wavfile

    from kiosk.session.assess import read_session_dir

    wavfile.write(tmp_path / "vowel.wav", 16000, (np.array([0, 16384, -32768, 32767]) * 1).astype(np.int16))
    wavfile.write(tmp_path / "ddk_pa.wav", 8000, np.array([128, 255, 0], dtype=np.uint8))
    _, audio, missing = read_session_dir(tmp_path)
    x, sr = audio["vowel"]
    assert sr == 16000 and x.dtype == np.float32
    np.testing.assert_allclose(x, [0.0, 0.5, -1.0, 32767 / 32768])
    np.testing.assert_allclose(audio["ddk_pa"][0], [0.0, 127 / 128, -1.0])
    assert "vowel" not in missing and missing["rest"] == "no file"


def test_unreadable_video_is_listed(tmp_path, session_dir, capsys):
    src, cfg = session_dir
    (tmp_path / "rest.png").write_bytes((src / "rest.png").read_bytes())
    (tmp_path / "smile.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 but not really a video")
    code, out, _ = run_cli(capsys, "--config", str(cfg), "assess", str(tmp_path), "--json")
    r = json.loads(out)
    assert code == 0 and "not a readable video" in r["missing_steps"]["smile"]
    assert r["face"]["steps"]["rest"]["status"] == "ok" and r["face"]["regions"] == {}
