"""Versioned JSON summary of one session, sent from the kiosk to the clinic (docs/wire-format.md#session-summary).

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
import math
import re
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 1
MAX_PAYLOAD_BYTES = 256 * 1024
#: Deepest nesting of JSON arrays/objects accepted (a real summary is 6 deep); checked on the
#: raw bytes before parsing, so a hostile message cannot exhaust the parser's recursion.
MAX_DEPTH = 32
DEFAULT_DISCLAIMER = ("Decision support, not a diagnosis: automated measures of facial symmetry "
                      "and speech, to be read by a clinician.")
#: Plausible session times: a kiosk clock before this (never set) or after (corrupt) is refused.
EARLIEST_SESSION = datetime(2020, 1, 1, tzinfo=timezone.utc)
LATEST_SESSION = datetime(2100, 1, 1, tzinfo=timezone.utc)
HB_NUMERALS = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}

_UUIDISH = r"^[A-Za-z0-9_-]{1,64}$"
_DEVICE = r"^[A-Za-z0-9_-]{1,64}$"
Side = Literal["left", "right", "none"]


class _Open(BaseModel):
    """Nested assessment parts: known keys typed, extra keys kept (owners may add fields).

    Ranges are what is arithmetically or physically possible, not what is plausible: a poor
    estimate still travels, an impossible value does not. A kiosk session that fails them
    cannot be saved (kiosk/store), so they stay at the bounds of the scoring arithmetic or
    of physics (mm, Hz, dB)."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)


class RegionMeasure(_Open):
    """One expression region: excursion per side (mm) or closure fraction (0..1) and symmetry ratio."""

    left_mm: float | None = Field(None, ge=0, le=1000, description="excursion or lid travel (mm)")
    right_mm: float | None = Field(None, ge=0, le=1000, description="excursion or lid travel (mm)")
    left_closure: float | None = Field(None, ge=0, le=1)
    right_closure: float | None = Field(None, ge=0, le=1)
    ratio: float | None = Field(None, ge=0, le=1, description="min(L, R) / max(L, R); 1.0 = symmetric")
    weaker_side: Side | None = None


class RestMeasure(_Open):
    """Left-right differences in the rest frame (mm)."""

    brow_height_diff_mm: float | None = Field(None, ge=-1000, le=1000)
    fissure_diff_mm: float | None = Field(None, ge=-1000, le=1000)
    commissure_height_diff_mm: float | None = Field(None, ge=-1000, le=1000)
    alar_diff_mm: float | None = Field(None, ge=-1000, le=1000)


class Sunnybrook(_Open):
    """Sunnybrook-style estimate: composite = voluntary - resting - synkinesis (docs/metrics.md)."""

    resting: float | None = Field(ge=0, le=20, description="5 x resting items (0..20)")
    voluntary: float | None = Field(ge=20, le=100, description="4 x five voluntary items of 1..5 (20..100)")
    synkinesis: float | None = Field(ge=0, le=15, description="five items of 0..3 (0..15)")
    composite: float | None = Field(ge=-15, le=100, description="Sunnybrook-style composite estimate "
                                    "(0..100 in practice; arithmetic minimum -15)")
    inputs: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _composite_adds_up(self) -> "Sunnybrook":
        parts = (self.voluntary, self.resting, self.synkinesis, self.composite)
        if None not in parts and abs(parts[0] - parts[1] - parts[2] - parts[3]) > 1e-6:  # type: ignore[operator]
            raise ValueError(f"composite {self.composite:g} != voluntary {self.voluntary:g} - resting "
                             f"{self.resting:g} - synkinesis {self.synkinesis:g}")
        return self


class HouseBrackmann(_Open):
    grade: int | None = Field(description="House-Brackmann estimate 1..6", ge=1, le=6)
    roman: str | None
    score_of_8: float | None = Field(None, ge=0, le=8)
    rules_applied: list[Any] | None = None
    inputs: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _numeral_matches(self) -> "HouseBrackmann":
        expected = HB_NUMERALS.get(self.grade) if self.grade is not None else None
        if self.roman != expected:
            raise ValueError(f"roman {self.roman!r} does not match grade {self.grade} (expected {expected!r})")
        return self


