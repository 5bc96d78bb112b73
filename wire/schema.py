"""Versioned JSON summary of one session, sent from the kiosk to the clinic (DESIGN.md section 8).

Schema version 1. The same models validate on both ends: the kiosk builds the summary
with :func:`build_summary` (inside the session's store transaction) and the clinic
receiver checks every incoming payload with :func:`parse_summary`, which raises
:class:`SchemaError` with a short machine-readable reason for the dead-letter table.

The facial and speech parts mirror ``SessionAssessment.to_dict()`` (docs/contracts.md).
Their keys must be present and of the right type, but any measure may be ``null``
(a step that could not be measured); assessment owners may add fields, which pass
through unchanged. The top-level envelope forbids unknown keys.

The summary carries measures and automated estimates for decision support; it is not
a diagnosis, and the ``disclaimer`` field travels with every message.
"""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 256 * 1024
DEFAULT_DISCLAIMER = ("Decision support, not a diagnosis: automated measures of facial symmetry "
                      "and speech, to be read by a clinician.")

_UUIDISH = r"^[A-Za-z0-9_-]{1,64}$"
_DEVICE = r"^[A-Za-z0-9_-]{1,64}$"
Side = Literal["left", "right", "none"]


class _Open(BaseModel):
    """Nested assessment parts: known keys typed, extra keys kept (owners may add fields)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class RegionMeasure(_Open):
    """One expression region: excursion per side (mm) or closure fraction (0..1) and symmetry ratio."""

    left_mm: float | None = None
    right_mm: float | None = None
    left_closure: float | None = None
    right_closure: float | None = None
    ratio: float | None = Field(None, ge=0, le=1, description="min(L, R) / max(L, R); 1.0 = symmetric")
    weaker_side: Side | None = None


class RestMeasure(_Open):
    """Left-right differences in the rest frame (mm)."""

    brow_height_diff_mm: float | None = None
    fissure_diff_mm: float | None = None
    commissure_height_diff_mm: float | None = None
    alar_diff_mm: float | None = None


class Sunnybrook(_Open):
    resting: float | None
    voluntary: float | None
    synkinesis: float | None
    composite: float | None = Field(description="Sunnybrook-style composite estimate (0..100)")
    inputs: dict[str, Any] | None = None


class HouseBrackmann(_Open):
    grade: int | None = Field(description="House-Brackmann estimate 1..6", ge=1, le=6)
    roman: str | None
    score_of_8: float | None = None
    rules_applied: list[Any] | None = None
    inputs: dict[str, Any] | None = None


class StepStatus(_Open):
    status: str
    reason: str | None = None


class FacialPart(_Open):
    """Facial measures and scores (SessionAssessment.to_dict()["face"])."""

    mm_per_px: float | None
    regions: dict[str, RegionMeasure | None] | None
    rest: RestMeasure | None
    affected_side: Side | None
    affected_side_confidence: float | None = None
    sunnybrook: Sunnybrook | None
    house_brackmann: HouseBrackmann | None
    severity_class: str | None
    steps: dict[str, StepStatus] = Field(default_factory=dict)


class VoiceMeasures(_Open):
    mpt_s: float | None = None
    f0_mean_hz: float | None = None
    f0_sd_hz: float | None = None
    jitter_local_pct: float | None = None
    shimmer_local_pct: float | None = None
    hnr_db: float | None = None
    cpps_db: float | None = None


class Intelligibility(_Open):
    phone_accuracy_pct: float | None = None
    bilabial_accuracy_pct: float | None = None
    speaking_rate_sps: float | None = None


class SpeechPart(_Open):
    """Speech measures and scores (SessionAssessment.to_dict()["speech"])."""

    voice: VoiceMeasures | None
    ddk: dict[str, Any] | None
    intelligibility: Intelligibility | None
    clarity_score: float | None = Field(description="Speech Clarity Score 0..100")
    msii: float | None = Field(description="Motor-Speech Impairment Index 0..100 (0 = none)")
    inputs: dict[str, Any] | None = None
    steps: dict[str, StepStatus] = Field(default_factory=dict)


class DeclineFlag(BaseModel):
    """A clear drop of the composite against an earlier session of the same patient, worked out on the
    kiosk by kiosk.analytics.feedback (one rule with the screens and sheets). Staff should look at it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    today_composite: float = Field(ge=0, le=100, title="Sunnybrook-style composite of this session (0..100)")
    drop_points: float = Field(gt=0, le=100, title="Composite points below the compared session")
    reference: Literal["previous", "first"] = Field(title="Which earlier session it is compared with")
    reference_composite: float = Field(ge=0, le=100, title="Composite of the compared session")
    reference_at: AwareDatetime = Field(title="Start of the compared session (UTC)")
    previous_session_at: AwareDatetime = Field(title="Start of the patient's session before this one (UTC)")


