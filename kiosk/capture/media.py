"""Reading recordings from files: the one WAV reader and the one image/clip reader of the project,
and a session folder (docs/cli.md#session-folder: one file per step, named by the step; a
``.png``/``.jpg`` peak frame or ``.mp4``/``.avi`` clip for faces, a ``.wav`` for speech)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from kiosk.protocol import FACE_STEPS, SPEECH_STEPS

IMAGE_EXT = (".png", ".jpg", ".jpeg")
VIDEO_EXT = (".mp4", ".avi")
MAX_CLIP_FRAMES = 150  # 5 s at 30 fps; longer clips are subsampled evenly


class AudioFileError(ValueError):
    """A WAV file that cannot be read (missing, not WAV, unsupported encoding, empty)."""


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """Read a PCM (8/16/24/32-bit) or float WAV as float32 mono -1..1 and its rate (Hz)."""
    from scipy.io import wavfile

    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"audio file not found: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except (ValueError, EOFError, OSError) as e:
        raise AudioFileError(f"{path} is not a readable WAV file: {e}") from e
    if data.size == 0:
        raise AudioFileError(f"{path} contains no audio")
    if data.dtype.kind == "f":
        x = data.astype(np.float32)
    elif data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    else:
        x = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    if x.ndim > 1:
        x = x.mean(axis=1)
    return np.clip(x, -1.0, 1.0).astype(np.float32), int(rate)


def read_image(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_clip(path: Path) -> list[np.ndarray]:
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


def read_video(path: Path | str, max_frames: int = 3600) -> tuple[list[np.ndarray], float]:
    """Every frame of a video (RGB uint8, at most ``max_frames``) and its frame rate (frames/s).

    Unlike :func:`read_clip` nothing is subsampled: tremor needs the native frame timing.
    Raises ValueError when nothing decodes or the container has no usable frame rate."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        while len(frames) < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    if not frames:
        raise ValueError("not a readable video (no frames decoded)")
    if not (5.0 <= fps <= 240.0):
        raise ValueError(f"the video reports {fps:g} frames/s; 5-240 needed to measure tremor")
    return frames, fps


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
            faces[step] = read_clip(f) if f.suffix.lower() in VIDEO_EXT else [read_image(f)]
        except (ValueError, OSError) as e:
            missing[step] = f"{files[0].name}: {e}"
    for step in SPEECH_STEPS:
        files = _find(folder, step, (".wav",))
        if not files:
            missing[step] = "no file"
            continue
        try:
            audio[step] = read_wav(files[0])
        except (ValueError, OSError) as e:
            missing[step] = f"{files[0].name}: {e}"
    return faces, audio, missing
