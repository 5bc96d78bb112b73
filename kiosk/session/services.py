"""The edges the kiosk UI talks to: devices, vision, assessment, store, reports.

Built from the config (live devices) or from a session folder (``replay_dir``,
docs/cli.md#session-folder layout) for ``kiosk run --replay`` and the tests; the UI code is
the same in both cases. In replay, a face step's camera plays ``<step>.png``/clip, a video step's
(and the spontaneous step's) ``<step>.avi``/``.mp4`` (or a still), and a speech step's
microphone ``<step>.wav``.
"""
from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.config import AudioConfig, CameraConfig, KioskConfig
from kiosk.protocol import FACE_STEPS
from kiosk.protocol.steps import VIDEO_STEPS

FRAME_EXTS = (".png", ".jpg", ".jpeg", ".mp4", ".avi")
VIDEO_STEP_EXTS = (".avi", ".mp4", ".png", ".jpg", ".jpeg")   # a video step: its recording first
CAPTURE_DIR = "capture"      # under the state dir: one private folder per session with video steps


class LoopingCamera:
    """A replay camera that starts again at the end, so a still image or a short clip
    stands in for a patient holding the expression for the whole capture window. Timestamps keep
    increasing across the restarts (one frame interval after the last, the clip's own), as a
    camera's would."""

    def __init__(self, config: CameraConfig) -> None:
        from kiosk.capture.camera import open_camera
        self._open = lambda: open_camera(config)
        self._cam = self._open()
        self._period_s = 1.0 / config.fps
        self._offset_s = 0.0
        self._last_s: float | None = None

    def read(self) -> Any:
        frame = self._cam.read()
        if frame is None:
            self._cam.close()
            self._cam = self._open()
            frame = self._cam.read()
            if frame is not None and self._last_s is not None:
                self._offset_s = self._last_s + self._period_s - frame.timestamp_s
        if frame is not None:
            frame = replace(frame, timestamp_s=frame.timestamp_s + self._offset_s)
            if self._last_s is not None and frame.timestamp_s > self._last_s:
                self._period_s = frame.timestamp_s - self._last_s     # the clip's own frame interval
            self._last_s = frame.timestamp_s
        return frame

    def close(self) -> None:
        self._cam.close()


