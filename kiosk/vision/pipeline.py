"""FacePipeline: detect -> mesh (468) -> iris -> pose -> quality gate, per RGB frame.

The API other packages use (docs/contracts.md). Landmarks are in image pixels: x, y, and
z a relative depth scaled like x (mediapipe's convention; smaller z = nearer the camera,
origin roughly at the face centre). Sides are the patient's: ``iris_right`` is the patient's
right eye (mesh 33/133, image left in an unmirrored frame).

Scale: ``mm_per_px = iris_diameter_mm / mean visible iris diameter (px)``, a population
mean (11.7 mm) that is typically within +-0.5 mm (about +-4 %) of an individual's iris.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
import numpy as np

from kiosk.config import VisionConfig
from kiosk.vision.detector import FaceDetector
from kiosk.vision.eyes import EyePair, Speculation
from kiosk.vision.iris import IrisResult, iris_diameter_px
from kiosk.vision.mesh import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, FaceMesh, MeshResult
from kiosk.vision.pose import HeadPose, head_pose
from kiosk.vision.quality import QualityVerdict, assess_quality, face_crop_gray
from kiosk.vision.runtime import Model
from kiosk.vision.tracker import FaceTracker

__all__ = ["FacePipeline", "FrameAnalysis", "FaceObservation", "IrisObservation", "HeadPose",
           "QualityVerdict"]


@dataclass(frozen=True)
class IrisObservation:
    """One iris: centre (2,) px, visible diameter px, 5 points (centre + boundary) px, and
    the iris model's 71 eye-contour points (lids, brow) px, mediapipe's order."""

    center_px: np.ndarray
    diameter_px: float
    points_px: np.ndarray
    eye_contour_px: np.ndarray | None = None


@dataclass(frozen=True)
class FaceObservation:
    """One face in one frame (see module docstring for units and sides)."""

    landmarks_px: np.ndarray                    # (468, 3): x, y px; z relative, px-scaled like x
    presence: float                             # 0..1
    box_px: tuple[float, float, float, float]   # x0, y0, x1, y1 of the 468 landmarks
    iris_right: IrisObservation | None          # patient's right eye
    iris_left: IrisObservation | None
    mm_per_px: float | None                     # iris_diameter_mm / mean iris diameter px
    pose: HeadPose
    interocular_px: float                       # outer eye corners 33-263, px
    detection_box_px: tuple[float, float, float, float] | None = None  # None while tracked
    detection_score: float | None = None


@dataclass(frozen=True)
class FrameAnalysis:
    """faces_found: faces the mesh confirmed among the detections (kiosk.vision.tracker; 1 while
    tracked); face only when exactly one."""

    faces_found: int
    face: FaceObservation | None
    quality: QualityVerdict
    timestamp_s: float | None = None


class FacePipeline:
    """Detection, mesh, iris, pose and quality on RGB uint8 frames.

    ``tracking=False`` runs the detector on every frame (still images); ``tracking=True``
    reuses the previous landmarks' ROI (video). ``with_iris=False`` skips the iris model
    (then ``mm_per_px`` is None).
    """

    def __init__(self, config: VisionConfig | None = None, *, tracking: bool = False,
                 with_iris: bool = True) -> None:
        self.config = config or VisionConfig()
        d, t = self.config.model_dir, min(self.config.mesh_threads, self.config.threads)
        detector = FaceDetector(Model(d / "face_detection_short_range.tflite", t), self.config.min_detection_score)
        mesh = FaceMesh(Model(d / "face_landmark.tflite", t))
        # mesh only, video, 2+ threads: the periodic face count runs beside the mesh (with the
        # iris the second core is already busy with the speculative eyes)
        self._pool = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="facecount")
                      if tracking and not with_iris and self.config.threads >= 2 else None)
        self.tracker = FaceTracker(detector, mesh, tracking=tracking, min_presence=self.config.min_presence,
                                   redetect_every=self.config.redetect_every_frames, pool=self._pool)
        self.eyes: EyePair | None = None
        if with_iris:
            self.eyes = EyePair(d / "iris_landmark.tflite", parallel=self.config.threads >= 2,
                                tolerance=self.config.iris_roi_reuse_tolerance if tracking else 0.0)
        self._prev: np.ndarray | None = None  # last tracked frame's normalized landmarks

    def reset(self) -> None:
        """Forget the tracked face."""
        self.tracker.reset()
        self._prev = None

    def close(self) -> None:
        """Stop the worker threads (also done at interpreter exit)."""
        if self.eyes is not None:
            self.eyes.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
            self.tracker.pool = None

    def process(self, rgb: np.ndarray, timestamp_s: float | None = None) -> FrameAnalysis:
        """Analyse one frame (H x W x 3 RGB uint8). Raises ValueError on another shape/dtype."""
        rgb = _check_frame(rgb)
        spec = None
        if self.eyes is not None and self._prev is not None and self.tracker.is_tracking:
            spec = self.eyes.speculate(rgb, self._prev)  # runs while the mesh runs
        step = self.tracker.step(rgb)
        self._prev = step.mesh.landmarks if step.mesh is not None and self.tracker.is_tracking else None
        if step.mesh is None:
            if spec is not None:
                spec.wait()  # let the speculative inferences finish before the next frame
            gray_mean = float(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).mean())
            q = assess_quality(step.faces_found, None, None, None, self.config, gray_mean)
            return FrameAnalysis(step.faces_found, None, q, timestamp_s)
        face = self._observe(rgb, step.mesh, spec)
        if step.detection is not None:
            h, w = rgb.shape[:2]
            face = _with_detection(face, step.detection.box_px(w, h), step.detection.score)
        gray = face_crop_gray(rgb, face.box_px)
        q = assess_quality(1, face.interocular_px, face.pose, gray, self.config)
        return FrameAnalysis(1, face, q, timestamp_s)

    def _observe(self, rgb: np.ndarray, mesh: MeshResult, spec: Speculation | None) -> FaceObservation:
        h, w = rgb.shape[:2]
        scale = np.array([w, h, w], dtype=np.float64)
        lm_px = mesh.landmarks * scale
        iris_r = iris_l = None
        if self.eyes is not None:
            iris_r, iris_l = (_iris_obs(r, scale) for r in self.eyes.run(rgb, mesh.landmarks, spec))
        diam = [i.diameter_px for i in (iris_r, iris_l) if i is not None and i.diameter_px > 0]
        mm_per_px = self.config.iris_diameter_mm / float(np.mean(diam)) if diam else None
        x0, y0 = lm_px[:, :2].min(axis=0)
        x1, y1 = lm_px[:, :2].max(axis=0)
        iod = float(np.linalg.norm(lm_px[LEFT_EYE_OUTER, :2] - lm_px[RIGHT_EYE_OUTER, :2]))
        return FaceObservation(lm_px, mesh.presence, (float(x0), float(y0), float(x1), float(y1)),
                               iris_r, iris_l, mm_per_px, head_pose(lm_px), iod)


def _iris_obs(res: IrisResult, scale: np.ndarray) -> IrisObservation:
    pts = res.points[:, :2] * scale[:2]
    contour = None if res.contour is None else res.contour[:, :2] * scale[:2]
    return IrisObservation(pts[0].copy(), iris_diameter_px(pts), pts, contour)


def _with_detection(face: FaceObservation, box: tuple[float, float, float, float],
                    score: float) -> FaceObservation:
    return replace(face, detection_box_px=tuple(float(v) for v in box), detection_score=score)


def _check_frame(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        shape = getattr(rgb, "shape", None)
        raise ValueError(f"expected an RGB uint8 frame of shape (H, W, 3), got {shape} "
                         f"{getattr(rgb, 'dtype', type(rgb).__name__)}")
    if rgb.shape[0] < 16 or rgb.shape[1] < 16:
        raise ValueError(f"frame too small: {rgb.shape[1]}x{rgb.shape[0]} px")
    return np.ascontiguousarray(rgb)
