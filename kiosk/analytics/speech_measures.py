"""Hypokinetic-speech measures as Parkinson's ``Measure`` records (docs/parkinson.md#hypokinetic-speech).

Pure: the ``measures`` of :func:`kiosk.speech.prosody.hypokinetic_summary` (value, unit, norm,
sd, source, provisional per key) in, one :class:`~kiosk.analytics.parkinson.Measure` per key
out, keyed ``speech.<key>``. The healthy range is the norm's typical value +- 2 SD (about 95 %
of healthy speakers if the measure is normally distributed); the direction of the sign, the
source and the provisional flag are carried over from ``kiosk.speech.prosody.NORMS``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.analytics.parkinson import Measure, Reference
from kiosk.speech.prosody import NORMS

RANGE_SD = 2.0
LABELS: dict[str, str] = {
    "f0_sd_st": "Pitch variation (F0 SD)",
    "intensity_sd_db": "Loudness variation (intensity SD)",
    "speech_rate_sps": "Speech rate",
    "pause_ratio_pct": "Pause ratio",
    "ddk_rate_sps": "Syllable repetition rate (DDK)",
    "ddk_cv_pct": "Syllable repetition regularity (DDK CV)",
}
#: The step(s) each measure comes from (hypokinetic_summary pools pitch and loudness over the
#: sentence and spontaneous speech; rates come from the sentence; DDK from /pataka/, else /pa/).
POOLED_STEPS = "sentence+spontaneous"
STEPS: dict[str, str] = {"speech_rate_sps": "sentence", "pause_ratio_pct": "sentence"}


def speech_reference(key: str) -> Reference:
    """The healthy range of prosody norm ``key`` (typical +- RANGE_SD SD, not below 0)."""
    n = NORMS[key]
    # every measure here is a non-negative quantity (st, dB, syll/s, %): the range starts at 0 at most
    return Reference(n.typical, round(max(0.0, n.typical - RANGE_SD * n.sd), 3), round(n.typical + RANGE_SD * n.sd, 3),
                     "low" if n.worse_when == "low" else "high", n.source, n.provisional)


def speech_measures(summary: Mapping[str, Any] | None, *, ddk_step: str = "ddk_pataka",
                    pitch_steps: str = POOLED_STEPS, reason: str = "not measured") -> tuple[Measure, ...]:
    """One Measure per prosody norm from ``hypokinetic_summary(...)`` (None: all not measured, with
    ``reason``). ``ddk_step``: the step the DDK measures came from; ``pitch_steps``: those the pitch and
    loudness SDs were pooled over."""
    items: Mapping[str, Any] = (summary or {}).get("measures") or {}
    out = []
    for key in NORMS:
        item = items.get(key) or {}
        value = item.get("value")
        step = ddk_step if key.startswith("ddk_") else STEPS.get(key, pitch_steps)
        why = None if value is not None else (reason if summary is None else f"not measured in {step}")
        out.append(Measure(f"speech.{key}", "speech", LABELS[key], None if value is None else float(value),
                           NORMS[key].unit, step, speech_reference(key), why))
    return tuple(out)
