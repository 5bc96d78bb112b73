"""The Parkinson's half of a session (docs/parkinson.md): recordings in, ``ParkinsonSummary`` out.

Edge module: it decodes the Parkinson's step videos one at a time (a 20 s video at 640x480 is
about 550 MB of RGB frames: each is freed, and ``housekeeping()`` called, before the next is
decoded) and hands arrays to the measuring modules:

- ``sit_still``: head and jaw rest tremor and blinks (kiosk.session.tremor);
- ``hands_lap`` (rest) and ``hands_up`` (postural): hand tremor (kiosk.session.hand_tremor);
- ``spontaneous``: prosody of the speech (kiosk.speech.prosody, after the quiet lead-in) and
  expressivity of the face (landmark motion, kiosk.face.hypomimia);
- the palsy steps already assessed: expression amplitude per region and side
  (kiosk.face.hypomimia), DDK and sentence prosody (the speech half).

A step that is missing or unusable gives findings and measures that say why (never a guess).
"""
from __future__ import annotations

import gc
from dataclasses import replace
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np

from kiosk.analytics.parkinson import Measure, ParkinsonSummary, TremorFinding
from kiosk.analytics.speech_measures import POOLED_STEPS, speech_measures
from kiosk.config import KioskConfig

VideoInput = Union[Path, str, tuple[list[np.ndarray], float]]
#: The Parkinson's steps that are not palsy steps, and what each needs from a session folder.
PD_VIDEO_STEPS: tuple[str, ...] = ("sit_still", "spontaneous", "hands_up", "hands_lap")
HAND_STEPS: dict[str, str] = {"hands_lap": "rest", "hands_up": "postural"}
EXPRESSION_SIDES = ("right", "left")


def _nothing() -> None:
    return None


def load_video(video: VideoInput, *, lazy: bool = False) -> tuple[Any, float]:
    """(RGB frames, frames/s) of a video file or an already decoded ``(frames, fps)`` pair. ``lazy``:
    a file as :class:`kiosk.capture.media.VideoFrames` (decoded a frame at a time, for one in-order
    pass), else every frame decoded (``read_video``). Raises ValueError (one line) when a file cannot be used."""
    if isinstance(video, (str, Path)):
        from kiosk.capture.media import VideoFrames, read_video
        path = Path(video)
        if not path.is_file():
            raise ValueError(f"{path.name}: no such file")
        try:
            if lazy:
                v = VideoFrames(path)
                return v, v.fps
            return read_video(path)
        except ValueError as e:
            raise ValueError(f"{path.name}: {e}") from e
    frames, fps = video
    return list(frames), float(fps)


# --- face and hands ----------------------------------------------------------------------------

def hand_findings(frames: list[np.ndarray] | None, fps: float, step: str, config: KioskConfig,
                  reason: str | None = None) -> tuple[TremorFinding, ...]:
    """(hand_right, hand_left) findings of one hands step (kiosk.session.hand_tremor); not measured,
    with ``reason``, when the step has no usable video."""
    from kiosk.session.hand_tremor import hand_tremor_from_frames, tremor_findings

    cond = HAND_STEPS[step]
    if frames is None:
        return tuple(TremorFinding.from_tremor(f"hand_{side}", cond, step, None, reason) for side in EXPRESSION_SIDES)
    return tremor_findings(hand_tremor_from_frames(frames, fps, config.vision), step, cond)


def expression_measures(face_half: Any | None) -> list[Measure]:
    """Expression amplitude per region and side (kiosk.face.hypomimia; each says why when the face
    half or its step is missing)."""
    from kiosk.face import hypomimia
    return list(hypomimia.expression_measures(face_half))


def expressivity_measure(series: Any | None, fps: float, reason: str | None = None) -> Measure:
    """Spontaneous expressivity (upper-face motion, mm/s) from the spontaneous video's
    :class:`kiosk.session.tremor.VideoSeries` (kiosk.session.expressivity)."""
    if series is not None:
        from kiosk.session.expressivity import expressivity_from_series
        return expressivity_from_series(series, fps)
    from kiosk.face.hypomimia import expressivity_measure as measure
    from kiosk.face.landmarks import N_LANDMARKS
    empty = measure(np.zeros((0, N_LANDMARKS, 2)), None, 1.0)   # no frames: only its label and reference are used
    return replace(empty, value=None, reason=reason or "no video")


def blink_measures(blinks: Any | None, reason: str | None = None) -> list[Measure]:
    """Blink rate (/min) and duration (ms) at rest (kiosk.face.hypomimia) from :class:`kiosk.face.blink.Blinks`."""
    from kiosk.face import hypomimia
    out = hypomimia.blink_measures(blinks)
    if blinks is None and reason:
        out = [replace(m, reason=reason) for m in out]
    return out


# --- speech -----------------------------------------------------------------------------------

