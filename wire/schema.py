"""Versioned JSON summary of one session, sent from the kiosk to the clinic (docs/wire-format.md#session-summary).

Schema versions 1 and 2 (docs/wire-format.md#versioning). Version 2 adds the session's
``protocol`` and its Parkinson's section (``parkinson``); the kiosk writes version 1 for a
palsy session, so a clinic that only knows version 1 keeps receiving those, and version 2
only when the session has Parkinson's data, which an old receiver dead-letters with
``unknown_schema_version: 2`` (and acks) instead of storing half of it. The same models
validate on both ends: the kiosk builds the summary with :func:`build_summary` (inside the
session's store transaction) and the clinic receiver checks every incoming payload with
:func:`parse_summary`, which raises :class:`SchemaError` with a short machine-readable reason
for the dead-letter table.

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

SCHEMA_VERSION = 1            # palsy sessions (readable by every receiver)
PARKINSON_SCHEMA_VERSION = 2  # sessions with a protocol other than palsy or a Parkinson's section
#: Versions this code reads; a receiver can be held to fewer (an old receiver knew only {1}).
SUPPORTED_VERSIONS: frozenset[int] = frozenset({1, 2})
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


class _Strict(BaseModel):
    """Parkinson's section parts: every key known, nothing added (the kiosk's ``extra`` detail stays home)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Units a Parkinson's measure may carry, with the value range physics allows in that unit
#: (not plausibility: a poor estimate travels, an impossible value does not).
PARKINSON_UNITS: dict[str, tuple[float, float]] = {
    "mm": (0, 1000), "mm/s": (0, 10_000), "%": (0, 1000), "Hz": (0, 100), "st": (0, 100),
    "dB": (-200, 200), "syll/s": (0, 50), "/min": (0, 600), "ms": (0, 60_000), "s": (0, 3600),
}
MEASURE_KEY = r"^(expression|blink|speech)(\.[a-z0-9_]{1,32}){1,3}$"
#: A step, or steps a measure was pooled over joined by "+" (e.g. ``sentence+spontaneous``).
STEP_NAME = r"^[a-z0-9_]{1,32}(\+[a-z0-9_]{1,32}){0,7}$"
#: Reference bounds are arithmetic (typical +- 2 SD may fall below 0): finite and ordered, nothing more.
REFERENCE_BOUND = 1e6
TREMOR_SITE = Literal["head", "jaw", "hand_left", "hand_right"]
MAX_TREMOR = 32       # 4 sites x 2 conditions x a few steps
MAX_MEASURES = 128    # ~40 in the protocol today
#: ``Measure.to_dict`` rounds the value to 3 decimals after its status was decided on the full value.
_ROUNDING = 0.0005 + 1e-9


class ParkinsonReference(_Strict):
    """A healthy reference in the measure's unit: ``typical`` inside ``low``..``high`` (a bound may lie
    outside the unit's physical range, e.g. a low bound of typical - 2 SD below 0)."""

    typical: float = Field(ge=-REFERENCE_BOUND, le=REFERENCE_BOUND)
    low: float = Field(ge=-REFERENCE_BOUND, le=REFERENCE_BOUND)
    high: float = Field(ge=-REFERENCE_BOUND, le=REFERENCE_BOUND)
    worse_when: Literal["low", "high"]
    source: str = Field(min_length=1, max_length=4096)
    provisional: bool

    @model_validator(mode="after")
    def _ordered(self) -> "ParkinsonReference":
        if not self.low <= self.typical <= self.high:
            raise ValueError(f"reference not ordered: low {self.low:g} <= typical {self.typical:g} "
                             f"<= high {self.high:g} expected")
        return self


