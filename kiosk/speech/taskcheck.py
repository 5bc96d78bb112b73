"""Is the recording the task that was asked for? A mismatch is a rejection, never a number.

- vowel: one sustained voiced segment (voice breaks <= 0.25 s bridged, as for MPT) holding at
  least half of the voiced frames and itself voiced for at least 60 % of its length, and no
  train of syllables (>= 4 intensity peaks rising 10 dB above the
  dips either side at a 2..9 Hz rhythm). A DDK train analysed as a vowel would otherwise give
  jitter and shimmer of the syllable onsets.
- ddk: a syllable train: >= 3 nuclei (kiosk.speech.ddk) at 2..9 syll/s whose vowels repeat:
  each nucleus's spectrum lies within ``MAX_REPEAT_DISTANCE_DB`` of another one's (the same
  vowel over and over; connected speech changes vowel from syllable to syllable).
- spontaneous: enough speech: at least ``MIN_SPONTANEOUS_SPEECH_S`` of spoken time (pauses
  excluded) in the 30 s window; what is said is free.
- sentence: the words of the sentence: the forced alignment of its text must succeed, score
  no worse than ``MIN_ALIGNMENT_FIT`` below free phone recognition of the same audio
  (kiosk.speech.intelligibility, ``alignment_fit``), and hold at least ``MIN_ALIGNED_COVERAGE``
  of the speech frames (``aligned_coverage``). Slurred or low-passed readings of the sentence
  stay near 0 and cover all the speech; other words score far lower, do not align at all, or
  leave much of the speech outside the aligned sentence.

Thresholds are from generated speech (espeak-ng, flite, numpy) and real read speech (Debian
``pocketsphinx-testdata``, ``alsa-utils``); see docs/speech.md#task-checks. They are provisional
until checked on patients' recordings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.speech.ddk import syllable_nuclei
from kiosk.speech.voice import MAX_BREAK_S, longest_voiced_run

MAX_VOWEL_BREAK_S = MAX_BREAK_S  # voice breaks up to 0.25 s are bridged, as for MPT
MIN_SUSTAINED_FRACTION = 0.5
MIN_VOICED_DENSITY = 0.6
DEEP_RISE_DB = 10.0
MIN_TRAIN_PEAKS = 4
TRAIN_RATE_HZ = (2.0, 9.0)
MAX_REPEAT_DISTANCE_DB = 3.0
MIN_ALIGNMENT_FIT = -0.2
MIN_ALIGNED_COVERAGE = 0.8
MIN_SPONTANEOUS_SPEECH_S = 10.0   # spoken time (pauses excluded) in the 30 s spontaneous-speech window

MESSAGES = {
    "not_sustained": "We heard separate sounds, not one long 'aaah'. Please take a breath and hold 'aaah' "
                     "steadily for as long as you can.",
    "not_repetition": "We heard speech, but not the same sound repeated. Please repeat the sound quickly, "
                      "over and over, until the light turns off.",
    "not_the_sentence": "We could not match the words to the sentence on the screen. Please read the sentence "
                        "out loud as written.",
    "too_little_speech": "We heard too little speech. Please keep talking about your morning until the tone.",
}


@dataclass(frozen=True)
class TaskCheck:
    """Verdict: ``ok``, a ``code`` ("ok" or a key of MESSAGES), the message, the evidence (units in names)."""

    ok: bool
    code: str
    message: str
    evidence: dict[str, float | int | None] = field(default_factory=dict)


def _verdict(ok: bool, code: str, evidence: dict[str, float | int | None]) -> TaskCheck:
    return TaskCheck(ok, "ok" if ok else code, "" if ok else MESSAGES[code], evidence)


def train_rate_hz(times_s: np.ndarray) -> float | None:
    """Rate (Hz) of a train of events: (n - 1) / span; None with fewer than 2 events."""
    t = np.sort(np.asarray(times_s, dtype=np.float64))
    return None if t.size < 2 or t[-1] <= t[0] else float((t.size - 1) / (t[-1] - t[0]))


def is_syllable_train(times_s: np.ndarray, min_events: int = MIN_TRAIN_PEAKS) -> bool:
    """At least ``min_events`` events at a syllable rhythm (TRAIN_RATE_HZ)."""
    rate = train_rate_hz(times_s)
    return np.asarray(times_s).size >= min_events and rate is not None and \
        TRAIN_RATE_HZ[0] <= rate <= TRAIN_RATE_HZ[1]


def check_vowel(x: np.ndarray, sr: int) -> TaskCheck:
    """Sustained-vowel check of the analysed part ``x`` (float samples at ``sr`` Hz, raw)."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    pitch = snd.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
    voiced = pitch.selected_array["frequency"] > 0
    a, b = longest_voiced_run(voiced, 0.01, MAX_VOWEL_BREAK_S)
    voiced_s, longest_s = float(voiced.sum()) * 0.01, (b - a) * 0.01
    peaks = syllable_nuclei(x, sr, min_rise_db=DEEP_RISE_DB, voiced_times_s=np.asarray(pitch.xs())[voiced])
    coverage = float(voiced[a:b].sum()) / float(voiced.sum()) if voiced.any() else 0.0
    density = float(voiced[a:b].mean()) if b > a else 0.0
    evidence = {"longest_voiced_s": round(longest_s, 2), "voiced_s": round(voiced_s, 2),
                "sustained_fraction": round(coverage, 3), "voiced_density": round(density, 3),
                "syllable_peaks": int(peaks.size), "peak_rate_hz": _r(train_rate_hz(peaks))}
    ok = coverage >= MIN_SUSTAINED_FRACTION and density >= MIN_VOICED_DENSITY and not is_syllable_train(peaks)
    return _verdict(ok, "not_sustained", evidence)


