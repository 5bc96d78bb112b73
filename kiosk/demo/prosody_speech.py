"""Speech with a known F0 variation: Praat's manipulation scales the pitch contour.

``scale_pitch_variation`` takes real or synthesized speech, extracts its pitch tier (Praat
"To Manipulation", 10 ms, 60..500 Hz), scales every point around the contour's geometric mean
in semitones (factor 0 = monotone, 1 = unchanged, 2 = exaggerated), puts the tier back and
resynthesizes by overlap-add (PSOLA). The true F0 SD (st) is that of the new tier sampled every
10 ms over the source's voiced frames, with the same octave-error rule as the measure (a source
tracked in creak carries the tracker's jumps into its tier). Validation data for kiosk.speech.prosody (scripts/validate_speech.py)
and the monotone speech of a synthetic Parkinson's patient.
Reference: Moulines & Charpentier (1990) Speech Commun 9:453 (PSOLA); Boersma & Weenink, Praat.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.speech.prosody import drop_octave_errors, f0_sd_semitones

FLOOR_HZ = 60.0
CEILING_HZ = 500.0
STEP_S = 0.01


@dataclass(frozen=True)
class ScaledSpeech:
    """Resynthesized samples (float32 at the input rate) and the true F0 SD (st) and mean (Hz)."""

    samples: np.ndarray
    true_f0_sd_st: float
    true_f0_mean_hz: float
    factor: float


def scale_pitch_variation(x: np.ndarray, sr: int, factor: float) -> ScaledSpeech:
    """``x`` with its F0 excursions in semitones multiplied by ``factor`` (>= 0)."""
    import parselmouth
    from parselmouth.praat import call

    if factor < 0:
        raise ValueError(f"factor must be >= 0 (got {factor})")
    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    manip = call(snd, "To Manipulation", STEP_S, FLOOR_HZ, CEILING_HZ)
    tier = call(manip, "Extract pitch tier")
    n = int(call(tier, "Get number of points"))
    if n < 2:
        raise ValueError("no voiced speech to manipulate")
    times = np.array([call(tier, "Get time from index", i) for i in range(1, n + 1)])
    f0 = np.array([call(tier, "Get value at index", i) for i in range(1, n + 1)])
    ref = float(np.exp(np.mean(np.log(f0))))
    scaled = ref * 2.0 ** (factor * np.log2(f0 / ref))
    new = call("Create PitchTier", "scaled", snd.xmin, snd.xmax)
    for t, v in zip(times, scaled):
        call(new, "Add point", float(t), float(v))
    call([manip, new], "Replace pitch tier")
    out = call(manip, "Get resynthesis (overlap-add)")
    y = np.asarray(out.values[0], dtype=np.float32)
    pitch = snd.to_pitch_ac(time_step=STEP_S, pitch_floor=FLOOR_HZ, pitch_ceiling=CEILING_HZ)
    tv = np.asarray(pitch.xs())[pitch.selected_array["frequency"] > 0]
    truth = drop_octave_errors(np.array([call(new, "Get value at time", float(t)) for t in tv]))
    sd, mean = f0_sd_semitones(truth)
    return ScaledSpeech(y, sd, mean, float(factor))


@dataclass(frozen=True)
class MonopitchRow:
    """One validation case: source, factor, true and measured F0 SD (st), error (st)."""

    source: str
    factor: float
    true_f0_sd_st: float
    measured_f0_sd_st: float | None
    true_f0_mean_hz: float

    @property
    def error_st(self) -> float | None:
        return None if self.measured_f0_sd_st is None else self.measured_f0_sd_st - self.true_f0_sd_st


def monopitch_validation(sources: dict[str, tuple[np.ndarray, int]], factors: tuple[float, ...]) -> list[MonopitchRow]:
    """Scale each source's F0 variation by each factor and measure it back (kiosk.speech.prosody.monopitch)."""
    from kiosk.speech.prosody import monopitch

    rows = []
    for name, (x, sr) in sources.items():
        for k in factors:
            s = scale_pitch_variation(x, sr, k)
            rows.append(MonopitchRow(name, k, s.true_f0_sd_st, monopitch(s.samples, sr).f0_sd_st, s.true_f0_mean_hz))
    return rows
