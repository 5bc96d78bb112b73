"""The Parkinson's protocol through the one assessment entry point (kiosk.session.assess): a session
folder built from real inputs (a real face with a planted 5 Hz / 0.8 mm jaw tremor, flite speech
made monotone by Praat manipulation, the synthetic face with both sides' movement halved),
assessed from its files; the palsy scores stay; missing Parkinson's files are listed."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.demo.parkinson_patient import ParkinsonSpec, make_session_folder
from kiosk.session.assess import assess_session_dir

ROOT = Path(__file__).resolve().parent.parent
SPEC = ParkinsonSpec(jaw_hz=5.0, jaw_mm=0.8, f0_factor=0.3, expression_reduction=0.5)


@pytest.fixture(scope="module")
def pd_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_session_folder(tmp_path_factory.mktemp("pd"), SPEC)


@pytest.fixture(scope="module")
def pd_result(pd_folder: Path) -> dict:
    return assess_session_dir(pd_folder, KioskConfig()).to_dict()


def test_jaw_and_hand_tremor_are_found_at_the_planted_frequency_and_amplitude(pd_result: dict) -> None:
    assert pd_result["protocol"] == "parkinson" and pd_result["missing_steps"] == {}
    tremor = {(t["site"], t["condition"]): t for t in pd_result["parkinson"]["tremor"]}
    jaw = tremor[("jaw", "rest")]
    assert jaw["detected"] is True and jaw["step"] == "sit_still"
    assert abs(jaw["frequency_hz"] - SPEC.jaw_hz) <= 0.4
    assert abs(jaw["amplitude_mm"] - SPEC.jaw_mm) / SPEC.jaw_mm <= 0.3
    assert tremor[("head", "rest")]["detected"] is False            # sway only: no head tremor
    sit = pd_result["parkinson"]["extra"]["sit_still"]
    assert sit["frames_with_face"] == sit["frames"] == 180 and sit["blinks"]["count"] == 0
    hands = [t for t in pd_result["parkinson"]["tremor"] if t["site"].startswith("hand_")]
    assert {(t["condition"], t["step"]) for t in hands} == {("rest", "hands_lap"), ("postural", "hands_up")}
    rest_right = tremor[("hand_right", "rest")]                       # the real fist photograph, planted tremor
    assert rest_right["detected"] is True and rest_right["step"] == "hands_lap"
    assert abs(rest_right["frequency_hz"] - SPEC.hand_rest_hz) <= 0.4
    assert abs(rest_right["amplitude_mm"] - SPEC.hand_rest_mm) / SPEC.hand_rest_mm <= 0.3
    assert tremor[("hand_left", "rest")]["detected"] is False          # the other hand is still
    assert tremor[("hand_right", "postural")]["detected"] is False and tremor[("hand_left", "postural")]["detected"] is False


def test_monotone_speech_is_flagged_and_palsy_scores_stay(pd_result: dict) -> None:
    from kiosk.analytics.parkinson import ParkinsonSummary

    pd = ParkinsonSummary.from_dict(pd_result["parkinson"])
    f0 = pd.measure("speech.f0_sd_st")
    assert f0.status == "outside" and f0.value < 1.0 and f0.unit == "st"
    assert f0.step == "sentence+spontaneous" and f0.reference.provisional
    spont = pd_result["parkinson"]["extra"]["speech"]["spontaneous"]
    assert spont["f0_sd_st"] < 0.6 and spont["n_syllables"] > 40        # ~20 s of flite speech, flattened
    assert pd.measure("speech.ddk_rate_sps").value > 3.0
    assert {m.key for m in pd.measures} >= {"blink.rate_per_min", "expression.spontaneous_mm_s"}
    video = pd_result["parkinson"]["extra"]["spontaneous"]        # the talking face, decoded a frame at a time
    assert video["frames"] == 90 and video["fps"] == pytest.approx(30.0) and video["frames_with_face"] >= 81
    face = pd_result["face"]                                 # the palsy half is still there
    assert face["sunnybrook"]["composite"] is not None and face["house_brackmann"]["roman"]
    assert pd_result["speech"]["clarity_score"] is not None
    json.dumps(pd_result, allow_nan=False)                 # storable as standard JSON
    assert json.loads(json.dumps(pd_result["parkinson"])) == pd_result["parkinson"]


def test_a_palsy_folder_has_no_parkinson_summary(pd_folder: Path, tmp_path: Path) -> None:
    for name in ("rest.png", "smile.avi", "sentence.wav"):
        shutil.copy(pd_folder / name, tmp_path / name)
    d = assess_session_dir(tmp_path, KioskConfig()).to_dict()
    assert d["protocol"] == "palsy" and d["parkinson"] is None
    assert "sit_still" not in d["missing_steps"] and "brow_raise" in d["missing_steps"]


def test_missing_and_unreadable_parkinson_files_are_listed(pd_folder: Path, tmp_path: Path) -> None:
    shutil.copy(pd_folder / "hands_lap.mp4", tmp_path / "hands_lap.mp4")
    (tmp_path / "sit_still.avi").write_bytes(b"\x00" * 256)
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "assess", str(tmp_path), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr                       # the hands on the lap were measured
    d = json.loads(r.stdout)
    lap = next(t for t in d["parkinson"]["tremor"] if t["site"] == "hand_right" and t["step"] == "hands_lap")
    assert lap["detected"] is True
    assert d["protocol"] == "parkinson"
    missing = d["missing_steps"]
    assert missing["hands_up"] == "no file" and missing["spontaneous"] == "no file"
    assert "not a readable video" in missing["sit_still"] and "hands_lap" not in missing
    jaw = next(t for t in d["parkinson"]["tremor"] if t["site"] == "jaw")
    assert jaw["detected"] is None and "not a readable video" in jaw["reason"]
    f0 = next(m for m in d["parkinson"]["measures"] if m["key"] == "speech.f0_sd_st")
    assert f0["value"] is None and f0["status"] == "not_measured"


def test_protocol_parkinson_on_a_palsy_folder_lists_every_parkinson_step(pd_folder: Path, tmp_path: Path) -> None:
    shutil.copy(pd_folder / "sentence.wav", tmp_path / "sentence.wav")
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "assess", str(tmp_path), "--protocol", "parkinson"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for step in ("sit_still", "spontaneous", "hands_up", "hands_lap"):
        assert f"step {step}: no file" in r.stdout
    assert "Parkinson's screening measures (not a diagnosis)" in r.stdout
    assert "Pitch variation (F0 SD):" in r.stdout                    # from the sentence alone


def test_video_frames_decode_one_at_a_time_as_read_video_does(pd_folder: Path, tmp_path: Path) -> None:
    import numpy as np

    from kiosk.capture.media import VideoFrames, read_video
    frames, fps = read_video(pd_folder / "spontaneous.mp4")
    lazy = VideoFrames(pd_folder / "spontaneous.mp4")
    assert len(lazy) == len(frames) == 90 and lazy.fps == fps
    assert all(np.array_equal(a, b) for a, b in zip(lazy, frames, strict=True))
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="not a readable video"):
        VideoFrames(bad)
