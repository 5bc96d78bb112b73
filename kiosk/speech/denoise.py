"""Stationary spectral noise reduction with the lead-in as the noise profile.

Used only for syllable detection and recognition: spectral gating distorts jitter,
shimmer, HNR and CPPS, so the voice measures use the raw signal (docs/metrics.md#speech-measures).
Reference: Sainburg, Thielk & Gentner (2020) PLoS Comput Biol 16(10):e1008228 (noisereduce).
"""
from __future__ import annotations

import numpy as np


def denoise(x: np.ndarray, sr: int, *, lead_in_s: float = 1.0, prop_decrease: float = 0.8,
            noise: np.ndarray | None = None) -> np.ndarray:
    """Return ``x`` (float, -1..1, at ``sr`` Hz) with stationary noise reduced.

    The noise profile is ``noise`` when given (kiosk.speech.quality.noise_sample: the quiet
    lead-in or the quietest frames), else the first ``lead_in_s`` s; ``prop_decrease`` (0..1)
    is how much of the estimated noise is removed (0.8 keeps speech natural for recognition).
    A profile that is digital silence has no noise to remove: ``x`` is returned as is.
    """
    import noisereduce as nr

    x = np.asarray(x, dtype=np.float32).ravel()
    noise = x[: int(lead_in_s * sr)] if noise is None else np.asarray(noise, dtype=np.float32).ravel()
    if noise.size < 256 or float(np.max(np.abs(noise))) == 0.0:
        return x.copy()
    y = nr.reduce_noise(y=x, sr=sr, y_noise=noise, stationary=True, prop_decrease=prop_decrease,
                        n_fft=512, win_length=512, hop_length=128)
    return np.asarray(y, dtype=np.float32)
