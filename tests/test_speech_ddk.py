"""DDK: syllable nuclei on espeak-ng syllable trains of known rate."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.speech.ddk import ddk_from_nuclei, measure_ddk, pa_ta_ratio, syllable_nuclei
from kiosk.speech.denoise import denoise
from speech_fixtures import SR, add_noise, ddk_train


def _rate(x: np.ndarray) -> float:
    m = measure_ddk(denoise(x, SR)[SR:], SR)
    assert m.rate_sps is not None
    return m.rate_sps


@pytest.mark.parametrize("true_rate", [4.0, 5.5, 7.0])
def test_pa_rate_within_10_percent(true_rate):
    measured = _rate(ddk_train(true_rate))
    assert abs(measured - true_rate) / true_rate < 0.10, (true_rate, measured)


def test_pataka_rate_and_syllable_count():
    x = ddk_train(6.2, ("pah", "tah", "kah"), duration_s=4.0)
    m = measure_ddk(denoise(x, SR)[SR:], SR)
    assert abs(m.rate_sps - 6.2) / 6.2 < 0.10
    expected_n = int(4.0 * 6.2 - 0.85) + 1  # onsets that fit with their syllable
    assert abs(m.n_syllables - expected_n) <= 1


@pytest.mark.parametrize("true_rate", [4.0, 7.0])
def test_noise_at_20_db_changes_rate_by_less_than_10_percent(true_rate):
    x = ddk_train(true_rate)
    clean = _rate(x)
    noisy = _rate(add_noise(x, 20.0))
    assert abs(noisy - clean) / clean < 0.10, (clean, noisy)


def test_unvoiced_bursts_are_not_syllables():
    rng = np.random.default_rng(0)
    x = np.zeros(3 * SR, dtype=np.float32)
    for k in range(12):  # 12 noise bursts: intensity peaks, but no voicing
        start = int(0.2 * SR + k * 0.2 * SR)
        x[start:start + 800] = rng.normal(0, 0.2, 800)
    assert syllable_nuclei(x, SR).size == 0
    assert measure_ddk(x, SR).rate_sps is None


def test_rate_and_cv_from_known_nuclei():
    regular = ddk_from_nuclei(np.arange(11) * 0.2)
    assert regular.rate_sps == pytest.approx(5.0)
    assert regular.cv_pct == pytest.approx(0.0, abs=1e-9)
    jittered = ddk_from_nuclei(np.arange(11) * 0.2 + np.tile([0.0, 0.03], 6)[:11])
    assert jittered.cv_pct > 10.0
    assert ddk_from_nuclei(np.array([0.1, 0.3])).rate_sps is None


def test_pa_ta_ratio():
    pa, ta = ddk_from_nuclei(np.arange(9) * 0.25), ddk_from_nuclei(np.arange(13) * (1 / 6))
    assert pa_ta_ratio(pa, ta) == pytest.approx(4.0 / 6.0)
    assert pa_ta_ratio(pa, None) is None


@pytest.mark.parametrize("wpm", [120, 200, 320])
def test_espeak_pa_pa_pa_counts_every_syllable(wpm, tmp_path):
    """espeak-ng speaking "pah" 15 times: every syllable found; faster speech, higher rate."""
    import subprocess

    from kiosk.demo.synthetic_speech import read_resampled, with_lead_in

    wav = tmp_path / "pa.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(wav), " ".join(["pah"] * 15)],
                   check=True, capture_output=True, timeout=30)
    x = read_resampled(wav, SR)
    m = measure_ddk(denoise(with_lead_in(0.3 * x / np.max(np.abs(x)), SR), SR)[SR:], SR)
    assert m.n_syllables == 15
    assert m.rate_sps == pytest.approx(15 / (x.size / SR), rel=0.35)  # rough: whole-file duration
    assert m.rate_sps > {120: 2.5, 200: 4.5, 320: 8.0}[wpm]


@pytest.mark.parametrize("text,repeats,syllables", [("pataka", 6, 18), ("mah", 15, 15)])
def test_espeak_pataka_and_voiced_onsets_counted(text, repeats, syllables, tmp_path):
    """Three-syllable words and /m/ onsets (voicing never stops): nuclei still separate."""
    import subprocess

    from kiosk.demo.synthetic_speech import read_resampled, with_lead_in

    wav = tmp_path / "w.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "200", "-w", str(wav), " ".join([text] * repeats)],
                   check=True, capture_output=True, timeout=30)
    x = read_resampled(wav, SR)
    m = measure_ddk(denoise(with_lead_in(0.3 * x / np.max(np.abs(x)), SR), SR)[SR:], SR)
    assert m.n_syllables == syllables
