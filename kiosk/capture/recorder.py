"""Record every camera frame of a capture window to a video file, with bounded memory.

The Parkinson's protocol's video steps (docs/parkinson.md#protocol) need every frame at its
real timing (tremor up to 8 Hz, blinks of ~0.1-0.3 s), not the quality-gated peak frames of
the face steps. The camera thread hands each frame to :meth:`VideoRecorder.add`, which only
queues it (at most ``max_queue`` frames, so at most ~8 x 2.7 MB at 1280x720); a writer thread
JPEG-encodes it (``cv2.imencode``, libjpeg-turbo, which releases the GIL: ~4.6 ms and ~140 kB
per 1280x720 frame at quality 85 on a PC, a quarter of the CPU and half the size of OpenCV's
own MJPEG writer) and appends it to a Motion-JPEG AVI (:class:`MjpegAvi`). A frame that finds
the queue full is dropped and counted.

The frame rate in the AVI header is the one measured from the frames' timestamps
(:func:`frame_rate_hz`), written when the file is closed, so readers
(``kiosk.capture.media.read_video``) see the true rate. The file is created mode 0600
(kiosk.privatefiles).
"""
from __future__ import annotations

import os
import queue
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

JPEG_QUALITY = 85        # % (libjpeg quality)
MAX_QUEUE = 8            # frames waiting for the writer (bounded memory)
RATE_SCALE = 1000        # strh.dwRate / dwScale: the rate to 1/1000 frame/s
MAX_AVI_BYTES = 1 << 30  # AVI 1.0 (32-bit RIFF sizes, idx1): stop at 1 GB (~2 min at 1280x720)


class MjpegAvi:
    """A minimal AVI 1.0 writer for JPEG frames (one ``vids`` stream, ``MJPG``, ``idx1`` index).

    Layout (Microsoft AVI RIFF reference): ``RIFF AVI`` > ``LIST hdrl`` (``avih``, ``LIST strl``
    (``strh``, ``strf`` BITMAPINFOHEADER)) > ``LIST movi`` (one ``00dc`` chunk per frame) > ``idx1``.
    Sizes, frame count and rate are filled in by :meth:`close`."""

    HEADER_BYTES = 12 + 12 + 64 + 12 + 64 + 48 + 12    # up to and including "LIST <size> movi"

    def __init__(self, f: BinaryIO, width: int, height: int) -> None:
        self.f, self.width, self.height = f, int(width), int(height)
        self.index: list[tuple[int, int]] = []          # (offset from "movi", size) per frame
        self.max_bytes = 0
        f.write(b"\0" * self.HEADER_BYTES)             # placeholder; written by close()
        self.pos = self.HEADER_BYTES

    def write(self, jpeg: bytes) -> None:
        n = len(jpeg)
        if self.pos + 8 + n + 16 * (len(self.index) + 1) + 8 > MAX_AVI_BYTES:
            raise OSError("the video reached the 1 GB limit of an AVI file")
        self.index.append((self.pos - (self.HEADER_BYTES - 4), n))
        self.f.write(b"00dc" + struct.pack("<I", n) + jpeg + (b"\0" if n & 1 else b""))
        self.pos += 8 + n + (n & 1)
        self.max_bytes = max(self.max_bytes, n)

    def close(self, fps: float) -> None:
        """Write the index and the headers for ``fps`` frames/s (> 0)."""
        w, h, n = self.width, self.height, len(self.index)
        self.f.write(b"idx1" + struct.pack("<I", 16 * n))
        for off, size in self.index:
            self.f.write(b"00dc" + struct.pack("<III", 0x10, off, size))       # AVIIF_KEYFRAME
        end = self.pos + 8 + 16 * n
        us = int(round(1e6 / fps))
        rate = int(round(fps * RATE_SCALE))
        buf = self.max_bytes + 8
        avih = struct.pack("<14I", us, int(buf * fps), 0, 0x10, n, 0, 1, buf, w, h, 0, 0, 0, 0)
        strh = b"vidsMJPG" + struct.pack("<IHHIIIIIIIIhhhh", 0, 0, 0, 0, RATE_SCALE, rate, 0, n, buf,
                                         0xFFFFFFFF, 0, 0, 0, w, h)
        strf = struct.pack("<IiiHH4sIiiII", 40, w, h, 1, 24, b"MJPG", w * h * 3, 0, 0, 0, 0)
        strl = b"strl" + b"strh" + struct.pack("<I", len(strh)) + strh + b"strf" + struct.pack("<I", len(strf)) + strf
        hdrl = b"hdrl" + b"avih" + struct.pack("<I", len(avih)) + avih + b"LIST" + struct.pack("<I", len(strl)) + strl
        head = (b"RIFF" + struct.pack("<I", end - 8) + b"AVI " + b"LIST" + struct.pack("<I", len(hdrl)) + hdrl
                + b"LIST" + struct.pack("<I", self.pos - (self.HEADER_BYTES - 4)) + b"movi")
        assert len(head) == self.HEADER_BYTES
        self.f.seek(0)
        self.f.write(head)
        self.f.flush()
        os.fsync(self.f.fileno())


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
        self._avi: MjpegAvi | None = None
        self._file: BinaryIO | None = None
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
        avi: MjpegAvi | None = None
        f: BinaryIO | None = None
        try:
            while True:
                rgb = self._queue.get()
                if rgb is None:
                    break
                if self.error:
                    continue                     # keep draining so add() never blocks
                ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                        [cv2.IMWRITE_JPEG_QUALITY, self.quality])
                if not ok:
                    raise OSError("JPEG encoding failed")
                if avi is None:                  # 0600 from the start, whatever the umask
                    fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
                    os.fchmod(fd, 0o600)
                    f = os.fdopen(fd, "wb")
                    avi = MjpegAvi(f, rgb.shape[1], rgb.shape[0])
                avi.write(jpeg.tobytes())
                self.written += 1
        except (cv2.error, OSError) as e:
            self.error = f"cannot write the video {self.path.name}: {e}"
        finally:
            self._avi, self._file = avi, f

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
        fps = frame_rate_hz(times[: self.written])
        error = self.error
        if self._thread.is_alive():
            error = error or "the video writer did not finish in time"
        elif self._file is not None:
            try:
                if error is None:
                    self._avi.close(fps or self.nominal_fps)
            except OSError as e:
                error = f"cannot finish the video {self.path.name}: {e}"
            finally:
                self._file.close()
        n = self.written if error is None else 0
        self._result = VideoFile(self.path, n, self.dropped, fps, covered_s(n, fps), error)
        return self._result
