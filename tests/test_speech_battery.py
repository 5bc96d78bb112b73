"""The whole speech battery on synthetic patients, and the `kiosk speech` command."""
from __future__ import annotations

import json

import numpy as np
import pytest

from kiosk.cli import main
from kiosk.demo.synthetic_speech import STEPS, generate_patient_speech
from kiosk.speech.battery import assess_speech
from speech_fixtures import SR, patient


@pytest.fixture(scope="module")
def healthy():
    audio, truth = patient(0.0)
    return assess_speech({k: (v, SR) for k, v in audio.items()}), truth


@pytest.fixture(scope="module")
def severe():
    audio, truth = patient(1.0)
    return assess_speech({k: (v, SR) for k, v in audio.items()}), truth


def test_healthy_patient_measures_match_truth(healthy):
    a, truth = healthy
    assert all(s.status == "ok" for s in a.steps.values())
    for name in ("pa", "ta", "ka", "pataka"):
        assert a.ddk[name].rate_sps == pytest.approx(truth.rates_sps[name], rel=0.10)
    assert a.voice.f0_mean_hz == pytest.approx(truth.f0_hz, rel=0.02)
    assert a.voice.mpt_s == pytest.approx(truth.mpt_s, abs=0.3)
    assert a.pa_ta_ratio == pytest.approx(1.0, abs=0.05)
    assert a.intelligibility.bilabial_accuracy_pct >= 75.0


def test_severity_worsens_lip_measures_and_scores(healthy, severe):
    h, s = healthy[0], severe[0]
    assert s.pa_ta_ratio < 0.7 < h.pa_ta_ratio
    assert s.voice.mpt_s < h.voice.mpt_s
    assert s.voice.jitter_local_pct > h.voice.jitter_local_pct
    assert s.intelligibility.bilabial_accuracy_pct < h.intelligibility.bilabial_accuracy_pct - 30
    assert s.clarity.value < h.clarity.value - 30
    assert s.msii.value > h.msii.value + 30


def test_to_dict_follows_the_contract(healthy):
    d = json.loads(json.dumps(healthy[0].to_dict()))
    assert set(d["voice"]) == {"mpt_s", "f0_mean_hz", "f0_sd_hz", "jitter_local_pct", "shimmer_local_pct",
                               "hnr_db", "cpps_db"}
    assert set(d["ddk"]) == {"pa", "ta", "ka", "pataka", "pa_ta_ratio"}
    assert set(d["ddk"]["pa"]) == {"rate_sps", "cv_pct", "n_syllables"}
    assert {"phone_accuracy_pct", "bilabial_accuracy_pct", "speaking_rate_sps"} <= set(d["intelligibility"])
    assert isinstance(d["clarity_score"], int) and isinstance(d["msii"], int)
    assert d["steps"]["vowel"]["status"] == "ok" and d["steps"]["vowel"]["reason"] is None
    assert d["inputs"]["msii"]["items"][0]["weight"] > 0


def test_missing_and_rejected_steps_are_listed_and_not_scored():
    audio, _ = patient(0.0)
    rec = {k: (v, SR) for k, v in audio.items() if k in ("ddk_pa", "ddk_ta")}
    rec["vowel"] = (np.clip(audio["vowel"] * 10, -1, 1), SR)  # clipped
    rec["sentence"] = (np.zeros(3 * SR, np.float32), SR)     # silent
    a = assess_speech(rec)
    assert a.steps["vowel"].status == "rejected" and a.steps["vowel"].code == "clipped"
    assert a.steps["sentence"].code == "silent"
    assert a.steps["ddk_pataka"].status == "missing"
    assert a.voice is None and a.intelligibility is None and a.ddk["pataka"] is None
    assert a.pa_ta_ratio == pytest.approx(1.0, abs=0.05)
    assert a.clarity.value is None and "too few measures" in a.clarity.reason
    assert a.msii.value is None


def test_stereo_48k_input_is_accepted():
    from scipy.signal import resample_poly

    audio, truth = patient(0.0)
    x48 = resample_poly(audio["ddk_ta"], 3, 1).astype(np.float32)
    a = assess_speech({"ddk_ta": (np.stack([x48, x48], axis=1), 48000)})
    assert a.ddk["ta"].rate_sps == pytest.approx(truth.rates_sps["ta"], rel=0.10)


