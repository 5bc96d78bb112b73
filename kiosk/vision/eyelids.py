"""Eyelid positions from the iris model's 71-point eye contour.

Why: the 468-point mesh follows lid closure poorly and couples the two eyes.  On synthetic
faces whose upper lid was slid fully onto the lower lid, the mesh lids read a closure of
only 0.2-0.5, and an eye that did not move at all read 0.19 while the other eye closed.
The iris model (mediapipe ``iris_landmark.tflite``) sees a 64x64 crop of one eye and
outputs 71 eye-contour points; mediapipe's ``refine_landmarks`` uses them for the lids.
The first 16 contour points are the lid margins, in the order of mesh points
33, 7, 163, 144, 145, 153, 154, 155, 133 (lower lid) and 246, 161, 160, 159, 158, 157, 173
(upper lid); the patient's left eye is mirrored before the model.

The crop here is rotated with the eye-corner line (so roll does not change it), 2.3x the
corner distance, like mediapipe's iris ROI.  This is an adapter: it runs a model.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.face import landmarks as L

INPUT_PX = 64
ROI_SCALE = 2.3
CONTOUR_UPPER_MID = (11, 12, 13)  # mesh 160, 159, 158
CONTOUR_LOWER_MID = (3, 4, 5)     # mesh 144, 145, 153
CONTOUR_CORNERS = (0, 8)          # mesh 33, 133 (outer, inner)


@dataclass(frozen=True)
class EyeContours:
    """Lid-margin contour points (16, 2) image px per eye; None if not measured."""

    right: np.ndarray | None
    left: np.ndarray | None

    def side(self, name: str) -> np.ndarray | None:
        return self.right if name == "right" else self.left


def contour_fissure_px(contour: np.ndarray) -> float:
    """Upper-to-lower lid distance (px) at mid-eye, perpendicular to the corner line.

    Negative values (lids crossing in a noisy closed eye) are clipped to 0.
    """
    c = np.asarray(contour, dtype=np.float64)
    axis = c[CONTOUR_CORNERS[1]] - c[CONTOUR_CORNERS[0]]
    axis = axis / max(float(np.linalg.norm(axis)), 1e-9)
    normal = np.array([-axis[1], axis[0]])
    if normal[1] < 0:  # point the normal down the image, whichever eye this is
        normal = -normal
    gap = c[list(CONTOUR_LOWER_MID)].mean(axis=0) - c[list(CONTOUR_UPPER_MID)].mean(axis=0)
    return max(float(np.dot(gap, normal)), 0.0)


def eye_crop_matrix(landmarks_px: np.ndarray, side: str) -> tuple[np.ndarray, bool]:
    """2x3 affine from the image to the 64x64 eye crop, and whether to mirror it."""
    import cv2

    outer = np.asarray(landmarks_px)[L.EYE_OUTER_CORNER.side(side)[0], :2]
    inner = np.asarray(landmarks_px)[L.EYE_INNER_CORNER.side(side)[0], :2]
    a, b = (outer, inner) if side == "right" else (inner, outer)  # a -> b points image-right
    centre = (a + b) / 2
    d = b - a
    size = ROI_SCALE * float(np.linalg.norm(d))
    if size < 4:
        raise ValueError("eye too small for the iris model")
    angle = float(np.degrees(np.arctan2(d[1], d[0])))
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, INPUT_PX / size)
    m[:, 2] += np.array([INPUT_PX / 2, INPUT_PX / 2]) - centre
    return m, side == "left"


class EyelidModel:
    """Runs the iris model on both eyes of a frame and returns lid contours."""

    def __init__(self, model_dir: Path | str, threads: int = 1) -> None:
        from kiosk.vision.runtime import Model

        self.model = Model(Path(model_dir) / "iris_landmark.tflite", threads)

    def contours(self, rgb: np.ndarray, landmarks_px: np.ndarray) -> EyeContours:
        """Lid contours (image px) of both eyes, from the mesh's eye corners."""
        return EyeContours(right=self._one(rgb, landmarks_px, "right"),
                           left=self._one(rgb, landmarks_px, "left"))

    def _one(self, rgb: np.ndarray, landmarks_px: np.ndarray, side: str) -> np.ndarray | None:
        import cv2

        try:
            m, flip = eye_crop_matrix(landmarks_px, side)
        except ValueError:
            return None
        crop = cv2.warpAffine(rgb, m, (INPUT_PX, INPUT_PX), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        if flip:
            crop = crop[:, ::-1]
        tensor = np.ascontiguousarray(crop, dtype=np.float32) * np.float32(1.0 / 255.0)
        outputs = self.model.run(tensor[None])
        contour = next(o for o in outputs if o.size == 71 * 3).reshape(71, 3)[:16, :2].astype(np.float64)
        if flip:
            contour[:, 0] = INPUT_PX - contour[:, 0]
        inv = cv2.invertAffineTransform(m)
        return contour @ inv[:, :2].T + inv[:, 2]
