"""Diadochokinesis: syllable nuclei, repetition rate, regularity and the pa/ta ratio.

Syllable nuclei are peaks of a band-limited intensity contour that rise at least
``min_rise_db`` above the dips on both sides and are voiced, the idea described by
de Jong & Wempe (2009) Behav Res Methods 41:385 (own implementation). The rate is
``(n - 1) / (t_last - t_first)`` syll/s over the nuclei (the interval rate, insensitive
to when the patient starts and stops); regularity is the coefficient of variation of
the inter-nucleus intervals (%). Norms: /pataka/ 6.2 +- 0.8 syll/s; /pa/ /ta/ /ka/
about 5..7 syll/s in adults (docs/metrics.md#speech-scores).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

HOP_S = 0.005
SMOOTH_S = 0.025
BAND_HZ = (250.0, 2000.0)  # vowel energy; bursts of /p t k/ lie mostly above it
MIN_GAP_S = 0.07  # nuclei closer than this are one syllable (> 14 syll/s is not speech)
DYNAMIC_RANGE_DB = 25.0


@dataclass(frozen=True)
class DdkMeasures:
    """One repetition task. ``rate_sps`` and ``cv_pct`` are ``None`` with fewer than 3 nuclei."""

    rate_sps: float | None
    cv_pct: float | None
    n_syllables: int
    nuclei_s: tuple[float, ...]

    def to_dict(self) -> dict[str, float | int | None]:
        return {"rate_sps": _r(self.rate_sps), "cv_pct": _r(self.cv_pct), "n_syllables": self.n_syllables}


def intensity_contour_db(x: np.ndarray, sr: int) -> np.ndarray:
    """Band-limited (250..2000 Hz) intensity (dB re full scale) every ``HOP_S`` s, 25 ms Hann smoothing."""
    sos = butter(4, BAND_HZ, btype="bandpass", fs=sr, output="sos")
    y = sosfiltfilt(sos, np.asarray(x, dtype=np.float64))
    win = np.hanning(max(int(SMOOTH_S * sr), 3))
    power = np.convolve(y * y, win / win.sum(), mode="same")
    hop = max(int(HOP_S * sr), 1)
    return 10 * np.log10(power[hop // 2::hop] + 1e-20)


def syllable_nuclei(x: np.ndarray, sr: int, *, min_rise_db: float = 3.0,
                    voiced_times_s: np.ndarray | None = None) -> np.ndarray:
    """Times (s) of syllable nuclei in ``x`` (float samples at ``sr`` Hz, preferably denoised).

    A nucleus is an intensity peak within ``DYNAMIC_RANGE_DB`` of the loudest peak and
    6 dB above the quiet floor (10th percentile), rising ``min_rise_db`` above the dips
    either side (prominence), at least ``MIN_GAP_S`` from the next, and voiced:
    ``voiced_times_s`` are the centres of voiced frames (default: Praat pitch, 75..500 Hz).
    """
    db = intensity_contour_db(x, sr)
    if db.size < 3:
        return np.zeros(0)
    floor = float(np.percentile(db, 10))
    height = max(float(np.max(db)) - DYNAMIC_RANGE_DB, floor + 6.0)
    peaks, _ = find_peaks(db, height=height, prominence=min_rise_db, distance=max(int(MIN_GAP_S / HOP_S), 1))
    times = peaks * HOP_S
    if voiced_times_s is None:
        voiced_times_s = voiced_frame_times(x, sr)
    if voiced_times_s.size == 0:
        return np.zeros(0)
    nearest = np.min(np.abs(times[:, None] - voiced_times_s[None, :]), axis=1) if times.size else times
    return times[nearest <= 0.02]


def voiced_frame_times(x: np.ndarray, sr: int) -> np.ndarray:
    """Centres (s) of frames Praat's autocorrelation pitch tracker calls voiced (75..500 Hz)."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    pitch = snd.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
    f0 = pitch.selected_array["frequency"]
    return np.asarray(pitch.xs())[f0 > 0]


def ddk_from_nuclei(nuclei_s: np.ndarray) -> DdkMeasures:
    """Rate (syll/s) and regularity (CV of intervals, %) from nucleus times (s)."""
    t = np.sort(np.asarray(nuclei_s, dtype=np.float64))
    n = int(t.size)
    if n < 3:
        return DdkMeasures(None, None, n, tuple(t.tolist()))
    intervals = np.diff(t)
    rate = (n - 1) / float(t[-1] - t[0])
    cv = 100.0 * float(np.std(intervals, ddof=1) / np.mean(intervals))
    return DdkMeasures(rate, cv, n, tuple(np.round(t, 4).tolist()))


def measure_ddk(x: np.ndarray, sr: int) -> DdkMeasures:
    """Syllable rate and regularity of one repetition task (lead-in removed, denoised)."""
    return ddk_from_nuclei(syllable_nuclei(x, sr))


def pa_ta_ratio(pa: DdkMeasures | None, ta: DdkMeasures | None) -> float | None:
    """/pa/ rate over /ta/ rate: lips against tongue tip (about 1 in healthy speakers)."""
    if pa is None or ta is None or not pa.rate_sps or not ta.rate_sps:
        return None
    return pa.rate_sps / ta.rate_sps


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(float(v), nd)
