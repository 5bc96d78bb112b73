"""Parkinson's sessions in a known state, for the screenshots and the view tests.

``showcase_summary(week)`` builds a ParkinsonSummary through the real dataclasses: jaw rest tremor
that grows week by week, expression and speech measures that drift in the direction of the sign.
Speech references are the kiosk's (kiosk.speech.prosody.NORMS, typical +- 1 SD); the expression and
blink references here are placeholders marked provisional ("showcase reference"): the screens are
shown with them, they are not clinical data and carry no meaning about any person.
"""
from __future__ import annotations

from typing import Any

from kiosk.analytics.parkinson import Measure, ParkinsonSummary, Reference, TremorFinding

SHOWCASE_SOURCE = "showcase reference (not clinical)"
_REGIONS = (("brow", "Brow raise", "brow_raise", 8.0), ("smile", "Smile", "smile", 10.0),
            ("snarl", "Nose wrinkle", "snarl", 5.0), ("pucker", "Lip pucker", "pucker", 6.0))


def _speech_reference(key: str) -> Reference:
    from kiosk.speech.prosody import NORMS
    n = NORMS[key]
    return Reference(n.typical, round(n.typical - n.sd, 3), round(n.typical + n.sd, 3), n.worse_when, n.source,
                     n.provisional)


def showcase_summary(week: int = 0, *, hands: bool = True) -> ParkinsonSummary:
    """Week ``week`` (0 = first) of a showcase course; ``hands`` False: the hands were not in view."""
    w = float(week)
    tremor = [TremorFinding("head", "rest", "sit_still", False, 4.4, 0.08),
              TremorFinding("jaw", "rest", "sit_still", True, 5.2, round(0.45 + 0.1 * w, 3))]
    for side in ("left", "right"):
        right = side == "right"          # a one-sided rest tremor: the left hand shows only the noise floor
        for cond, step, found, hz, amp in (("rest", "hands_lap", right, 4.8 if right else 7.3,
                                            1.6 + 0.2 * w if right else 0.06),
                                           ("postural", "hands_up", False, 6.9, 0.05)):
            tremor.append(TremorFinding(f"hand_{side}", cond, step, found, hz, round(amp, 3)) if hands else
                          TremorFinding(f"hand_{side}", cond, step, None, reason="hands not in view"))
    measures: list[Measure] = []
    for region, label, step, typical in _REGIONS:
        ref = Reference(typical, round(0.6 * typical, 2), round(1.4 * typical, 2), "low", SHOWCASE_SOURCE, True)
        for side, k in (("right", 0.62), ("left", 0.70)):
            measures.append(Measure(f"expression.{region}.{side}", "expression", f"{label}, {side} side",
                                    round(typical * (k - 0.03 * w), 2), "mm", step, ref))
    measures.append(Measure("expression.spontaneous_mm_s", "expression", "Spontaneous expressivity",
                            round(2.4 - 0.5 * w, 2), "mm/s", "spontaneous",
                            Reference(4.0, 2.5, 6.0, "low", SHOWCASE_SOURCE, True)))
    measures.append(Measure("blink.rate_per_min", "blink", "Blink rate", round(11.0 - 0.5 * w, 1), "/min",
                            "sit_still", Reference(15.6, 8.0, 24.0, "low", SHOWCASE_SOURCE, True)))
    measures.append(Measure("blink.duration_ms", "blink", "Blink duration", None, "ms", "sit_still",
                            Reference(250.0, 150.0, 400.0, "high", SHOWCASE_SOURCE, True),
                            reason="too few blinks to time"))
    for key, label, step, value in (("f0_sd_st", "Pitch variation (F0 SD)", "spontaneous", 1.9 - 0.25 * w),
                                    ("intensity_sd_db", "Loudness variation (intensity SD)", "spontaneous",
                                     5.5 - 0.2 * w),
                                    ("speech_rate_sps", "Speech rate", "spontaneous", 4.3),
                                    ("pause_ratio_pct", "Pause ratio", "spontaneous", 21.0 + 1.5 * w),
                                    ("ddk_rate_sps", "DDK rate /pataka/", "ddk_pataka", 5.9 - 0.1 * w),
                                    ("ddk_cv_pct", "DDK rhythm variation (CV)", "ddk_pataka", 9.0 + 1.0 * w)):
        from kiosk.speech.prosody import NORMS
        measures.append(Measure(f"speech.{key}", "speech", label, round(value, 2), NORMS[key].unit, step,
                                _speech_reference(key)))
    return ParkinsonSummary(tuple(tremor), tuple(measures))


def showcase_assessment(base: dict[str, Any], week: int = 0, **kw: Any) -> dict[str, Any]:
    """``base`` (a palsy-shaped assessment: the Parkinson's protocol runs the palsy steps too) with the
    Parkinson's protocol and its summary added, as SessionAssessment.to_dict() stores them."""
    return {**base, "protocol": "parkinson", "parkinson": showcase_summary(week, **kw).to_dict()}
