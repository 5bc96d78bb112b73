"""The speech battery: six recordings in, every measure, both scores and per-step status out.

Steps (docs/cli.md#session-folder): ``vowel``, ``ddk_pa``, ``ddk_ta``, ``ddk_ka``, ``ddk_pataka``,
``sentence``. Each recording normally starts with a quiet lead-in (default 1 s); one that starts
with speech is analysed from its start. A step may be missing, rejected by the quality gate or
rejected as not being its task (kiosk.speech.taskcheck): it is listed with the reason, and the
measures and scores that need it are ``None``; nothing is scored from a bad recording.

All audio is first resampled to 16 kHz (anti-alias filter only; no noise reduction),
which is what pocketsphinx needs and keeps the analysis time predictable.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from kiosk.protocol.steps import SPEECH_STEPS, step_spec

from kiosk.scoring.speech import SpeechScore, clarity_score, motor_speech_impairment_index
from kiosk.speech.ddk import DdkMeasures, ddk_from_nuclei, pa_ta_ratio, syllable_nuclei
from kiosk.speech.denoise import denoise
from kiosk.speech.intelligibility import TARGET_SENTENCE, Intelligibility, measure_intelligibility
from kiosk.speech.prosody import Prosody, hypokinetic_summary, measure_prosody
from kiosk.speech.quality import AudioQuality, NoiseReference, check_recording, clipped_percent, noise_sample
from kiosk.speech.taskcheck import check_ddk, check_sentence, check_spontaneous, check_vowel
from kiosk.speech.voice import VoiceMeasures, measure_voice

STEPS = SPEECH_STEPS
ANALYSIS_RATE_HZ = 16000


@dataclass(frozen=True)
class StepStatus:
    """``status``: "ok", "missing", "rejected" (quality gate) or "failed" (analysis error)."""

    status: str
    reason: str | None = None
    code: str | None = None
    quality: AudioQuality | None = None

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"status": self.status, "reason": self.reason, "code": self.code}
        if self.quality is not None:
            q = self.quality
            d["quality"] = {"duration_s": round(q.duration_s, 3), "clipped_pct": round(q.clipped_pct, 3),
                            "speech_level_dbfs": round(q.speech_level_dbfs, 1),
                            "noise_level_dbfs": round(q.noise_level_dbfs, 1), "snr_db": round(q.snr_db, 1),
                            "voiced_fraction": round(q.voiced_fraction, 3),
                            "band_snr_db": round(q.band_snr_db, 1),
                            "analysis_start_s": round(q.analysis_start_s, 3), "noise_from": q.noise_from}
        return d


@dataclass(frozen=True)
class SpeechAssessment:
    """Everything measured from one session's speech tasks (units in field names)."""

    voice: VoiceMeasures | None
    ddk: dict[str, DdkMeasures | None]
    pa_ta_ratio: float | None
    intelligibility: Intelligibility | None
    clarity: SpeechScore
    msii: SpeechScore
    steps: dict[str, StepStatus] = field(default_factory=dict)
    sentence_prosody: Prosody | None = None

    def measures(self) -> dict[str, float | None]:
        """Flat measure dict (the scoring inputs)."""
        return flat_measures(self.voice, self.ddk, self.pa_ta_ratio, self.intelligibility)

    def prosody(self) -> dict[str, object] | None:
        """Hypokinetic-speech measures with norms (kiosk.speech.prosody.hypokinetic_summary), or None
        when neither the sentence nor a /pataka/ (else /pa/) train was measured."""
        ddk = self.ddk.get("pataka") or self.ddk.get("pa")
        if self.sentence_prosody is None and ddk is None:
            return None
        return hypokinetic_summary(self.sentence_prosody, ddk)

    def to_dict(self) -> dict[str, object]:
        """JSON-able dict in the shape of docs/contracts.md ("speech"); "prosody" is optional (None)."""
        return {
            "voice": self.voice.to_dict() if self.voice else None,
            "ddk": {**{k: (v.to_dict() if v else None) for k, v in self.ddk.items()},
                    "pa_ta_ratio": None if self.pa_ta_ratio is None else round(self.pa_ta_ratio, 3)},
            "intelligibility": self.intelligibility.to_dict() if self.intelligibility else None,
            "clarity_score": self.clarity.value,
            "msii": self.msii.value,
            "inputs": {"measures": self.measures(), "clarity": self.clarity.to_dict(), "msii": self.msii.to_dict()},
            "steps": {k: v.to_dict() for k, v in self.steps.items()},
            "prosody": self.prosody(),
            "note": "Speech measures support a clinician's judgement; they are not a diagnosis. "
                    "Scores compare with adult norms; provisional norms are marked.",
        }


