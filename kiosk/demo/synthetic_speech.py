"""A synthetic patient's six speech recordings, for the demo and the tests.

Every recording is 16 kHz mono 16-bit PCM and starts with a quiet lead-in (default
1 s of low white noise, the noise profile the speech engine expects). The true values
are known by construction, so tests can check the measures against them:

- ``vowel``: a sustained /a/ synthesized in numpy (Rosenberg glottal pulses through
  three formant resonators) at a known F0, with known cycle-to-cycle period (jitter)
  and amplitude (shimmer) perturbation; its duration is the maximum phonation time.
- ``ddk_pa``, ``ddk_ta``, ``ddk_ka``, ``ddk_pataka``: one espeak-ng syllable placed at
  fixed intervals, so the true rate is ``1 / interval`` syll/s.
- ``sentence``: "Bob may buy a big blue map of Paris" spoken by Debian ``flite``.

``severity`` 0..1 (0 = healthy) slows /pa/ relative to /ta/, slows /pataka/, replaces
bilabial words in the sentence by tongue-sound versions ("Bob" -> "Dob"), shortens the
phonation and adds jitter and shimmer. Needs the ``espeak-ng`` and ``flite`` binaries.
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scipy.signal import lfilter, resample_poly

from kiosk.protocol.steps import SENTENCE, SPEECH_STEPS

SAMPLE_RATE_HZ = 16000
# Bilabial words and their tongue-sound replacements, in the order severity replaces them.
BILABIAL_SWAPS: tuple[tuple[str, str], ...] = (
    ("Bob", "Dob"), ("map", "nap"), ("buy", "duy"), ("Paris", "Daris"),
    ("may", "nay"), ("big", "dig"), ("blue", "glue"),
)
STEPS = SPEECH_STEPS


@dataclass(frozen=True)
class SpeechTruth:
    """The values a synthetic patient was built with (rates in syll/s, MPT in s, F0 in Hz, %)."""

    severity: float
    f0_hz: float
    mpt_s: float
    jitter_pct: float
    shimmer_pct: float
    rates_sps: dict[str, float]
    sentence_text: str


def truth_for(severity: float, f0_hz: float = 120.0) -> SpeechTruth:
    """True measures of a synthetic patient of the given severity (0 healthy .. 1 severe)."""
    s = float(np.clip(severity, 0.0, 1.0))
    n_swap = int(round(s * len(BILABIAL_SWAPS)))
    words = SENTENCE.split()
    for old, new in BILABIAL_SWAPS[:n_swap]:
        words = [new if w == old else w for w in words]
    return SpeechTruth(
        severity=s, f0_hz=f0_hz, mpt_s=15.0 - 7.0 * s,
        jitter_pct=0.2 + 1.6 * s, shimmer_pct=1.0 + 4.0 * s,
        rates_sps={"pa": 6.0 * (1 - 0.45 * s), "ta": 6.0, "ka": 5.6, "pataka": 6.2 * (1 - 0.3 * s)},
        sentence_text=" ".join(words),
    )


def rosenberg_vowel(f0_hz: float, duration_s: float, sr: int = SAMPLE_RATE_HZ, *, jitter_pct: float = 0.0,
                    shimmer_pct: float = 0.0, formants_hz: tuple[float, ...] = (700.0, 1220.0, 2600.0),
                    breath_db: float = -30.0, seed: int = 0) -> np.ndarray:
    """Sustained vowel (default /a/) of known F0 (Hz) with cycle-level jitter and shimmer (%).

    Periods are ``T0 * (1 + e_i)`` and amplitudes ``1 + a_i`` with Gaussian e, a scaled so
    that the expected local jitter/shimmer (mean |difference| of neighbours over the mean)
    equals the requested percentage (mean |x_i - x_{i+1}| = 2 sigma / sqrt(pi)).
    Returns float32 at peak 0.5 full scale. Reference: Rosenberg (1971) JASA 49:583.
    """
    rng = np.random.default_rng(seed)
    t0 = 1.0 / f0_hz
    n_cycles = int(duration_s * f0_hz) + 2
    k = np.sqrt(np.pi) / 2.0
    periods = t0 * (1.0 + rng.normal(0.0, jitter_pct / 100.0 * k, n_cycles))
    amps = 1.0 + rng.normal(0.0, shimmer_pct / 100.0 * k, n_cycles)
    starts = np.concatenate([[0.0], np.cumsum(periods)[:-1]])
    t = np.arange(int(duration_s * sr)) / sr
    idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, n_cycles - 1)
    # Open phase of fixed length (fraction of T0): closure instants are exactly one period apart.
    phase = (t - starts[idx]) / t0
    opening, closing = 0.4, 0.16
    g = np.where(phase < opening, 0.5 * (1 - np.cos(np.pi * phase / opening)),
                 np.where(phase < opening + closing, np.cos(0.5 * np.pi * (phase - opening) / closing), 0.0))
    x = np.diff(g * amps[idx], prepend=0.0)  # lip radiation: first difference
    x = x + rng.normal(0.0, 10 ** (breath_db / 20) * np.std(x), x.size)
    for f in formants_hz:  # second-order resonators, bandwidth ~ 80 Hz
        r = np.exp(-np.pi * 80.0 / sr)
        a = [1.0, -2 * r * np.cos(2 * np.pi * f / sr), r * r]
        x = lfilter([1.0 - r], a, x)
    x = _fade(x, sr, 0.05)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def place_syllables(syllables: list[np.ndarray], rate_sps: float, duration_s: float,
                    sr: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Train of syllables (cycled) with one onset every ``1/rate_sps`` s, for ``duration_s`` s."""
    out = np.zeros(int(duration_s * sr), dtype=np.float64)
    step = sr / rate_sps
    i = 0
    while True:
        start = int(round(i * step))
        syl = syllables[i % len(syllables)][: int(0.85 * step)]
        if start + syl.size > out.size:
            break
        out[start:start + syl.size] += _fade(syl.astype(np.float64), sr, 0.01)
        i += 1
    return out.astype(np.float32)