class SessionSummary(BaseModel):
    """The message published on ``clinic/<device_id>/sessions/<session_id>`` (schema version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = Field(SCHEMA_VERSION, title="Schema version")
    session_id: str = Field(pattern=_UUIDISH, title="Session id (UUID)")
    device_id: str = Field(pattern=_DEVICE, title="Kiosk device id")
    patient_ref: str = Field(min_length=1, max_length=128, title="Patient identifier (clinic reference)")
    started_at: AwareDatetime = Field(title="Session start (UTC)")
    finished_at: AwareDatetime = Field(title="Session end (UTC)")
    facial: FacialPart | None = Field(title="Facial measures and scores; null when the face part was not done")
    speech: SpeechPart | None = Field(title="Speech measures and scores; null when the speech part was not done")
    missing_steps: dict[str, str] = Field(default_factory=dict, title="Step name -> why it is missing")
    model_versions: dict[str, str] = Field(default_factory=dict, title="Model file -> version or sha256")
    app_version: str = Field(min_length=1, title="Kiosk software version")
    disclaimer: str = Field(DEFAULT_DISCLAIMER, min_length=1, title="What the scores are and are not")
    decline: DeclineFlag | None = Field(None, title="Set when the composite fell clearly since an earlier session")


class SchemaError(ValueError):
    """A payload is not a valid summary. ``reason`` is short and stored in the dead-letter table."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def build_summary(*, session_id: str, device_id: str, patient_ref: str, started_at: Any, finished_at: Any,
                  assessment: dict[str, Any], model_versions: dict[str, str], app_version: str,
                  decline: dict[str, Any] | None = None) -> SessionSummary:
    """Build and validate the summary of one stored session.

    ``assessment`` is ``SessionAssessment.to_dict()``; ``started_at``/``finished_at`` are
    timezone-aware datetimes or ISO-8601 strings with an offset. Raises :class:`SchemaError`
    when the assessment does not have the contracted shape. The payload to store in the
    outbox is ``summary.model_dump_json()``. ``decline`` is ``DeclineFlag.to_dict()`` from
    kiosk.analytics.feedback when the composite fell clearly, else None.
    """
    data = {
        "schema_version": SCHEMA_VERSION, "session_id": str(session_id), "device_id": device_id,
        "patient_ref": patient_ref, "started_at": started_at, "finished_at": finished_at,
        "facial": assessment.get("face"), "speech": assessment.get("speech"),
        "missing_steps": assessment.get("missing_steps") or {},
        "model_versions": {str(k): str(v) for k, v in model_versions.items()},
        "app_version": app_version,
        "disclaimer": assessment.get("disclaimer") or DEFAULT_DISCLAIMER,
    }
    if decline is not None:
        data["decline"] = decline
    try:
        return SessionSummary.model_validate(data)
    except ValidationError as e:
        raise SchemaError(f"invalid: {_describe(e)}") from e


def parse_summary(payload: bytes | str, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> SessionSummary:
    """Validate a received payload; raise :class:`SchemaError` with the reason.

    Reasons: ``oversize: N bytes > M``, ``malformed_json: ...``, ``not_an_object``,
    ``unknown_schema_version: V``, ``invalid: field: problem; ...``.
    """
    raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if len(raw) > max_bytes:
        raise SchemaError(f"oversize: {len(raw)} bytes > {max_bytes}")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SchemaError(f"malformed_json: {e}") from e
    if not isinstance(data, dict):
        raise SchemaError("not_an_object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise SchemaError(f"unknown_schema_version: {version!r}")
    try:
        return SessionSummary.model_validate(data)
    except ValidationError as e:
        raise SchemaError(f"invalid: {_describe(e)}") from e


def _describe(e: ValidationError, limit: int = 5) -> str:
    errs = e.errors()
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in errs[:limit]]
    if len(errs) > limit:
        parts.append(f"... {len(errs) - limit} more")
    return "; ".join(parts)
