"""Peak-frame selection for an expression clip (pure functions).

The peak frame of an expression is the frame, among those that pass the vision quality
gate, where the expression's region has moved most from rest (docs/metrics.md#rest-and-peak-frames).
Rejected frames are counted by their quality code ("no_face", "turned", "too_dark", ...)
so the clinician and the nurse can see why a step had few usable frames.

The rest reference of a rest clip is its medoid: the accepted frame closest to the
per-landmark median of all accepted frames (robust to a blink or a twitch).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kiosk.face.metrics import FaceFrame, group_position_mm, palpebral_fissure_mm
from kiosk.face.symmetry import EYE_REGIONS, MOVEMENT_REGIONS

STEP_REGION = {step: region for region, (step, _) in MOVEMENT_REGIONS.items()}
STEP_REGION.update({step: region for region, step in EYE_REGIONS.items()})


@dataclass(frozen=True)
class PeakSelection:
    """Which frame of a clip to use and how many frames were rejected, by reason code.

    index: position in the clip (None when no frame passed); movement_mm: the region's
    movement from rest in that frame (mm, summed over both sides).
    """

    index: int | None
    movement_mm: float
    frames_total: int
    frames_used: int
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def frames_rejected(self) -> int:
        return self.frames_total - self.frames_used


def region_movement_mm(rest: FaceFrame, frame: FaceFrame, step: str) -> float:
    """Movement (mm, both sides summed) of ``step``'s region from rest.

    Eye steps use mesh lid travel (fast, monotonic with closure, enough to rank frames).
    """
    region = STEP_REGION[step]
    if region in EYE_REGIONS:
        return sum(max(palpebral_fissure_mm(rest, s) - palpebral_fissure_mm(frame, s), 0.0)
                   for s in ("right", "left"))
    groups = MOVEMENT_REGIONS[region][1]
    return float(sum(np.linalg.norm(group_position_mm(frame, groups, s) - group_position_mm(rest, groups, s))
                     for s in ("right", "left")))


def select_peak(movements: list[float | None], reject_codes: list[str | None]) -> PeakSelection:
    """Peak = the accepted frame (movement not None) with the largest movement.

    movements[i] is None for a frame rejected by the quality gate; reject_codes[i] is
    its quality code (None for accepted frames).
    """
    if len(movements) != len(reject_codes):
        raise ValueError("movements and reject_codes must have the same length")
    accepted = [(m, i) for i, m in enumerate(movements) if m is not None]
    rejected = Counter(c or "unknown" for m, c in zip(movements, reject_codes) if m is None)
    if not accepted:
        return PeakSelection(None, 0.0, len(movements), 0, dict(rejected))
    best_m, best_i = max(accepted)
    return PeakSelection(best_i, float(best_m), len(movements), len(accepted), dict(rejected))


def select_rest(frames: list[FaceFrame]) -> int:
    """Index of the medoid frame: closest (mean point distance) to the median landmarks."""
    if not frames:
        raise ValueError("no accepted rest frames")
    stack = np.stack([f.points_mm for f in frames])
    median = np.median(stack, axis=0)
    return int(np.argmin(np.linalg.norm(stack - median, axis=2).mean(axis=1)))

