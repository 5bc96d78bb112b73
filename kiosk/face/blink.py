"""Spontaneous blinks at rest from the eyelid opening over time (docs/metrics.md#blinks).

Pure maths on arrays. Input: the palpebral fissure (upper-to-lower lid distance at mid-eye, mm;
from the iris model's eye contour, :func:`kiosk.vision.eyelids.contour_fissure_px`) per frame,
averaged over both eyes, at ``fps`` frames per second.

A blink is a run of frames where the opening falls below the closure level and lasts at most
``MAX_BLINK_S``; one frame is enough (at 30 frames/s a fast blink may close the eye in a
single frame). Longer closures are counted apart (eyes shut, not a blink). The open-eye level
is the series' 80th percentile (most of the time the eyes are open). The closure level is half
way down the deepest dip seen, and never below ``CLOSED_FRACTION`` of the open level: the iris
model's lid contour does not always follow the lids all the way down (on two of five real
faces a 95 % synthetic closure narrowed the contour only to 62-67 % of the open level, and a fixed half-open level
missed every blink, docs/validation.md#blinks). A dip shallower than ``MIN_DIP_FRACTION`` of
the open level is no closure at all (still eyes dip at most 9 % on the same faces). Its
duration is the time below that level, with the crossings interpolated between frames (full
width at half the seen closure), so it does not depend on the frame rate.

Reading the numbers: healthy adults at rest blink about 17 times a minute, with a wide spread
between people (4.5-32 /min) [Bentivoglio 1997]; the rate falls in Parkinson's disease
[Karson 1983] but studies disagree on how much, and talking or reading changes it, so the rate
is reported and not weighted into any score. A blink lasts about 100-400 ms [Caffier 2003].

References
----------
Bentivoglio AR et al. Analysis of blink rate patterns in normal subjects. Mov Disord
1997;12:1028-34.
Karson CN. Spontaneous eye-blink rates and dopaminergic systems. Brain 1983;106:643-53.
Caffier PP, Erdmann U, Ullsperger P. Experimental evaluation of eye-blink parameters as a
drowsiness measure. Eur J Appl Physiol 2003;89:319-25.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLOSED_FRACTION = 0.5      # the closure level is never below this fraction of the open level
MIN_DIP_FRACTION = 0.2     # a dip shallower than this fraction of the open level closes nothing
MAX_BLINK_S = 1.0
OPEN_PERCENTILE = 80.0
NORM_RATE_PER_MIN = (17.0, 4.5, 32.0)     # mean, range at rest [Bentivoglio 1997]


@dataclass(frozen=True)
class Blinks:
    """Blinks in one recording. rate_per_min over the seconds analysed; durations in ms."""

    count: int
    rate_per_min: float | None
    mean_duration_ms: float | None
    durations_ms: tuple[float, ...]
    long_closures: int
    seconds: float
    open_mm: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"count": self.count, "rate_per_min": None if self.rate_per_min is None else round(self.rate_per_min, 1),
                "mean_duration_ms": None if self.mean_duration_ms is None else round(self.mean_duration_ms),
                "long_closures": self.long_closures, "seconds": round(self.seconds, 1),
                "open_mm": None if self.open_mm is None else round(self.open_mm, 2),
                "norm_rate_per_min": {"mean": NORM_RATE_PER_MIN[0], "range": list(NORM_RATE_PER_MIN[1:]),
                                      "source": "Bentivoglio 1997 (healthy adults at rest)"},
                "reason": self.reason}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs (end exclusive) of the True runs of ``mask``."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _crossing(x: np.ndarray, i: int, j: int, level: float) -> float:
    """Fractional index where x crosses ``level`` between samples i and j (linear)."""
    if not (0 <= i < len(x) and 0 <= j < len(x)) or x[i] == x[j]:
        return float(j)
    return i + (level - x[i]) / (x[j] - x[i]) * (j - i)


def closure_level(opening_mm: np.ndarray, open_mm: float) -> float:
    """The opening (mm) below which the lids count as closing: half way down the deepest dip, at
    least ``CLOSED_FRACTION`` of the open level; the open level itself when no dip is deep enough."""
    depth = open_mm - float(np.min(opening_mm))
    if depth < MIN_DIP_FRACTION * open_mm:
        return CLOSED_FRACTION * open_mm          # nothing dips that far: no blink
    return max(CLOSED_FRACTION * open_mm, open_mm - 0.5 * depth)


def detect_blinks(opening_mm: np.ndarray, fps: float) -> Blinks:
    """Blinks in a lid-opening series (mm per frame, NaN where the eyes were not seen)."""
    x = np.asarray(opening_mm, dtype=np.float64)
    seconds = len(x) / fps
    seen = np.isfinite(x)
    if seen.mean() < 0.9 or seconds < 5.0:
        why = "shorter than 5 s" if seconds < 5.0 else f"eyes seen in only {100 * seen.mean():.0f} % of frames"
        return Blinks(0, None, None, (), 0, seconds, None, why)
    if not seen.all():
        t = np.arange(len(x))
        x = np.interp(t, t[seen], x[seen])
    open_mm = float(np.percentile(x, OPEN_PERCENTILE))
    if open_mm <= 0:
        return Blinks(0, None, None, (), 0, seconds, open_mm, "eyes closed throughout")
    half = closure_level(x, open_mm)
    durations, long_closures = [], 0
    for a, b in _runs(x < half):
        start = _crossing(x, a - 1, a, half)
        end = _crossing(x, b - 1, b, half) if b < len(x) else float(b)
        dur = (end - start) / fps
        if dur > MAX_BLINK_S:
            long_closures += 1
        else:
            durations.append(1000.0 * max(dur, 1.0 / fps))
    n = len(durations)
    return Blinks(n, 60.0 * n / seconds, float(np.mean(durations)) if n else None, tuple(durations),
                  long_closures, seconds, open_mm)
