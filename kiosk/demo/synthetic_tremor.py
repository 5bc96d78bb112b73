"""Synthetic tremor videos from one real face photo, with known truth (docs/validation.md).

Each frame moves the whole image (head: slow sway plus an optional sinusoidal tremor along a
chosen direction) and, optionally, the chin region alone (jaw tremor: a smooth local warp
centred on the chin that fades out above the mouth), then adds sensor noise. Displacements
are given in mm and converted with the face's own iris scale, so the truth is in the same
unit as the measurement.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class Oscillation:
    """A sinusoidal movement: frequency (Hz), amplitude (mm, zero to peak), direction (deg from
    image x, towards image y = down)."""

    frequency_hz: float
    amplitude_mm: float
    direction_deg: float = 90.0
    phase_rad: float = 0.0

    def displacement_mm(self, t_s: np.ndarray) -> np.ndarray:
        a = self.amplitude_mm * np.sin(2 * np.pi * self.frequency_hz * t_s + self.phase_rad)
        d = np.deg2rad(self.direction_deg)
        return np.column_stack([a * np.cos(d), a * np.sin(d)])


@dataclass(frozen=True)
class TremorSpec:
    """What to put in the video. ``sway``: the seated body's slow sway (about 2 mm at 0.15 Hz)."""

    seconds: float = 8.0
    fps: float = 30.0
    head: Oscillation | None = None
    jaw: Oscillation | None = None
    sway: Oscillation | None = Oscillation(0.15, 2.0, 30.0)
    noise_sd: float = 2.0        # sensor noise, grey levels (0-255)
    seed: int = 0


def frame_face(rgb: np.ndarray, box_px: tuple[float, float, float, float], interocular_px: float,
               target_px: float = 300.0, size_px: tuple[int, int] = (640, 720)) -> np.ndarray:
    """Crop around the face box and resize so the outer eye corners are ``target_px`` apart
    (about 0.3 mm/px: a kiosk camera with the patient about 50 cm away), on a ``size_px``
    (width, height) frame centred on the face."""
    f = target_px / interocular_px
    w, h = size_px
    cx, cy = (box_px[0] + box_px[2]) / 2, (box_px[1] + box_px[3]) / 2
    m = np.array([[f, 0, w / 2 - f * cx], [0, f, h / 2 - f * cy]], dtype=np.float64)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


@dataclass(frozen=True)
class TremorScene:
    """A framed real face ready to be moved: RGB image, its iris scale (mm/px), the chin (x, y) px
    and the mouth line y px (they place the jaw warp)."""

    rgb: np.ndarray
    mm_per_px: float
    chin_px: tuple[float, float]
    mouth_y_px: float


def framed_scene(rgb: np.ndarray, pipeline, scale: float = 1.0) -> TremorScene:  # noqa: ANN001
    """Frame a face photo as :func:`frame_face` does (``scale`` 1: 640 x 720 px, about 0.3 mm/px;
    0.5: 320 x 360 px, about 0.6 mm/px, a face filling a third of a 1280 x 720 kiosk frame) and
    measure it with ``pipeline`` (a still :class:`kiosk.vision.pipeline.FacePipeline` with iris).
    Raises ValueError when no face or no iris scale is found."""
    first = pipeline.process(rgb).face
    if first is None:
        raise ValueError("no face in the photo")
    img = frame_face(rgb, first.box_px, first.interocular_px, 300.0 * scale,
                     (int(round(640 * scale)), int(round(720 * scale))))
    f = pipeline.process(img).face
    if f is None or not f.mm_per_px:
        raise ValueError("no face or no iris scale in the framed photo")
    return TremorScene(img, float(f.mm_per_px), (float(f.landmarks_px[152, 0]), float(f.landmarks_px[152, 1])),
                       float(f.landmarks_px[[13, 14], 1].mean()))


def write_video(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """Encode RGB frames as a video file, as a phone or the kiosk would hand it to ``kiosk tremor``
    (``.mp4``: MPEG-4 part 2, OpenCV's ``mp4v``; ``.avi``: Motion JPEG). Written to a temporary
    name and renamed, so the file appears whole or not at all."""
    path = Path(path)
    codec = "mp4v" if path.suffix.lower() == ".mp4" else "MJPG"
    h, w = frames[0].shape[:2]
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    out = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*codec), fps, (w, h))
    try:
        for f in frames:
            out.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    finally:
        out.release()
    tmp.replace(path)
    return path


def scene_video(scene: TremorScene, spec: TremorSpec) -> list[np.ndarray]:
    """:func:`tremor_video` of a :class:`TremorScene`."""
    return tremor_video(scene.rgb, scene.mm_per_px, scene.chin_px, scene.mouth_y_px, spec)


def tremor_video(rgb: np.ndarray, mm_per_px: float, chin_px: tuple[float, float], mouth_y_px: float,
                 spec: TremorSpec) -> list[np.ndarray]:
    """Frames (RGB uint8) of ``rgb`` moved as ``spec`` says. ``chin_px``: the chin (x, y) px and
    ``mouth_y_px`` the mouth line in ``rgb``; they place the jaw warp."""
    n = int(round(spec.seconds * spec.fps))
    t = np.arange(n) / spec.fps
    head = np.zeros((n, 2))
    for osc in (spec.sway, spec.head):
        if osc is not None:
            head += osc.displacement_mm(t)
    jaw = spec.jaw.displacement_mm(t) if spec.jaw is not None else np.zeros((n, 2))
    h, w = rgb.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = chin_px
    span = max(cy - mouth_y_px, 1.0)
    # the lower jaw moves as one piece below the mouth: weight 1 from half-way between the mouth
    # line and the chin down, a smooth ramp above it, fading out sideways beyond the jaw
    ramp = np.clip((ys - mouth_y_px) / (0.5 * span), 0.0, 1.0)
    weight = (ramp * ramp * (3 - 2 * ramp)) * np.exp(-((xs - cx) ** 2) / (2 * (1.6 * span) ** 2))
    weight = weight.astype(np.float32)
    cv2.setRNGSeed(spec.seed)
    noise = np.empty(rgb.shape, np.int16)
    frames = []
    for k in range(n):
        dx, dy = head[k] / mm_per_px
        jx, jy = jaw[k] / mm_per_px
        map_x = xs - np.float32(dx) - np.float32(jx) * weight
        map_y = ys - np.float32(dy) - np.float32(jy) * weight
        f = cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if spec.noise_sd > 0:
            cv2.randn(noise, 0, spec.noise_sd)
            f = cv2.add(f.astype(np.int16), noise).clip(0, 255).astype(np.uint8)
        frames.append(f)
    return frames
