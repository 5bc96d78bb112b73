"""Worker threads that keep the camera, the vision pipeline and the microphone off the UI thread.

The UI thread never blocks on a device: it reads the newest frame/analysis from a locked
slot and receives results through queues. A device that fails is reported once as
("lost", device, message) on ``events`` and retried about once a second; ("back", device)
follows when it works again.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)
RETRY_S = 1.0
SILENT_CAMERA_S = 2.0        # no frame for this long from an open camera: treat it as unplugged
MAX_FRAMES_PER_STEP = 10     # frames kept per face step (memory: 10 x 2.7 MB at 1280x720)


@dataclass(frozen=True)
class Analysed:
    """One analysed camera frame: the RGB image and the vision FrameAnalysis."""

    rgb: np.ndarray
    analysis: Any
    seq: int


class CameraWorker(threading.Thread):
    """Reads frames from ``factory(source_key)`` into a newest-frame slot, at most ``fps`` per second."""

    def __init__(self, factory: Callable[[str | None], Any], events: queue.Queue, fps: float = 30.0) -> None:
        super().__init__(name="camera", daemon=True)
        self.factory, self.events, self.period = factory, events, 1.0 / max(1.0, fps)
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self.seq = 0
        self._want: str | None = None
        self._switch = threading.Event()
        self._halt = threading.Event()
        self.error: str | None = None
        self.frames_read = 0
        self._recorder: Any = None

    def record(self, recorder: Any) -> None:
        """Hand every frame read from now on to ``recorder.add(rgb, timestamp_s)`` (a video step's
        kiosk.capture.recorder.VideoRecorder); None stops."""
        with self._lock:
            self._recorder = recorder

    def switch(self, source_key: str | None) -> None:
        """Reopen the camera for ``source_key`` (a step name in replay; ignored by live cameras)."""
        with self._lock:
            self._want = source_key
        self._switch.set()

    def latest(self) -> tuple[np.ndarray | None, int]:
        with self._lock:
            return self._frame, self.seq

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        cam = None
        lost = False
        last_frame_t = time.monotonic()
        while not self._halt.is_set():
            if cam is None or self._switch.is_set():
                self._switch.clear()
                _close(cam)
                cam, err = self._open()
                if cam is None:
                    if not lost:
                        self.events.put(("lost", "camera", err))
                        lost = True
                    self._halt.wait(RETRY_S)
                    continue
                if lost:
                    self.events.put(("back", "camera", ""))
                    lost = False
                last_frame_t = time.monotonic()
            t0 = time.monotonic()
            try:
                frame = cam.read()
                if frame is None and t0 - last_frame_t > SILENT_CAMERA_S:
                    raise RuntimeError(f"no frame for {SILENT_CAMERA_S:g} s")
            except Exception as e:  # CameraUnavailable, a driver error or silence: unplugged
                _close(cam)
                cam = None
                self.events.put(("lost", "camera", _device_text("camera", e)))
                lost = True
                continue
            if frame is not None:
                last_frame_t = t0
                with self._lock:
                    self._frame = frame.rgb
                    self.seq += 1
                    recorder = self._recorder
                self.frames_read += 1
                if recorder is not None:
                    recorder.add(frame.rgb, frame.timestamp_s)     # queues only; never blocks
            self._halt.wait(max(0.0, self.period - (time.monotonic() - t0)))
        _close(cam)

    def _open(self) -> tuple[Any, str]:
        with self._lock:
            want = self._want
        try:
            return self.factory(want), ""
        except Exception as e:
            self.error = _device_text("camera", e)
            return None, self.error


#: Quality codes of a frame in which no single, lit, near enough face is seen: a video step's
#: frame counts as "face seen" otherwise (turned, tilted or blurred faces still give landmarks).
NO_FACE_CODES = frozenset({"no_face", "multiple_faces", "too_dark", "too_bright", "too_far"})


def face_seen(analysis: Any) -> bool:
    """One face, lit and near enough to measure, in this analysed frame (video steps)."""
    return analysis.quality.code not in NO_FACE_CODES


def frame_usable(analysis: Any, rest_pitch_deg: float | None, max_pitch_deg: float) -> bool:
    """A frame for the assessment: it passed the quality gate, or it was rejected only as "tilted"
    and passes :func:`kiosk.vision.quality.tilt_acceptable` (the rule the face assessment applies
    to the frames it is given)."""
    q = analysis.quality
    if q.ok:
        return True
    if q.code != "tilted" or rest_pitch_deg is None or analysis.face is None:
        return False
    from kiosk.vision.quality import tilt_acceptable
    return tilt_acceptable(analysis.face.pose.pitch_deg, rest_pitch_deg, max_pitch_deg)


class AnalysisWorker(threading.Thread):
    """Runs the face pipeline on the newest frame; keeps the latest result and, while a
    capture is open, the analysed frames of that capture."""

    def __init__(self, pipeline_factory: Callable[[], Any], camera: CameraWorker) -> None:
        super().__init__(name="analysis", daemon=True)
        self.pipeline_factory, self.camera = pipeline_factory, camera
        self._lock = threading.Lock()
        self._latest: Analysed | None = None
        self._collect_id = 0
        self._keep = True                 # False: a video step's capture counts faces, keeps no frame
        self._seen = 0
        self._collected: list[Analysed] = []
        self._analysed_in_capture = 0
        self._reasons: Counter = Counter()
        self._halt = threading.Event()
        self.error: str | None = None
        self.analysed = 0
        self.rest_pitch_deg: float | None = None   # set by the runner once the rest step passed
        self.max_pitch_deg = 15.0

    def latest(self) -> Analysed | None:
        with self._lock:
            return self._latest

    def begin_capture(self, capture_id: int, keep_frames: bool = True) -> None:
        """Open a capture: keep the frames that pass the gate (face steps) or, with ``keep_frames``
        False (video steps, whose every frame goes to a file), only count the frames with a face."""
        with self._lock:
            self._collect_id, self._collected, self._analysed_in_capture = capture_id, [], 0
            self._keep, self._seen = keep_frames, 0
            self._reasons = Counter()

    def capture_progress(self) -> tuple[int, int]:
        """(frames that passed the quality gate, or with ``keep_frames`` False the frames with a face
        seen; frames analysed) in the open capture."""
        with self._lock:
            return (len(self._collected) if self._keep else self._seen), self._analysed_in_capture

    def end_capture(self) -> tuple[list[Analysed], Counter]:
        """Close the capture; returns the good frames kept and the (code, message) counts of rejected ones."""
        with self._lock:
            got, reasons = self._collected, self._reasons
            self._collect_id, self._collected, self._analysed_in_capture = 0, [], 0
            self._reasons = Counter()
            return got, reasons

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        try:
            pipeline = self.pipeline_factory()
        except Exception as e:
            self.error = f"The face analysis could not start: {e}"
            return
        last_seq = -1
        while not self._halt.is_set():
            rgb, seq = self.camera.latest()
            if rgb is None or seq == last_seq:
                self._halt.wait(0.005)
                continue
            last_seq = seq
            try:
                res = pipeline.process(rgb)
            except Exception as e:  # a bad frame must not kill the worker
                self.error = f"frame analysis failed: {e}"
                continue
            item = Analysed(rgb, res, seq)
            self.analysed += 1
            with self._lock:
                self._latest = item
                if self._collect_id:
                    self._analysed_in_capture += 1
                    if not self._keep:
                        if face_seen(res):
                            self._seen += 1
                        else:
                            self._reasons[(res.quality.code, res.quality.message)] += 1
                    elif frame_usable(res, self.rest_pitch_deg, self.max_pitch_deg):
                        self._collected.append(item)
                        if len(self._collected) > MAX_FRAMES_PER_STEP:
                            del self._collected[::2]     # keep an even spread over the window
                    else:
                        self._reasons[(res.quality.code, res.quality.message)] += 1


class AudioWorker:
    """Records one step at a time in a thread; results arrive on ``results`` as
    (capture_id, step, Recording | None, message). ``level_dbfs`` follows the input live."""

    def __init__(self, factory: Callable[[str | None], Any], events: queue.Queue) -> None:
        self.factory, self.events = factory, events
        self.results: queue.Queue = queue.Queue()
        self.level_dbfs = -120.0
        self.recording = False
        self._probe: threading.Thread | None = None

    def record(self, capture_id: int, step: str, seconds: float) -> None:
        threading.Thread(target=self._record, args=(capture_id, step, seconds), name="audio", daemon=True).start()

    def _record(self, capture_id: int, step: str, seconds: float) -> None:
        self.recording = True
        try:
            mic = self.factory(step)
            try:
                rec = mic.record(seconds, self._level)
            finally:
                mic.close()
            self.results.put((capture_id, step, rec, ""))
        except Exception as e:  # MicrophoneUnavailable or a driver error
            msg = _device_text("microphone", e)
            self.events.put(("lost", "microphone", msg))
            self.results.put((capture_id, step, None, msg))
            self.probe_until_back(step)
        finally:
            self.recording = False
            self.level_dbfs = -120.0

    def _level(self, dbfs: float) -> None:
        self.level_dbfs = float(dbfs)

    def probe_until_back(self, step: str | None) -> None:
        """Try to open the microphone about once a second; report ("back", "microphone") when it works."""
        if self._probe is not None and self._probe.is_alive():
            return

        def loop() -> None:
            while True:
                try:
                    self.factory(step).close()
                    self.events.put(("back", "microphone", ""))
                    return
                except Exception:
                    time.sleep(RETRY_S)
        self._probe = threading.Thread(target=loop, name="mic-probe", daemon=True)
        self._probe.start()


class Job:
    """A function run once in a thread; ``done``, ``result`` and ``error`` are read by the UI."""

    def __init__(self, fn: Callable[[], Any], name: str = "job") -> None:
        self.result: Any = None
        self.error: str | None = None
        self._done = threading.Event()

        def body() -> None:
            try:
                self.result = fn()
            except Exception as e:
                log.exception("%s failed", name)
                self.error = f"{type(e).__name__}: {e}"
            finally:
                self._done.set()
        threading.Thread(target=body, name=name, daemon=True).start()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def _close(dev: Any) -> None:
    if dev is not None:
        try:
            dev.close()
        except Exception:
            pass


def _device_text(device: str, e: Exception) -> str:
    return f"The {device} is not available: {e}. Check its cable."