class ParkinsonMeasure(_Strict):
    """One measure (kiosk.analytics.parkinson.Measure.to_dict()); ``key`` names it across sessions."""

    key: str = Field(pattern=MEASURE_KEY, max_length=100)
    domain: Literal["expression", "blink", "speech"]
    label: str = Field(min_length=1, max_length=200)
    value: float | None
    unit: str
    step: str = Field(pattern=STEP_NAME)
    status: Literal["typical", "outside", "not_measured"]
    reason: str | None = Field(None, max_length=4096)
    reference: ParkinsonReference | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ParkinsonMeasure":
        if self.key.split(".", 1)[0] != self.domain:
            raise ValueError(f"key {self.key!r} is not in domain {self.domain!r}")
        if self.unit not in PARKINSON_UNITS:
            raise ValueError(f"unit {self.unit!r:.32} is not one of {', '.join(PARKINSON_UNITS)}")
        lo, hi = PARKINSON_UNITS[self.unit]
        if self.value is not None and not lo <= self.value <= hi:
            raise ValueError(f"value {self.value:g} {self.unit} outside {lo:g}..{hi:g}")
        expected = measure_status(self.value, self.reference)
        if self.status not in expected:
            raise ValueError(f"status {self.status!r} does not match value {self.value} and its reference "
                             f"(expected {' or '.join(sorted(expected))})")
        return self


def measure_status(value: float | None, ref: ParkinsonReference | None) -> set[str]:
    """The statuses a (3-decimal rounded) ``value`` can have against ``ref``; both near a bound."""
    if value is None:
        return {"not_measured"}
    if ref is None:
        return {"typical"}
    beyond = (ref.low - value) if ref.worse_when == "low" else (value - ref.high)   # > 0: outside
    if beyond > _ROUNDING:
        return {"outside"}
    return {"typical"} if beyond < -_ROUNDING else {"typical", "outside"}


class TremorFindingPart(_Strict):
    """Tremor at one site in one condition (kiosk.analytics.parkinson.TremorFinding.to_dict());
    ``detected`` null = not measured; a detected tremor has its frequency and amplitude."""

    site: TREMOR_SITE
    condition: Literal["rest", "postural"]
    step: str = Field(pattern=STEP_NAME)
    detected: bool | None
    frequency_hz: float | None = Field(None, ge=0, le=100, description="spectral peak (Hz)")
    amplitude_mm: float | None = Field(None, ge=0, le=1000, description="peak amplitude, image plane (mm)")
    reason: str | None = Field(None, max_length=4096)

    @model_validator(mode="after")
    def _detected_has_numbers(self) -> "TremorFindingPart":
        if self.detected and (self.frequency_hz is None or self.amplitude_mm is None):
            raise ValueError("a detected tremor needs frequency_hz and amplitude_mm")
        return self


class ParkinsonPart(_Strict):
    """The Parkinson's section (kiosk.analytics.parkinson.ParkinsonSummary.to_dict() without ``extra``):
    screening measures, not a diagnosis; ``note`` says so and travels with them."""

    tremor: list[TremorFindingPart] = Field(max_length=MAX_TREMOR)
    measures: list[ParkinsonMeasure] = Field(max_length=MAX_MEASURES)
    note: str = Field(min_length=1, max_length=4096)

    @model_validator(mode="after")
    def _unique(self) -> "ParkinsonPart":
        keys = [m.key for m in self.measures]
        if len(set(keys)) != len(keys):
            raise ValueError(f"measure key {next(k for k in keys if keys.count(k) > 1)!r} appears twice")
        sites = [(t.site, t.condition, t.step) for t in self.tremor]
        if len(set(sites)) != len(sites):
            raise ValueError(f"tremor {'/'.join(next(s for s in sites if sites.count(s) > 1))} appears twice")
        return self


class SessionSummaryV2(SessionSummary):
    """Schema version 2: version 1 plus the session's ``protocol`` and its Parkinson's section."""

    schema_version: Literal[2] = Field(PARKINSON_SCHEMA_VERSION, title="Schema version")  # type: ignore[assignment]
    protocol: Literal["palsy", "parkinson"] = Field(title="Protocol the session ran")
    parkinson: ParkinsonPart | None = Field(None, title="Parkinson's screening measures; null when not measured")


_MODELS: dict[int, type[SessionSummary]] = {1: SessionSummary, 2: SessionSummaryV2}