def spontaneous_prosody(x: np.ndarray, sr: int, lead_in_s: float) -> tuple[Any | None, str | None]:
    """(Prosody of the spontaneous speech after its quiet lead-in, or None with the quality gate's reason)."""
    from kiosk.speech.battery import ANALYSIS_RATE_HZ, as_float_audio, to_analysis_rate
    from kiosk.speech.prosody import measure_prosody
    from kiosk.speech.quality import check_recording, clipped_percent

    x = as_float_audio(x)
    y = to_analysis_rate(x, sr)
    q = check_recording(y, ANALYSIS_RATE_HZ, lead_in_s=lead_in_s, task="spontaneous", clipped_pct=clipped_percent(x))
    if not q.ok:
        return None, q.message
    return measure_prosody(y[int(round(q.analysis_start_s * ANALYSIS_RATE_HZ)):], ANALYSIS_RATE_HZ), None


def speech_part(speech_half: Any | None, spontaneous: Any | None, speech_reason: str | None) -> tuple[list[Measure], dict]:
    """Hypokinetic-speech measures (sentence and DDK from the speech half, plus spontaneous speech)."""
    from kiosk.speech.prosody import hypokinetic_summary

    sentence = getattr(speech_half, "sentence_prosody", None)
    ddk_all = getattr(speech_half, "ddk", None) or {}
    ddk_name = "pataka" if ddk_all.get("pataka") else "pa"
    ddk = ddk_all.get(ddk_name)
    if sentence is None and ddk is None and spontaneous is None:
        return list(speech_measures(None, reason=speech_reason or "no usable speech recording")), {}
    pitch_steps = "+".join(s for s, p in (("sentence", sentence), ("spontaneous", spontaneous)) if p is not None)
    summary = hypokinetic_summary(sentence, ddk, spontaneous)
    return list(speech_measures(summary, ddk_step=f"ddk_{ddk_name}", pitch_steps=pitch_steps or POOLED_STEPS)), summary


# --- the whole Parkinson's half ------------------------------------------------------------------

def assess_parkinson(videos: Mapping[str, VideoInput], spontaneous_audio: tuple[np.ndarray, int] | None,
                     config: KioskConfig, *, face_half: Any | None = None, speech_half: Any | None = None,
                     speech_reason: str | None = None,
                     housekeeping: Callable[[], None] = _nothing) -> tuple[ParkinsonSummary, dict[str, str]]:
    """The ParkinsonSummary of one session and the Parkinson's steps that are missing (step -> why).

    videos: step -> file or ``(frames, fps)`` for ``sit_still``, ``spontaneous``, ``hands_up``,
    ``hands_lap``; spontaneous_audio: (samples, Hz) of the spontaneous step. face_half /
    speech_half: the palsy halves already assessed (FacialAssessment, SpeechAssessment)."""
    from kiosk.session.tremor import tremor_from_series, video_series

    missing: dict[str, str] = {}
    extra: dict[str, Any] = {}

    def frames_of(step: str) -> tuple[list[np.ndarray] | None, float, str | None]:
        if step not in videos:
            return None, 0.0, "no recording"
        try:
            frames, fps = load_video(videos[step])
        except ValueError as e:
            return None, 0.0, str(e)
        return frames, fps, None

    # sit_still: head and jaw rest tremor, blinks
    frames, fps, why = frames_of("sit_still")
    if frames is None:
        missing["sit_still"] = why or "no recording"
        tremor = [TremorFinding.from_tremor(site, "rest", "sit_still", None, why) for site in ("head", "jaw")]
        blinks, blink_why = None, why
    else:
        res = tremor_from_series(frames, video_series(frames, config.vision), fps)
        tremor = [TremorFinding.from_tremor(site, "rest", "sit_still", t) for site, t in (("head", res.head), ("jaw", res.jaw))]
        blinks, blink_why = res.blinks, res.head.reason if res.blinks is None else None
        extra["sit_still"] = res.to_dict()
    del frames
    gc.collect()
    housekeeping()

    # hands: rest (lap) then postural (up)
    for step in ("hands_lap", "hands_up"):
        frames, fps, why = frames_of(step)
        if frames is None:
            missing[step] = why or "no recording"
        tremor.extend(hand_findings(frames, fps, step, config, why))
        del frames
        gc.collect()
        housekeeping()

    # spontaneous: expressivity from the video's landmarks (decoded a frame at a time), prosody from the sound
    series, fps, why = None, 0.0, "no recording"
    if "spontaneous" in videos:
        try:
            stream, fps = load_video(videos["spontaneous"], lazy=True)
            series = video_series(stream, config.vision)
            extra["spontaneous"] = {"fps": round(fps, 3), "frames": len(stream),
                                    "frames_with_face": series.frames_with_face}
            del stream
        except ValueError as e:
            why = str(e)
    expressivity = expressivity_measure(series, fps, None if series is not None else f"video: {why}")
    del series
    gc.collect()
    housekeeping()
    spontaneous, sp_why = None, "no recording"
    if spontaneous_audio is not None:
        spontaneous, sp_why = spontaneous_prosody(*spontaneous_audio, config.audio.lead_in_s)
    if spontaneous_audio is None:
        missing["spontaneous"] = "no recording"
    elif spontaneous is None:
        missing["spontaneous"] = f"speech: {sp_why}"
    speech, summary = speech_part(speech_half, spontaneous, speech_reason)
    if summary:
        extra["speech"] = summary
    housekeeping()

    measures = [*expression_measures(face_half), expressivity, *blink_measures(blinks, blink_why), *speech]
    return ParkinsonSummary(tuple(tremor), tuple(measures), extra=extra), missing
