"""Session assessment: face and speech halves joined (docs/contracts.md).

``assess_session_dir(path, config)`` reads a session folder (DESIGN.md section 9: one
file per step named by the step; ``.png``/``.jpg`` peak frame or ``.mp4``/``.avi`` clip
for faces, ``.wav`` for speech); ``assess_recordings(face_frames, audio, config)`` takes
the data directly.  A missing or unreadable step is listed in ``missing_steps`` with its
reason, and every score that needs it is marked unavailable, never guessed.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from kiosk.config import KioskConfig

FACE_STEPS = ("rest", "brow_raise", "eye_close_gentle", "eye_close_tight", "smile", "snarl", "pucker")
SPEECH_STEPS = ("vowel", "ddk_pa", "ddk_ta", "ddk_ka", "ddk_pataka", "sentence")
IMAGE_EXT = (".png", ".jpg", ".jpeg")
VIDEO_EXT = (".mp4", ".avi")
MAX_CLIP_FRAMES = 150  # 5 s at 30 fps; longer clips are subsampled evenly
DISCLAIMER = ("Decision support, not a diagnosis. Scores are automated estimates from camera landmarks and "
              "microphone recordings; they measure visible symmetry of movement and speech acoustics, not "
              "nerve function, and must be read by a clinician together with the examination.")


@dataclass(frozen=True)
class SessionAssessment:
    """Face and speech results of one session; None halves say why in ``unavailable``."""

    face: Any | None
    speech: Any | None
    missing_steps: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able dict, keys as in docs/contracts.md (units in key names)."""
        return {
            "face": self.face.to_dict() if self.face is not None else None,
            "speech": self.speech.to_dict() if self.speech is not None else None,
            "missing_steps": dict(self.missing_steps),
            "unavailable": dict(self.unavailable) or None,
            "disclaimer": DISCLAIMER,
        }


def _read_image(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _read_clip(path: Path) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    if not frames:
        raise ValueError("not a readable video (no frames decoded)")
    if len(frames) > MAX_CLIP_FRAMES:
        keep = np.linspace(0, len(frames) - 1, MAX_CLIP_FRAMES).round().astype(int)
        frames = [frames[i] for i in keep]
    return frames


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 -1..1 samples and the sample rate (Hz)."""
    from scipy.io import wavfile

    try:
        with warnings.catch_warnings():  # unknown chunks: the data chunk decides
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            sr, data = wavfile.read(str(path))
    except (ValueError, EOFError) as e:
        raise ValueError(f"not a readable WAV file ({e})") from e
    x = np.asarray(data)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.dtype == np.uint8:  # 8-bit WAV is unsigned, centred on 128
        x = (x.astype(np.float64) - 128.0) / 128.0
    elif np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float64) / float(-np.iinfo(x.dtype).min)
    if x.size == 0:
        raise ValueError("empty WAV file")
    return x.astype(np.float32), int(sr)


def _find(folder: Path, step: str, exts: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.stem == step and p.suffix.lower() in exts)


def read_session_dir(path: Path) -> tuple[dict[str, list[np.ndarray]], dict[str, tuple[np.ndarray, int]], dict[str, str]]:
    """Load a session folder: (face frames per step, audio per step, missing/unusable steps -> reason)."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"session folder not found: {folder}")
    faces: dict[str, list[np.ndarray]] = {}
    audio: dict[str, tuple[np.ndarray, int]] = {}
    missing: dict[str, str] = {}
    for step in FACE_STEPS:
        files = _find(folder, step, IMAGE_EXT + VIDEO_EXT)
        if not files:
            missing[step] = "no file"
            continue
        try:
            f = files[0]
            faces[step] = _read_clip(f) if f.suffix.lower() in VIDEO_EXT else [_read_image(f)]
        except (ValueError, OSError) as e:
            missing[step] = f"{files[0].name}: {e}"
    for step in SPEECH_STEPS:
        files = _find(folder, step, (".wav",))
        if not files:
            missing[step] = "no file"
            continue
        try:
            audio[step] = _read_wav(files[0])
        except (ValueError, OSError) as e:
            missing[step] = f"{files[0].name}: {e}"
    return faces, audio, missing


def _assess_speech(audio: dict[str, tuple[np.ndarray, int]], config: KioskConfig,
                   precomputed: Mapping[str, Any] | None = None) -> tuple[Any | None, str | None]:
    """Speech half: ``precomputed`` steps (``analyse_step`` results) are combined as they are;
    only recordings without one are analysed here."""
    try:
        from kiosk.speech.battery import STEPS, analyse_step, assess_speech, combine_steps
    except ImportError as e:
        return None, f"speech engine not installed ({e})"
    if not audio and not precomputed:
        return None, "no speech recordings"
    if precomputed is None:
        return assess_speech(audio, lead_in_s=config.audio.lead_in_s), None
    results = {k: v for k, v in precomputed.items() if k in STEPS}
    for step in STEPS:
        if step not in results and step in audio:
            x, sr = audio[step]
            results[step] = analyse_step(step, x, sr, config.audio.lead_in_s)
    return combine_steps(results), None


def assess_face_frames(frames: dict[str, list[np.ndarray]], config: KioskConfig) -> tuple[Any | None, str | None]:
    """Face half: (FacialAssessment or None, reason it is unavailable or None)."""
    frames = {k: v for k, v in frames.items() if v}
    if not frames:
        return None, "no face recordings"
    from kiosk.face.assess import assess_face
    from kiosk.vision.pipeline import FacePipeline

    pipeline = FacePipeline(config.vision, tracking=True, with_iris=True)
    return assess_face(frames, pipeline), None


def assess_recordings(face_frames: dict[str, list[np.ndarray]], audio: dict[str, tuple[np.ndarray, int]],
                      config: KioskConfig, missing_steps: dict[str, str] | None = None, *,
                      speech_steps: Mapping[str, Any] | None = None,
                      face: tuple[Any | None, str | None] | None = None) -> SessionAssessment:
    """Assess face frames (step -> RGB uint8 frames) and audio (step -> (samples, Hz)).

    speech_steps: speech steps already analysed (step -> ``kiosk.speech.battery.analyse_step``
    result, e.g. by the kiosk while the patient did the next step); their audio is not analysed
    again and may be left out of ``audio``.  face: ``assess_face_frames(face_frames, config)``
    computed beforehand (e.g. while the patient did the speech steps).  Both default to
    analysing everything here.
    """
    missing = dict(missing_steps or {})
    for step in FACE_STEPS:
        if not face_frames.get(step):
            missing.setdefault(step, "no recording")
    for step in SPEECH_STEPS:
        if step not in audio and step not in (speech_steps or {}):
            missing.setdefault(step, "no recording")
    face, face_reason = face if face is not None else assess_face_frames(face_frames, config)
    speech, speech_reason = _assess_speech(audio, config, speech_steps)
    if face is not None:
        for step, res in face.steps.items():
            if res.status not in ("ok", "missing"):
                missing.setdefault(step, res.reason or res.status)
    unavailable = {k: v for k, v in (("face", face_reason), ("speech", speech_reason)) if v}
    return SessionAssessment(face, speech, missing, unavailable)


def assess_session_dir(path: Path | str, config: KioskConfig) -> SessionAssessment:
    """Assess a session folder (DESIGN.md section 9).  Raises FileNotFoundError if absent."""
    faces, audio, missing = read_session_dir(Path(path))
    return assess_recordings(faces, audio, config, missing)
