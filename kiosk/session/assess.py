"""Session assessment: face and speech halves joined (docs/contracts.md).

``assess_session_dir(path, config)`` reads a session folder (docs/cli.md#session-folder: one
file per step named by the step; ``.png``/``.jpg`` peak frame or ``.mp4``/``.avi`` clip
for faces, ``.wav`` for speech, ``.mp4``/``.avi`` videos for the Parkinson's steps);
``assess_recordings(face_frames, audio, config)`` takes the data directly.  A missing or
unreadable step is listed in ``missing_steps`` with its reason, and every score that needs it
is marked unavailable, never guessed.  The Parkinson's protocol (docs/parkinson.md) adds the
``parkinson`` summary (kiosk.session.parkinson); for the palsy protocol it is None.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from kiosk.capture.media import read_session_dir
from kiosk.analytics.parkinson import ParkinsonSummary
from kiosk.config import KioskConfig
from kiosk.face.assessment import MEASURED
from kiosk.protocol import FACE_STEPS, SPEECH_STEPS
from kiosk.protocol.steps import PROTOCOLS

DISCLAIMER = ("Decision support, not a diagnosis. Scores are automated estimates from camera landmarks and "
              "microphone recordings; they measure visible symmetry of movement and speech acoustics, not "
              "nerve function, and must be read by a clinician together with the examination.")


@dataclass(frozen=True)
class SessionAssessment:
    """Face and speech results of one session; None halves say why in ``unavailable``.
    ``protocol``: "palsy" or "parkinson" (kiosk.protocol.steps.PROTOCOLS); ``parkinson``: the
    Parkinson's summary (None for the palsy protocol)."""

    face: Any | None
    speech: Any | None
    missing_steps: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    protocol: str = "palsy"
    parkinson: ParkinsonSummary | None = None

    def to_dict(self) -> dict:
        """JSON-able dict, keys as in docs/contracts.md (units in key names)."""
        return {
            "protocol": self.protocol,
            "face": self.face.to_dict() if self.face is not None else None,
            "speech": self.speech.to_dict() if self.speech is not None else None,
            "missing_steps": dict(self.missing_steps),
            "unavailable": dict(self.unavailable) or None,
            "parkinson": self.parkinson.to_dict() if self.parkinson is not None else None,
            "disclaimer": DISCLAIMER,
        }


def _nothing() -> None:
    return None


def _assess_speech(audio: dict[str, tuple[np.ndarray, int]], config: KioskConfig,
                   precomputed: Mapping[str, Any] | None, housekeeping: Callable[[], None]) -> tuple[Any | None, str | None]:
    """Speech half: ``precomputed`` steps (``analyse_step`` results) are combined as they are;
    only recordings without one are analysed here, one at a time with ``housekeeping()`` after each."""
    try:
        from kiosk.speech.battery import assess_speech
    except ImportError as e:
        return None, f"speech engine not installed ({e})"
    if not audio and not precomputed:
        return None, "no speech recordings"
    return assess_speech(audio, lead_in_s=config.audio.lead_in_s, analysed=precomputed, after_each=housekeeping), None


def assess_face_frames(frames: dict[str, list[np.ndarray]], config: KioskConfig) -> tuple[Any | None, str | None]:
    """Face half: (FacialAssessment or None, reason it is unavailable or None)."""
    frames = {k: v for k, v in frames.items() if v}
    if not frames:
        return None, "no face recordings"
    from kiosk.session.face import assess_face
    from kiosk.vision.pipeline import FacePipeline

    pipeline = FacePipeline(config.vision, tracking=True, with_iris=True)
    return assess_face(frames, pipeline), None


def assess_recordings(face_frames: dict[str, list[np.ndarray]], audio: dict[str, tuple[np.ndarray, int]],
                      config: KioskConfig, missing_steps: dict[str, str] | None = None, *,
                      videos: Mapping[str, Path | tuple[list[np.ndarray], float]] | None = None,
                      protocol: str = "palsy",
                      speech_steps: Mapping[str, Any] | None = None,
                      face: tuple[Any | None, str | None] | None = None,
                      housekeeping: Callable[[], None] = _nothing) -> SessionAssessment:
    """Assess face frames (step -> RGB uint8 frames) and audio (step -> (samples, Hz)).

    protocol: "palsy" (default) or "parkinson". For "parkinson", ``videos`` (step -> video file,
    decoded here one at a time, or ``(frames, fps)``) holds ``sit_still``, ``spontaneous``,
    ``hands_up`` and ``hands_lap``, and ``audio["spontaneous"]`` the spontaneous speech; the
    result's ``parkinson`` is built by kiosk.session.parkinson.assess_parkinson.

    speech_steps: speech steps already analysed (step -> ``kiosk.speech.battery.analyse_step``
    result, e.g. by the kiosk while the patient did the next step); their audio is not analysed
    again and may be left out of ``audio``.  face: ``assess_face_frames(face_frames, config)``
    computed beforehand (e.g. while the patient did the speech steps).  Both default to
    analysing everything here.  housekeeping: called between the parts analysed here (the kiosk
    returns the freed C heap to the system there, docs/architecture.md#memory-and-latency).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; protocols are {', '.join(PROTOCOLS)}")
    audio = dict(audio)
    spontaneous_audio = audio.pop("spontaneous", None)     # not a speech-battery step
    missing = dict(missing_steps or {})
    for step in FACE_STEPS:
        if not face_frames.get(step):
            missing.setdefault(step, "no recording")
    for step in SPEECH_STEPS:
        if step not in audio and step not in (speech_steps or {}):
            missing.setdefault(step, "no recording")
    if face is None:
        face = assess_face_frames(face_frames, config)
        housekeeping()
    face_half, face_reason = face
    speech, speech_reason = _assess_speech(audio, config, speech_steps, housekeeping)
    if face_half is not None:
        for step, res in face_half.steps.items():
            if res.status not in (*MEASURED, "missing"):     # a low-confidence step is measured, not missing
                missing.setdefault(step, res.reason or res.status)
    unavailable = {k: v for k, v in (("face", face_reason), ("speech", speech_reason)) if v}
    parkinson = None
    if protocol == "parkinson":
        from kiosk.session.parkinson import assess_parkinson
        parkinson, pd_missing = assess_parkinson(videos or {}, spontaneous_audio, config, face_half=face_half,
                                                 speech_half=speech, speech_reason=speech_reason,
                                                 housekeeping=housekeeping)
        for step, why in pd_missing.items():
            missing.setdefault(step, why)
    return SessionAssessment(face_half, speech, missing, unavailable, protocol, parkinson)


def assess_session_dir(path: Path | str, config: KioskConfig, protocol: str | None = None) -> SessionAssessment:
    """Assess a session folder (docs/cli.md#session-folder).  ``protocol`` None: "parkinson" when the
    folder holds any Parkinson's step file, else "palsy".  Raises FileNotFoundError if the folder
    is absent, ValueError for an unknown protocol."""
    from kiosk.capture.media import parkinson_files
    faces, audio, missing = read_session_dir(Path(path))
    videos, spontaneous, pd_missing = parkinson_files(Path(path))
    if protocol is None:
        present = videos or spontaneous is not None or any(why != "no file" for why in pd_missing.values())
        protocol = "parkinson" if present else "palsy"
    if protocol == "parkinson":
        if spontaneous is not None:
            audio["spontaneous"] = spontaneous
        for step, why in pd_missing.items():
            missing.setdefault(step, why)
    else:
        videos = {}
    return assess_recordings(faces, audio, config, missing, videos=videos, protocol=protocol)