def test_generated_files_are_cached(tmp_path):
    paths = generate_patient_speech(tmp_path, 0.3)
    assert set(paths) == set(STEPS)
    mtimes = {k: p.stat().st_mtime_ns for k, p in paths.items()}
    assert generate_patient_speech(tmp_path, 0.3) == paths
    assert {k: p.stat().st_mtime_ns for k, p in paths.items()} == mtimes
    from scipy.io import wavfile

    rate, data = wavfile.read(paths["sentence"])
    assert rate == 16000 and data.dtype == np.int16 and data.ndim == 1


def test_cli_speech_json(tmp_path, capsys):
    paths = generate_patient_speech(tmp_path, 0.0)
    assert main(["speech", str(paths["ddk_pataka"]), "--task", "ddk", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["measures"]["rate_sps"] == pytest.approx(6.2, rel=0.1)


def test_cli_speech_errors(tmp_path, capsys):
    assert main(["speech", str(tmp_path / "none.wav"), "--task", "vowel"]) == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    assert main(["speech", str(bad), "--task", "vowel"]) == 2
    assert "not a readable WAV" in capsys.readouterr().err
    from scipy.io import wavfile

    silent = tmp_path / "silent.wav"
    wavfile.write(silent, 16000, np.zeros(4 * 16000, np.int16))
    assert main(["speech", str(silent), "--task", "sentence", "--json"]) == 4
    assert json.loads(capsys.readouterr().out)["code"] == "silent"
    assert main(["speech", str(silent), "--task", "vowel", "--lead-in", "-1"]) == 2
    assert "--lead-in" in capsys.readouterr().err


def test_check_step_gates_any_rate():
    from scipy.signal import resample_poly

    from kiosk.speech.battery import check_step

    audio, _ = patient(0.0)
    x48 = resample_poly(audio["vowel"], 3, 1).astype(np.float32)
    assert check_step("vowel", x48, 48000).ok
    assert check_step("vowel", np.clip(x48 * 10, -1, 1), 48000).code == "clipped"
    assert check_step("ddk_pa", x48[: 2 * 48000], 48000).code == "too_short"


def test_clipping_is_caught_before_resampling():
    """Clipping is counted on the samples as recorded (resampling turns plateaus into ringing)."""
    from scipy.signal import resample_poly

    from kiosk.speech.battery import check_step

    audio, _ = patient(0.0)
    x48 = resample_poly(audio["vowel"], 3, 1)
    x48 = np.clip(x48 / np.max(np.abs(x48)) * 1.15, -1.0, 1.0).astype(np.float32)  # peaks flattened
    q = check_step("vowel", x48, 48000)
    assert q.code == "clipped"
    assert q.clipped_pct == pytest.approx(100 * np.mean(np.abs(x48) >= 32767 / 32768))
    assert assess_speech({"vowel": (x48, 48000)}).steps["vowel"].code == "clipped"


def test_integer_pcm_input_is_scaled():
    audio, truth = patient(0.0)
    pcm = np.round(audio["ddk_pa"] * 32767).astype(np.int16)
    a = assess_speech({"ddk_pa": (pcm, SR)})
    assert a.steps["ddk_pa"].status == "ok"
    assert a.ddk["pa"].rate_sps == pytest.approx(truth.rates_sps["pa"], rel=0.10)


def test_replay_microphone_to_battery(tmp_path):
    """Generated session files replayed through the microphone interface, then assessed."""
    from kiosk.capture.audio import open_microphone
    from kiosk.config import AudioConfig

    paths = generate_patient_speech(tmp_path, 0.0)
    audio = {}
    for step in ("ddk_pa", "ddk_ta"):
        with open_microphone(AudioConfig(source="replay", replay_path=paths[step])) as mic:
            rec = mic.record(6.5)
        audio[step] = (rec.samples, rec.sample_rate_hz)
    a = assess_speech(audio)
    assert a.pa_ta_ratio == pytest.approx(1.0, abs=0.05)
    assert a.ddk["pa"].rate_sps == pytest.approx(6.0, rel=0.05)
