"""Tremor of the head and jaw from a video (docs/metrics.md#tremor): runs the face pipeline on
every frame, turns landmarks into displacement series in mm, and hands them to
:func:`kiosk.face.tremor.measure_tremor`.

Each measured point is located by the mesh in a reference frame (the first with a face) and
followed into every frame by optical flow (:func:`kiosk.face.flow.track_points`, started at
the mesh's position), as the excursions are: the mesh's learned shape prior damps a chin that
moves alone (a 1 mm synthetic jaw tremor read 0.40 mm from mesh positions).

Head: the mean of rigid points (nasal dorsum, eye corners), which move with the skull.
Jaw: the chin relative to that head point, so head movement is not counted
twice. A nodding head tremor also moves the chin more than the eyes (it rotates about the
neck); the jaw estimate then carries part of it, which a clinician should keep in mind.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.config import VisionConfig
from kiosk.face import landmarks as L
from kiosk.face.blink import Blinks, detect_blinks
from kiosk.face.tremor import Tremor, measure_tremor

HEAD_POINTS = L.MIDLINE_RIGID + L.RIGID_PAIRS.right + L.RIGID_PAIRS.left
JAW_POINTS = (152, 175, 199, 200)   # chin: menton, pogonion and the soft tissue above them
MIN_SEEN_FRACTION = 0.9


@dataclass(frozen=True)
class TremorResult:
    """Head and jaw tremor of one video (and, from the same frames, its blinks), with the scale and
    frame timing used."""

    fps: float
    frames: int
    frames_with_face: int
    mm_per_px: float | None
    head: Tremor
    jaw: Tremor
    blinks: Blinks | None = None

    def to_dict(self) -> dict:
        return {"fps": round(self.fps, 3), "frames": self.frames, "frames_with_face": self.frames_with_face,
                "mm_per_px": None if self.mm_per_px is None else round(self.mm_per_px, 4),
                "head": self.head.to_dict(), "jaw": self.jaw.to_dict(),
                "hand_left": None, "hand_right": None,
                "blinks": None if self.blinks is None else self.blinks.to_dict(),
                "note": ("Screening measure from video landmarks, not a diagnosis. Amplitudes are in the "
                         "image plane (movement towards the camera is not seen); mm assume an 11.7 mm iris. "
                         "Hand tremor is not measured by this version.")}


@dataclass(frozen=True)
class VideoSeries:
    """Per-frame measurements of a video: landmarks (n, 468, 2) px and the lid opening (n,) px
    (mean of both eyes, iris-model contour), NaN where no single face was seen; the median iris
    scale (mm/px) over the frames."""

    landmarks_px: np.ndarray
    opening_px: np.ndarray
    mm_per_px: float | None

    @property
    def frames_with_face(self) -> int:
        return int(np.isfinite(self.landmarks_px[:, 0, 0]).sum())


def video_series(frames: list[np.ndarray], config: VisionConfig | None = None) -> VideoSeries:
    """Run the face pipeline (mesh and iris, tracking) on every frame."""
    from kiosk.vision.eyelids import contour_fissure_px
    from kiosk.vision.pipeline import FacePipeline

    pipeline = FacePipeline(config, tracking=True, with_iris=True)
    try:
        lm = np.full((len(frames), L.N_LANDMARKS, 2), np.nan)
        opening = np.full(len(frames), np.nan)
        scales = []
        for i, rgb in enumerate(frames):
            face = pipeline.process(rgb).face
            if face is None:
                continue
            lm[i] = face.landmarks_px[:, :2]
            eyes = [e.eye_contour_px for e in (face.iris_right, face.iris_left)
                    if e is not None and e.eye_contour_px is not None]
            if eyes:
                opening[i] = float(np.mean([contour_fissure_px(c) for c in eyes]))
            if face.mm_per_px:
                scales.append(face.mm_per_px)
    finally:
        pipeline.close()
    return VideoSeries(lm, opening, float(np.median(scales)) if scales else None)


def tremor_from_landmarks(lm_px: np.ndarray, mm_per_px: float, fps: float) -> tuple[Tremor, Tremor]:
    """(head, jaw) tremor from (n, 468, 2) landmarks px at ``fps``."""
    head = np.nanmean(lm_px[:, list(HEAD_POINTS)], axis=1) * mm_per_px
    jaw = np.nanmean(lm_px[:, list(JAW_POINTS)], axis=1) * mm_per_px - head
    return measure_tremor(head, fps), measure_tremor(jaw, fps)


def follow_points(frames: list[np.ndarray], lm_px: np.ndarray, mm_per_px: float) -> np.ndarray:
    """The measured points' positions (n, 468, 2) px with HEAD_POINTS and JAW_POINTS replaced by
    their optical-flow positions from the first frame with a face, where the flow is reliable."""
    from kiosk.face.flow import track_points

    idx = list(HEAD_POINTS + JAW_POINTS)
    seen = np.flatnonzero(np.isfinite(lm_px[:, 0, 0]))
    out = lm_px.copy()
    if not len(seen):
        return out
    ref = frames[seen[0]]
    ref_pts = lm_px[seen[0], idx]
    for i in seen[1:]:
        res = track_points(ref, frames[i], ref_pts, lm_px[i, idx], mm_per_px)
        keep = np.array(idx)[res.reliable]
        out[i, keep] = res.points_px[res.reliable]
    return out


def tremor_from_series(frames: list[np.ndarray], series: VideoSeries, fps: float) -> TremorResult:
    """Head and jaw tremor from a video's frames and their :func:`video_series`."""
    lm, scale, seen = series.landmarks_px, series.mm_per_px, series.frames_with_face
    if scale is None or seen < MIN_SEEN_FRACTION * len(frames):
        why = ("no iris scale: mm cannot be measured" if scale is None and seen else
               f"one face seen in {seen} of {len(frames)} frames; {MIN_SEEN_FRACTION:.0%} needed")
        none = Tremor(False, None, None, None, None, why)
        return TremorResult(fps, len(frames), seen, scale, none, none)
    head, jaw = tremor_from_landmarks(follow_points(frames, lm, scale), scale, fps)
    return TremorResult(fps, len(frames), seen, scale, head, jaw, detect_blinks(series.opening_px * scale, fps))


def tremor_from_frames(frames: list[np.ndarray], fps: float, config: VisionConfig | None = None) -> TremorResult:
    """Head and jaw tremor of a video's frames (RGB uint8) at ``fps`` frames per second."""
    return tremor_from_series(frames, video_series(frames, config), fps)
