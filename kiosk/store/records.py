"""Typed results returned by the store's repositories (frozen dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Patient:
    """A patient as the kiosk knows them: a clinic reference code, optionally a display name."""

    id: str
    code: str
    display_name: str | None
    birth_year: int | None
    created_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    """One stored assessment session; ``assessment`` is ``SessionAssessment.to_dict()``."""

    id: str
    patient_id: str
    started_at: datetime
    ended_at: datetime | None
    device_id: str
    status: str
    software_version: str
    model_versions: dict[str, str] = field(hash=False)
    assessment: dict[str, Any] = field(hash=False)

    @property
    def protocol(self) -> str:
        """"palsy" or "parkinson" (kiosk.protocol.steps.PROTOCOLS); sessions stored before the
        Parkinson's protocol existed have no "protocol" key and were palsy sessions."""
        return str(self.assessment.get("protocol") or "palsy")


@dataclass(frozen=True)
class StepRecord:
    """One task attempt and its quality verdict."""

    step: str
    kind: str            # "face" | "speech" | "video" (Parkinson's video steps)
    attempt: int
    status: str          # "ok", "missing", "rejected", ...
    reason: str | None
    frames_used: int | None
    frames_rejected: int | None


@dataclass(frozen=True)
class FaceMeasure:
    """Per-region measure: left/right values in ``unit`` and their symmetry ratio."""

    region: str
    measure: str
    left_value: float | None
    right_value: float | None
    value: float | None
    unit: str
    ratio: float | None
    weaker_side: str | None


@dataclass(frozen=True)
class SpeechMeasure:
    task: str
    measure: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class ScoreRecord:
    name: str
    value: float | None
    value_text: str | None
    inputs: dict[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class ReportRecord:
    id: str
    session_id: str
    view: str
    path: str
    created_at: datetime
    printer: str | None


