"""Analyse a guided session while it runs, so its end only combines (DESIGN.md section 11:
end of session to results on screen < 3 s on the Pi).

Each speech step is analysed (``kiosk.speech.battery.analyse_step``) as soon as it passed the
quality gate, while the patient does the next step; the face steps, which all come first, are
assessed together as soon as the last of them is done (``kiosk.face.assess`` is one whole-session
computation: rest frame, scale and optical flow from rest to each expression). One background
thread runs the jobs in order, so the session never analyses two things at once.

A repeated step replaces its queued or finished analysis; a step whose analysis raised is left
out, and the end of the session analyses its recording again (same code path, same message).
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable

log = logging.getLogger(__name__)


class SessionAnalyses:
    """Background analyses of one session (speech steps by name; the face steps as one job).

    ``analyse_speech(step, samples, rate_hz)`` and ``assess_face(frames)`` are the service calls
    (kiosk.ui.services.Services.analyse_speech_step / assess_face)."""

    def __init__(self, analyse_speech: Callable[[str, Any, int], Any],
                 assess_face: Callable[[dict[str, list]], Any]) -> None:
        self._analyse_speech, self._assess_face = analyse_speech, assess_face
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="step-analysis")
        self._speech: dict[str, Future] = {}
        self._face: tuple[int, Future] | None = None

    def warm_up(self, fn: Callable[[], Any]) -> None:
        """Queue a job that loads models before the first analysis needs them (errors only logged)."""
        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("warm-up failed; models load on first use instead")
        self._pool.submit(run)

    def speech_step(self, step: str, samples: Any, rate_hz: int) -> None:
        """Queue the analysis of a recording that passed the gate; it replaces the step's earlier one."""
        self.drop_speech(step)
        self._speech[step] = self._pool.submit(self._analyse_speech, step, samples, rate_hz)

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
        self._face = (version, self._pool.submit(self._assess_face, frames))

    def speech_results(self, steps: Iterable[str]) -> dict[str, Any]:
        """The analyses of ``steps`` (waits for queued ones); failed or absent steps are left out."""
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
        """The face assessment of frames ``version`` (waits for it), or None if absent, stale or failed."""
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
