"""Generated speech test data, made once per test session (process-level caches).

Everything is synthesized at run time: numpy vowels, espeak-ng syllables, flite sentences.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import butter, sosfiltfilt

from kiosk.demo.synthetic_speech import (SAMPLE_RATE_HZ, espeak_syllable, flite_speech, place_syllables,
                                         synthesize_patient, with_lead_in)

SR = SAMPLE_RATE_HZ
CLEAN = "Bob may buy a big blue map of Paris"
TONGUE = "Dob nay duy a dig glue nap of Daris"


@lru_cache(maxsize=None)
def syllable(text: str) -> np.ndarray:
    """One espeak-ng syllable ("pah", "tah", "kah"), trimmed."""
    return espeak_syllable(text)


def ddk_train(rate_sps: float, syllables: tuple[str, ...] = ("pah",), duration_s: float = 4.0) -> np.ndarray:
    """A DDK recording with a 1 s lead-in: syllables placed every 1/rate s, peak 0.3."""
    x = place_syllables([syllable(s) for s in syllables], rate_sps, duration_s, SR)
    return with_lead_in(0.3 * x / np.max(np.abs(x)), SR)


@lru_cache(maxsize=None)
def flite(text: str, voice: str) -> np.ndarray:
    return flite_speech(text, voice, SR)


@lru_cache(maxsize=None)
def patient(severity: float) -> tuple[dict[str, np.ndarray], object]:
    """(six recordings, truth) of a synthetic patient."""
    return synthesize_patient(severity)


def add_noise(x: np.ndarray, snr_db: float, *, lead_in_s: float = 1.0, seed: int = 3) -> np.ndarray:
    """White noise at ``snr_db`` below the mean power of the part after the lead-in (noise everywhere)."""
    body = x[int(lead_in_s * SR):].astype(np.float64)
    active = body[np.abs(body) > 0.01 * np.max(np.abs(body))]
    power = float(np.mean(active**2))
    rng = np.random.default_rng(seed)
    return (x + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), x.size)).astype(np.float32)


def lowpass(x: np.ndarray, cutoff_hz: float) -> np.ndarray:
    sos = butter(6, cutoff_hz, fs=SR, output="sos")
    return sosfiltfilt(sos, x).astype(np.float32)
