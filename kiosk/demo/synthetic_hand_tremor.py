"""Synthetic hand-tremor videos from a real hand photograph, with known truth (docs/parkinson.md#hand-tremor).

The hand: pygame's ``examples/data/fist.png`` (a photographed fist and forearm on a blue
screen, shipped with pygame, a kiosk dependency), cut out by its blue background. The scene:
a real face (kiosk/demo/real_faces.py) at the top of a 960x720 frame, scaled so that its own
iris scale (11.7 mm iris, measured by the face pipeline) is ``mm_per_px``, and one or two hands
below it, the forearm entering from the bottom edge, as in the kiosk's hands-up step. The
patient's right hand is at image left (the camera is not mirrored; kiosk/convention.py); the
other hand is the same photograph mirrored.

Each frame moves the whole scene by the body's slow sway and, on top, each hand alone by its
tremor (a sinusoid along a chosen direction), then adds sensor noise. Displacements are in mm
and converted with ``mm_per_px``, the same scale the measurement reads from the face, so the
truth is in the measurement's unit.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from kiosk.demo.synthetic_tremor import Oscillation

FRAME_SIZE = (960, 720)           # (width, height) px
FIST_FILE = "examples/data/fist.png"
FIST_SCALE = 1.0                  # the fist photograph's px per scene px at MM_PER_PX
MM_PER_PX = 0.6                   # a 1280x720 kiosk camera about 60 cm from the patient, cropped


class MissingHandData(RuntimeError):
    """pygame (which ships the hand photograph) is not installed."""


@dataclass(frozen=True)
class HandTremorSpec:
    """What to put in the video. ``right``/``left``: the tremor of the patient's right/left hand
    (None = that hand is still; ``hands`` says which hands are in view at all). ``sway``: the
    seated body's slow sway, applied to the whole scene."""

    seconds: float = 8.0
    fps: float = 30.0
    right: Oscillation | None = None
    left: Oscillation | None = None
    hands: tuple[str, ...] = ("right", "left")
    sway: Oscillation | None = Oscillation(0.15, 2.0, 30.0)
    noise_sd: float = 2.0
    face: str | None = "astronaut"
    mm_per_px: float = MM_PER_PX
    brightness: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class HandVideo:
    """Frames (RGB uint8), their rate (frames/s) and the scene's true scale (mm/px)."""

    frames: list[np.ndarray] = field(repr=False)
    fps: float
    mm_per_px: float


def fist_path() -> Path:
    spec = importlib.util.find_spec("pygame")
    if spec is None or not spec.submodule_search_locations:
        raise MissingHandData("pygame (which ships the hand photograph) is not installed: run scripts/setup")
    p = Path(next(iter(spec.submodule_search_locations))) / FIST_FILE
    if not p.is_file():
        raise MissingHandData(f"{p} is missing from the installed pygame package")
    return p


def fist_cutout() -> tuple[np.ndarray, np.ndarray]:
    """The fist photograph (RGB uint8) and its alpha (float32 0..1) keyed on the blue screen,
    feathered by one pixel."""
    bgr = cv2.imread(str(fist_path()), cv2.IMREAD_COLOR)
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    c = rgb.astype(np.int16)
    blue = (c[..., 2] > c[..., 0] + 60) & (c[..., 2] > c[..., 1] + 60)
    alpha = cv2.GaussianBlur((~blue).astype(np.float32), (3, 3), 0.8)
    return rgb, alpha


def face_scale(rgb: np.ndarray) -> float:
    """mm per px of a face photograph from its iris (the face pipeline, 11.7 mm iris)."""
    from kiosk.session.hand_tremor import face_scale as iris_scale

    scale = iris_scale([rgb])
    if scale is None:
        raise ValueError("no face with an iris scale in the photograph")
    return scale


@lru_cache(maxsize=4)
def _scaled_face(name: str, mm_per_px: float) -> np.ndarray:
    """A real face photograph resized so that its iris scale is ``mm_per_px`` (cached: the face
    pipeline runs once per face)."""
    from kiosk.demo.real_faces import load_face

    face = load_face(name)
    f = face_scale(face) / mm_per_px
    return cv2.resize(face, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)


