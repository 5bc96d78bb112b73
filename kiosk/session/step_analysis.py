"""Analyse a guided session while it runs, so its end only combines (docs/architecture.md#memory-and-latency:
end of session to results on screen < 3 s on the Pi).

Each speech step is analysed (``kiosk.speech.battery.analyse_step``) as soon as it passed the
quality gate, while the patient does the next step; the face steps, which all come first, are
assessed together as soon as the last of them is done (``kiosk.session.face`` is one whole-session
computation: rest frame, scale and optical flow from rest to each expression). One background
thread runs the jobs in order, so the session never analyses two things at once.

No job starts while a recording is in progress (``hold``/``release``): parts of the analysis
(Praat) keep Python's GIL for up to ~0.2 s here (~0.8 s on a Pi), which would stall the thread
reading the microphone and drop samples; a job already running when a recording starts finishes.

A repeated step replaces its queued or finished analysis; a step whose analysis raised is left
out, and the end of the session analyses its recording again (same code path, same message).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable

from kiosk.session import memory

log = logging.getLogger(__name__)


class SessionAnalyses:
    """Background analyses of one session (speech steps by name; the face steps as one job).

    ``analyse_speech(step, samples, rate_hz)`` and ``assess_face(frames)`` are the service calls
    (kiosk.session.services.Services.analyse_speech_step / assess_face)."""

    def __init__(self, analyse_speech: Callable[[str, Any, int], Any],
                 assess_face: Callable[[dict[str, list]], Any]) -> None:
        self._analyse_speech, self._assess_face = analyse_speech, assess_face
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="step-analysis")
        self._speech: dict[str, Future] = {}
        self._face: tuple[int, Future] | None = None
        self._free = threading.Event()      # set: jobs may start (no recording in progress)
        self._free.set()

    def hold(self) -> None:
        """A recording starts: queued jobs wait until ``release``."""
        self._free.clear()

    def release(self) -> None:
        self._free.set()

    def _when_free(self, fn: Callable[..., Any], *args: Any) -> Future:
        def run() -> Any:
            self._free.wait()
            try:
                return fn(*args)
            finally:
                memory.trim_heap()
        return self._pool.submit(run)

    def warm_up(self, fn: Callable[[], Any]) -> None:
        """Queue a job that loads models before the first analysis needs them (errors only logged)."""
        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("warm-up failed; models load on first use instead")
        self._when_free(run)

    def speech_step(self, step: str, samples: Any, rate_hz: int) -> None:
        """Queue the analysis of a recording that passed the gate; it replaces the step's earlier one."""
        self.drop_speech(step)
        self._speech[step] = self._when_free(self._analyse_speech, step, samples, rate_hz)

    def drop_speech(self, step: str) -> None:
        old = self._speech.pop(step, None)
        if old is not None:
            old.cancel()

    def face(self, version: int, frames: dict[str, list]) -> None:
        """Queue the face assessment of ``frames`` (``version`` names this set of frames)."""
        if self._face is not None:
            if self._face[0] == version:
                return
            self._face[1].cancel()
        self._face = (version, self._when_free(self._assess_face, frames))

    def speech_results(self, steps: Iterable[str]) -> dict[str, Any]:
        """The analyses of ``steps`` (waits for queued ones; releases a hold); failed or absent steps are left out."""
        self.release()
        out = {}
        for step in steps:
            fut = self._speech.get(step)
            if fut is None or fut.cancelled():
                continue
            try:
                out[step] = fut.result()
            except Exception:
                log.exception("background analysis of %s failed; analysed again at the end", step)
        return out

    def face_result(self, version: int) -> Any | None:
        """The face assessment of frames ``version`` (waits for it; releases a hold), or None if absent,
        stale or failed."""
        self.release()
        if self._face is None or self._face[0] != version or self._face[1].cancelled():
            return None
        try:
            return self._face[1].result()
        except Exception:
            log.exception("background face assessment failed; assessed again at the end")
            return None

    @property
    def busy(self) -> bool:
        """True while a queued analysis has not finished."""
        futs = list(self._speech.values()) + ([self._face[1]] if self._face else [])
        return any(not f.done() for f in futs)

    def close(self) -> None:
        """Drop queued work; a running job finishes in its thread and is then discarded."""
        self._speech.clear()
        self._face = None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._free.set()                    # a job waiting for the hold ends
