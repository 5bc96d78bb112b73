"""Drives the pure protocol state machine with the real devices (through worker threads).

Each UI frame calls ``update(now_s)``: device events and capture results go into the
machine as events; when the machine opens a capture window the runner starts the
face collection or the recording; when the window has closed it turns what was
captured into a quality verdict. Video steps (the Parkinson's protocol) record every camera frame
to a file in a private per-session capture folder (kiosk.capture.recorder), which is deleted once
the session is assessed and stored, or when it is stopped. Speech steps that passed the gate, and the face steps once
the last of them is done, are analysed in the background (kiosk.session.step_analysis) while the
patient goes on; at the end ``finish()`` only combines the results and writes the store, in
a worker job, so the screen keeps drawing.
"""
from __future__ import annotations

import queue
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.capture.recorder import VideoFile, VideoRecorder
from kiosk.protocol import (Abort, CaptureResult, DeviceBack, DeviceLost, Pause, Repeat, Resume, SessionState, Skip, Start, Tick,
                            Verdict, new_session, step_spec, transition)
from kiosk.protocol.steps import PROTOCOLS, SPEECH_STEPS
from kiosk.session.step_analysis import SessionAnalyses
from kiosk.session.video_check import video_verdict
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
        self.videos: dict[str, VideoFile] = {}   # video steps that passed, by step
        self.protocol = "palsy"
        self.capture_dir: Path | None = None      # this session's private capture folder
        self.recorder: VideoRecorder | None = None   # the video being recorded
        self.incremental = incremental    # False: analyse everything at the end (the batch path)
        self.analyses: SessionAnalyses | None = None
        self._face_version = 0            # bumped whenever face_frames changes
        self.device_detail: dict[str, str] = {}
        self._started_id = 0
        self._kind: str | None = None
        self.job: Job | None = None
        self.started_at = None

    # -- commands from the screens ------------------------------------------------------------
    def start(self, now_s: float, steps: tuple[str, ...] | None = None, protocol: str = "palsy") -> None:
        """Start a session of ``protocol``'s steps (kiosk.protocol.steps.PROTOCOLS), or of ``steps``."""
        from datetime import datetime, timezone
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; protocols are {', '.join(PROTOCOLS)}")
        self.started_at = datetime.now(timezone.utc)
        self.protocol = protocol
        steps = PROTOCOLS[protocol] if steps is None else tuple(steps)
        self.face_frames.clear()
        self.audio_clips.clear()
        self.videos.clear()
        self._drop_recorder()
        self.services.discard_captures()      # a folder left by a crash or power cut goes too
        self.capture_dir = None
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
            self.discard()

    def discard(self) -> None:
        """Delete this session's captured videos (stopped, abandoned or assessed: privacy)."""
        self._drop_recorder()
        self.videos.clear()
        if self.capture_dir is not None:
            self.services.discard_captures(self.capture_dir)
            self.capture_dir = None

    def _close_analyses(self) -> None:
        if self.analyses is not None:
            self.analyses.close()
            self.analyses = None

    def pause(self) -> None:
        """Hold the session while the nurse has the controls; the open capture is discarded."""
        self._dispatch(Pause())
        if self.state.phase == "paused" and self._kind == "face":
            self.analysis.end_capture()
        self._drop_recorder()
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
        if self.recorder is not None and (s.phase not in ("capture", "check") or s.capture_id != self._started_id):
            self._drop_recorder()             # the attempt was discarded (device lost, paused, aborted)
        if s.current is not None and (before.current is None or before.current.name != s.current.name):
            if s.current.kind in ("face", "video") or s.current.video:
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
            return
        if self.analyses is not None:
            self.analyses.hold()     # no analysis while a device is read (GIL stalls drop samples and frames)
        if spec.kind == "video" or spec.video:
            self._start_recorder(spec.name)
        if spec.kind == "speech":
            self.audio.record(s.capture_id, spec.name, spec.capture_s)

    def _start_recorder(self, step: str) -> None:
        """Every camera frame from now to the window's end goes to ``<capture folder>/<step>.avi``."""
        self._drop_recorder()
        if self.capture_dir is None:
            self.capture_dir = self.services.capture_folder()
        self.recorder = VideoRecorder(self.capture_dir / f"{step}.avi", self.services.config.camera.fps)
        self.analysis.begin_capture(self.state.capture_id, keep_frames=False)
        self.camera.record(self.recorder)

    def _drop_recorder(self) -> None:
        """Detach and close the open recording (its file is overwritten by the next attempt)."""
        rec, self.recorder = self.recorder, None
        if rec is not None:
            self.camera.record(None)
            rec.stop()
            self.analysis.end_capture()

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
        if self.recorder is not None:             # a video step, or the spontaneous step's video
            self.camera.record(None)
            self.recorder.stop()
            if not self.recorder.done:
                return                            # the writer finishes its few queued frames
        if self._kind == "video":
            self._kind = None
            if self.analyses is not None:
                self.analyses.release()
            self._dispatch(CaptureResult(s.capture_id, self._video_verdict(s.current)))
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
            self._drop_recorder()
            return   # the device-lost event holds the session; the attempt does not count
        verdict = self._video_verdict(s.current) if self.recorder is not None else Verdict(True, "ok", "")
        self._dispatch(CaptureResult(cid, self._audio_verdict(step, rec) if verdict.ok else verdict))

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

    def _video_verdict(self, spec: Any) -> Verdict:
        """Close the step's recording and judge it (kiosk.session.video_check); a video that
        passed is kept for the assessment."""
        rec, self.recorder = self.recorder, None
        video = rec.close()
        seen, analysed = self.analysis.capture_progress()
        _, reasons = self.analysis.end_capture()
        verdict = video_verdict(video, spec.capture_s, need_face=spec.pictogram.hands == "none", face_frames=seen,
                                analysed=analysed, reasons=reasons)
        if verdict.ok:
            self.videos[spec.name] = video
        return verdict

    def _audio_verdict(self, step: str, rec: Any) -> Verdict:
        from kiosk.speech.battery import check_step

        q = check_step(step, rec.samples, rec.sample_rate_hz, self.lead_in_s)   # the assessment's own gate
        if q.ok:
            self.audio_clips[step] = (rec.samples, rec.sample_rate_hz)
            if self.analyses is not None and step in SPEECH_STEPS:     # the battery's own steps
                self.analyses.speech_step(step, rec.samples, rec.sample_rate_hz)
        return Verdict(q.ok, q.code, q.message)

    # -- the end --------------------------------------------------------------------------------
    def finish(self, patient: Any) -> Job:
        """Assess what was captured and store it (one transaction), in a worker job: combines the
        background analyses (waiting for any still running) and analyses only what they lack.

        Only steps whose last outcome is "ok" count (a step skipped after a repeat is missing).
        Video steps hand their files, and the session its protocol, to the assessment; the
        capture folder is deleted once the session is stored.
        The job's result is ``(session_record, assessment_dict)``."""
        from datetime import datetime, timezone

        ok = {o.name for o in self.state.outcomes if o.status == "ok"}
        frames = {k: list(v) for k, v in self.face_frames.items() if k in ok}
        clips = {k: v for k, v in self.audio_clips.items() if k in ok}
        videos = {k: v.path for k, v in self.videos.items() if k in ok}
        protocol = self.protocol
        started = self.started_at or datetime.now(timezone.utc)
        skipped = {o.name: o.reason or o.status for o in self.state.outcomes if o.status != "ok"}
        analyses, version = self.analyses, self._face_version
        face_complete = frames.keys() == self.face_frames.keys()

        def work() -> tuple[Any, dict]:
            speech_steps = face = None
            if analyses is not None:
                speech_steps = analyses.speech_results(clips)
                face = analyses.face_result(version) if face_complete else None
            assessment = self.services.assess(frames, clips, skipped, speech_steps=speech_steps, face=face,
                                              videos=videos, protocol=protocol)
            rec = self.services.save_session(patient.id, assessment, started_at=started,
                                             ended_at=datetime.now(timezone.utc))
            self.discard()          # assessed and stored: the videos go (a failure keeps them for "Try again")
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
