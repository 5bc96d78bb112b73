"""Landmark overlays of peak frames for the clinician report (drawn with OpenCV, saved as PNG)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from kiosk.convention import SIDE_RGB_PAPER

from kiosk.face.landmarks import (ALA, BROW, EYE_INNER_CORNER, EYE_OUTER_CORNER, LOWER_LID, MIDLINE,
                                  MOUTH_CORNER, UPPER_LID)

# The points the measures use (docs/metrics.md#landmarks): mouth corners, lids, brows, alae, eye corners.
_GROUPS = (MOUTH_CORNER, UPPER_LID, LOWER_LID, BROW, ALA, EYE_OUTER_CORNER, EYE_INNER_CORNER)
KEY_POINTS = {side: tuple(i for g in _GROUPS for i in getattr(g, side)) for side in ("right", "left")}


def draw_landmarks(rgb: np.ndarray, landmarks_px: np.ndarray) -> np.ndarray:
    """A copy of ``rgb`` with all 468 mesh points (grey), the midline (white) and the measured
    points of the patient's right (orange) and left (blue) side, the kiosk's colours (kiosk.convention)."""
    import cv2

    img = np.ascontiguousarray(rgb.copy())
    pts = np.round(landmarks_px[:, :2]).astype(int)
    r = max(1, img.shape[1] // 400)
    for x, y in pts:
        cv2.circle(img, (int(x), int(y)), r, (170, 170, 170), -1, cv2.LINE_AA)
    cv2.polylines(img, [pts[list(MIDLINE)].reshape(-1, 1, 2)], False, (255, 255, 255), r, cv2.LINE_AA)
    for side, colour in SIDE_RGB_PAPER.items():
        for i in KEY_POINTS[side]:
            cv2.circle(img, (int(pts[i, 0]), int(pts[i, 1])), 3 * r, colour, -1, cv2.LINE_AA)
    return img


def face_crop(img: np.ndarray, landmarks_px: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """The part of ``img`` around the landmarks, with ``margin`` (fraction of the face size) on each side."""
    x0, y0 = landmarks_px[:, :2].min(axis=0)
    x1, y1 = landmarks_px[:, :2].max(axis=0)
    m = margin * max(x1 - x0, y1 - y0)
    h, w = img.shape[:2]
    xa, ya = int(max(0, x0 - m)), int(max(0, y0 - m))
    xb, yb = int(min(w, x1 + m)), int(min(h, y1 + m))
    return img[ya:yb, xa:xb]


def save_overlay(rgb: np.ndarray, landmarks_px: np.ndarray, path: Path) -> Path:
    """Draw the overlay, crop it to the face and write it as PNG, mode 0600 (parent folders created 0700):
    a face photo is patient data (docs/security.md#files-at-rest)."""
    import cv2

    from kiosk.privatefiles import private_dir, write_private
    private_dir(path.parent)
    img = face_crop(draw_landmarks(rgb, landmarks_px), landmarks_px)
    ok, png = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode the overlay for {path}")
    return write_private(path, png.tobytes())


def store_peak_overlays(frames: dict[str, np.ndarray], session_id: str, state_dir: Path,
                        vision_config: object) -> int:
    """Save a landmark overlay of each step's peak frame where the clinician report looks for it
    (``kiosk.reports.data.peak_frame_dir``). Only called when ``camera.store_peak_frames`` is on
    (patient consent) or for synthetic faces. Returns how many were written; a frame in which
    no face is found is skipped."""
    from kiosk.reports.data import peak_frame_dir
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline(vision_config)
    n = 0
    for step, rgb in frames.items():
        analysis = pipe.process(rgb)
        if analysis.face is not None:
            save_overlay(rgb, analysis.face.landmarks_px, peak_frame_dir(state_dir, session_id) / f"{step}.png")
            n += 1
    return n
