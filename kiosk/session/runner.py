"""Drives the pure protocol state machine with the real devices (through worker threads).

Each UI frame calls ``update(now_s)``: device events and capture results go into the
machine as events; when the machine opens a capture window the runner starts the
face collection or the recording; when the window has closed it turns what was
captured into a quality verdict. Speech steps that passed the gate, and the face steps once
the last of them is done, are analysed in the background (kiosk.session.step_analysis) while the
patient goes on; at the end ``finish()`` only combines the results and writes the store, in
a worker job, so the screen keeps drawing.
"""
from __future__ import annotations

import queue
from collections import Counter
from typing import Any

import numpy as np

from kiosk.protocol import (Abort, CaptureResult, DeviceBack, DeviceLost, Pause, Repeat, Resume, SessionState, Skip, Start, Tick,
                            Verdict, new_session, step_spec, transition)
from kiosk.session.step_analysis import SessionAnalyses
from kiosk.session.workers import AnalysisWorker, AudioWorker, CameraWorker, Job

MIN_GOOD_FRAMES = 3        # face step passes with at least this many frames through the quality gate
MAX_ANALYSED = 12          # after the window: give up once this many frames were analysed without enough good ones


class SessionRunner:
    """One guided session on top of running camera/analysis workers and an audio worker."""

    def __init__(self, services: Any, camera: CameraWorker, analysis: AnalysisWorker, audio: AudioWorker,
                 events: queue.Queue, *, max_retries: int = 2, lead_in_s: float = 1.0,
                 incremental: bool = True) -> None:
        self.services, self.camera, self.analysis, self.audio, self.events = services, camera, analysis, audio, events
        self.state: SessionState = new_session(max_retries)
        self.analysis.rest_pitch_deg = None
        self.analysis.max_pitch_deg = services.config.vision.max_pitch_deg
        self.lead_in_s = lead_in_s
        self.face_frames: dict[str, list[np.ndarray]] = {}
        self.audio_clips: dict[str, tuple[np.ndarray, int]] = {}
        self.incremental = incremental    # False: analyse everything at the end (the batch path)
        self.analyses: SessionAnalyses | None = None
        self._face_version = 0            # bumped whenever face_frames changes
        self.device_detail: dict[str, str] = {}
        self._started_id = 0
        self._kind: str | None = None
        self.job: Job | None = None
        self.started_at = None

    # -- commands from the screens ------------------------------------------------------------
    def start(self, now_s: float, steps: tuple[str, ...] | None = None) -> None:
        from datetime import datetime, timezone
        self.started_at = datetime.now(timezone.utc)
        self.face_frames.clear()
        self.audio_clips.clear()
        self._face_version += 1
        self._close_analyses()
        if self.incremental:
            self.analyses = SessionAnalyses(self.services.analyse_speech_step, self.services.assess_face)
            self.analyses.warm_up(self.services.warm_up)
        self._dispatch(Start(now_s, steps))

    def skip(self) -> None:
        self._dispatch(Skip())

    def abort(self, reason: str = "stopped by the nurse") -> None:
        self._dispatch(Abort(reason))
        if self.state.phase == "aborted":
            self._close_analyses()

    def _close_analyses(self) -> None:
        if self.analyses is not None:
            self.analyses.close()
            self.analyses = None

    def pause(self) -> None:
        """Hold the session while the nurse has the controls; the open capture is discarded."""
        self._dispatch(Pause())
        if self.state.phase == "paused" and self._kind == "face":
            self.analysis.end_capture()
        self._kind = None
        if self.analyses is not None:
            self.analyses.release()

    def resume(self) -> None:
        self._dispatch(Resume())

    def repeat(self, step: str) -> None:
        self._dispatch(Repeat(step))

    # -- per frame ----------------------------------------------------------------------------
    def update(self, now_s: float) -> SessionState:
        self._device_events()
        self._dispatch(Tick(now_s))
        self._drive_capture()
        return self.state

    def _dispatch(self, event: Any) -> None:
        before = self.state
        self.state = transition(self.state, event)
        s = self.state
        if s.current is not None and (before.current is None or before.current.name != s.current.name):
            if s.current.kind == "face":
                self.camera.switch(s.current.name)
            elif self.analyses is not None and self.face_frames:
                # the face steps come first: assess them while the patient does the speech steps
                self.analyses.face(self._face_version, dict(self.face_frames))
        if s.phase == "capture" and s.capture_id != self._started_id:
            self._begin_capture()

    def _device_events(self) -> None:
        while True:
            try:
                kind, device, detail = self.events.get_nowait()
            except queue.Empty:
                return
            if kind == "lost":
                self.device_detail[device] = detail
                self._dispatch(DeviceLost(device))
            else:
                self.device_detail.pop(device, None)
                self._dispatch(DeviceBack(device))

    def _begin_capture(self) -> None:
        s = self.state
        spec = s.current
        self._started_id = s.capture_id
        self._kind = spec.kind
        if spec.kind == "face":
            self.analysis.begin_capture(s.capture_id)
        else:
            if self.analyses is not None:
                self.analyses.hold()     # no analysis while the microphone is read (GIL stalls drop samples)
            self.audio.record(s.capture_id, spec.name, spec.capture_s)

    def _drive_capture(self) -> None:
        s = self.state
        if s.phase != "check" or s.capture_id != self._started_id or self._kind is None:
            self._drain_stale_audio()
            return
        if self._kind == "face":
            good, analysed = self.analysis.capture_progress()
            if good < MIN_GOOD_FRAMES and analysed < MAX_ANALYSED:
                return
            frames, reasons = self.analysis.end_capture()
            self._kind = None
            self._dispatch(CaptureResult(s.capture_id, self._face_verdict(s.current.name, frames, reasons)))
            return
        try:
            cid, step, rec, msg = self.audio.results.get_nowait()
        except queue.Empty:
            return
        if cid != s.capture_id:
            return
        self._kind = None
        if self.analyses is not None:
            self.analyses.release()
        if rec is None:
            return   # the device-lost event holds the session; the attempt does not count
        self._dispatch(CaptureResult(cid, self._audio_verdict(step, rec)))

    def _drain_stale_audio(self) -> None:
        while not self.audio.results.empty() and self._kind != "speech":
            self.audio.results.get_nowait()
            if self.analyses is not None:
                self.analyses.release()      # that recording has ended

    def _face_verdict(self, step: str, frames: list, reasons: Counter) -> Verdict:
        """Pass with enough good frames; else the most frequent quality problem, as the patient prompt."""
        if len(frames) >= MIN_GOOD_FRAMES:
            if step == "rest":
                pitches = [f.analysis.face.pose.pitch_deg for f in frames if f.analysis.face is not None]
                self.analysis.rest_pitch_deg = float(np.median(pitches)) if pitches else None
            self.face_frames[step] = [f.rgb for f in frames]
            self._face_version += 1
            return Verdict(True, "ok", "")
        if not reasons:
            return Verdict(False, "no_face", "We could not see your face clearly. Please look at the screen.")
        (code, message), _ = reasons.most_common(1)[0]
        return Verdict(False, code, message)

    def _audio_verdict(self, step: str, rec: Any) -> Verdict:
        from kiosk.speech.battery import check_step

        q = check_step(step, rec.samples, rec.sample_rate_hz, self.lead_in_s)   # the assessment's own gate
        if q.ok:
            self.audio_clips[step] = (rec.samples, rec.sample_rate_hz)
            if self.analyses is not None:
                self.analyses.speech_step(step, rec.samples, rec.sample_rate_hz)
        return Verdict(q.ok, q.code, q.message)

    # -- the end --------------------------------------------------------------------------------
    def finish(self, patient: Any) -> Job:
        """Assess what was captured and store it (one transaction), in a worker job: combines the
        background analyses (waiting for any still running) and analyses only what they lack.

        Only steps whose last outcome is "ok" count (a step skipped after a repeat is missing).
        The job's result is ``(session_record, assessment_dict)``."""
        from datetime import datetime, timezone

        ok = {o.name for o in self.state.outcomes if o.status == "ok"}
        frames = {k: list(v) for k, v in self.face_frames.items() if k in ok}
        clips = {k: v for k, v in self.audio_clips.items() if k in ok}
        started = self.started_at or datetime.now(timezone.utc)
        skipped = {o.name: o.reason or o.status for o in self.state.outcomes if o.status != "ok"}
        analyses, version = self.analyses, self._face_version
        face_complete = frames.keys() == self.face_frames.keys()

        def work() -> tuple[Any, dict]:
            speech_steps = face = None
            if analyses is not None:
                speech_steps = analyses.speech_results(clips)
                face = analyses.face_result(version) if face_complete else None
            assessment = self.services.assess(frames, clips, skipped, speech_steps=speech_steps, face=face)
            rec = self.services.save_session(patient.id, assessment, started_at=started,
                                             ended_at=datetime.now(timezone.utc))
            if self.services.config.camera.store_peak_frames:      # only with the patient's consent
                self.services.store_peak_frames(rec.id, peak_frames(frames, assessment))
            return rec, assessment
        self.job = Job(work, "assess")
        return self.job

    @property
    def step_title(self) -> str:
        s = self.state
        return step_spec(s.pending[0]).title if s.pending else ""


def peak_frames(frames: dict[str, list[np.ndarray]], assessment: dict) -> dict[str, np.ndarray]:
    """Each face step's peak frame (the one the assessment chose: ``steps[step].peak_index``)."""
    steps = (assessment.get("face") or {}).get("steps") or {}
    out = {}
    for step, frame_list in frames.items():
        i = (steps.get(step) or {}).get("peak_index")
        if i is not None and 0 <= i < len(frame_list):
            out[step] = frame_list[i]
    return out
