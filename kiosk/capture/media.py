"""Reading recordings from files: the one WAV reader and the one image/clip reader of the project,
and a session folder (docs/cli.md#session-folder: one file per step, named by the step; a
``.png``/``.jpg`` peak frame or ``.mp4``/``.avi`` clip for faces, a ``.wav`` for speech).

Every reader raises only :class:`MediaError` subclasses (``AudioFileError``, ``ImageFileError``)
with a one-line message, whatever the bytes: audio goes through libsndfile (``soundfile``),
which checks headers; images are measured from their header (Pillow reads only the header)
before any pixel is decoded, so a small file that would decode to gigabytes is refused
(docs/security.md#hostile-files).
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from kiosk.protocol import FACE_STEPS, SPEECH_STEPS

IMAGE_EXT = (".png", ".jpg", ".jpeg")
VIDEO_EXT = (".mp4", ".avi")
MAX_CLIP_FRAMES = 150  # 5 s at 30 fps; longer clips are subsampled evenly
MAX_CLIP_SCAN = 20 * MAX_CLIP_FRAMES   # frames decoded at most from a clip of unknown length
MIN_SIDE_PX = 32             # no face can be measured in less
MAX_SIDE_PX = 16384
MAX_PIXELS = 50_000_000      # 50 MP: a 12 MP camera still image fits with room; 30000x30000 does not
MAX_AUDIO_S = 600.0          # tasks last seconds; 10 min of audio is already far too long
RATE_RANGE_HZ = (4000, 384000)


class MediaError(ValueError):
    """A recording file that cannot be used; the message names the file and says why."""


class AudioFileError(MediaError):
    """A WAV file that cannot be read (missing, not WAV, unsupported encoding, empty, cut short)."""


class ImageFileError(MediaError):
    """An image or clip that cannot be used (missing, not an image, too small, too large)."""


def _regular_file(path: Path, error: type[MediaError], what: str) -> None:
    """Refuse what is not a regular file (missing, folder, FIFO, device) before opening it: a FIFO would block."""
    if not path.exists():
        raise error(f"{what} file not found (no such file): {path}")
    if not path.is_file():
        raise error(f"{path} is not a regular file")


def wav_declared_data_bytes(head: bytes, file_size: int) -> tuple[int, int] | None:
    """(declared size of the ``data`` chunk, bytes the file holds after that chunk's header), from the
    first bytes ``head`` of a RIFF/WAVE file of ``file_size`` bytes; None when it is not RIFF/WAVE or
    no data chunk header is in ``head``. Pure: walks the chunk list (4-byte id, little-endian uint32
    size, padded to even)."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if cid == b"data":
            return size, file_size - pos - 8
        pos += 8 + size + (size & 1)
    return None


def _check_wav_length(path: Path, sr: int, block_bytes: int) -> None:
    """A RIFF/WAVE whose data chunk header promises more than the file holds was cut short: its analysis
    would describe a different recording than the one made, so it is refused with both lengths."""
    with open(path, "rb") as f:
        found = wav_declared_data_bytes(f.read(1 << 16), os.fstat(f.fileno()).st_size)
    if found is None:
        return
    declared, present = found
    if declared > present:
        raise AudioFileError(
            f"{path} is cut short: its header announces {declared / block_bytes / sr:.2f} s of audio but the "
            f"file holds {max(present, 0) / block_bytes / sr:.2f} s (incomplete copy or interrupted recording); "
            "record or copy it again")


_BYTES_PER_SAMPLE = {"PCM_U8": 1, "PCM_S8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8,
                     "ULAW": 1, "ALAW": 1}


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """Read a WAV (PCM 8..32-bit, float, mu/A-law; also FLAC and other libsndfile formats) as float32
    mono -1..1 and its rate (Hz). Channels are averaged. Raises AudioFileError only."""
    import soundfile as sf

    path = Path(path)
    _regular_file(path, AudioFileError, "audio")
    try:
        info = sf.info(str(path))
    except (RuntimeError, ValueError, TypeError, OSError, EOFError) as e:   # LibsndfileError is a RuntimeError
        raise AudioFileError(f"{path} is not a readable WAV (or other audio) file: {_first_line(e)}") from e
    sr, channels, frames = int(info.samplerate), int(info.channels), int(info.frames)
    if channels < 1:
        raise AudioFileError(f"{path}: the header gives {channels} channels")
    if not RATE_RANGE_HZ[0] <= sr <= RATE_RANGE_HZ[1]:
        raise AudioFileError(f"{path}: sample rate {sr} Hz is outside {RATE_RANGE_HZ[0]}..{RATE_RANGE_HZ[1]} Hz")
    if info.format == "WAV":
        width = _BYTES_PER_SAMPLE.get(info.subtype)
        if width:
            _check_wav_length(path, sr, width * channels)
    if frames <= 0:
        raise AudioFileError(f"{path} contains no audio")
    if frames / sr > MAX_AUDIO_S:
        raise AudioFileError(f"{path} is {frames / sr:.0f} s long; recordings longer than {MAX_AUDIO_S:.0f} s "
                             "are not analysed")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError, OSError, EOFError, MemoryError) as e:
        raise AudioFileError(f"{path} could not be decoded: {_first_line(e)}") from e
    if data.size == 0:
        raise AudioFileError(f"{path} contains no audio")
    x = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return np.clip(x, -1.0, 1.0).astype(np.float32), int(rate)


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) in px from the image header only (no pixel is decoded)."""
    import warnings

    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # Pillow's own DecompressionBombWarning: we check below
            with Image.open(path) as im:
                return int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError as e:       # over 179 MP: far above our own limit
        raise ImageFileError(f"{path}: the header announces more than {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} MP; "
                             f"the kiosk decodes at most {MAX_PIXELS / 1e6:.0f} MP") from e
    except UnidentifiedImageError as e:
        raise ImageFileError(f"{path}: not a readable image ({_first_line(e)})") from e
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as e:
        raise ImageFileError(f"{path}: not a readable image ({_first_line(e)})") from e


def check_frame_size(path: Path, width: int, height: int) -> None:
    """Refuse frames too small to hold a measurable face or too large to decode safely."""
    if min(width, height) < MIN_SIDE_PX:
        raise ImageFileError(f"{path}: {width}x{height} px is too small (each side needs at least "
                             f"{MIN_SIDE_PX} px to hold a face)")
    if max(width, height) > MAX_SIDE_PX or width * height > MAX_PIXELS:
        raise ImageFileError(f"{path}: {width}x{height} px ({width * height / 1e6:.0f} MP) is larger than the "
                             f"{MAX_PIXELS / 1e6:.0f} MP / {MAX_SIDE_PX} px the kiosk decodes; scale it down")


def read_image(path: Path | str) -> np.ndarray:
    """An image file as RGB uint8 (H, W, 3); its size is checked from the header before decoding.
    Raises ImageFileError only."""
    import cv2

    path = Path(path)
    _regular_file(path, ImageFileError, "image")
    width, height = image_size(path)
    check_frame_size(path, width, height)
    try:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    except cv2.error as e:
        raise ImageFileError(f"{path}: not a readable image ({_first_line(e)})") from e
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
        raise ImageFileError(f"{path}: not a readable image")
    check_frame_size(path, bgr.shape[1], bgr.shape[0])      # what was decoded, not only what was announced
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_clip(path: Path | str) -> list[np.ndarray]:
    """A video clip as at most MAX_CLIP_FRAMES RGB frames, evenly spread; size checked before decoding."""
    import cv2

    path = Path(path)
    _regular_file(path, ImageFileError, "video")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ImageFileError(f"{path}: not a readable video")
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if w and h:
            check_frame_size(path, w, h)
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        keep = (set(np.linspace(0, total - 1, MAX_CLIP_FRAMES).round().astype(int).tolist())
                if total > MAX_CLIP_FRAMES else None)
        frames: list[np.ndarray] = []
        i = 0
        while i < MAX_CLIP_SCAN:
            ok, bgr = cap.read()
            if not ok:
                break
            if keep is None or i in keep:
                check_frame_size(path, bgr.shape[1], bgr.shape[0])
                frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            i += 1
    except cv2.error as e:
        raise ImageFileError(f"{path}: not a readable video ({_first_line(e)})") from e
    finally:
        cap.release()
    if not frames:
        raise ImageFileError(f"{path}: not a readable video (no frames decoded)")
    if len(frames) > MAX_CLIP_FRAMES:
        pick = np.linspace(0, len(frames) - 1, MAX_CLIP_FRAMES).round().astype(int)
        frames = [frames[j] for j in pick]
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


class VideoFrames:
    """A video file as a sequence of RGB frames decoded on demand: ``len()`` counts the decodable
    frames once (nothing kept), each iteration decodes them again one at a time, so at most one
    frame is in memory (a 31 s video at 640x480 is about 850 MB decoded whole). For analyses that
    visit the frames once in order; ``fps`` as :func:`read_video` checks it."""

    def __init__(self, path: Path | str, max_frames: int = 3600) -> None:
        import cv2

        self.path, self.max_frames = Path(path), max_frames
        cap = cv2.VideoCapture(str(self.path))
        try:
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            n = 0
            while n < max_frames and cap.grab():
                n += 1
        finally:
            cap.release()
        if not n:
            raise ValueError("not a readable video (no frames decoded)")
        if not (5.0 <= self.fps <= 240.0):
            raise ValueError(f"the video reports {self.fps:g} frames/s; 5-240 needed")
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __iter__(self):  # noqa: ANN204
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        try:
            for _ in range(self._n):
                ok, bgr = cap.read()
                if not ok:
                    raise ValueError(f"{self.path.name}: the video changed while it was read")
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()


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


def parkinson_files(path: Path) -> tuple[dict[str, Path], tuple[np.ndarray, int] | None, dict[str, str]]:
    """The Parkinson's recordings of a session folder (docs/cli.md#session-folder): (video file per
    step, left undecoded: each is decoded when it is analysed; the spontaneous speech (samples, Hz)
    or None; missing/unusable steps -> reason). Steps: kiosk.protocol.VIDEO_STEPS."""
    from kiosk.protocol.steps import VIDEO_STEPS

    folder = Path(path)
    videos: dict[str, Path] = {}
    missing: dict[str, str] = {}
    for step in VIDEO_STEPS:
        files = _find(folder, step, VIDEO_EXT)
        if files:
            videos[step] = files[0]
        elif step != "spontaneous":
            missing[step] = "no file"
    spontaneous = None
    wavs = _find(folder, "spontaneous", (".wav",))
    if not wavs:
        missing["spontaneous"] = "no file"
    else:
        try:
            spontaneous = read_wav(wavs[0])
        except (ValueError, OSError) as e:
            missing["spontaneous"] = f"{wavs[0].name}: {e}"
    return videos, spontaneous, missing
