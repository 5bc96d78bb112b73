"""Parkinson's screening measures of one session, with their healthy references (docs/parkinson.md).

The one record every view reads (clinician screen, clinician PDF, patient sheet, wire summary,
clinic dashboard): tremor findings per site and a flat list of measures, each with its unit, the
step it came from and the reference it is judged against. Pure data and arithmetic; the
measurements themselves are made by kiosk.face.tremor / blink / hypomimia and kiosk.speech.prosody.

Screening measures of signs seen in Parkinson's disease (tremor, reduced facial expression,
hypokinetic speech), not a diagnosis: the signs are not specific (age, mood, medication, other
conditions), and the references are from small healthy samples, some provisional.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Domain = Literal["expression", "blink", "speech"]
Status = Literal["typical", "outside", "not_measured"]
TREMOR_SITES: tuple[str, ...] = ("head", "jaw", "hand_left", "hand_right")
NOTE = ("Screening measures of signs seen in Parkinson's disease (tremor, reduced facial expression, "
        "hypokinetic speech), not a diagnosis. They are not specific to Parkinson's; read them with the "
        "examination. References marked provisional are not yet sourced from healthy-volunteer tables.")


@dataclass(frozen=True)
class Reference:
    """A healthy reference: ``typical`` with the healthy range ``low``..``high`` (same unit as the
    measure). ``worse_when``: the direction of the sign ("low": reduced, "high": increased)."""

    typical: float
    low: float
    high: float
    worse_when: Literal["low", "high"]
    source: str
    provisional: bool

    def outside(self, value: float) -> bool:
        """True when ``value`` lies beyond the healthy range in the direction of the sign."""
        return value < self.low if self.worse_when == "low" else value > self.high


@dataclass(frozen=True)
class Measure:
    """One measure. ``key`` is stable across versions (trends and the wire use it), e.g.
    ``speech.f0_sd_st``; ``value`` None with a ``reason`` when it could not be measured."""

    key: str
    domain: Domain
    label: str
    value: float | None
    unit: str
    step: str
    reference: Reference | None = None
    reason: str | None = None

    @property
    def status(self) -> Status:
        if self.value is None:
            return "not_measured"
        if self.reference is not None and self.reference.outside(self.value):
            return "outside"
        return "typical"

    def to_dict(self) -> dict[str, Any]:
        ref = self.reference
        return {"key": self.key, "domain": self.domain, "label": self.label,
                "value": None if self.value is None else round(float(self.value), 3), "unit": self.unit,
                "step": self.step, "status": self.status, "reason": self.reason,
                "reference": None if ref is None else {
                    "typical": ref.typical, "low": ref.low, "high": ref.high, "worse_when": ref.worse_when,
                    "source": ref.source, "provisional": ref.provisional}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Measure":
        ref = d.get("reference")
        return cls(d["key"], d["domain"], d["label"], d.get("value"), d["unit"], d["step"],
                   None if ref is None else Reference(ref["typical"], ref["low"], ref["high"], ref["worse_when"],
                                                      ref["source"], bool(ref["provisional"])),
                   d.get("reason"))


@dataclass(frozen=True)
class TremorFinding:
    """Tremor at one site in one condition ("rest": sit_still / hands_lap, "postural": hands_up).
    ``detected`` None: not measured (``reason`` says why). Frequency (Hz) and amplitude (mm, image
    plane) are of the spectral peak in 3-12 Hz, reported even when no tremor is detected."""

    site: str
    condition: Literal["rest", "postural"]
    step: str
    detected: bool | None
    frequency_hz: float | None = None
    amplitude_mm: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        r = lambda v, n: None if v is None else round(float(v), n)  # noqa: E731
        return {"site": self.site, "condition": self.condition, "step": self.step, "detected": self.detected,
                "frequency_hz": r(self.frequency_hz, 2), "amplitude_mm": r(self.amplitude_mm, 3),
                "reason": self.reason}

    @classmethod
    def from_tremor(cls, site: str, condition: str, step: str, t: Any | None,
                    reason: str | None = None) -> "TremorFinding":
        """The finding of a :class:`kiosk.face.tremor.Tremor` ``t``. Not measured (``detected`` None)
        when ``t`` is None or has no spectral peak: the reason is the tremor's own, else ``reason``."""
        if t is None or t.frequency_hz is None:
            why = (t.reason if t is not None else None) or reason or "not measured"
            return cls(site, condition, step, None, reason=why)  # type: ignore[arg-type]
        return cls(site, condition, step, bool(t.detected), t.frequency_hz, t.amplitude_mm, t.reason)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TremorFinding":
        return cls(d["site"], d["condition"], d["step"], d.get("detected"), d.get("frequency_hz"),
                   d.get("amplitude_mm"), d.get("reason"))


@dataclass(frozen=True)
class ParkinsonSummary:
    """Everything the Parkinson's protocol measured in one session."""

    tremor: tuple[TremorFinding, ...] = ()
    measures: tuple[Measure, ...] = ()
    note: str = NOTE
    extra: dict[str, Any] = field(default_factory=dict)   # per-step detail (JSON-able), not on the wire

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)

    @property
    def outside(self) -> tuple[Measure, ...]:
        """Measures beyond their healthy range."""
        return tuple(m for m in self.measures if m.status == "outside")

    @property
    def tremor_detected(self) -> tuple[TremorFinding, ...]:
        return tuple(t for t in self.tremor if t.detected)

    def to_dict(self) -> dict[str, Any]:
        return {"tremor": [t.to_dict() for t in self.tremor], "measures": [m.to_dict() for m in self.measures],
                "note": self.note, "extra": self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ParkinsonSummary":
        return cls(tuple(TremorFinding.from_dict(t) for t in d.get("tremor") or ()),
                   tuple(Measure.from_dict(m) for m in d.get("measures") or ()), d.get("note") or NOTE,
                   dict(d.get("extra") or {}))


@dataclass(frozen=True)
class Change:
    """A measure against the same measure earlier: ``delta`` = now - before (measure's unit);
    ``worse``: True when it moved in the sign's direction by more than ``threshold``."""

    key: str
    before: float
    now: float
    delta: float
    worse: bool | None


def trend(now: ParkinsonSummary, before: ParkinsonSummary, threshold_sd: float = 0.5) -> dict[str, Change]:
    """Per measure key measured in both sessions, the change. A change counts as ``worse`` when it
    moves in the sign's direction by more than ``threshold_sd`` of the healthy range's half-width
    (measures without a reference: ``worse`` None)."""
    out: dict[str, Change] = {}
    for m in now.measures:
        b = before.measure(m.key)
        if m.value is None or b is None or b.value is None:
            continue
        delta = float(m.value) - float(b.value)
        worse = None
        if m.reference is not None:
            half = (m.reference.high - m.reference.low) / 2 or 1.0
            signed = -delta if m.reference.worse_when == "low" else delta
            worse = signed > threshold_sd * half
        out[m.key] = Change(m.key, float(b.value), float(m.value), delta, worse)
    return out