def protocol_of(summary: SessionSummary) -> str:
    """``palsy`` or ``parkinson`` (a version-1 summary is a palsy session)."""
    return getattr(summary, "protocol", "palsy")


def parkinson_of(summary: SessionSummary) -> ParkinsonPart | None:
    return getattr(summary, "parkinson", None)


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

    Version 1 for a palsy session (``assessment["protocol"]`` missing or ``"palsy"`` and no
    ``assessment["parkinson"]``); otherwise version 2 with ``protocol`` and the Parkinson's section
    (``ParkinsonSummary.to_dict()``; its ``extra`` per-step detail is not sent).
    """
    protocol = assessment.get("protocol")
    pd = assessment.get("parkinson")
    version = SCHEMA_VERSION if protocol in (None, "palsy") and pd is None else PARKINSON_SCHEMA_VERSION
    data = {
        "schema_version": version, "session_id": str(session_id), "device_id": device_id,
        "patient_ref": patient_ref, "started_at": started_at, "finished_at": finished_at,
        "facial": _finite(assessment.get("face")), "speech": _finite(assessment.get("speech")),
        "missing_steps": assessment.get("missing_steps") or {},
        "model_versions": {str(k): str(v) for k, v in model_versions.items()},
        "app_version": app_version,
        "disclaimer": assessment.get("disclaimer") or DEFAULT_DISCLAIMER,
    }
    if decline is not None:
        data["decline"] = decline
    if version == PARKINSON_SCHEMA_VERSION:
        data["protocol"] = protocol if protocol is not None else "parkinson"
        data["parkinson"] = _parkinson_section(pd)
    try:
        return _MODELS[version].model_validate(data)
    except ValidationError as e:
        raise SchemaError(f"invalid: {_describe(e)}") from e


def parse_summary(payload: bytes | str, *, max_bytes: int = MAX_PAYLOAD_BYTES,
                  max_depth: int = MAX_DEPTH, versions: frozenset[int] = SUPPORTED_VERSIONS) -> SessionSummary:
    """Validate a received payload; raise :class:`SchemaError` (and nothing else) with the reason.

    Size and nesting depth are checked on the raw bytes before anything is parsed. The JSON
    must be standard (no NaN/Infinity, no duplicate keys) and the fields are validated in
    strict mode (a score sent as a string is refused, not converted). ``versions``: the schema
    versions accepted (a version-2 summary comes back as :class:`SessionSummaryV2`).

    Reasons: ``oversize: N bytes > M``, ``too_deep: nesting > D``, ``malformed_json: ...``,
    ``duplicate_key: K``, ``not_an_object``, ``unknown_schema_version: V`` (not in ``versions``),
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
    if isinstance(version, bool) or not isinstance(version, int) or version not in versions or version not in _MODELS:
        raise SchemaError(f"unknown_schema_version: {version!r:.64}")
    bad = _first_unencodable(data) if _SURROGATE_ESCAPE.search(raw) else None   # only \uD800-\uDFFF can make one
    if bad is not None:
        raise SchemaError(f"malformed_json: text {bad!r:.64} is not valid Unicode (lone surrogate)")
    try:
        return _MODELS[version].model_validate_json(text, strict=True)
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


def _parkinson_section(pd: Any) -> Any:
    """``ParkinsonSummary.to_dict()`` for the wire: without ``extra``; a non-finite value becomes
    null and its measure ``not_measured`` (as everywhere on the wire); other shapes pass to the
    validator, which says what is wrong."""
    if not isinstance(pd, dict):
        return pd
    out = _finite({k: v for k, v in pd.items() if k != "extra"})
    if isinstance(out.get("measures"), list):
        out["measures"] = [m | {"status": "not_measured"} if isinstance(m, dict) and "value" in m
                           and m["value"] is None else m for m in out["measures"]]
    return out


def _describe(e: ValidationError, limit: int = 5) -> str:
    errs = e.errors()
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in errs[:limit]]
    if len(errs) > limit:
        parts.append(f"... {len(errs) - limit} more")
    return "; ".join(parts)
