"""Synthetic blinks on a real face, with known truth (docs/validation.md): a rest video whose
lids close and reopen at chosen times, made from the synthetic face's eye-closure warp
(:func:`kiosk.demo.synthetic_face.expression_image`) at graded closure levels."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

LEVELS = 11        # closure images 0, 0.1 .. 1.0 of the full warp


@lru_cache(maxsize=1)
def _closure_images() -> tuple[np.ndarray, ...]:
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image
    spec = SyntheticSpec()
    return tuple(expression_image("eye_close_gentle", spec, fraction=k / (LEVELS - 1)) for k in range(LEVELS))


def blink_profile(t_s: np.ndarray, starts_s: list[float], duration_s: float = 0.25) -> np.ndarray:
    """Closure 0..1 over time: each blink is a raised-cosine pulse of ``duration_s`` (closing and
    reopening) starting at each of ``starts_s``; its width at half closure is ``duration_s / 2``."""
    c = np.zeros_like(t_s, dtype=np.float64)
    for s in starts_s:
        u = (t_s - s) / duration_s
        inside = (u >= 0) & (u <= 1)
        c[inside] = np.maximum(c[inside], 0.5 - 0.5 * np.cos(2 * np.pi * u[inside]))
    return c


def blink_video(seconds: float, fps: float, starts_s: list[float], duration_s: float = 0.25,
                noise_sd: float = 1.5, seed: int = 0) -> list[np.ndarray]:
    """Frames (RGB uint8) of the healthy synthetic face at rest, blinking at ``starts_s``."""
    imgs = _closure_images()
    t = np.arange(int(round(seconds * fps))) / fps
    closure = blink_profile(t, starts_s, duration_s)
    rng = np.random.default_rng(seed)
    frames = []
    for c in closure:
        f = imgs[int(round(c * (LEVELS - 1)))].astype(np.int16)
        f = f + rng.integers(-int(2 * noise_sd), int(2 * noise_sd) + 1, size=f.shape, dtype=np.int16)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    return frames