@dataclass
class Services:
    config: KioskConfig
    replay_dir: Path | None = None
    realtime_replay: bool = False          # pace replayed audio like a microphone (interactive demo)
    state_dir: Path | None = None
    _store: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from kiosk.session.memory import tune_heap
        tune_heap()          # large C buffers are unmapped when freed (resident memory < 400 MB)

    # -- devices ------------------------------------------------------------------------------
    def replay_file(self, name: str, exts: tuple[str, ...]) -> Path:
        """``<replay_dir>/<name><ext>`` for the first ext that exists; raises the device's Unavailable."""
        assert self.replay_dir is not None
        for ext in exts:
            p = self.replay_dir / f"{name}{ext}"
            if p.is_file():
                return p
        if exts == (".wav",):
            from kiosk.capture.audio import MicrophoneUnavailable
            raise MicrophoneUnavailable(f"the replay folder {self.replay_dir} has no {name}.wav")
        from kiosk.capture.camera import CameraUnavailable
        raise CameraUnavailable(f"the replay folder {self.replay_dir} has no {name} image or clip")

    def open_camera(self, step: str | None) -> Any:
        """The camera for ``step`` (replay: the step's file in the session folder)."""
        if self.replay_dir is None:
            from kiosk.capture.camera import open_camera
            return open_camera(self.config.camera)
        if step in VIDEO_STEPS:
            source = self.replay_file(step, VIDEO_STEP_EXTS)
        else:
            source = self.replay_file(step if step in FACE_STEPS else "rest", FRAME_EXTS)
        return LoopingCamera(self.config.camera.model_copy(update={"source": "replay", "device": str(source)}))

    def open_microphone(self, step: str | None) -> Any:
        from kiosk.capture.audio import WavReplayMicrophone, open_microphone
        if self.replay_dir is None:
            return open_microphone(self.config.audio)
        cfg: AudioConfig = self.config.audio.model_copy(update={"source": "replay",
                                                                "replay_path": self.replay_file(str(step), (".wav",))})
        return WavReplayMicrophone(cfg, realtime=self.realtime_replay)

    def face_pipeline(self) -> Any:
        from kiosk.vision.pipeline import FacePipeline
        return FacePipeline(self.config.vision, tracking=True, with_iris=True)

    # -- analysis -----------------------------------------------------------------------------
    def assess(self, frames: dict[str, list], clips: dict[str, tuple],
               missing: dict[str, str] | None = None, *, speech_steps: dict[str, Any] | None = None,
               face: tuple[Any, str | None] | None = None, videos: dict[str, Path] | None = None,
               protocol: str = "palsy") -> dict[str, Any]:
        """SessionAssessment.to_dict() of what the session captured (docs/contracts.md);
        ``missing`` says why a step has no recording (failed quality, skipped by the nurse).
        ``speech_steps``/``face``: results of ``analyse_speech_step``/``assess_face`` computed
        during the session; only what they lack is analysed here, one part at a time with the
        freed C heap returned in between (docs/architecture.md#memory-and-latency: resident memory < 400 MB).
        ``videos``: the video steps' files (step -> path); ``protocol``: the protocol that ran."""
        from kiosk.session.assess import assess_recordings
        from kiosk.session.memory import trim_heap
        trim_heap()
        return assess_recordings(frames, clips, self.config, missing, speech_steps=speech_steps,
                                 face=face, videos=videos, protocol=protocol, housekeeping=trim_heap).to_dict()

    def analyse_speech_step(self, step: str, samples: Any, rate_hz: int) -> Any:
        """One speech step's (StepStatus, measures) (kiosk.speech.battery.analyse_step)."""
        from kiosk.speech.battery import analyse_step
        return analyse_step(step, samples, rate_hz, self.config.audio.lead_in_s)

    def warm_up(self) -> None:
        """Load the assessment code and the speech recognizer's models (seconds on the first use),
        so the first session's last step is not slowed by it. Safe to call more than once."""
        import kiosk.session.assess  # noqa: F401
        import kiosk.session.face  # noqa: F401
        from kiosk.speech.intelligibility import load_models
        load_models()                           # the alignment and phone decoders, once per process

    def assess_face(self, frames: dict[str, list]) -> tuple[Any, str | None]:
        """The face half of the session: (FacialAssessment or None, reason) (kiosk.session.assess)."""
        from kiosk.session.assess import assess_face_frames
        return assess_face_frames(frames, self.config)

    # -- store --------------------------------------------------------------------------------
    @property
    def state(self) -> Path:
        return Path(self.state_dir or self.config.device.state_dir)

    def capture_folder(self) -> Path:
        """A new private folder (0700) for one session's videos: ``<state>/capture/<random>``."""
        from kiosk.privatefiles import private_dir
        return private_dir(self.state / CAPTURE_DIR / uuid.uuid4().hex)

    def discard_captures(self, folder: Path | None = None) -> None:
        """Delete one session's capture folder, or (None) every one left under the state dir."""
        root = self.state / CAPTURE_DIR
        target = root if folder is None else Path(folder)
        if target == root or root in target.parents:     # never anything outside the capture root
            shutil.rmtree(target, ignore_errors=True)

    def store(self) -> Any:
        """The open store (opened on first use); raises kiosk.store.StoreError with a message."""
        if self._store is None:
            from kiosk.store import Store
            self._store = Store.from_config(self.config, self.state)
        return self._store

    def save_session(self, patient_id: str, assessment: dict, *, started_at: Any, ended_at: Any) -> Any:
        """Store a session (one transaction) through a connection of the calling thread: the
        assessment job runs off the UI thread and SQLite connections stay in their thread."""
        from kiosk.store import Store
        from kiosk.vision.models import model_versions
        with Store.from_config(self.config, self.state) as store:
            return store.save_session(patient_id, assessment, started_at=started_at, ended_at=ended_at,
                                      model_versions=model_versions(self.config.vision.model_dir,
                                                                    self.config.vision.landmark_model))

    def store_peak_frames(self, session_id: str, frames: dict) -> int:
        """Landmark overlays of the peak frames for the clinician report (camera.store_peak_frames)."""
        from kiosk.reports.overlay import store_peak_overlays
        return store_peak_overlays(frames, session_id, self.state, self.config.vision)

    def search_patients(self, text: str, limit: int = 6) -> list[Any]:
        """Patients whose code or name contains ``text`` (case-insensitive), newest first."""
        return self.store().search_patients(text, limit)

    def add_patient(self, code: str, name: str | None, birth_year: int | None) -> Any:
        return self.store().add_patient(code, name or None, birth_year)

    def sessions_for(self, patient_id: str, protocol: str | None = None) -> list[Any]:
        """The patient's sessions, oldest first; only those of ``protocol`` ("palsy", "parkinson") if given."""
        return self.store().sessions_for(patient_id, protocol)

    def write_report(self, session_id: str, view: str) -> Any:
        """Write (and print, when a printer is configured) a report; returns kiosk.reports.Delivery.
        Uses its own connection, so it can run in a worker job."""
        from kiosk.reports.delivery import default_report_path, write_report
        from kiosk.store import Store
        out = default_report_path(self.state, session_id, view)
        with Store.from_config(self.config, self.state) as store:
            return write_report(store, session_id, view, out, self.config, self.state)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
