"""Voice measures of a sustained vowel with Praat (parselmouth), on the RAW signal.

Noise reduction distorts jitter, shimmer, HNR and CPPS, so these never see the
denoised signal. Maximum phonation time (MPT) is the longest voiced stretch (voice
breaks shorter than 0.25 s are bridged). Jitter, shimmer and HNR use Praat's standard
settings over that stretch; CPPS uses the middle 3 s of it (Praat standard settings,
time step 2 ms), which keeps the analysis fast on the kiosk.

References: Boersma (1993) Proc. Inst. Phonetic Sci. 17:97 (autocorrelation pitch, HNR);
Hillenbrand & Houde (1996) J Speech Hear Res 39:311 (CPPS); Murton, Hillman & Mehta
(2020) J Voice 34:806 (CPPS cut-offs); MDVP normative thresholds (jitter 1.04 %,
shimmer 3.81 %).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

PITCH_FLOOR_HZ = 75.0
PITCH_CEILING_HZ = 500.0
MAX_BREAK_S = 0.25
CPPS_WINDOW_S = 3.0


@dataclass(frozen=True)
class VoiceMeasures:
    """Sustained-vowel measures; ``None`` where Praat could not measure (e.g. too few cycles)."""

    mpt_s: float | None
    f0_mean_hz: float | None
    f0_sd_hz: float | None
    jitter_local_pct: float | None
    shimmer_local_pct: float | None
    hnr_db: float | None
    cpps_db: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {k: (None if v is None else round(v, 3)) for k, v in asdict(self).items()}


def longest_voiced_run(voiced: np.ndarray, dt_s: float, max_break_s: float = MAX_BREAK_S) -> tuple[int, int]:
    """(first, last+1) frame indices of the longest voiced run, bridging gaps <= ``max_break_s``."""
    idx = np.flatnonzero(voiced)
    if idx.size == 0:
        return 0, 0
    gaps = np.flatnonzero(np.diff(idx) * dt_s > max_break_s + dt_s)
    starts = np.concatenate([[idx[0]], idx[gaps + 1]])
    ends = np.concatenate([idx[gaps], [idx[-1]]]) + 1
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def measure_voice(x: np.ndarray, sr: int) -> VoiceMeasures:
    """Measure a sustained vowel (float samples at ``sr`` Hz, lead-in already removed).

    Returns MPT (s), F0 mean and SD (Hz), jitter local (%), shimmer local (%), HNR (dB)
    and CPPS (dB). All ``None`` when no voiced stretch of at least 0.2 s is found.
    """
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    pitch = snd.to_pitch_ac(pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    f0 = pitch.selected_array["frequency"]
    dt = pitch.time_step
    a, b = longest_voiced_run(f0 > 0, dt)
    if (b - a) * dt < 0.2:
        return VoiceMeasures(None, None, None, None, None, None, None)
    t0, t1 = pitch.xs()[a] - dt / 2, pitch.xs()[b - 1] + dt / 2
    run = f0[a:b][f0[a:b] > 0]
    part = snd.extract_part(max(t0, 0.0), min(t1, snd.duration))
    pp = call(part, "To PointProcess (periodic, cc)", PITCH_FLOOR_HZ, PITCH_CEILING_HZ)
    jitter = call(pp, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
    shimmer = call([part, pp], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    harm = call(part, "To Harmonicity (cc)", 0.01, PITCH_FLOOR_HZ, 0.1, 1.0)
    hnr = call(harm, "Get mean", 0, 0)
    return VoiceMeasures(
        mpt_s=float(t1 - t0), f0_mean_hz=float(np.mean(run)), f0_sd_hz=float(np.std(run)),
        jitter_local_pct=_pct(jitter), shimmer_local_pct=_pct(shimmer), hnr_db=_num(hnr),
        cpps_db=_cpps(part),
    )


def _cpps(part) -> float | None:
    """CPPS (dB) of the middle ``CPPS_WINDOW_S`` s of the phonation (Praat standard settings)."""
    from parselmouth.praat import call

    mid = part.duration / 2
    half = min(CPPS_WINDOW_S, part.duration) / 2
    seg = part.extract_part(max(mid - half, 0.0), min(mid + half, part.duration))
    pc = call(seg, "To PowerCepstrogram", 60, 0.002, 5000, 50)
    value = call(pc, "Get CPPS", "no", 0.02, 0.0005, 60, 330, 0.05, "Parabolic", 0.001, 0, "Straight", "Robust")
    return _num(value)


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _pct(v: float) -> float | None:
    n = _num(v)
    return None if n is None else 100.0 * n
