"""Recording quality gate: a bad recording never produces a score.

Checks, in order: too short, silent, clipped (> 0.1 % of samples at full scale), too
quiet, noisy (SNR < 15 dB), no voice (too little periodic sound). Each failure has a code
and a message the patient can act on (docs/speech.md#quality-gate).

The noise floor is the 10th percentile of the 30 ms frame levels of the whole recording
(the quietest frames: pauses between words, the lead-in). The lead-in is used as the
noise, and skipped from the analysis, only when it really is quiet (every frame but the
loudest 10 % within ``LEAD_IN_MARGIN_DB`` of that floor). A recording that starts with
speech (no lead-in, or the patient started early) is analysed from its first sample.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_SCALE = 32767.0 / 32768.0  # a 16-bit sample at +/- full scale reads at least this after /32768
MIN_TASK_S = {"vowel": 2.0, "ddk": 2.0, "sentence": 1.0, "spontaneous": 10.0}
MAX_CLIPPED_PCT = 0.1
MIN_SNR_DB = 15.0
SILENT_DBFS = -60.0
QUIET_DBFS = -40.0
MIN_VOICED_FRACTION = 0.1
FRAME_S = 0.03
NOISE_PERCENTILE = 10.0     # the noise floor: this percentile of the frame levels (dBFS)
SPEECH_PERCENTILE = 90.0    # the speech level: this percentile of the analysed frames (dBFS)
LEAD_IN_MARGIN_DB = 10.0    # a lead-in whose 90th-percentile frame is above floor + this holds sound
# Phone recognition needs the consonant band clean: broadband hiss at 20..30 dB SNR already
# halves the phone accuracy of clear speech, while low-frequency rumble does not matter.
# So the sentence is also gated on the SNR in 2..6 kHz (measured on flite speech).
CONSONANT_BAND_HZ = (2000.0, 6000.0)
MIN_SENTENCE_BAND_SNR_DB = 20.0

MESSAGES = {
    "ok": "Recording OK.",
    "too_short": "The recording was too short. Please keep going until the light turns off.",
    "silent": "We could not hear anything. Please check that the microphone is on and speak towards it.",
    "clipped": "That was too loud for the microphone. Please sit a little further back or speak a bit more softly.",
    "too_quiet": "That was too quiet. Please speak louder or come a little closer to the microphone.",
    "noisy": "It is too noisy here. Please wait for quiet and start when prompted.",
    "damaged": "The recording was damaged. Please try again.",
    "no_voice": "We could not hear your voice. Please say the sound out loud, not whispered.",
}


@dataclass(frozen=True)
class AudioQuality:
    """Verdict of the gate. Levels in dBFS (0 dBFS = full scale), SNR in dB, durations in s."""

    ok: bool
    code: str
    message: str
    duration_s: float
    clipped_pct: float
    speech_level_dbfs: float
    noise_level_dbfs: float
    snr_db: float
    voiced_fraction: float
    band_snr_db: float = 0.0  # SNR in the 2..6 kHz consonant band (dB)
    analysis_start_s: float = 0.0  # where the analysed part starts (s): the lead-in length, or 0
    noise_from: str = "lead_in"    # "lead_in" (quiet lead-in) or "quietest_frames" (10th percentile)


@dataclass(frozen=True)
class NoiseReference:
    """Where the noise level comes from. ``start``: first analysed sample (after a quiet lead-in, else 0)."""

    level_dbfs: float
    start: int
    source: str  # "lead_in" or "quietest_frames"


def frame_levels_dbfs(x: np.ndarray, sr: int, frame_s: float = FRAME_S) -> np.ndarray:
    """RMS level (dBFS) of consecutive non-overlapping frames of ``frame_s`` s."""
    n = max(int(frame_s * sr), 1)
    m = x.size // n
    if m == 0:
        return np.array([_dbfs(x)])
    frames = x[: m * n].astype(np.float64).reshape(m, n)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)


def voiced_fraction(x: np.ndarray, sr: int) -> float:
    """Fraction (0..1) of active 10 ms frames that Praat's pitch tracker (75..500 Hz) calls voiced.

    Active = within 30 dB of the loudest frame. White noise or hiss gives about 0.
    """
    import parselmouth

    if x.size < int(0.1 * sr):
        return 0.0
    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sampling_frequency=sr)
    pitch = snd.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
    f0 = pitch.selected_array["frequency"]
    centres = np.clip((np.asarray(pitch.xs()) * sr).astype(int), 0, x.size - 1)
    levels = frame_levels_dbfs(x, sr, 0.01)
    lv = levels[np.clip(centres // int(0.01 * sr), 0, levels.size - 1)]
    active = lv > np.max(levels) - 30.0
    if not np.any(active):
        return 0.0
    return float(np.mean(f0[active] > 0))


def clipped_percent(x: np.ndarray) -> float:
    """% of samples at full scale. Measure it on the samples as recorded: resampling smears
    clipped plateaus into ringing that no longer sits exactly at full scale."""
    x = np.asarray(x)
    return 100.0 * float(np.mean(np.abs(x) >= FULL_SCALE)) if x.size else 0.0


def noise_reference(x: np.ndarray, sr: int, lead_in_s: float) -> NoiseReference:
    """Noise level (dBFS) of a recording and where its analysed part starts.

    The floor is the ``NOISE_PERCENTILE`` of the 30 ms frame levels. A lead-in counts as quiet
    when its ``SPEECH_PERCENTILE`` frame level is within ``LEAD_IN_MARGIN_DB`` of that floor:
    then its mean level is the noise and the analysis starts after it. Otherwise (speech or
    sound in the lead-in, or no lead-in) the floor is the noise and the analysis starts at 0.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    lead_n = min(int(lead_in_s * sr), x.size)
    floor = float(np.percentile(frame_levels_dbfs(x, sr), NOISE_PERCENTILE)) if x.size else -200.0
    if lead_n >= int(FRAME_S * sr):
        lead = x[:lead_n]
        if float(np.percentile(frame_levels_dbfs(lead, sr), SPEECH_PERCENTILE)) <= floor + LEAD_IN_MARGIN_DB:
            return NoiseReference(_dbfs(lead), lead_n, "lead_in")
    return NoiseReference(floor, 0, "quietest_frames")


