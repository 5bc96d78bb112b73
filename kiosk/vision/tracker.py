"""Face tracking: reuse the ROI from the previous frame's landmarks, detect again on loss.

As mediapipe's face_landmark_front graph with one face: while a face is tracked the mesh
runs on the ROI from the previous frame's landmarks and the detector does not run; when the
mesh presence drops below the threshold, the next frame runs the detector. Unlike mediapipe,
the detector also runs every ``redetect_every`` tracked frames (0 = never), so a second
person stepping into view is reported ("multiple_faces") within that many frames; given a
thread pool, that count runs on it at the same time as the mesh (same result, less latency).

A detection counts as a person only when the mesh confirms a face there: its presence
(face-flag) score reaches ``min_presence``, as mediapipe gates landmarks on the same score
(face_landmark_cpu.pbtxt, ThresholdingCalculator).  BlazeFace alone fires on face-like
patterns (a spacesuit collar at 0.63-0.75 beside the mirrored astronaut, where the mesh's
presence there is 0.003-0.006), and a patterned shirt or a poster must never block a
patient.  Two confirmed detections whose landmark boxes overlap (IoU > ``SAME_FACE_IOU``)
are one face.
"""
from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from kiosk.vision.detector import Detection, FaceDetector, detection_to_roi
from kiosk.vision.mesh import FaceMesh, MeshResult, landmarks_to_roi
from kiosk.vision.roi import NormRect

SAME_FACE_IOU = 0.3


def landmark_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, w, h) of normalized landmarks' bounding box."""
    x0, y0 = landmarks[:, :2].min(axis=0)
    x1, y1 = landmarks[:, :2].max(axis=0)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - ix * iy
    return ix * iy / union if union > 0 else 0.0


@dataclass(frozen=True)
class TrackStep:
    """One frame's result: faces the mesh confirmed (1 while tracked between counts), the
    mesh (None if no single face or the presence was too low) and the detection it came
    from (None when tracked)."""

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

    def confirmed(self, rgb: np.ndarray, detections: list[Detection],
                  known: list[MeshResult] = ()) -> list[tuple[Detection, MeshResult]]:
        """The detections the mesh confirms as distinct faces (best score first).

        A detection is a face when the mesh on its ROI has presence >= ``min_presence``;
        one whose landmark box overlaps an already confirmed face (or one of ``known``,
        e.g. the tracked face) by IoU > SAME_FACE_IOU is that same face.
        """
        h, w = rgb.shape[:2]
        boxes = [landmark_box(m.landmarks) for m in known]
        out: list[tuple[Detection, MeshResult]] = []
        for d in sorted(detections, key=lambda d: -d.score):
            if any(_iou(d.box, b) > SAME_FACE_IOU for b in boxes):
                continue  # the detector's box already lies on a known face
            m = self.mesh.run(rgb, detection_to_roi(d, w, h))
            if m.presence < self.min_presence:
                continue
            box = landmark_box(m.landmarks)
            if any(_iou(box, b) > SAME_FACE_IOU for b in boxes):
                continue
            boxes.append(box)
            out.append((d, m))
        return out

    def step(self, rgb: np.ndarray) -> TrackStep:
        """Process one RGB uint8 frame."""
        h, w = rgb.shape[:2]
        if self.tracking and self._roi is not None:
            self._tracked_frames += 1
            count_due = bool(self.redetect_every) and self._tracked_frames % self.redetect_every == 0
            pending = self.pool.submit(self.detector.detect, rgb) if count_due and self.pool else None
            result = self.mesh.run(rgb, self._roi)
            others = 0
            if count_due:
                dets = pending.result() if pending is not None else self.detector.detect(rgb)
                tracked = [result] if result.presence >= self.min_presence else []
                others = len(self.confirmed(rgb, dets, tracked)) if len(dets) > len(tracked) else 0
            if others and result.presence >= self.min_presence:  # someone else stepped in
                self.reset()
                return TrackStep(1 + others, None, None)
            if result.presence >= self.min_presence:
                self._roi = landmarks_to_roi(result.landmarks, w, h)
                return TrackStep(1, result, None)
            self._roi = None
        detections = self.detector.detect(rgb)
        if len(detections) == 1:  # the common case: one mesh run
            result = self.mesh.run(rgb, detection_to_roi(detections[0], w, h))
            faces = [(detections[0], result)] if result.presence >= self.min_presence else []
        else:
            faces = self.confirmed(rgb, detections)
        if len(faces) != 1:
            self._roi = None
            return TrackStep(len(faces), None, detections[0] if len(detections) == 1 else None)
        detection, result = faces[0]
        self._roi = landmarks_to_roi(result.landmarks, w, h) if self.tracking else None
        return TrackStep(1, result, detection)
