"""Hypokinetic speech: monopitch, monoloudness, speech rate, pauses, DDK rate and regularity.

Pure functions on float samples (arrays in, dataclasses out), for the sentence and, when
recorded, spontaneous speech:

- monopitch: F0 standard deviation in semitones (st) over the voiced 10 ms frames (Praat
  autocorrelation pitch, 60..500 Hz, tracker octave errors dropped); semitones re the
  utterance's geometric-mean F0 (``12 log2(f0/mean)``), so it does not depend on how high the
  voice is.
- monoloudness: standard deviation (dB) of Praat's intensity (10 ms) over the speech frames:
  within 25 dB of the loudest 10 % and 6 dB above the quiet floor (pauses and closures excluded).
- speech rate: syllable nuclei (kiosk.speech.ddk) per second from the first to the last
  speech frame (pauses included); articulation rate excludes pauses; pause ratio = % of that
  time in silent pauses >= ``MIN_PAUSE_S``.
- DDK rate (syll/s) and regularity (coefficient of variation of the syllable intervals, %)
  come from kiosk.speech.ddk (``DdkMeasures``).

Anchor: Rusz J, Cmejla R, Ruzickova H, Ruzicka E (2011) "Quantitative acoustic measurements for
characterization of speech and voice disorders in early untreated Parkinson's disease",
J Acoust Soc Am 129(1):350-367: F0 variation was the best single separator of early untreated
PD from controls (78 % of patients showed some vocal impairment). Skodda et al. found reduced
F0 variability (semitones) but no difference in speech rate. The numeric norms below are
``provisional`` (not taken from a table of a cited study): they need healthy-volunteer data
(docs/speech.md#prosody). Screening measures, not a diagnosis.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from kiosk.speech.ddk import DdkMeasures, syllable_nuclei

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 500.0
TIME_STEP_S = 0.01
MIN_PAUSE_S = 0.15          # silent stretches at least this long are pauses (shorter: stop closures)
SPEECH_RANGE_DB = 25.0      # speech frames: within this of the loudest 10 %, and ...
FLOOR_MARGIN_DB = 6.0       # ... this much above the quiet floor (10th percentile)
MIN_VOICED_S = 0.5          # less voiced speech than this gives no pitch or loudness measure
OCTAVE_JUMP_ST = 6.0        # a frame this far (st) from its neighbourhood median is a tracking error
NEIGHBOURHOOD_FRAMES = 15   # +- frames (10 ms) of voiced neighbours for that median


@dataclass(frozen=True)
class Norm:
    """Healthy adult reference: ``typical`` +- ``sd`` in ``unit``; ``worse_when`` "low" or "high"."""

    typical: float
    sd: float
    unit: str
    worse_when: str
    source: str
    provisional: bool

    def z_bad(self, value: float) -> float:
        """Distance from typical in SD, positive in the direction of hypokinetic speech."""
        z = (value - self.typical) / self.sd
        return -z if self.worse_when == "low" else z


NORMS: dict[str, Norm] = {
    "f0_sd_st": Norm(2.5, 0.7, "st", "low", "direction: Rusz et al. 2011 (reduced F0 variation, best early PD "
                     "separator); value provisional", True),
    "intensity_sd_db": Norm(7.0, 2.0, "dB", "low", "direction: Rusz et al. 2011 (monoloudness); value provisional",
                            True),
    "speech_rate_sps": Norm(4.5, 0.6, "syll/s", "low", "provisional (Skodda et al.: not different in PD)", True),
    "pause_ratio_pct": Norm(15.0, 8.0, "%", "high", "provisional", True),
    "ddk_rate_sps": Norm(6.2, 0.8, "syll/s", "low", "adult /pataka/ norm (docs/speech.md#scores)", False),
    "ddk_cv_pct": Norm(8.0, 4.0, "%", "high", "provisional", True),
}


@dataclass(frozen=True)
class PitchVariation:
    """Monopitch: F0 SD in semitones (st) re the mean F0 (Hz) over ``voiced_s`` s of voiced frames."""

    f0_sd_st: float | None
    f0_mean_hz: float | None
    voiced_s: float


@dataclass(frozen=True)
class LoudnessVariation:
    """Monoloudness: intensity SD (dB) over ``frames_s`` s of voiced frames."""

    intensity_sd_db: float | None
    frames_s: float


@dataclass(frozen=True)
class Timing:
    """Speech rate and articulation rate (syll/s), pause ratio (%), number of pauses, speaking time (s)."""

    speech_rate_sps: float | None
    articulation_rate_sps: float | None
    pause_ratio_pct: float | None
    n_pauses: int
    n_syllables: int
    speaking_time_s: float


@dataclass(frozen=True)
class Prosody:
    """Hypokinetic-speech measures of one utterance (units in field names)."""

    f0_sd_st: float | None
    f0_mean_hz: float | None
    intensity_sd_db: float | None
    speech_rate_sps: float | None
    articulation_rate_sps: float | None
    pause_ratio_pct: float | None
    n_syllables: int
    voiced_s: float

    def to_dict(self) -> dict[str, float | int | None]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def semitones(f0_hz: np.ndarray, ref_hz: float) -> np.ndarray:
    """F0 in semitones re ``ref_hz``: 12 log2(f0 / ref)."""
    return 12.0 * np.log2(np.asarray(f0_hz, dtype=np.float64) / ref_hz)


def f0_sd_semitones(f0_hz: np.ndarray) -> tuple[float | None, float | None]:
    """(SD in st re the geometric mean, mean in Hz) of the voiced values (> 0) of a contour."""
    f = np.asarray(f0_hz, dtype=np.float64)
    f = f[f > 0]
    if f.size < 2:
        return None, None
    ref = float(np.exp(np.mean(np.log(f))))
    return float(np.std(semitones(f, ref))), float(np.mean(f))


def pitch_contour(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """(frame times s, F0 Hz; 0 = unvoiced) every 10 ms, Praat autocorrelation, 60..500 Hz.

    Praat's silence threshold is relative to the loudest sample: when part of an utterance is
    much louder, fewer of the soft frames count as voiced (the intensity SD then reads lower)."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    pitch = snd.to_pitch_ac(time_step=TIME_STEP_S, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    return np.asarray(pitch.xs()), pitch.selected_array["frequency"]


