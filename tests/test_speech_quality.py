"""Quality gate: bad recordings are rejected with a reason the patient can act on."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.demo.synthetic_speech import rosenberg_vowel, with_lead_in
from kiosk.speech.denoise import denoise
from kiosk.speech.quality import MESSAGES, check_recording
from speech_fixtures import SR, add_noise, ddk_train


@pytest.fixture(scope="module")
def vowel() -> np.ndarray:
    return with_lead_in(0.3 * rosenberg_vowel(140.0, 3.0, SR), SR)


def test_clean_recording_passes(vowel):
    q = check_recording(vowel, SR, task="vowel")
    assert q.ok and q.code == "ok"
    assert q.snr_db > 40.0 and q.clipped_pct == 0.0 and q.voiced_fraction > 0.8


def test_clipped_recording_rejected(vowel):
    loud = np.clip(vowel * 8.0, -1.0, 1.0)
    q = check_recording(loud, SR, task="vowel")
    assert not q.ok and q.code == "clipped" and q.clipped_pct > 0.1
    assert "too loud" in q.message


def test_silent_recording_rejected():
    q = check_recording(np.zeros(4 * SR, np.float32), SR, task="vowel")
    assert (q.ok, q.code) == (False, "silent")
    assert "microphone" in q.message


def test_too_short_recording_rejected(vowel):
    q = check_recording(vowel[: int(1.5 * SR)], SR, task="vowel")
    assert (q.ok, q.code) == (False, "too_short")


def test_too_quiet_recording_rejected(vowel):
    q = check_recording(vowel * 0.02, SR, task="vowel")
    assert (q.ok, q.code) == (False, "too_quiet")
    assert "louder" in q.message


def test_noisy_recording_rejected(vowel):
    q = check_recording(add_noise(vowel, 8.0), SR, task="vowel")
    assert (q.ok, q.code) == (False, "noisy")
    assert q.snr_db < 15.0


def test_speaking_during_lead_in_is_analysed_from_the_start(vowel):
    """Sound in the lead-in is not noise: the floor comes from the quietest frames (issue 14)."""
    early = vowel.copy()
    early[: SR] = vowel[SR: 2 * SR]
    q = check_recording(early, SR, task="vowel")
    assert (q.ok, q.noise_from, q.analysis_start_s) == (True, "quietest_frames", 0.0)
    assert q.snr_db > 40.0
    quiet = check_recording(vowel, SR, task="vowel")
    assert (quiet.noise_from, quiet.analysis_start_s) == ("lead_in", 1.0)


def test_constant_noise_is_noisy_even_without_a_lead_in(vowel):
    q = check_recording(add_noise(vowel, 8.0)[SR:], SR, lead_in_s=0.0, task="vowel")
    assert (q.code, q.noise_from) == ("noisy", "quietest_frames")


def test_noise_without_voice_rejected():
    hiss = with_lead_in(np.random.default_rng(1).normal(0, 0.05, 3 * SR).astype(np.float32), SR)
    q = check_recording(hiss, SR, task="sentence")
    assert (q.ok, q.code) == (False, "no_voice")


def test_every_code_has_a_message():
    assert all(m.endswith(".") for m in MESSAGES.values())


def test_denoise_reduces_noise_but_keeps_syllables():
    noisy = add_noise(ddk_train(5.0), 20.0)
    y = denoise(noisy, SR)
    lead_before = float(np.std(noisy[: SR]))
    lead_after = float(np.std(y[: SR]))
    assert lead_after < 0.5 * lead_before
    body = slice(SR, SR + 2 * SR)
    assert np.corrcoef(noisy[body], y[body])[0, 1] > 0.9
    silent_lead = np.concatenate([np.zeros(SR, np.float32), noisy[SR:]])
    assert np.array_equal(denoise(silent_lead, SR), silent_lead)


def test_damaged_samples_rejected(vowel):
    bad = vowel.copy()
    bad[5000] = np.nan
    assert check_recording(bad, SR, task="vowel").code == "damaged"


def test_sentence_in_hiss_rejected_but_rumble_accepted():
    """Broadband hiss at 20 dB ruins phone recognition (gate rejects); low rumble does not."""
    from speech_fixtures import CLEAN, flite

    x = with_lead_in(flite(CLEAN, "rms"), SR)
    hiss = add_noise(x, 20.0)
    q = check_recording(hiss, SR, task="sentence")
    assert (q.code, q.snr_db > 15.0, q.band_snr_db < 20.0) == ("noisy", True, True)
    assert check_recording(hiss, SR, task="ddk").ok  # syllable counting copes with it
    rng = np.random.default_rng(2)
    rumble = np.cumsum(rng.normal(0, 1, x.size))
    rumble = (rumble - np.convolve(rumble, np.ones(400) / 400, mode="same"))  # brown noise, no DC drift
    rumble *= 0.1 * np.sqrt(np.mean(x[SR:] ** 2)) / np.std(rumble)
    assert check_recording((x + rumble).astype(np.float32), SR, task="sentence").ok