def espeak_syllable(text: str, sr: int = SAMPLE_RATE_HZ, wpm: int = 300) -> np.ndarray:
    """One syllable spoken by espeak-ng (en-us), silence trimmed, float32 at ``sr``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "syl.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(path), text],
                       check=True, capture_output=True, timeout=30)
        x = read_resampled(path, sr)
    return _trim(x, sr)


def flite_speech(text: str, voice: str = "rms", sr: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """``text`` spoken by Debian flite with ``voice`` (rms, awb, slt, kal16), float32 at ``sr``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "utt.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)],
                       check=True, capture_output=True, timeout=60)
        x = read_resampled(path, sr)
    return _trim(x, sr, keep_s=0.1)


def with_lead_in(x: np.ndarray, sr: int = SAMPLE_RATE_HZ, lead_in_s: float = 1.0, tail_s: float = 0.5,
                 noise_dbfs: float = -70.0, seed: int = 0) -> np.ndarray:
    """Prepend ``lead_in_s`` and append ``tail_s`` of quiet, and add white noise at ``noise_dbfs`` rms."""
    rng = np.random.default_rng(seed + 7919)
    y = np.concatenate([np.zeros(int(lead_in_s * sr)), x.astype(np.float64), np.zeros(int(tail_s * sr))])
    y += rng.normal(0.0, 10 ** (noise_dbfs / 20), y.size)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def synthesize_patient(severity: float = 0.0, *, voice: str = "rms", f0_hz: float = 120.0,
                       ddk_s: float = 5.0, seed: int = 0) -> tuple[dict[str, np.ndarray], SpeechTruth]:
    """The six recordings (float32 at 16 kHz, with lead-in) of a synthetic patient and its truth."""
    truth = truth_for(severity, f0_hz)
    sr = SAMPLE_RATE_HZ
    syl = {s: espeak_syllable(s + "h") for s in ("pa", "ta", "ka")}
    vowel = rosenberg_vowel(f0_hz, truth.mpt_s, sr, jitter_pct=truth.jitter_pct,
                            shimmer_pct=truth.shimmer_pct, seed=seed)
    trains = {
        "ddk_pa": place_syllables([syl["pa"]], truth.rates_sps["pa"], ddk_s, sr),
        "ddk_ta": place_syllables([syl["ta"]], truth.rates_sps["ta"], ddk_s, sr),
        "ddk_ka": place_syllables([syl["ka"]], truth.rates_sps["ka"], ddk_s, sr),
        "ddk_pataka": place_syllables([syl["pa"], syl["ta"], syl["ka"]], truth.rates_sps["pataka"], ddk_s, sr),
    }
    raw = {"vowel": vowel, **trains, "sentence": flite_speech(truth.sentence_text, voice, sr)}
    out = {}
    for i, (step, x) in enumerate(raw.items()):
        x = 0.3 * x / max(float(np.max(np.abs(x))), 1e-9)  # peak -10.5 dBFS
        out[step] = with_lead_in(x, sr, seed=seed + i)
    return out, truth


def generate_patient_speech(out_dir: Path | str, severity: float = 0.0, *, voice: str = "rms",
                            f0_hz: float = 120.0, seed: int = 0) -> dict[str, Path]:
    """Write the six WAV files into a folder named by the parameters under ``out_dir``; cached.

    Returns ``{step: path}``. An existing complete folder is reused, not regenerated.
    """
    folder = Path(out_dir) / f"speech_sev{severity:.2f}_{voice}_f0{f0_hz:.0f}_seed{seed}"
    paths = {step: folder / f"{step}.wav" for step in STEPS}
    if all(p.is_file() for p in paths.values()):
        return paths
    audio, _ = synthesize_patient(severity, voice=voice, f0_hz=f0_hz, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    from kiosk.capture.audio import write_wav

    for step, x in audio.items():  # each file appears whole or not at all (temp file, then rename)
        write_wav(paths[step], x, SAMPLE_RATE_HZ)
    return paths


def read_resampled(path: Path, sr: int) -> np.ndarray:
    """A WAV file as float32 mono at ``sr`` Hz (polyphase resampling)."""
    from kiosk.capture.media import read_wav

    x, rate = read_wav(path)
    x = x.astype(np.float64)
    if rate != sr:
        g = np.gcd(rate, sr)
        x = resample_poly(x, sr // g, rate // g)
    return x.astype(np.float32)


def _trim(x: np.ndarray, sr: int, threshold_db: float = -40.0, keep_s: float = 0.0) -> np.ndarray:
    """Cut leading and trailing samples quieter than ``threshold_db`` below the peak."""
    env = np.abs(x) > np.max(np.abs(x)) * 10 ** (threshold_db / 20)
    idx = np.flatnonzero(env)
    if idx.size == 0:
        return x
    keep = int(keep_s * sr)
    return x[max(idx[0] - keep, 0): idx[-1] + 1 + keep]


def _fade(x: np.ndarray, sr: int, fade_s: float) -> np.ndarray:
    n = min(int(fade_s * sr), x.size // 2)
    if n < 2:
        return x
    ramp = 0.5 * (1 - np.cos(np.linspace(0, np.pi, n)))
    y = x.copy()
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y
