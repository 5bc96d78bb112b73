"""WAV files: broken headers are refused with AudioFileError, cut-short data is reported, and the
formats that held before (8..32-bit, float, stereo, 8..96 kHz, NaN) still read."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scripts.adversarial_cases import Case, check, refused
from scripts.adversarial_cases._common import ROOT  # noqa: F401 (sys.path)

AREA = "wavs"


def _refused(name: str, data: bytes, needle: str = "") -> Case:
    def run(tmp: Path) -> None:
        from kiosk.capture.media import AudioFileError, read_wav
        p = tmp / f"{name}.wav"
        p.write_bytes(data)
        refused(lambda: read_wav(p), AudioFileError, needle)
    return Case(f"refuse {name}", run, fast=True)


def _reads(name: str, subtype: str, rate: int, channels: int, nan: bool = False) -> Case:
    def run(tmp: Path) -> None:
        import soundfile as sf

        from kiosk.capture.media import read_wav
        t = np.arange(int(0.2 * rate)) / rate
        x = 0.4 * np.sin(2 * np.pi * 220 * t)
        if nan:
            x[10:20] = np.nan
        data = np.stack([x] * channels, axis=1) if channels > 1 else x
        p = tmp / f"{name}.wav"
        sf.write(str(p), data, rate, subtype=subtype)
        y, sr = read_wav(p)
        check(sr == rate and y.size == t.size, f"read {y.size} samples at {sr} Hz")
        fin = np.isfinite(y)
        check(np.allclose(y[fin], x[fin], atol=2e-2), "samples differ")
    return Case(f"read {name}", run, fast=name in ("pcm16_16k", "float_nan"))


def cases() -> list[Case]:
    from hostile_files import hostile_wavs
    out = [_refused(n, d) for n, d in sorted(hostile_wavs().items())]
    out.append(_refused("cut_in_half_reports_lengths", hostile_wavs()["cut_in_half"], "holds 0.50 s"))
    for sub in ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"):
        out.append(_reads(sub.lower(), sub, 16000, 1))
    for rate in (8000, 11025, 22050, 44100, 48000, 96000):
        out.append(_reads(f"pcm16_{rate // 1000}k", "PCM_16", rate, 1))
    out.append(_reads("pcm16_16k", "PCM_16", 16000, 1))
    out.append(_reads("stereo", "PCM_16", 16000, 2))
    out.append(_reads("float_nan", "FLOAT", 16000, 1, nan=True))

    def folder(tmp: Path) -> None:
        from kiosk.capture.media import AudioFileError, read_wav
        refused(lambda: read_wav(tmp), AudioFileError, "not a regular file")
    out.append(Case("refuse a folder", folder, fast=True))
    return out