def drop_octave_errors(f0_hz: np.ndarray) -> np.ndarray:
    """Copy of a contour with frames ``OCTAVE_JUMP_ST`` or more from the median of their voiced
    neighbours (+- ``NEIGHBOURHOOD_FRAMES``, the frame itself excluded), or with no voiced
    neighbour, set unvoiced (0): halving, doubling or 2:3 errors of the tracker, in creak or at
    voicing onsets. Intonation is kept: along a glide the neighbours' median is near the frame's value."""
    f = np.asarray(f0_hz, dtype=np.float64).copy()
    idx = np.flatnonzero(f > 0)
    if idx.size < 3:
        return f
    st = 12.0 * np.log2(f[idx])
    keep = np.ones(idx.size, bool)
    for j, i in enumerate(idx):
        near = (idx >= i - NEIGHBOURHOOD_FRAMES) & (idx <= i + NEIGHBOURHOOD_FRAMES) & (idx != i)
        keep[j] = bool(np.any(near)) and abs(st[j] - float(np.median(st[near]))) < OCTAVE_JUMP_ST
    f[idx[~keep]] = 0.0
    return f


def monopitch(x: np.ndarray, sr: int) -> PitchVariation:
    """F0 SD (st) of an utterance (octave errors dropped); ``None`` with less than ``MIN_VOICED_S``
    of voiced speech."""
    f0 = drop_octave_errors(pitch_contour(x, sr)[1])
    voiced_s = float(np.count_nonzero(f0 > 0)) * TIME_STEP_S
    if voiced_s < MIN_VOICED_S:
        return PitchVariation(None, None, voiced_s)
    sd, mean = f0_sd_semitones(f0)
    return PitchVariation(sd, mean, voiced_s)