class StepStatus(_Open):
    status: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(None, max_length=4096)


class FacialPart(_Open):
    """Facial measures and scores (SessionAssessment.to_dict()["face"])."""

    mm_per_px: float | None = Field(gt=0, le=100, description="image scale (mm per pixel)")
    regions: dict[str, RegionMeasure | None] | None
    rest: RestMeasure | None
    affected_side: Side | None
    affected_side_confidence: float | None = Field(None, ge=0, le=1)
    sunnybrook: Sunnybrook | None
    house_brackmann: HouseBrackmann | None
    severity_class: str | None = Field(max_length=64)
    steps: dict[str, StepStatus] = Field(default_factory=dict)


class VoiceMeasures(_Open):
    mpt_s: float | None = Field(None, ge=0, le=600)
    f0_mean_hz: float | None = Field(None, ge=0, le=2000)
    f0_sd_hz: float | None = Field(None, ge=0, le=2000)
    jitter_local_pct: float | None = Field(None, ge=0, le=1000)
    shimmer_local_pct: float | None = Field(None, ge=0, le=1000)
    hnr_db: float | None = Field(None, ge=-200, le=200)
    cpps_db: float | None = Field(None, ge=-200, le=200)


class Intelligibility(_Open):
    phone_accuracy_pct: float | None = Field(None, ge=0, le=100)
    bilabial_accuracy_pct: float | None = Field(None, ge=0, le=100)
    speaking_rate_sps: float | None = Field(None, ge=0, le=50)


class SpeechPart(_Open):
    """Speech measures and scores (SessionAssessment.to_dict()["speech"])."""

    voice: VoiceMeasures | None
    ddk: dict[str, Any] | None
    intelligibility: Intelligibility | None
    clarity_score: float | None = Field(ge=0, le=100, description="Speech Clarity Score 0..100")
    msii: float | None = Field(ge=0, le=100, description="Motor-Speech Impairment Index 0..100 (0 = none)")
    inputs: dict[str, Any] | None = None
    steps: dict[str, StepStatus] = Field(default_factory=dict)