def repeat_distance_db(x: np.ndarray, sr: int, nuclei_s: np.ndarray) -> float | None:
    """Median over nuclei of the RMS distance (dB) between its 30 ms log spectrum (18 log-spaced
    bands, 200..4000 Hz, level removed) and the nearest other nucleus's. ~0..1.5 dB for repeated
    syllables, >= 4.5 dB for connected speech (measured; docs/speech.md#task-checks)."""
    t = np.asarray(nuclei_s, dtype=np.float64)
    if t.size < 2:
        return None
    spectra = np.array([_band_spectrum_db(x, sr, ti) for ti in t])
    d = np.sqrt(np.mean((spectra[:, None, :] - spectra[None, :, :]) ** 2, axis=-1))
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(axis=1)))


def _band_spectrum_db(x: np.ndarray, sr: int, t_s: float) -> np.ndarray:
    n = int(0.03 * sr)
    c = int(t_s * sr)
    seg = np.asarray(x[max(c - n // 2, 0): c + n // 2], dtype=np.float64)
    seg = np.pad(seg, (0, n - seg.size)) if seg.size < n else seg[:n]
    nfft = 1 << (n - 1).bit_length()
    power = np.abs(np.fft.rfft(seg * np.hanning(n), nfft)) ** 2
    f = np.fft.rfftfreq(nfft, 1.0 / sr)
    edges = np.geomspace(200.0, min(4000.0, 0.45 * sr), 19)
    bands = np.array([power[(f >= lo) & (f < hi)].mean() for lo, hi in zip(edges[:-1], edges[1:])])
    db = 10 * np.log10(bands + 1e-12)
    return db - db.mean()


def check_ddk(x: np.ndarray, sr: int, nuclei_s: np.ndarray) -> TaskCheck:
    """Syllable-train check of a (denoised) DDK recording ``x`` given its syllable nuclei (s)."""
    nuclei_s = np.asarray(nuclei_s, dtype=np.float64)
    rate = train_rate_hz(nuclei_s)
    dist = repeat_distance_db(x, sr, nuclei_s)
    evidence = {"syllables": int(nuclei_s.size), "rate_sps": _r(rate), "repeat_distance_db": _r(dist)}
    ok = is_syllable_train(nuclei_s, 3) and dist is not None and dist <= MAX_REPEAT_DISTANCE_DB
    return _verdict(ok, "not_repetition", evidence)


def check_sentence(alignment_fit: float | None, aligned_coverage: float | None) -> TaskCheck:
    """Sentence check from ``Intelligibility.alignment_fit`` and ``aligned_coverage`` (None: the
    text did not align)."""
    ok = alignment_fit is not None and alignment_fit >= MIN_ALIGNMENT_FIT and \
        aligned_coverage is not None and aligned_coverage >= MIN_ALIGNED_COVERAGE
    return _verdict(ok, "not_the_sentence", {"alignment_fit": _r(alignment_fit),
                                             "aligned_coverage": _r(aligned_coverage)})


def check_spontaneous(x: np.ndarray, sr: int) -> TaskCheck:
    """Spontaneous-speech check of the analysed part ``x``: at least ``MIN_SPONTANEOUS_SPEECH_S`` of
    spoken time, i.e. the time from the first to the last speech frame less the silent pauses
    (kiosk.speech.prosody.timing), so the pitch, loudness and rate measures rest on enough speech
    (docs/parkinson.md#protocol)."""
    from kiosk.speech.prosody import timing

    tm = timing(x, sr)
    spoken = tm.speaking_time_s * (1.0 - (tm.pause_ratio_pct or 0.0) / 100.0)
    evidence = {"spoken_s": round(spoken, 2), "speaking_time_s": round(tm.speaking_time_s, 2),
                "pause_ratio_pct": _r(tm.pause_ratio_pct, 1), "syllables": tm.n_syllables}
    return _verdict(spoken >= MIN_SPONTANEOUS_SPEECH_S, "too_little_speech", evidence)


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(float(v), nd)
