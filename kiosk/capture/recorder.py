"""Record every camera frame of a capture window to a video file, with bounded memory.

The Parkinson's protocol's video steps (docs/parkinson.md#protocol) need every frame at its
real timing (tremor up to 8 Hz, blinks of ~0.1-0.3 s), not the quality-gated peak frames of
the face steps. The camera thread hands each frame to :meth:`VideoRecorder.add`, which only
queues it (at most ``max_queue`` frames, so at most ~8 x 2.7 MB at 1280x720); a writer thread
encodes it as Motion-JPEG into an AVI (``cv2.VideoWriter``, OpenCV's own MJPEG writer, which
releases the GIL while encoding). A frame that finds the queue full is dropped and counted.

The writer must be opened with a frame rate before the real one is known, so the file is
written at the configured rate and, when it is closed, the AVI header's rate fields
(``avih.dwMicroSecPerFrame``, ``strh.dwRate/dwScale``) are rewritten with the rate measured
from the frames' timestamps: :func:`frame_rate_hz`. Readers (``kiosk.capture.media.read_video``)
then see the true rate. The file is created mode 0600 (kiosk.privatefiles).
"""
from __future__ import annotations

import queue
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.privatefiles import create_private

JPEG_QUALITY = 85        # % (OpenCV MJPEG quality): ~60-90 kB per 1280x720 frame
MAX_QUEUE = 8            # frames waiting for the writer (bounded memory)
RATE_SCALE = 1000        # strh.dwRate / dwScale: the rate to 1/1000 frame/s


@dataclass(frozen=True)
class VideoFile:
    """What a recording wrote: frames in the file, frames dropped (queue full, out of order or of
    another size), the rate measured from their timestamps (frames/s), the span they cover (s),
    and the write error that stopped it (None when it did not fail)."""

    path: Path
    frames: int
    dropped: int
    fps: float | None
    duration_s: float
    error: str | None = None


