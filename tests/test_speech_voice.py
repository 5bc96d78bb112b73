"""Voice measures on numpy-synthesized vowels of known F0, duration and perturbation."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.demo.synthetic_speech import rosenberg_vowel
from kiosk.speech.voice import longest_voiced_run, measure_voice
from speech_fixtures import SR


@pytest.mark.parametrize("f0_hz", [95.0, 150.0, 220.0])
def test_f0_within_2_percent(f0_hz):
    v = measure_voice(rosenberg_vowel(f0_hz, 2.5, SR, jitter_pct=0.2, shimmer_pct=1.0), SR)
    assert abs(v.f0_mean_hz - f0_hz) / f0_hz < 0.02, v
    assert v.f0_sd_hz < 0.02 * f0_hz


def test_jitter_and_shimmer_rise_with_added_perturbation():
    steady = measure_voice(rosenberg_vowel(120.0, 3.0, SR, jitter_pct=0.1, shimmer_pct=0.5, seed=1), SR)
    shaky = measure_voice(rosenberg_vowel(120.0, 3.0, SR, jitter_pct=2.0, shimmer_pct=6.0, seed=1), SR)
    assert shaky.jitter_local_pct > 2 * steady.jitter_local_pct
    assert shaky.shimmer_local_pct > 2 * steady.shimmer_local_pct
    assert shaky.jitter_local_pct > 1.04 > steady.jitter_local_pct  # MDVP threshold separates them
    assert shaky.hnr_db < steady.hnr_db


def test_mpt_is_the_phonation_length_and_breaks_are_bridged():
    vowel = rosenberg_vowel(130.0, 4.0, SR)
    gap, pause = np.zeros(int(0.1 * SR), np.float32), np.zeros(int(0.8 * SR), np.float32)
    x = np.concatenate([vowel[: 2 * SR], gap, vowel[2 * SR:], pause, vowel[: SR]])
    v = measure_voice(x, SR)
    assert v.mpt_s == pytest.approx(4.1, abs=0.15)  # 4 s of voice + a 0.1 s break; the last 1 s is separate


def test_cpps_lower_for_breathy_voice():
    clear = measure_voice(rosenberg_vowel(120.0, 3.0, SR, breath_db=-40.0), SR)
    breathy = measure_voice(rosenberg_vowel(120.0, 3.0, SR, breath_db=-6.0), SR)
    assert breathy.cpps_db < clear.cpps_db - 3.0


def test_no_voice_gives_none():
    noise = np.random.default_rng(0).normal(0, 0.1, 2 * SR).astype(np.float32)
    v = measure_voice(noise, SR)
    assert v.mpt_s is None and v.f0_mean_hz is None and v.jitter_local_pct is None


def test_longest_voiced_run():
    voiced = np.array([0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1], bool)
    assert longest_voiced_run(voiced, 0.01, max_break_s=0.01) == (1, 7)
    assert longest_voiced_run(np.zeros(5, bool), 0.01) == (0, 0)
