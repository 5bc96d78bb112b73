"""Face mesh: 468 landmarks (x, y, z) and a face-presence score on a rotated face ROI.

Rules from mediapipe 0.10.21 face_landmark_cpu.pbtxt: 192x192 input in [0, 1]
(ImageToTensorCalculator, border unspecified = replicate), landmarks divided by 192 (z too,
"scaled as x"), projected onto the ROI (z multiplied by the ROI width); presence =
sigmoid(face flag). The next frame's ROI comes from these landmarks
(face_landmark_landmarks_to_roi: bounding box of all points, rotation from 33 -> 263,
square long side, x1.5).

Reference: Kartynnik et al., "Real-time Facial Surface Geometry from Monocular Video on
Mobile GPUs", 2019.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.roi import NormRect, crop_uint8, project_landmarks, rect_from_landmarks
from kiosk.vision.runtime import Model

INPUT_SIZE = 192
N_LANDMARKS = 468
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263  # patient's right (image left) / left


@dataclass(frozen=True)
class MeshResult:
    """Landmarks in image-normalized coords (468, 3) (z scaled like x) and presence 0..1."""

    landmarks: np.ndarray
    presence: float
    roi: NormRect


class FaceMesh:
    """The face_landmark model on a rotated ROI."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def run(self, rgb: np.ndarray, roi: NormRect) -> MeshResult:
        """Landmarks for the face inside ``roi`` of an RGB uint8 frame."""
        crop = crop_uint8(rgb, roi, INPUT_SIZE, INPUT_SIZE, cv2.BORDER_REPLICATE)
        raw, flag = self.model.run_uint8(crop, 1.0 / 255.0, 0.0)  # input range [0, 1]
        norm = raw.reshape(N_LANDMARKS, 3).astype(np.float64) / INPUT_SIZE
        presence = float(1.0 / (1.0 + np.exp(-float(flag.reshape(-1)[0]))))
        return MeshResult(project_landmarks(norm, roi), presence, roi)


def landmarks_to_roi(landmarks: np.ndarray, image_w: int, image_h: int) -> NormRect:
    """ROI for the next frame from normalized landmarks (tracking)."""
    return rect_from_landmarks(landmarks, RIGHT_EYE_OUTER, LEFT_EYE_OUTER, image_w, image_h, 1.5)
