"""Face tracking: reuse the ROI from the previous frame's landmarks, detect again on loss.

As mediapipe's face_landmark_front graph with one face: while a face is tracked the mesh
runs on the ROI from the previous frame's landmarks and the detector does not run; when the
mesh presence drops below the threshold, the next frame runs the detector. Unlike mediapipe,
the detector also runs every ``redetect_every`` tracked frames (0 = never), so a second
person stepping into view is reported ("multiple_faces") within that many frames; given a
thread pool, that count runs on it at the same time as the mesh (same result, less latency).
"""
from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from kiosk.vision.detector import Detection, FaceDetector, detection_to_roi
from kiosk.vision.mesh import FaceMesh, MeshResult, landmarks_to_roi
from kiosk.vision.roi import NormRect


@dataclass(frozen=True)
class TrackStep:
    """One frame's result: detector count (1 while tracked), the mesh (None if no single
    face or the presence was too low) and the detection it came from (None when tracked)."""

    faces_found: int
    mesh: MeshResult | None
    detection: Detection | None


class FaceTracker:
    """Detector + mesh with optional ROI tracking between frames."""

    def __init__(self, detector: FaceDetector, mesh: FaceMesh, *, tracking: bool,
                 min_presence: float = 0.5, redetect_every: int = 0, pool: Executor | None = None) -> None:
        self.detector = detector
        self.mesh = mesh
        self.tracking = tracking
        self.min_presence = min_presence
        self.redetect_every = redetect_every
        self.pool = pool  # runs the periodic face count while the mesh runs (None: in turn)
        self._roi: NormRect | None = None
        self._tracked_frames = 0

    @property
    def is_tracking(self) -> bool:
        """True when the next frame will reuse the previous ROI (no detection)."""
        return self.tracking and self._roi is not None

    def reset(self) -> None:
        """Forget the tracked face; the next frame runs the detector."""
        self._roi = None
        self._tracked_frames = 0

    def step(self, rgb: np.ndarray) -> TrackStep:
        """Process one RGB uint8 frame."""
        h, w = rgb.shape[:2]
        if self.tracking and self._roi is not None:
            self._tracked_frames += 1
            count_due = bool(self.redetect_every) and self._tracked_frames % self.redetect_every == 0
            pending = self.pool.submit(self.detector.detect, rgb) if count_due and self.pool else None
            count = len(self.detector.detect(rgb)) if count_due and pending is None else 0
            result = self.mesh.run(rgb, self._roi) if count <= 1 else None
            if pending is not None:
                count = len(pending.result())
            if count > 1 or result is None:  # someone else stepped in: no single face to measure
                self.reset()
                return TrackStep(count, None, None)
            if result.presence >= self.min_presence:
                self._roi = landmarks_to_roi(result.landmarks, w, h)
                return TrackStep(1, result, None)
            self._roi = None
        detections = self.detector.detect(rgb)
        if len(detections) != 1:
            self._roi = None
            return TrackStep(len(detections), None, None)
        result = self.mesh.run(rgb, detection_to_roi(detections[0], w, h))
        if result.presence < self.min_presence:
            self._roi = None
            return TrackStep(0, None, detections[0])
        self._roi = landmarks_to_roi(result.landmarks, w, h) if self.tracking else None
        return TrackStep(1, result, detections[0])