def noise_sample(x: np.ndarray, sr: int, ref: NoiseReference) -> np.ndarray:
    """Samples of the noise alone: the quiet lead-in, or the quietest 30 ms frames joined (denoise profile)."""
    x = np.asarray(x, dtype=np.float32).ravel()
    if ref.source == "lead_in":
        return x[: ref.start]
    n = int(FRAME_S * sr)
    m = x.size // n
    if m == 0:
        return x[:0]
    levels = frame_levels_dbfs(x, sr)
    quiet = np.flatnonzero(levels <= np.percentile(levels, NOISE_PERCENTILE))
    return x[: m * n].reshape(m, n)[quiet].ravel()


def check_recording(x: np.ndarray, sr: int, *, lead_in_s: float = 1.0, task: str = "sentence",
                    clipped_pct: float | None = None) -> AudioQuality:
    """Gate one recording (float samples -1..1 at ``sr`` Hz, normally starting with a quiet lead-in).

    ``task`` is "vowel", "ddk", "sentence" or "spontaneous" (sets the minimum duration of the analysed part).
    ``clipped_pct``: clipping measured on the original samples when ``x`` was resampled.
    The noise level comes from ``noise_reference`` (the lead-in only when it is quiet).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        return AudioQuality(False, "damaged", MESSAGES["damaged"], x.size / sr, 0.0, -200.0, -200.0, 0.0, 0.0)
    duration = x.size / sr
    ref = noise_reference(x, sr, lead_in_s)
    body = x[ref.start:]
    clipped = clipped_percent(x) if clipped_pct is None else float(clipped_pct)
    levels = frame_levels_dbfs(body, sr) if body.size else np.array([-200.0])
    speech_db = float(np.percentile(levels, SPEECH_PERCENTILE))
    snr = float(min(speech_db - ref.level_dbfs, 120.0))
    vf = voiced_fraction(body, sr) if body.size else 0.0
    band_snr = consonant_band_snr_db(x, sr, ref) if body.size else 0.0

    def verdict(code: str) -> AudioQuality:
        return AudioQuality(code == "ok", code, MESSAGES[code], duration, clipped, speech_db, ref.level_dbfs, snr, vf,
                            band_snr, ref.start / sr, ref.source)

    min_s = MIN_TASK_S.get(task.split("_")[0], 1.0)
    if body.size < min_s * sr:
        return verdict("too_short")
    if float(np.max(np.abs(body))) < 10 ** (SILENT_DBFS / 20):
        return verdict("silent")
    if clipped > MAX_CLIPPED_PCT:
        return verdict("clipped")
    if speech_db < QUIET_DBFS:
        return verdict("too_quiet")
    if snr < MIN_SNR_DB or (task == "sentence" and band_snr < MIN_SENTENCE_BAND_SNR_DB):
        return verdict("noisy")
    if vf < MIN_VOICED_FRACTION:
        return verdict("no_voice")
    return verdict("ok")


def consonant_band_snr_db(x: np.ndarray, sr: int, ref: NoiseReference) -> float:
    """SNR (dB) in 2..6 kHz: 90th-percentile 30 ms level of the analysed part over the noise,
    taken as ``ref`` says (the quiet lead-in, or the 10th-percentile frame)."""
    from scipy.signal import butter, sosfiltfilt

    hi = min(CONSONANT_BAND_HZ[1], 0.45 * sr)
    y = sosfiltfilt(butter(4, (CONSONANT_BAND_HZ[0], hi), btype="bandpass", fs=sr, output="sos"), x)
    speech = float(np.percentile(frame_levels_dbfs(y[ref.start:], sr), SPEECH_PERCENTILE))
    if ref.source == "lead_in":
        noise = _dbfs(y[: ref.start])
    else:
        noise = float(np.percentile(frame_levels_dbfs(y, sr), NOISE_PERCENTILE))
    return float(min(speech - noise, 120.0))


def _dbfs(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-20))
