"""Per-frame quality gate: is this frame good enough to measure a face on?

Checks, in the order a patient can fix them (docs/metrics.md#frame-quality-gate): exactly one face (a
detection the face mesh confirms, kiosk.vision.tracker);
interocular (outer eye corner) distance >= ``min_interocular_px``; |yaw| and |pitch|
within limits; mean brightness of the face box within 40..220 (0..255 scale); Laplacian
variance of the grey face crop (resized to 128 px wide, so the number does not depend on
the camera resolution) above ``min_sharpness``. Each rejection has a message the patient
can act on. The gate says whether a frame is usable for measurement; it says nothing
about the face itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.config import VisionConfig
from kiosk.vision.pose import HeadPose

SHARPNESS_WIDTH_PX = 128

MESSAGES = {
    "ok": "Good, hold still.",
    "no_face": "We cannot see your face. Please look at the camera.",
    "multiple_faces": "Only one face, please: ask others to step out of view.",
    "too_far": "Please move closer to the camera.",
    "turned": "Please face the camera straight on.",
    "tilted": "Please keep your chin level, not up or down.",
    "too_dark": "More light, please: face the light or switch on a lamp.",
    "too_bright": "Too bright: please move out of direct light.",
    "blurred": "Please hold still: the picture is blurred.",
}


@dataclass(frozen=True)
class QualityVerdict:
    """ok, a code (see MESSAGES) and the message shown to the patient."""

    ok: bool
    code: str
    message: str


def verdict(code: str) -> QualityVerdict:
    """The verdict for a code, with its patient message."""
    return QualityVerdict(code == "ok", code, MESSAGES[code])


def face_crop_gray(rgb: np.ndarray, box_px: tuple[float, float, float, float]) -> np.ndarray:
    """Grey crop of the face box (clipped to the image), uint8; empty if the box is outside."""
    h, w = rgb.shape[:2]
    x0, y0 = max(0, int(box_px[0])), max(0, int(box_px[1]))
    x1, y1 = min(w, int(round(box_px[2]))), min(h, int(round(box_px[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((0, 0), np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of a grey crop resized to 128 px wide (higher = sharper)."""
    if gray.size == 0:
        return 0.0
    h, w = gray.shape
    small = cv2.resize(gray, (SHARPNESS_WIDTH_PX, max(2, round(h * SHARPNESS_WIDTH_PX / w))),
                       interpolation=cv2.INTER_AREA)
    # float32 holds the integer Laplacian of uint8 exactly; meanStdDev sums in double
    _, std = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_32F))
    return float(std[0, 0]) ** 2


def assess_quality(faces_found: int, interocular_px: float | None, pose: HeadPose | None,
                   gray_face: np.ndarray | None, config: VisionConfig,
                   frame_brightness: float | None = None) -> QualityVerdict:
    """Quality verdict for one frame from precomputed measures (pure).

    ``frame_brightness`` (mean grey level of the whole frame, 0..255) turns "no face" into
    "too dark"/"too bright" when the frame itself is the likely reason.
    """
    if faces_found > 1:
        return verdict("multiple_faces")
    if faces_found == 0 or interocular_px is None or pose is None or gray_face is None:
        if frame_brightness is not None and frame_brightness < config.min_brightness:
            return verdict("too_dark")
        if frame_brightness is not None and frame_brightness > config.max_brightness:
            return verdict("too_bright")
        return verdict("no_face")
    if interocular_px < config.min_interocular_px:
        return verdict("too_far")
    if abs(pose.yaw_deg) > config.max_yaw_deg:
        return verdict("turned")
    if abs(pose.pitch_deg) > config.max_pitch_deg:
        return verdict("tilted")
    brightness = cv2.mean(gray_face)[0] if gray_face.size else 0.0
    if brightness < config.min_brightness:
        return verdict("too_dark")
    if brightness > config.max_brightness:
        return verdict("too_bright")
    if sharpness(gray_face) < config.min_sharpness:
        return verdict("blurred")
    return verdict("ok")


PITCH_FROM_REST_DEG = 8.0


def tilt_acceptable(pitch_deg: float, rest_pitch_deg: float, max_pitch_deg: float) -> bool:
    """The one pitch rule for frames the gate rejected only as "tilted" (docs/metrics.md#frame-quality-gate).

    Such a frame is still measured when its pitch is within ``PITCH_FROM_REST_DEG`` (deg) of the
    rest frame's, and within ``max_pitch_deg + PITCH_FROM_REST_DEG`` of level: the mesh-based pitch
    rises by 3-5 deg when the eyes close or the lips pucker (measured on synthetic faces), so the
    absolute gate would drop exactly the peak frames; the metrics undo head rotation in 3D, and
    what matters is the change from rest.
    """
    return abs(pitch_deg - rest_pitch_deg) <= PITCH_FROM_REST_DEG and abs(pitch_deg) <= max_pitch_deg + PITCH_FROM_REST_DEG
