"""Recording quality gate: a bad recording never produces a score.

Checks, in order: too short, silent, clipped (> 0.1 % of samples at full scale), too
quiet, noisy (SNR < 15 dB, the noise level taken from the silent lead-in), no voice
(too little periodic sound). Each failure has a code and a message the patient can
act on (docs/speech.md#quality-gate).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_SCALE = 32767.0 / 32768.0  # a 16-bit sample at +/- full scale reads at least this after /32768
MIN_TASK_S = {"vowel": 2.0, "ddk": 2.0, "sentence": 1.0}
MAX_CLIPPED_PCT = 0.1
MIN_SNR_DB = 15.0
SILENT_DBFS = -60.0
QUIET_DBFS = -40.0
MIN_VOICED_FRACTION = 0.1
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
    "noisy": "It is too noisy here, or the sound started too early. Please wait for quiet and start when prompted.",
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


def frame_levels_dbfs(x: np.ndarray, sr: int, frame_s: float = 0.03) -> np.ndarray:
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


def check_recording(x: np.ndarray, sr: int, *, lead_in_s: float = 1.0, task: str = "sentence",
                    clipped_pct: float | None = None) -> AudioQuality:
    """Gate one recording (float samples -1..1 at ``sr`` Hz, starting with a quiet lead-in).

    ``task`` is "vowel", "ddk" or "sentence" (sets the minimum duration after the lead-in).
    ``clipped_pct``: clipping measured on the original samples when ``x`` was resampled.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        return AudioQuality(False, "damaged", MESSAGES["damaged"], x.size / sr, 0.0, -200.0, -200.0, 0.0, 0.0)
    duration = x.size / sr
    lead_n = int(lead_in_s * sr)
    body = x[lead_n:]
    noise = x[:lead_n]
    clipped = clipped_percent(x) if clipped_pct is None else float(clipped_pct)
    levels = frame_levels_dbfs(body, sr) if body.size else np.array([-200.0])
    speech_db = float(np.percentile(levels, 90))
    noise_db = _dbfs(noise) if noise.size else -200.0
    snr = float(min(speech_db - noise_db, 120.0))
    vf = voiced_fraction(body, sr) if body.size else 0.0
    band_snr = consonant_band_snr_db(x, sr, lead_n) if body.size and noise.size else 0.0

    def verdict(code: str) -> AudioQuality:
        return AudioQuality(code == "ok", code, MESSAGES[code], duration, clipped, speech_db, noise_db, snr, vf,
                            band_snr)

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


def consonant_band_snr_db(x: np.ndarray, sr: int, lead_n: int) -> float:
    """SNR (dB) in 2..6 kHz: 90th-percentile 30 ms level after the lead-in over the lead-in level."""
    from scipy.signal import butter, sosfiltfilt

    hi = min(CONSONANT_BAND_HZ[1], 0.45 * sr)
    y = sosfiltfilt(butter(4, (CONSONANT_BAND_HZ[0], hi), btype="bandpass", fs=sr, output="sos"), x)
    speech = float(np.percentile(frame_levels_dbfs(y[lead_n:], sr), 90))
    return float(min(speech - _dbfs(y[:lead_n]), 120.0))


def _dbfs(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-20))
