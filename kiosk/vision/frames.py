"""Deterministic test frames from a real face photo (scikit-image's ``astronaut``).

Pure numpy (float64 bilinear warps, rounded to uint8), so the product venv and the
reference venv (other numpy/OpenCV versions) build bit-identical frames; each frame's
sha256 is stored in the parity fixture and checked. Used by the parity test,
scripts/make_reference.py and scripts/bench_vision.py.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np

FACE_CENTRE = (225.0, 125.0)  # px in astronaut(), between the eyes and the nose

# name -> (scale, roll_deg, shift_x_px, shift_y_px, out_w, out_h)
PARITY_FRAMES: dict[str, tuple[float, float, float, float, int, int]] = {
    "base": (1.0, 0.0, 0.0, 0.0, 512, 512),
    "scale_0.7": (0.7, 0.0, 0.0, 0.0, 360, 360),
    "scale_1.6": (1.6, 0.0, 0.0, 0.0, 640, 480),
    "shift_left_down": (1.0, 0.0, -70.0, 45.0, 640, 480),
    "roll_+15": (1.0, 15.0, 0.0, 0.0, 512, 512),
    "roll_-20": (1.0, -20.0, 0.0, 0.0, 512, 512),
    "roll_+35": (1.0, 35.0, 0.0, 0.0, 512, 512),
    "combo_1.25_-10_shift": (1.25, -10.0, 40.0, -20.0, 640, 480),
}


def warp(src: np.ndarray, scale: float, roll_deg: float, shift: tuple[float, float],
         out_size: tuple[int, int]) -> np.ndarray:
    """Scale and rotate ``src`` about FACE_CENTRE, place that point at the output centre
    plus ``shift``; bilinear, edges replicated. ``roll_deg`` > 0 turns the face clockwise
    on screen. Returns uint8 (out_h, out_w, 3)."""
    out_w, out_h = out_size
    cx, cy = FACE_CENTRE
    a = math.radians(roll_deg)
    c, s = math.cos(a) / scale, math.sin(a) / scale
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float64)
    dx = xs - (out_w / 2 + shift[0])
    dy = ys - (out_h / 2 + shift[1])
    # inverse map: output -> source (rotate by -roll, divide by scale)
    sx = c * dx + s * dy + cx
    sy = -s * dx + c * dy + cy
    h, w = src.shape[:2]
    sx = np.clip(sx, 0, w - 1)
    sy = np.clip(sy, 0, h - 1)
    x0 = np.minimum(np.floor(sx).astype(np.int64), w - 2)
    y0 = np.minimum(np.floor(sy).astype(np.int64), h - 2)
    fx = (sx - x0)[..., None]
    fy = (sy - y0)[..., None]
    img = src.astype(np.float64)
    top = img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx
    bottom = img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx
    return np.clip(np.rint(top * (1 - fy) + bottom * fy), 0, 255).astype(np.uint8)


def parity_frame(src: np.ndarray, name: str) -> np.ndarray:
    """The named parity frame built from the astronaut image."""
    scale, roll, sx, sy, w, h = PARITY_FRAMES[name]
    return warp(src, scale, roll, (sx, sy), (w, h))


def shifted_sequence(src: np.ndarray, n: int, step_px: float = 4.0,
                     out_size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """A short synthetic video: the face drifts right and slightly down, rolls a little."""
    return [warp(src, 1.0, 0.5 * i, (-60.0 + step_px * i, 0.5 * step_px * i), out_size)
            for i in range(n)]


def enter_leave_sequence(src: np.ndarray, n_move: int = 30, n_hold: int = 20, n_empty: int = 10,
                         out_size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """A synthetic video of a face entering and leaving: it slides in from the right edge
    (``n_move`` frames), stays with a slow roll (``n_hold``), slides out to the left
    (``n_move``), then ``n_empty`` frames with no face (the photo's left edge strip)."""
    far = out_size[0] * 0.8  # face centre this far off-centre: no face in view
    enter = [warp(src, 1.0, 0.0, (far * (1 - i / n_move), 10.0), out_size) for i in range(n_move)]
    hold = [warp(src, 1.0, 0.4 * i, (0.0, 10.0), out_size) for i in range(n_hold)]
    leave = [warp(src, 1.0, 0.4 * n_hold, (-far * (i + 1) / n_move, 10.0), out_size) for i in range(n_move)]
    empty = [warp(src, 1.0, 0.0, (-far * 1.3, 10.0), out_size)] * n_empty
    return enter + hold + leave + empty


def sha256(frame: np.ndarray) -> str:
    """Hex digest of a frame's bytes (to check both venvs built the same frame)."""
    return hashlib.sha256(np.ascontiguousarray(frame).tobytes()).hexdigest()
