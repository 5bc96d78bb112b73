"""Everything a report shows, gathered from the store in one place (the only I/O before drawing)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.analytics import PatientHistory, history
from kiosk.analytics.parkinson_view import ParkinsonContext, context
from kiosk.protocol.steps import FACE_STEPS
from kiosk.store import Patient, SessionRecord, StepRecord, Store


@dataclass(frozen=True)
class ReportData:
    """The session reported on, its patient, its step verdicts and the patient's history up to it."""

    patient: Patient
    session: SessionRecord
    steps: tuple[StepRecord, ...]
    history: PatientHistory            # sessions up to and including this one
    clinic_name: str
    peak_frames: dict[str, Path] = field(default_factory=dict, hash=False)   # expression -> overlay image
    sessions: tuple[SessionRecord, ...] = field(default=(), hash=False)    # up to and including this one

    @property
    def parkinson(self) -> ParkinsonContext | None:
        """The Parkinson's section with its trend context, or None (kiosk.analytics.parkinson_view)."""
        s = self.session
        earlier = tuple(e for e in self.sessions if e.id != s.id and e.started_at <= s.started_at)
        return context(earlier + (s,))

    @property
    def face(self) -> dict[str, Any]:
        return self.session.assessment.get("face") or {}

    @property
    def speech(self) -> dict[str, Any]:
        return self.session.assessment.get("speech") or {}


def peak_frame_dir(state_dir: Path, session_id: str) -> Path:
    """Where peak-frame overlays of a session are kept when ``camera.store_peak_frames`` is on."""
    return Path(state_dir) / "peak_frames" / session_id


def gather(store: Store, session_id: str, clinic_name: str, state_dir: Path | None = None) -> ReportData:
    """Load a session, its patient, steps, earlier sessions and any stored peak-frame overlays."""
    session = store.get_session(session_id)
    patient = store.get_patient(session.patient_id)
    earlier = [s for s in store.sessions_for(patient.id) if s.started_at <= session.started_at]
    frames: dict[str, Path] = {}
    if state_dir is not None:
        folder = peak_frame_dir(state_dir, session_id)
        if folder.is_dir():
            order = FACE_STEPS
            found = [p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")]
            found.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
            frames = {p.stem: p for p in found}
    return ReportData(patient, session, tuple(store.steps(session_id)), history(earlier), clinic_name, frames,
                      tuple(earlier))
