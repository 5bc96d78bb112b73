"""Iris landmarks: 5 points per eye (centre + 4 on the visible iris boundary).

Rules from mediapipe 0.10.21 iris_landmark_landmarks_to_roi.pbtxt / iris_landmark_cpu.pbtxt:
the eye ROI is the box of the two eye corners (33, 133 for the patient's right eye; 362, 263
for the left), rotated by corner -> corner, square long side, x2.3. The crop is taken at
native resolution (ImageCroppingCalculator: size rounded to px, nearest-neighbour warp,
replicated border), resized to 64x64 (INTER_AREA when shrinking), scaled to [0, 1]. The
patient's left eye (mediapipe's "right eye") is flipped horizontally before the model and
its points flipped back.

Scale: the visible iris diameter is about 11.7 mm in adults (Caroline & Andre 2002;
used by mediapipe's iris depth), so ``mm_per_px = 11.7 / diameter_px``.

Reference: Ablavatski et al., "Real-time Pupil Tracking from Monocular Video for Digital
Puppetry", 2020.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.roi import NormRect, project_landmarks, rect_from_landmarks
from kiosk.vision.runtime import Model

INPUT_SIZE = 64
RIGHT_EYE_CORNERS = (33, 133)   # patient's right eye: outer, inner (image left)
LEFT_EYE_CORNERS = (362, 263)   # patient's left eye: inner, outer (image right)


@dataclass(frozen=True)
class IrisResult:
    """Iris points (5, 3) and eye-contour points (71, 3, lids and brow) in image-normalized
    coords; iris point 0 is the centre."""

    points: np.ndarray
    roi: NormRect
    contour: np.ndarray | None = None


def eye_roi(landmarks: np.ndarray, corners: tuple[int, int], image_w: int, image_h: int) -> NormRect:
    """Eye ROI from two eye-corner landmarks (normalized coords)."""
    return rect_from_landmarks(landmarks[list(corners)], 0, 1, image_w, image_h, 2.3)


def _crop(rgb: np.ndarray, roi: NormRect) -> np.ndarray:
    """ImageCroppingCalculator (CPU): rotated crop at native resolution."""
    h, w = rgb.shape[:2]
    cw, ch = max(1, round(roi.width * w)), max(1, round(roi.height * h))
    cx, cy = roi.x_center * w, roi.y_center * h
    if roi.rotation == 0.0:
        cx = round(cx) if cw % 2 == 0 else round(cx + 0.5) - 0.5
        cy = round(cy) if ch % 2 == 0 else round(cy + 0.5) - 0.5
    src = cv2.boxPoints(((cx, cy), (cw, ch), math.degrees(roi.rotation))).astype(np.float32)
    dst = np.array([[0, ch], [0, 0], [cw, 0], [cw, ch]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    shift_src = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]], dtype=np.float64)
    shift_dst = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]], dtype=np.float64)
    return cv2.warpPerspective(rgb, shift_dst @ m @ shift_src, (cw, ch), flags=cv2.INTER_NEAREST,
                               borderMode=cv2.BORDER_REPLICATE)


def _fit(crop: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """ImageTransformationCalculator FIT to 64x64; returns the image and (pad_x, pad_y) fractions."""
    ch, cw = crop.shape[:2]
    scale = min(INPUT_SIZE / cw, INPUT_SIZE / ch)
    tw, th = round(cw * scale), round(ch * scale)
    interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    img = cv2.resize(crop, (tw, th), interpolation=interp)
    top, left = (INPUT_SIZE - th) // 2, (INPUT_SIZE - tw) // 2
    img = cv2.copyMakeBorder(img, top, INPUT_SIZE - th - top, left, INPUT_SIZE - tw - left,
                             cv2.BORDER_REPLICATE)
    return img, ((INPUT_SIZE - tw) / 2 / INPUT_SIZE, (INPUT_SIZE - th) / 2 / INPUT_SIZE)


class IrisModel:
    """The iris_landmark model on one eye."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def run(self, rgb: np.ndarray, roi: NormRect, flip: bool) -> IrisResult:
        """Iris points for the eye in ``roi``; ``flip`` for the patient's left eye."""
        tensor, pads = prepare(rgb, roi, flip)
        return finish(self.infer(tensor), roi, flip, pads)

    def infer(self, tensor: np.ndarray) -> np.ndarray:
        """Raw output (76, 3) in 64-px tensor units for a prepared (64, 64, 3) tensor:
        rows 0..4 the iris (centre first), rows 5..75 the 71 eye-contour points."""
        contour, iris = self.model.run(tensor[None])
        return np.concatenate([iris.reshape(5, 3), contour.reshape(71, 3)])


def prepare(rgb: np.ndarray, roi: NormRect, flip: bool) -> tuple[np.ndarray, tuple[float, float]]:
    """Model input (64, 64, 3) float32 in [0, 1] for one eye, and the letterbox padding."""
    img, pads = _fit(_crop(rgb, roi))
    if flip:
        img = img[:, ::-1]
    return img.astype(np.float32) * np.float32(1.0 / 255.0), pads


def finish(raw: np.ndarray, roi: NormRect, flip: bool, pads: tuple[float, float]) -> IrisResult:
    """Raw model points (iris first) -> image-normalized points (un-flip, unpad, project)."""
    pts = raw.astype(np.float64)
    if flip:
        pts[:, 0] = INPUT_SIZE - pts[:, 0]
    pts /= INPUT_SIZE
    pad_x, pad_y = pads
    pts[:, 0] = (pts[:, 0] - pad_x) / (1.0 - 2 * pad_x)
    pts[:, 1] = (pts[:, 1] - pad_y) / (1.0 - 2 * pad_y)
    projected = project_landmarks(pts, roi)
    return IrisResult(projected[:5], roi, projected[5:] if len(projected) > 5 else None)


def iris_diameter_px(points_px: np.ndarray) -> float:
    """Visible iris diameter (px): mean of the horizontal (1-3) and vertical (2-4) spans."""
    horiz = float(np.linalg.norm(points_px[1, :2] - points_px[3, :2]))
    vert = float(np.linalg.norm(points_px[2, :2] - points_px[4, :2]))
    return (horiz + vert) / 2.0
