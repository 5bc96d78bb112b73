"""Tremor from landmark time series: frequency (Hz), amplitude (mm) and band power, with the
head's slow sway removed (docs/metrics.md#tremor).

Pure maths on arrays. The input is one point's (or a point group's mean) position per video
frame in mm, ``(n, 2)``, sampled at ``fps``. The series is high-passed (2nd-order Butterworth,
``SWAY_CUTOFF_HZ``, zero phase) so that the slow postural sway of a seated person
(about 2 mm at 0.1-0.3 Hz) does not leak into the tremor band; the spectrum of the
Hann-windowed, zero-padded series gives the peak frequency (parabolic interpolation between
bins), and a band-pass of +-``PEAK_HALF_WIDTH_HZ`` around the peak (of the detrended series,
unit gain at the peak) gives the amplitude of the oscillation: for a sinusoid of amplitude A along any direction, the 2-D RMS of the
band-passed displacement is A / sqrt(2).

Detection: the peak must stand ``MIN_PEAK_TO_FLOOR`` times above the median spectral density
of the search band (the noise floor of landmark jitter), and its amplitude must reach
``MIN_AMPLITUDE_MM``. Both were set on sway-and-noise-only controls (scripts/validate.py).

Bands: parkinsonian rest tremor is typically 4-6 Hz, postural tremor 5-8 Hz, essential tremor
4-12 Hz [Deuschl 1998; Bhatia 2018]. The search band here is 3-12 Hz.

References
----------
Deuschl G, Bain P, Brin M. Consensus statement of the Movement Disorder Society on tremor.
Mov Disord 1998;13 Suppl 3:2-23.
Bhatia KP et al. Consensus statement on the classification of tremors. Mov Disord 2018;33:75-87.
Williams S et al. Accuracy of smartphone video for contactless measurement of hand tremor
frequency. Mov Disord Clin Pract 2021;8:69-75 (optical flow vs accelerometer: 95 % limits of
agreement -0.38 to +0.35 Hz).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, detrend, sosfiltfilt

SWAY_CUTOFF_HZ = 2.0
BAND_HZ = (3.0, 12.0)
PEAK_HALF_WIDTH_HZ = 0.75
MIN_PEAK_TO_FLOOR = 12.0
MIN_AMPLITUDE_MM = 0.15
MIN_DURATION_S = 3.0


@dataclass(frozen=True)
class Tremor:
    """One body part's tremor estimate.

    detected: a peak in BAND_HZ that stands out of the noise floor with a visible amplitude.
    frequency_hz, amplitude_mm: of the spectral peak (reported even when not detected, so a
    clinician sees what was there; None when the series was too short or absent).
    band_power_mm2: power of the band-passed displacement around the peak (mm^2).
    peak_to_floor: the peak's spectral density over the band's median (no unit).
    """

    detected: bool
    frequency_hz: float | None
    amplitude_mm: float | None
    band_power_mm2: float | None
    peak_to_floor: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        r = lambda v, n: None if v is None else round(float(v), n)  # noqa: E731
        return {"detected": self.detected, "frequency_hz": r(self.frequency_hz, 2),
                "amplitude_mm": r(self.amplitude_mm, 3), "band_power_mm2": r(self.band_power_mm2, 5),
                "peak_to_floor": r(self.peak_to_floor, 1), "reason": self.reason}


def remove_sway(xy_mm: np.ndarray, fps: float, cutoff_hz: float = SWAY_CUTOFF_HZ) -> np.ndarray:
    """High-pass each coordinate (2nd-order Butterworth, zero phase): slow sway and drift removed."""
    x = np.asarray(xy_mm, dtype=np.float64)
    x = x - x.mean(axis=0)
    sos = butter(2, cutoff_hz, btype="highpass", fs=fps, output="sos")
    return sosfiltfilt(sos, x, axis=0)


def _band_pass(x: np.ndarray, fps: float, lo: float, hi: float) -> np.ndarray:
    sos = butter(2, (max(lo, 0.1), min(hi, fps / 2 * 0.95)), btype="bandpass", fs=fps, output="sos")
    return sosfiltfilt(sos, x, axis=0)


def _spectrum(x: np.ndarray, fps: float, pad_to: int) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectrum (mm^2 per bin) of a (n, 2) series, summed over x and y."""
    w = np.hanning(len(x))[:, None]
    spec = np.abs(np.fft.rfft(x * w, n=pad_to, axis=0)) ** 2
    return np.fft.rfftfreq(pad_to, 1.0 / fps), spec.sum(axis=1)


def _parabolic_peak(freqs: np.ndarray, power: np.ndarray, i: int) -> float:
    if 0 < i < len(power) - 1:
        a, b, c = np.log(power[i - 1:i + 2] + 1e-30)
        denom = a - 2 * b + c
        if denom < 0:
            return float(freqs[i] + 0.5 * (a - c) / denom * (freqs[1] - freqs[0]))
    return float(freqs[i])


def measure_tremor(xy_mm: np.ndarray, fps: float, band_hz: tuple[float, float] = BAND_HZ) -> Tremor:
    """Tremor of one displacement series ``(n, 2)`` mm at ``fps`` frames per second.

    Frames where the point was not seen may be NaN; they are filled by linear interpolation
    when they are fewer than 10 % of the series, else the estimate is withheld.
    """
    x = np.asarray(xy_mm, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"expected an (n, 2) series, got shape {x.shape}")
    if len(x) < MIN_DURATION_S * fps:
        return Tremor(False, None, None, None, None, f"shorter than {MIN_DURATION_S:.0f} s")
    bad = ~np.isfinite(x).all(axis=1)
    if bad.mean() > 0.1:
        return Tremor(False, None, None, None, None, f"point not seen in {100 * bad.mean():.0f} % of frames")
    if bad.any():
        t = np.arange(len(x))
        x = np.column_stack([np.interp(t, t[~bad], x[~bad, k]) for k in range(2)])
    hp = remove_sway(x, fps)
    pad = 1 << int(np.ceil(np.log2(len(hp) * 8)))
    freqs, power = _spectrum(hp, fps, pad)
    band = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    if not band.any():
        return Tremor(False, None, None, None, None, "frame rate too low for the tremor band")
    idx = np.flatnonzero(band)
    i = int(idx[np.argmax(power[band])])
    f0 = _parabolic_peak(freqs, power, i)
    floor = float(np.median(power[band]))
    ratio = float(power[i] / floor) if floor > 0 else float("inf")
    # amplitude from the detrended series, band-passed around the peak (unit gain there): the
    # sway high-pass would attenuate a 3 Hz tremor by ~16 %
    bp = _band_pass(detrend(x, axis=0), fps, f0 - PEAK_HALF_WIDTH_HZ, f0 + PEAK_HALF_WIDTH_HZ)
    edge = int(round(fps * 0.5))                     # filter transients at both ends
    core = bp[edge:len(bp) - edge] if len(bp) > 4 * edge else bp
    band_power = float(np.mean(np.sum(core ** 2, axis=1)))
    amplitude = float(np.sqrt(2.0 * band_power))
    detected = ratio >= MIN_PEAK_TO_FLOOR and amplitude >= MIN_AMPLITUDE_MM
    reason = None if detected else (
        f"no peak above the noise floor (peak {ratio:.1f}x, needs {MIN_PEAK_TO_FLOOR:.0f}x)"
        if ratio < MIN_PEAK_TO_FLOOR else f"amplitude {amplitude:.2f} mm below {MIN_AMPLITUDE_MM} mm")
    return Tremor(detected, f0, amplitude, band_power, ratio, reason)
