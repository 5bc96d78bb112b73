"""Synthetic blinks on a real face, with known truth (docs/validation.md): a rest video whose
lids close and reopen at chosen times, made from the synthetic face's eye-closure warp
(:func:`kiosk.demo.synthetic_face.expression_image`) at graded closure levels.

The warp slides the upper lid down to 95 % of the fissure at the peak (gentle closure), so a
blink never closes the eye fully: the time below half the open level is 0.483 of a blink's
duration (:func:`half_open_fraction`), not the 0.5 of a full closure."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

LEVELS = 11        # closure images 0, 0.1 .. 1.0 of the full warp


@lru_cache(maxsize=4)
def closure_images(face: str = "astronaut", symmetric: bool = True) -> tuple[np.ndarray, ...]:
    """The face at closure 0, 0.1 .. 1.0 of the warp (RGB uint8), ``LEVELS`` images."""
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image
    spec = SyntheticSpec(symmetric=symmetric, face=face)
    return tuple(expression_image("eye_close_gentle", spec, fraction=k / (LEVELS - 1)) for k in range(LEVELS))


def _durations(starts_s: Sequence[float], duration_s: float | Sequence[float]) -> list[float]:
    if isinstance(duration_s, (int, float)):
        return [float(duration_s)] * len(starts_s)
    if len(duration_s) != len(starts_s):
        raise ValueError(f"{len(duration_s)} durations for {len(starts_s)} blinks")
    return [float(d) for d in duration_s]


def blink_profile(t_s: np.ndarray, starts_s: Sequence[float], duration_s: float | Sequence[float] = 0.25) -> np.ndarray:
    """Closure 0..1 over time: each blink is a raised-cosine pulse of ``duration_s`` (closing and
    reopening; one value, or one per blink) starting at each of ``starts_s``; its width at half
    closure is half its duration."""
    c = np.zeros_like(t_s, dtype=np.float64)
    for s, d in zip(starts_s, _durations(starts_s, duration_s)):
        u = (t_s - s) / d
        inside = (u >= 0) & (u <= 1)
        c[inside] = np.maximum(c[inside], 0.5 - 0.5 * np.cos(2 * np.pi * u[inside]))
    return c


def half_open_fraction(peak_closure: float = 0.95) -> float:
    """Fraction of a raised-cosine blink's duration spent below half the open level when the lid
    closes ``peak_closure`` of the fissure at the peak (0.483 for the warp's 0.95)."""
    c = 0.5 / peak_closure           # closure level that leaves half the opening
    return float(1.0 - np.arccos(1.0 - 2.0 * c) / np.pi)


def blink_video(seconds: float, fps: float, starts_s: Sequence[float], duration_s: float | Sequence[float] = 0.25,
                noise_sd: float = 1.5, seed: int = 0, face: str = "astronaut",
                symmetric: bool = True) -> list[np.ndarray]:
    """Frames (RGB uint8) of a real face (kiosk.demo.real_faces; mirrored symmetric by default,
    else the photo as it is) at rest, blinking at ``starts_s`` for ``duration_s`` each."""
    imgs = closure_images(face, symmetric)
    t = np.arange(int(round(seconds * fps))) / fps
    closure = blink_profile(t, starts_s, duration_s)
    rng = np.random.default_rng(seed)
    frames = []
    for c in closure:
        f = imgs[int(round(c * (LEVELS - 1)))].astype(np.int16)
        f = f + rng.integers(-int(2 * noise_sd), int(2 * noise_sd) + 1, size=f.shape, dtype=np.int16)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    return frames


def blink_schedule(rate_per_min: float, seconds: float, seed: int = 0,
                   duration_range_s: tuple[float, float] = (0.1, 0.4)) -> tuple[list[float], list[float]]:
    """(start times s, durations s) of blinks at ``rate_per_min`` over ``seconds``: evenly spaced
    with +-25 % jitter, durations drawn uniformly from ``duration_range_s`` (healthy blinks last
    about 100-400 ms, Caffier 2003)."""
    rng = np.random.default_rng(seed)
    gap = 60.0 / rate_per_min
    n = int(round(seconds * rate_per_min / 60.0))
    starts = [(k + 0.5) * gap + rng.uniform(-0.25, 0.25) * gap for k in range(n)]
    durations = [float(rng.uniform(*duration_range_s)) for _ in range(n)]
    keep = [(s, d) for s, d in zip(starts, durations) if 0.0 <= s and s + d <= seconds]
    return [s for s, _ in keep], [d for _, d in keep]