def intensity_contour(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """(frame times s, Praat intensity dB) every 10 ms (minimum pitch 60 Hz)."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    inten = snd.to_intensity(minimum_pitch=PITCH_FLOOR_HZ, time_step=TIME_STEP_S)
    return np.asarray(inten.xs()), np.asarray(inten.values[0], dtype=np.float64)


def monoloudness(x: np.ndarray, sr: int) -> LoudnessVariation:
    """Intensity SD (dB) over the speech frames (``speech_frames`` of the intensity contour: pauses
    and silent closures excluded); ``None`` with less than ``MIN_VOICED_S`` of speech frames."""
    _, db = intensity_contour(x, sr)
    db = db[np.isfinite(db)]
    db = db[speech_frames(db)]
    if db.size * TIME_STEP_S < MIN_VOICED_S:
        return LoudnessVariation(None, db.size * TIME_STEP_S)
    return LoudnessVariation(float(np.std(db)), db.size * TIME_STEP_S)


def speech_frames(level_db: np.ndarray) -> np.ndarray:
    """Boolean speech mask of a frame-level contour (dB): within ``SPEECH_RANGE_DB`` of its 90th
    percentile and ``FLOOR_MARGIN_DB`` above its 10th percentile."""
    lv = np.asarray(level_db, dtype=np.float64)
    if lv.size == 0:
        return np.zeros(0, bool)
    thr = max(float(np.percentile(lv, 90)) - SPEECH_RANGE_DB, float(np.percentile(lv, 10)) + FLOOR_MARGIN_DB)
    return lv > thr


def pauses(speech: np.ndarray, dt_s: float, min_pause_s: float = MIN_PAUSE_S) -> list[tuple[int, int]]:
    """Silent runs (start, end+1 frame) of at least ``min_pause_s`` between the first and last speech frame."""
    idx = np.flatnonzero(speech)
    if idx.size == 0:
        return []
    inner = speech[idx[0]: idx[-1] + 1]
    out, start = [], None
    for i, s in enumerate(inner):
        if not s and start is None:
            start = i
        elif s and start is not None:
            if (i - start) * dt_s >= min_pause_s:
                out.append((idx[0] + start, idx[0] + i))
            start = None
    return out


def timing(x: np.ndarray, sr: int, nuclei_s: np.ndarray | None = None) -> Timing:
    """Speech and articulation rate (syll/s) and pause ratio (%) of an utterance.

    ``nuclei_s``: syllable nuclei (default: kiosk.speech.ddk.syllable_nuclei of ``x``).
    Speaking time runs from the first to the last speech frame (10 ms frames of the
    250..2000 Hz intensity contour)."""
    from kiosk.speech.ddk import HOP_S, intensity_contour_db

    db = intensity_contour_db(x, sr)
    step = max(int(round(TIME_STEP_S / HOP_S)), 1)
    lv = db[: db.size // step * step].reshape(-1, step).mean(axis=1) if db.size >= step else db
    speech = speech_frames(lv)
    idx = np.flatnonzero(speech)
    if idx.size == 0:
        return Timing(None, None, None, 0, 0, 0.0)
    total_s = (idx[-1] + 1 - idx[0]) * TIME_STEP_S
    ps = pauses(speech, TIME_STEP_S)
    pause_s = sum(b - a for a, b in ps) * TIME_STEP_S
    nuclei = syllable_nuclei(x, sr) if nuclei_s is None else np.asarray(nuclei_s)
    n = int(nuclei.size)
    rate = float(n / total_s) if total_s > 0 and n else None
    art = float(n / (total_s - pause_s)) if total_s - pause_s > 0 and n else None
    ratio = float(100.0 * pause_s / total_s) if total_s > 0 else None
    return Timing(rate, art, ratio, len(ps), n, float(total_s))


def measure_prosody(x: np.ndarray, sr: int) -> Prosody:
    """Monopitch, monoloudness, speech rate and pause ratio of one utterance (lead-in removed)."""
    pv = monopitch(x, sr)
    lv = monoloudness(x, sr)
    tm = timing(x, sr)
    return Prosody(f0_sd_st=pv.f0_sd_st, f0_mean_hz=pv.f0_mean_hz, intensity_sd_db=lv.intensity_sd_db,
                   speech_rate_sps=tm.speech_rate_sps, articulation_rate_sps=tm.articulation_rate_sps,
                   pause_ratio_pct=tm.pause_ratio_pct, n_syllables=tm.n_syllables, voiced_s=pv.voiced_s)


def hypokinetic_summary(sentence: Prosody | None, ddk: DdkMeasures | None,
                        spontaneous: Prosody | None = None) -> dict[str, object]:
    """JSON-able measures with norms: each item {value, unit, norm, sd, z_bad, source, provisional}.

    Pitch and loudness variation pool the sentence and spontaneous speech when both exist
    (mean of the two SDs); rates come from the sentence (read speech), DDK from ``ddk``."""
    def pooled(attr: str) -> float | None:
        vals = [getattr(p, attr) for p in (sentence, spontaneous) if p is not None and getattr(p, attr) is not None]
        return float(np.mean(vals)) if vals else None

    values = {
        "f0_sd_st": pooled("f0_sd_st"),
        "intensity_sd_db": pooled("intensity_sd_db"),
        "speech_rate_sps": sentence.speech_rate_sps if sentence else None,
        "pause_ratio_pct": sentence.pause_ratio_pct if sentence else None,
        "ddk_rate_sps": ddk.rate_sps if ddk else None,
        "ddk_cv_pct": ddk.cv_pct if ddk else None,
    }
    items = {}
    for key, value in values.items():
        n = NORMS[key]
        items[key] = {"value": None if value is None else round(value, 3), "unit": n.unit, "norm": n.typical,
                      "sd": n.sd, "z_bad": None if value is None else round(n.z_bad(value), 2),
                      "source": n.source, "provisional": n.provisional}
    return {"measures": items,
            "sentence": sentence.to_dict() if sentence else None,
            "spontaneous": spontaneous.to_dict() if spontaneous else None,
            "note": "Screening measures of hypokinetic speech, not a diagnosis; provisional norms are marked."}