def frame_rate_hz(timestamps_s: np.ndarray | list[float]) -> float | None:
    """Mean frame rate (frames/s) of increasing timestamps: (n - 1) / (last - first); None for
    fewer than two frames or a zero span."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    if t.size < 2 or not t[-1] > t[0]:
        return None
    return float((t.size - 1) / (t[-1] - t[0]))


def covered_s(n_frames: int, fps: float | None) -> float:
    """Time (s) that ``n_frames`` at ``fps`` cover: n / fps (each frame stands for 1/fps)."""
    return n_frames / fps if fps else 0.0


def set_avi_frame_rate(path: Path, fps: float) -> None:
    """Rewrite the frame-rate fields of an AVI's main and first video stream header in place.

    Walks the RIFF chunk list (4-byte id, little-endian uint32 size, padded to even) in the
    ``hdrl`` list: ``avih`` starts with dwMicroSecPerFrame; a ``strh`` of type ``vids`` has
    dwScale at byte 20 and dwRate at 24 of its data. ValueError when they are not found."""
    if not fps > 0:
        raise ValueError(f"frame rate must be > 0, not {fps}")
    with open(path, "r+b") as f:
        head = bytearray(f.read(1 << 16))
        if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
            raise ValueError(f"{path} is not an AVI file")
        done = set()
        pos = 12
        stack_end = len(head)
        while pos + 8 <= stack_end:
            cid, size = bytes(head[pos:pos + 4]), struct.unpack_from("<I", head, pos + 4)[0]
            if cid == b"LIST":
                if head[pos + 8:pos + 12] in (b"hdrl", b"strl"):
                    pos += 12               # descend into the header lists
                    continue
                if head[pos + 8:pos + 12] == b"movi":
                    break
            elif cid == b"avih" and "avih" not in done:
                struct.pack_into("<I", head, pos + 8, int(round(1e6 / fps)))
                done.add("avih")
            elif cid == b"strh" and head[pos + 8:pos + 12] == b"vids" and "strh" not in done:
                struct.pack_into("<II", head, pos + 8 + 20, RATE_SCALE, int(round(fps * RATE_SCALE)))
                done.add("strh")
            pos += 8 + size + (size & 1)
        if done != {"avih", "strh"}:
            raise ValueError(f"{path}: no AVI frame-rate header found")
        f.seek(0)
        f.write(head[:pos])


class VideoRecorder:
    """One recording: ``add(rgb, timestamp_s)`` from the camera thread, ``close()`` once.

    ``nominal_fps`` is what the file is opened with (the camera's configured rate); ``close``
    replaces it with the measured rate."""

    def __init__(self, path: Path, nominal_fps: float = 30.0, *, quality: int = JPEG_QUALITY,
                 max_queue: int = MAX_QUEUE) -> None:
        self.path, self.nominal_fps, self.quality = Path(path), float(nominal_fps), int(quality)
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._times: list[float] = []      # timestamps of the frames queued (8 bytes each)
        self._size: tuple[int, int] | None = None
        self.dropped = 0
        self.written = 0
        self.error: str | None = None
        self._closed = False
        self._result: VideoFile | None = None
        self._thread = threading.Thread(target=self._write_loop, name="video-writer", daemon=True)
        self._thread.start()

    @property
    def frames(self) -> int:
        with self._lock:
            return len(self._times)

    @property
    def span_s(self) -> float:
        """Time (s) from the first to the last frame accepted so far (camera clock)."""
        with self._lock:
            return self._times[-1] - self._times[0] if len(self._times) > 1 else 0.0

    def add(self, rgb: np.ndarray, timestamp_s: float) -> bool:
        """Queue a frame (RGB uint8); False when it was dropped (closed, failed, queue full,
        a timestamp not after the last one, or a size other than the first frame's)."""
        with self._lock:
            size = (rgb.shape[1], rgb.shape[0])
            late = bool(self._times) and not timestamp_s > self._times[-1]
            if self._closed or self.error or late or (self._size is not None and size != self._size):
                self.dropped += 1
                return False
            try:
                self._queue.put_nowait(rgb)
            except queue.Full:
                self.dropped += 1
                return False
            self._size = size
            self._times.append(float(timestamp_s))
            return True

    def _write_loop(self) -> None:
        import cv2
        writer = None
        try:
            while True:
                rgb = self._queue.get()
                if rgb is None:
                    break
                if self.error:
                    continue                     # keep draining so add() never blocks
                if writer is None:
                    create_private(self.path)    # 0600 before OpenCV opens (and keeps) it
                    writer = cv2.VideoWriter(str(self.path), cv2.CAP_OPENCV_MJPEG, cv2.VideoWriter_fourcc(*"MJPG"),
                                             self.nominal_fps, (rgb.shape[1], rgb.shape[0]))
                    if not writer.isOpened():
                        self.error = f"cannot write the video {self.path.name}"
                        continue
                    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, self.quality)
                writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
                self.written += 1
        except (cv2.error, OSError) as e:
            self.error = f"cannot write the video {self.path.name}: {e}"
        finally:
            if writer is not None:
                writer.release()

    def stop(self) -> None:
        """Stop accepting frames; the writer finishes the queued ones (``done`` then), without waiting."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(None)

    @property
    def done(self) -> bool:
        """True once stopped and every queued frame is written (``close`` then returns at once)."""
        return self._closed and not self._thread.is_alive()

    def close(self, timeout_s: float = 30.0) -> VideoFile:
        """Stop accepting frames, wait for the writer, fix the header's rate; idempotent."""
        if self._result is not None:
            return self._result
        self.stop()
        self._thread.join(timeout_s)
        with self._lock:
            times = list(self._times)
        fps = frame_rate_hz(times)
        error = self.error
        if self._thread.is_alive():
            error = error or "the video writer did not finish in time"
        elif error is None and self.written:
            try:
                set_avi_frame_rate(self.path, fps or self.nominal_fps)
            except (OSError, ValueError) as e:
                error = f"cannot finish the video {self.path.name}: {e}"
        n = self.written if error is None else 0
        self._result = VideoFile(self.path, n, self.dropped, fps, covered_s(n, fps), error)
        return self._result
