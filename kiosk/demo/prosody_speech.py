"""Speech with a known F0 variation: Praat's manipulation scales the pitch contour.

``scale_pitch_variation`` takes real or synthesized speech, extracts its pitch tier (Praat
"To Manipulation", 10 ms, 60..500 Hz), scales every point around the contour's geometric mean
in semitones (factor 0 = monotone, 1 = unchanged, 2 = exaggerated), puts the tier back and
resynthesizes by overlap-add (PSOLA). Tier points an octave or more from the speaker's median
are the source tracker's own errors and are left out before scaling. The true F0 SD (st) is
that of the new tier sampled every 10 ms over the source's voiced frames, with the same
octave-error rule as the measure (a source tracked in creak carries the tracker's jumps into
its tier). Validation data for kiosk.speech.prosody (``monopitch_validation``, used by
scripts/validate.py and scripts/validate_speech.py) and the monotone speech of a synthetic
Parkinson's patient.
Reference: Moulines & Charpentier (1990) Speech Commun 9:453 (PSOLA); Boersma & Weenink, Praat.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.speech.prosody import drop_octave_errors, f0_sd_semitones

FLOOR_HZ = 60.0
CEILING_HZ = 500.0
STEP_S = 0.01
SOURCE_RANGE_ST = 12.0   # source tier points further from the speaker's median are tracking errors


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
    # the source's own tracking errors (a run at ~490 Hz in a 105 Hz voice, LibriVox 0920) would
    # be scaled with the rest, beyond the tracker's range: points an octave or more from the
    # speaker's median are left out of the new tier (it interpolates across them)
    sane = np.abs(12.0 * np.log2(f0 / np.median(f0))) < SOURCE_RANGE_ST
    times, f0 = times[sane], f0[sane]
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


MONOPITCH_TOLERANCE_ST = 0.3           # issue 17 target
MONOPITCH_FACTORS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
FLITE_VOICES = ("rms", "awb", "slt")
REAL_CLIPS = ("austen_0870", "austen_0880", "austen_0920")


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

    @property
    def in_range(self) -> bool:
        """The true contour's low tail (mean - 2 SD) stays above the measure's pitch floor."""
        from kiosk.speech.prosody import PITCH_FLOOR_HZ
        return self.true_f0_mean_hz * 2 ** (-2 * self.true_f0_sd_st / 12) >= PITCH_FLOOR_HZ

    @property
    def ok(self) -> bool:
        return self.error_st is not None and abs(self.error_st) <= MONOPITCH_TOLERANCE_ST

    @property
    def result(self) -> str:
        """"ok", "MISS" (in range, beyond the tolerance) or "out of range (...)"."""
        return "ok" if self.ok else ("MISS" if self.in_range else "out of range (below 60 Hz floor)")


def monopitch_validation(sources: dict[str, tuple[np.ndarray, int]], factors: tuple[float, ...]) -> list[MonopitchRow]:
    """Scale each source's F0 variation by each factor and measure it back (kiosk.speech.prosody.monopitch)."""
    from kiosk.speech.prosody import monopitch

    rows = []
    for name, (x, sr) in sources.items():
        for k in factors:
            s = scale_pitch_variation(x, sr, k)
            rows.append(MonopitchRow(name, k, s.true_f0_sd_st, monopitch(s.samples, sr).f0_sd_st, s.true_f0_mean_hz))
    return rows


def monopitch_sources(skipped: list[str] | None = None) -> dict[str, tuple[np.ndarray, int]]:
    """The validation speech: the kiosk sentence by Debian flite (``FLITE_VOICES``) and real read
    speech from Debian pocketsphinx-testdata (``REAL_CLIPS``, LibriVox) at the analysis rate. A
    missing real clip is left out and its reason appended to ``skipped``."""
    from kiosk.demo.real_speech import RealRecordingMissing, read_real
    from kiosk.demo.synthetic_speech import SAMPLE_RATE_HZ, flite_speech
    from kiosk.protocol.steps import SENTENCE
    from kiosk.speech.battery import ANALYSIS_RATE_HZ, to_analysis_rate

    out = {f"flite {v}": (flite_speech(SENTENCE, v, SAMPLE_RATE_HZ), SAMPLE_RATE_HZ) for v in FLITE_VOICES}
    for name in REAL_CLIPS:
        try:
            x, sr = read_real(name)
        except RealRecordingMissing as e:
            if skipped is not None:
                skipped.append(f"{name}: {e}")
            continue
        out[f"real {name}"] = (to_analysis_rate(x, sr), ANALYSIS_RATE_HZ)
    return out


MONOPITCH_HEADER = ("source", "factor", "true SD (st)", "measured (st)", "error (st)", "mean F0 (Hz)", "result")


def monopitch_cells(r: MonopitchRow) -> list[str]:
    """One row of the validation table, as text (columns ``MONOPITCH_HEADER``)."""
    return [r.source, f"{r.factor:.2f}", f"{r.true_f0_sd_st:.2f}",
            "-" if r.measured_f0_sd_st is None else f"{r.measured_f0_sd_st:.2f}",
            "-" if r.error_st is None else f"{r.error_st:+.2f}", f"{r.true_f0_mean_hz:.0f}", r.result]


def monopitch_summary(rows: list[MonopitchRow]) -> dict:
    """In-range cases, how many of them meet the target, their worst |error| (st), and the misses."""
    inside = [r for r in rows if r.in_range and r.error_st is not None]
    return {"in_range": len(inside), "passed": sum(r.ok for r in inside),
            "worst_st": max((abs(r.error_st) for r in inside), default=float("nan")),
            "misses": sum(r.result == "MISS" for r in rows), "out_of_range": sum(not r.in_range for r in rows)}
