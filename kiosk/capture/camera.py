"""Camera sources behind one small interface, chosen by name (as Frigate's detector_types).

``open_camera(config)`` returns a :class:`Camera` for ``config.source``:

* ``picamera2``: the Pi camera (Raspberry Pi OS ``python3-picamera2``; import guarded);
* ``opencv``: ``cv2.VideoCapture`` on an index ("0") or a device path / URL;
* ``replay``: a still image, a video file, or a folder of images (sorted by name) or videos.

``Camera.read()`` returns a :class:`Frame` (RGB uint8 H x W x 3, timestamp in seconds) or
None at the end of a replay. Every failure to open is a :class:`CameraUnavailable` whose
message says what to check.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator

import numpy as np

from kiosk.capture.quiet import quiet_native_stderr
from kiosk.capture.sources import source_class
from kiosk.config import CameraConfig

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
VIDEO_EXTS = {".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm"}


class CameraUnavailable(RuntimeError):
    """The camera could not be opened or stopped delivering frames; the message says why."""


@dataclass(frozen=True)
class Frame:
    """One frame: RGB uint8 (H, W, 3), capture time in seconds, running index."""

    rgb: np.ndarray
    timestamp_s: float
    index: int = 0


class Camera(ABC):
    """A frame source. Use as a context manager, or call close()."""

    type_key: ClassVar[str]

    @abstractmethod
    def read(self) -> Frame | None:
        """Next frame, or None when a replay is exhausted."""

    def close(self) -> None:  # noqa: B027  (optional for sources without resources)
        """Release the device."""

    def __enter__(self) -> "Camera":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame


def _bgr_to_rgb(bgr: np.ndarray) -> np.ndarray:
    import cv2
    if bgr.ndim == 2:
        return cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class OpenCVCamera(Camera):
    """cv2.VideoCapture on a device index or path; timestamps from time.monotonic()."""

    type_key = "opencv"

    def __init__(self, config: CameraConfig) -> None:
        import cv2
        dev: int | str = int(config.device) if config.device.isdigit() else config.device
        with quiet_native_stderr():  # V4L2/FFmpeg warnings; the message below says it plainly
            self._cap = cv2.VideoCapture(dev)
        if not self._cap.isOpened():
            raise CameraUnavailable(f"cannot open camera {config.device!r}: is it connected, "
                                    "and is no other program using it?")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, config.width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, config.height)
        self._cap.set(cv2.CAP_PROP_FPS, config.fps)
        self._index = 0

    def read(self) -> Frame | None:
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            raise CameraUnavailable("the camera stopped delivering frames (unplugged?)")
        self._index += 1
        return Frame(_bgr_to_rgb(bgr), time.monotonic(), self._index - 1)

    def close(self) -> None:
        self._cap.release()


class ReplayCamera(Camera):
    """Replays an image, a video, or a folder of images/videos; timestamps from the video's
    position, or index / fps for stills. Unreadable files in a folder are skipped and listed
    in ``skipped``."""

    type_key = "replay"

    def __init__(self, config: CameraConfig) -> None:
        path = Path(config.device)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTS | VIDEO_EXTS)
        elif path.is_file():
            files = [path]
        else:
            raise CameraUnavailable(f"replay source not found: {path}")
        if not files:
            raise CameraUnavailable(f"replay folder {path} holds no images or videos")
        self.fps = float(config.fps)
        self.skipped: list[Path] = []
        self._files = iter(files)
        self._cap: Any = None
        self._index = 0
        self._t0 = 0.0

    def _next_file_frame(self) -> tuple[np.ndarray, float | None] | None:
        import cv2
        while True:
            if self._cap is not None:
                ok, bgr = self._cap.read()
                if ok and bgr is not None:
                    return bgr, self._t0 + self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                self._cap.release()
                self._cap = None
            f = next(self._files, None)
            if f is None:
                return None
            if f.suffix.lower() in VIDEO_EXTS:
                self._t0 = self._index / self.fps
                cap = cv2.VideoCapture(str(f))
                if cap.isOpened():
                    self._cap = cap
                    continue
                self.skipped.append(f)
                continue
            img = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if img is None:
                self.skipped.append(f)
                continue
            return img, None

    def read(self) -> Frame | None:
        got = self._next_file_frame()
        if got is None:
            if self._index == 0:
                raise CameraUnavailable(f"no readable frame in the replay source ({len(self.skipped)} unreadable)")
            return None
        bgr, ts = got
        frame = Frame(_bgr_to_rgb(bgr), self._index / self.fps if ts is None else ts, self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class Picamera2Camera(Camera):
    """The Raspberry Pi camera through Picamera2 (only on the Pi; import guarded)."""

    type_key = "picamera2"

    def __init__(self, config: CameraConfig) -> None:
        try:
            from picamera2 import Picamera2  # type: ignore[import-not-found]
        except ImportError as e:
            raise CameraUnavailable("picamera2 is not installed: on Raspberry Pi OS install "
                                    "python3-picamera2 and create the venv with --system-site-packages; "
                                    "elsewhere use camera.source = \"opencv\"") from e
        try:
            self._cam = Picamera2()
            cfg = self._cam.create_video_configuration(
                main={"size": (config.width, config.height), "format": "RGB888"},
                controls={"FrameRate": config.fps})
            self._cam.configure(cfg)
            self._cam.start()
        except Exception as e:  # libcamera raises several types; all mean "no camera"
            raise CameraUnavailable(f"cannot start the Pi camera: {e}") from e
        self._index = 0

    def read(self) -> Frame | None:
        request = self._cam.capture_request()
        try:
            bgr = request.make_array("main")  # Picamera2 "RGB888" is B, G, R in memory
            ts_ns = request.get_metadata().get("SensorTimestamp")
        finally:
            request.release()
        self._index += 1
        ts = ts_ns / 1e9 if ts_ns else time.monotonic()
        return Frame(np.ascontiguousarray(bgr[..., 2::-1]), ts, self._index - 1)

    def close(self) -> None:
        self._cam.stop()
        self._cam.close()


CAMERA_TYPES: dict[str, type[Camera]] = {cls.type_key: cls for cls in Camera.__subclasses__()}


def open_camera(config: CameraConfig) -> Camera:
    """The camera named by ``config.source``; raises CameraUnavailable with a reason."""
    return source_class(CAMERA_TYPES, config.source, CameraUnavailable, "camera")(config)