class DeclineFlag(BaseModel):
    """A clear drop of the composite against an earlier session of the same patient, worked out on the
    kiosk by kiosk.analytics.feedback (one rule with the screens and sheets). Staff should look at it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # -15..100 like Sunnybrook.composite: a negative composite is arithmetic, and a flag the schema
    # refuses would stop the kiosk from saving the session at all
    today_composite: float = Field(ge=-15, le=100, title="Sunnybrook-style composite of this session (-15..100)")
    drop_points: float = Field(gt=0, le=115, title="Composite points below the compared session")
    reference: Literal["previous", "first"] = Field(title="Which earlier session it is compared with")
    reference_composite: float = Field(ge=-15, le=100, title="Composite of the compared session")
    reference_at: AwareDatetime = Field(title="Start of the compared session (UTC)")
    previous_session_at: AwareDatetime = Field(title="Start of the patient's session before this one (UTC)")


class SessionSummary(BaseModel):
    """The message published on ``clinic/<device_id>/sessions/<session_id>`` (schema version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

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
    app_version: str = Field(min_length=1, max_length=64, title="Kiosk software version")
    disclaimer: str = Field(DEFAULT_DISCLAIMER, min_length=1, max_length=4096, title="What the scores are and are not")
    decline: DeclineFlag | None = Field(None, title="Set when the composite fell clearly since an earlier session")

    @field_validator("started_at", "finished_at")
    @classmethod
    def _plausible_time(cls, t: datetime) -> datetime:
        if not EARLIEST_SESSION <= t < LATEST_SESSION:
            raise ValueError(f"{t.isoformat()} is outside {EARLIEST_SESSION.year}..{LATEST_SESSION.year - 1}")
        return t

    @model_validator(mode="after")
    def _times_make_sense(self) -> "SessionSummary":
        if self.finished_at < self.started_at:
            raise ValueError(f"finished_at {self.finished_at.isoformat()} is before started_at "
                             f"{self.started_at.isoformat()}")
        return self


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
    timezone-aware datetimes or ISO-8601 strings with an offset. A non-finite number
    (NaN, inf) in the assessment is a value that could not be measured and becomes
    ``null``, as it would in the JSON. Raises :class:`SchemaError` when the assessment does
    not have the contracted shape or a value is out of range. The payload to store in the
    outbox is ``summary.model_dump_json()``; the clinic's :func:`parse_summary` accepts it. ``decline`` is
    ``DeclineFlag.to_dict()`` from kiosk.analytics.feedback when the composite fell clearly, else None.
    """
    data = {
        "schema_version": SCHEMA_VERSION, "session_id": str(session_id), "device_id": device_id,
        "patient_ref": patient_ref, "started_at": started_at, "finished_at": finished_at,
        "facial": _finite(assessment.get("face")), "speech": _finite(assessment.get("speech")),
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


def parse_summary(payload: bytes | str, *, max_bytes: int = MAX_PAYLOAD_BYTES,
                  max_depth: int = MAX_DEPTH) -> SessionSummary:
    """Validate a received payload; raise :class:`SchemaError` (and nothing else) with the reason.

    Size and nesting depth are checked on the raw bytes before anything is parsed. The JSON
    must be standard (no NaN/Infinity, no duplicate keys) and the fields are validated in
    strict mode (a score sent as a string is refused, not converted).

    Reasons: ``oversize: N bytes > M``, ``too_deep: nesting > D``, ``malformed_json: ...``,
    ``duplicate_key: K``, ``not_an_object``, ``unknown_schema_version: V``,
    ``invalid: field: problem; ...`` (the field path is named).
    """
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else bytes(payload)
    if len(raw) > max_bytes:
        raise SchemaError(f"oversize: {len(raw)} bytes > {max_bytes}")
    depth = json_depth(raw)
    if depth > max_depth:
        raise SchemaError(f"too_deep: nesting {depth} > {max_depth}")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_float=_finite_float)
    except SchemaError:
        raise
    except UnicodeDecodeError as e:
        raise SchemaError(f"malformed_json: not UTF-8 ({e.reason} at byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise SchemaError(f"malformed_json: {e}") from e
    except (ValueError, RecursionError) as e:    # e.g. an integer of more than 4300 digits
        raise SchemaError(f"malformed_json: {type(e).__name__}: {str(e)[:200]}") from e
    if not isinstance(data, dict):
        raise SchemaError("not_an_object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool) or not isinstance(version, int):
        raise SchemaError(f"unknown_schema_version: {version!r:.64}")
    bad = _first_unencodable(data) if _SURROGATE_ESCAPE.search(raw) else None   # only \uD800-\uDFFF can make one
    if bad is not None:
        raise SchemaError(f"malformed_json: text {bad!r:.64} is not valid Unicode (lone surrogate)")
    try:
        return SessionSummary.model_validate_json(text, strict=True)
    except ValidationError as e:
        raise SchemaError(f"invalid: {_describe(e)}") from e
    except RecursionError as e:     # unreachable below MAX_DEPTH; kept so nothing else escapes
        raise SchemaError("too_deep: validator recursion") from e


# Strings (with their escapes) and everything but brackets, removed before counting depth. The
# closing quote is optional, so every match succeeds and the scan is linear: with a required
# quote an unterminated string full of escaped quotes is retried from each one (quadratic:
# 13 s for 32 KB, measured), which would stall the receiver.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw: bytes) -> int:
    """Deepest nesting of arrays/objects in ``raw`` (brackets inside strings not counted).

    A cheap scanner, linear in the length, that never builds the parsed structure; malformed
    input gets a number too (the parser then refuses it)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", raw))
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=0))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise SchemaError(f"duplicate_key: {k!r:.64}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise SchemaError(f"malformed_json: {name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SchemaError(f"malformed_json: {text[:32]} overflows a double")
    return value


def _first_unencodable(value: Any) -> str | None:
    """The first string (key or value) that cannot be encoded as UTF-8 (a lone surrogate), else None."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return None


def _finite(value: Any) -> Any:
    """A copy of a JSON-like structure with NaN and infinities replaced by None (not measured)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _describe(e: ValidationError, limit: int = 5) -> str:
    errs = e.errors()
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in errs[:limit]]
    if len(errs) > limit:
        parts.append(f"... {len(errs) - limit} more")
    return "; ".join(parts)
