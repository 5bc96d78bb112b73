"""Synthetic spontaneous-expression videos on a real face, with known truth (docs/parkinson.md#hypomimia).

A talking face's upper-face expressions are played as a sequence of brief movements of the
healthy synthetic expressions (:mod:`kiosk.demo.synthetic_face`: brow raise 12 mm, smile 8 mm out
and 6 mm up, snarl 9 mm up at full amplitude), each a raised-cosine pulse (rest -> peak -> rest)
scaled by ``amplitude`` (1.0 = the healthy warp, 0.4 = a face moving 40 % as far, as in
hypomimia). ``amplitude`` 0 gives a still face with sensor noise only (the landmark jitter floor).
"""
from __future__ import annotations

import numpy as np

PULSES = ("brow_raise", "smile", "snarl", "brow_raise", "smile")
PULSE_S = 0.8        # one movement, rest -> peak -> rest (s)
GAP_S = 0.35         # between movements (s)


def envelope(t_s: np.ndarray, start_s: float, duration_s: float = PULSE_S) -> np.ndarray:
    """Raised-cosine pulse 0..1..0 over ``duration_s`` from ``start_s``."""
    u = (np.asarray(t_s, dtype=np.float64) - start_s) / duration_s
    return np.where((u >= 0) & (u <= 1), 0.5 - 0.5 * np.cos(2 * np.pi * u), 0.0)


def schedule(seconds: float) -> list[tuple[str, float]]:
    """(expression, start s) of the pulses that fit in ``seconds``, cycling through PULSES."""
    out, t, i = [], 0.3, 0
    while t + PULSE_S <= seconds:
        out.append((PULSES[i % len(PULSES)], t))
        t, i = t + PULSE_S + GAP_S, i + 1
    return out


def expressive_video(face: str = "astronaut", seconds: float = 6.0, fps: float = 30.0, amplitude: float = 1.0,
                     noise_sd: float = 1.5, seed: int = 0) -> list[np.ndarray]:
    """Frames (RGB uint8, 512 px) of the real ``face`` (as photographed) making brief expressions at
    ``amplitude`` of the healthy warp, with sensor noise of ``noise_sd`` grey levels."""
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image

    if not 0.0 <= amplitude <= 1.5:
        raise ValueError(f"amplitude must be in 0..1.5, got {amplitude}")
    spec = SyntheticSpec(symmetric=False, face=face)
    t = np.arange(int(round(seconds * fps))) / fps
    rest = expression_image("rest", spec)
    level = {step: np.zeros_like(t) for step in set(PULSES)}
    for step, start in schedule(seconds):
        level[step] = np.maximum(level[step], envelope(t, start))
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(len(t)):
        active = [(s, v[i]) for s, v in level.items() if v[i] * amplitude > 1e-3]
        img = expression_image(active[0][0], spec, float(active[0][1] * amplitude)) if active else rest
        f = img.astype(np.int16) + np.round(rng.normal(0, noise_sd, img.shape)).astype(np.int16)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    return frames
