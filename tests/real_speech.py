"""Real recorded speech for the tests (catalogue and pins: kiosk.demo.real_speech)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.demo.real_speech import RECORDINGS, RealRecordingMissing, read_real

__all__ = ["RECORDINGS", "real", "stereo_11k"]


def real(name: str) -> tuple[np.ndarray, int]:
    """(float32 samples, rate Hz) of a pinned real recording; the test fails if it is absent or changed."""
    try:
        return read_real(name)
    except RealRecordingMissing as e:
        pytest.fail(str(e))


def stereo_11k(name: str, tmp_path: Path) -> tuple[np.ndarray, int]:
    """The recording converted by sox to 11025 Hz stereo 16-bit (channels slightly different), read raw."""
    import subprocess

    from scipy.io import wavfile

    real(name)
    out = tmp_path / f"{name}_11k_stereo.wav"
    subprocess.run(["sox", str(RECORDINGS[name].path), "-r", "11025", "-c", "2", "-b", "16", str(out),
                    "remix", "1", "1v0.9"], check=True, capture_output=True, timeout=60)
    rate, data = wavfile.read(out)
    assert data.ndim == 2 and data.shape[1] == 2 and rate == 11025
    return data, rate