def _background(spec: HandTremorSpec) -> np.ndarray:
    w, h = FRAME_SIZE
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    bg = (np.array([150, 140, 128], np.float32) * (1.05 - 0.2 * ys)).repeat(w, axis=1)   # a plain wall
    if spec.face is not None:
        face = _scaled_face(spec.face, spec.mm_per_px)
        fh, fw = face.shape[:2]
        x0 = (w - fw) // 2
        crop = face[:min(fh, h), max(0, -x0):max(0, -x0) + min(fw, w)]
        bg[:crop.shape[0], max(0, x0):max(0, x0) + crop.shape[1]] = crop
    return bg


def _hand_layers(spec: HandTremorSpec) -> dict[str, tuple[tuple[int, int], np.ndarray, np.ndarray]]:
    """Per side, where the hand's box starts in the frame (x0, y0) px, its RGB (float32) and its
    alpha, with a margin for the movement; the forearm runs to the bottom edge."""
    rgb, alpha = fist_cutout()
    s = FIST_SCALE * MM_PER_PX / spec.mm_per_px
    rgb = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    alpha = cv2.resize(alpha, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    w, h = FRAME_SIZE
    fh, fw = rgb.shape[:2]
    m = 16                                            # margin px: more than sway + tremor
    layers = {}
    for side in spec.hands:
        # the photograph as it is on the patient's left (image right); mirrored on the right
        r, a = (rgb[:, ::-1], alpha[:, ::-1]) if side == "right" else (rgb, alpha)
        x0, y0 = int(w * (0.30 if side == "right" else 0.70) - fw / 2), h - fh
        r = cv2.copyMakeBorder(np.ascontiguousarray(r), m, m, m, m, cv2.BORDER_REPLICATE).astype(np.float32)
        a = cv2.copyMakeBorder(np.ascontiguousarray(a), m, m, m, m, cv2.BORDER_REPLICATE)
        a[:m] = 0                                     # only the forearm continues (downwards)
        a[:, :m] = 0
        a[:, -m:] = 0
        layers[side] = ((x0 - m, y0 - m), r, a)
    return layers


def _shift(img: np.ndarray, d_px: np.ndarray, border: int) -> np.ndarray:
    m = np.array([[1, 0, d_px[0]], [0, 1, d_px[1]]], dtype=np.float64)
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR, borderMode=border)


def _paste(frame: np.ndarray, at: tuple[int, int], rgb: np.ndarray, alpha: np.ndarray) -> None:
    """Alpha-blend ``rgb`` onto ``frame`` (uint8, in place) with its top-left at ``at`` (clipped)."""
    h, w = frame.shape[:2]
    x0, y0 = at
    xs, ys, xe, ye = max(0, x0), max(0, y0), min(w, x0 + rgb.shape[1]), min(h, y0 + rgb.shape[0])
    if xe <= xs or ye <= ys:
        return
    a = alpha[ys - y0:ye - y0, xs - x0:xe - x0, None]
    roi = frame[ys:ye, xs:xe].astype(np.float32)
    roi += a * (rgb[ys - y0:ye - y0, xs - x0:xe - x0] - roi)
    frame[ys:ye, xs:xe] = np.clip(roi + 0.5, 0, 255).astype(np.uint8)


def hand_tremor_video(spec: HandTremorSpec) -> HandVideo:
    """Frames of the scene moved as ``spec`` says (see the module docstring)."""
    n = int(round(spec.seconds * spec.fps))
    t = np.arange(n) / spec.fps
    sway = spec.sway.displacement_mm(t) if spec.sway is not None else np.zeros((n, 2))
    bg = np.clip(_background(spec) * spec.brightness + 0.5, 0, 255).astype(np.uint8)
    layers = {side: (at, rgb * np.float32(spec.brightness), a) for side, (at, rgb, a) in _hand_layers(spec).items()}
    cv2.setRNGSeed(spec.seed)
    noise = np.empty(bg.shape, np.int16)
    frames = []
    for k in range(n):
        f = _shift(bg, sway[k] / spec.mm_per_px, cv2.BORDER_REFLECT)
        for side, (at, layer, mask) in layers.items():
            osc = getattr(spec, side)
            d = (sway[k] + (osc.displacement_mm(t[k:k + 1])[0] if osc is not None else 0.0)) / spec.mm_per_px
            _paste(f, at, _shift(layer, d, cv2.BORDER_REPLICATE), _shift(mask, d, cv2.BORDER_CONSTANT))
        if spec.noise_sd > 0:
            cv2.randn(noise, 0, spec.noise_sd)
            f = cv2.add(f, noise, dtype=cv2.CV_8U)
        frames.append(f)
    return HandVideo(frames, spec.fps, spec.mm_per_px)