def flat_measures(voice: VoiceMeasures | None, ddk: dict[str, DdkMeasures | None], ratio: float | None,
                  intel: Intelligibility | None) -> dict[str, float | None]:
    """The scoring inputs by name (see kiosk.scoring.speech.NORMS)."""
    pataka, pa = ddk.get("pataka"), ddk.get("pa")
    return {
        "pataka_rate_sps": pataka.rate_sps if pataka else None,
        "pataka_cv_pct": pataka.cv_pct if pataka else None,
        "pa_rate_sps": pa.rate_sps if pa else None,
        "pa_ta_ratio": ratio,
        "mpt_s": voice.mpt_s if voice else None,
        "jitter_local_pct": voice.jitter_local_pct if voice else None,
        "shimmer_local_pct": voice.shimmer_local_pct if voice else None,
        "cpps_db": voice.cpps_db if voice else None,
        "phone_accuracy_pct": intel.phone_accuracy_pct if intel else None,
        "bilabial_accuracy_pct": intel.bilabial_accuracy_pct if intel else None,
        "speaking_rate_sps": intel.speaking_rate_sps if intel else None,
    }


def to_analysis_rate(x: np.ndarray, sr: int) -> np.ndarray:
    """Mono float32 at 16 kHz (channels averaged, DC offset removed, polyphase resampling)."""
    from scipy.signal import resample_poly

    y = np.asarray(x, dtype=np.float64)
    if y.ndim > 1:
        y = y.mean(axis=1)
    if y.size and np.all(np.isfinite(y)):
        y = y - y.mean()
    if int(sr) != ANALYSIS_RATE_HZ:
        g = np.gcd(int(sr), ANALYSIS_RATE_HZ)
        y = resample_poly(y, ANALYSIS_RATE_HZ // g, int(sr) // g)
    return y.astype(np.float32)


def as_float_audio(x: np.ndarray) -> np.ndarray:
    """Samples as float -1..1: integer PCM arrays are scaled by their full scale."""
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        bits = 8 * x.dtype.itemsize
        offset = 2 ** (bits - 1) if x.dtype.kind == "u" else 0
        return (x.astype(np.float64) - offset) / 2 ** (bits - 1)
    return x


def task_for_step(step: str) -> str:
    """Quality-gate task of a speech step: "vowel", "ddk", "sentence" or "spontaneous" (kiosk.protocol)."""
    gate = step_spec(step).gate
    if gate is None:
        raise KeyError(f"{step!r} is not a speech step")
    return gate


def check_step(step: str, x: np.ndarray, sr: int, lead_in_s: float = 1.0) -> AudioQuality:
    """Quality gate for one just-recorded step (any rate): the protocol's retry decision. The
    spontaneous-speech step must also hold enough speech (kiosk.speech.taskcheck.check_spontaneous)."""
    x = as_float_audio(x)
    task = task_for_step(step)
    y = to_analysis_rate(x, sr)
    q = check_recording(y, ANALYSIS_RATE_HZ, lead_in_s=lead_in_s, task=task, clipped_pct=clipped_percent(x))
    if task == "spontaneous" and q.code not in ("silent", "clipped", "damaged"):
        # a few words in 30 s of quiet read as "too quiet" (the 90th-percentile level is the room's):
        # too little speech is the problem the patient can act on, so it is said first
        ck = check_spontaneous(y[int(round(q.analysis_start_s * ANALYSIS_RATE_HZ)):], ANALYSIS_RATE_HZ)
        if not ck.ok:
            return replace(q, ok=False, code=ck.code, message=ck.message)
    return q


def analyse_step(step: str, x: np.ndarray, sr: int, lead_in_s: float = 1.0, *,
                 text: str = TARGET_SENTENCE) -> StepAnalysis:
    """Gate, check the task, then measure one step (samples at any rate; analysed at 16 kHz).

    The analysed part starts after the lead-in only when the lead-in is quiet (the gate's
    ``analysis_start_s``). A recording that is not the task asked for (kiosk.speech.taskcheck)
    is "rejected" with its own code and message. ``text``: what the sentence step reads.
    Returns (StepStatus, result or None)."""
    task = task_for_step(step)
    x = as_float_audio(x)
    clipped = clipped_percent(x)
    x, sr = to_analysis_rate(x, sr), ANALYSIS_RATE_HZ
    quality = check_recording(x, sr, lead_in_s=lead_in_s, task=task, clipped_pct=clipped)
    if not quality.ok:
        return StepStatus("rejected", quality.message, quality.code, quality), None
    ref = NoiseReference(quality.noise_level_dbfs, int(round(quality.analysis_start_s * sr)), quality.noise_from)
    body = x[ref.start:]
    try:
        if task == "vowel":
            check = check_vowel(body, sr)
            result = measure_voice(body, sr) if check.ok else None
            if result is not None and result.mpt_s is None:
                return StepStatus("rejected", "No steady voice was found. Please hold 'aaah' as long as you can.",
                                  "no_phonation", quality), None
        elif task == "ddk":
            clean = denoise(x, sr, noise=noise_sample(x, sr, ref))[ref.start:]
            nuclei = syllable_nuclei(clean, sr)
            result = ddk_from_nuclei(nuclei)
            if result.rate_sps is None:
                return StepStatus("rejected", "We heard fewer than three syllables. Please repeat the sound "
                                  "quickly until the light turns off.", "too_few_syllables", quality), None
            check = check_ddk(clean, sr, nuclei)
        else:
            result = measure_intelligibility(denoise(x, sr, noise=noise_sample(x, sr, ref))[ref.start:], sr, text)
            check = check_sentence(result.alignment_fit, result.aligned_coverage)
            if check.ok:   # pitch and loudness on the raw signal, as the voice measures
                result = replace(result, prosody=measure_prosody(body, sr))
    except (ValueError, RuntimeError, KeyError) as e:
        return StepStatus("failed", f"analysis failed: {e}", "analysis_error", quality), None
    if not check.ok:
        return StepStatus("rejected", check.message, check.code, quality), None
    return StepStatus("ok", None, "ok", quality), result


StepAnalysis = tuple[StepStatus, VoiceMeasures | DdkMeasures | Intelligibility | None]
"""One step's ``analyse_step`` output: (status, measures or None)."""


def assess_speech(audio: dict[str, tuple[np.ndarray, int]], *, lead_in_s: float = 1.0,
                  analysed: Mapping[str, StepAnalysis] | None = None,
                  after_each: Callable[[], None] | None = None) -> SpeechAssessment:
    """Assess the speech battery. ``audio``: step name -> (samples, sample rate Hz); samples float
    -1..1 (or integer PCM, scaled by its full scale), mono or (n, channels).

    ``analysed``: steps already analysed (``analyse_step`` results, e.g. by the kiosk while the
    patient did the next step); they are combined as they are and their audio may be absent.
    ``after_each`` is called after each step analysed here (the kiosk returns freed C heap then).
    Unknown step names are ignored and reported in ``steps`` as "ignored". Same result as
    ``combine_steps`` over ``analyse_step`` of each recording.
    """
    results: dict[str, StepAnalysis] = {k: v for k, v in (analysed or {}).items() if k in STEPS}
    for step in STEPS:
        if step not in results and step in audio:
            x, sr = audio[step]
            results[step] = analyse_step(step, x, sr, lead_in_s)
            if after_each is not None:
                after_each()
    for extra in sorted(set(audio) - set(STEPS)):
        results[extra] = (StepStatus("ignored", f"unknown step name {extra!r}", "unknown_step"), None)
    return combine_steps(results)


def combine_steps(results: dict[str, StepAnalysis]) -> SpeechAssessment:
    """Join per-step results (step -> ``analyse_step`` output) into the battery's assessment.

    A step of STEPS without an entry is "missing"; other names keep their status (no measure).
    Cheap (no signal processing): the kiosk analyses each step while the patient does the next
    one and only combines at the end of the session.
    """
    steps: dict[str, StepStatus] = {}
    measured: dict[str, object] = {}
    for step in STEPS:
        if step not in results:
            steps[step] = StepStatus("missing", "no recording", "missing")
            continue
        steps[step], result = results[step]
        if result is not None and steps[step].status == "ok":
            measured[step] = result
    for extra in sorted(set(results) - set(STEPS)):
        steps[extra] = results[extra][0]
    ddk = {name: measured.get(f"ddk_{name}") for name in ("pa", "ta", "ka", "pataka")}
    ratio = pa_ta_ratio(ddk["pa"], ddk["ta"])
    voice, intel = measured.get("vowel"), measured.get("sentence")
    measures = flat_measures(voice, ddk, ratio, intel)
    return SpeechAssessment(voice=voice, ddk=ddk, pa_ta_ratio=ratio, intelligibility=intel,
                            clarity=clarity_score(measures), msii=motor_speech_impairment_index(measures),
                            steps=steps, sentence_prosody=getattr(intel, "prosody", None))
