"""Tremor of the head and jaw from a video (docs/metrics.md#tremor): runs the face pipeline on
every frame, turns landmarks into displacement series in mm, and hands them to
:func:`kiosk.face.tremor.measure_tremor`.

Each measured point is located by the mesh in a reference frame (the first with a face) and
followed into every frame by optical flow (:func:`kiosk.face.flow.track_points`, started at
the mesh's position), as the excursions are: the mesh's learned shape prior damps a chin that
moves alone (a 1 mm synthetic jaw tremor read 0.40 mm from mesh positions). The flow window
is ``WINDOW_MM`` (16 mm), wider than the excursions' 10 mm: at about 0.65 mm/px a 10 mm patch
of a smooth chin often failed the texture check in every frame, leaving the jaw on the mesh
(a 2 mm jaw tremor read 1.17 mm, docs/validation.md#tremor).

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
from kiosk.session.hand_tremor import HandTremorResult

HEAD_POINTS = L.MIDLINE_RIGID + L.RIGID_PAIRS.right + L.RIGID_PAIRS.left
JAW_POINTS = (152, 175, 199, 200)   # chin: menton, pogonion and the soft tissue above them
MIN_SEEN_FRACTION = 0.9
WINDOW_MM = 16.0            # optical-flow window (mm of face) for the tremor points


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
    hands: HandTremorResult | None = None

    def to_dict(self) -> dict:
        hands = self.hands
        return {"fps": round(self.fps, 3), "frames": self.frames, "frames_with_face": self.frames_with_face,
                "mm_per_px": None if self.mm_per_px is None else round(self.mm_per_px, 4),
                "head": self.head.to_dict(), "jaw": self.jaw.to_dict(),
                "hand_left": None if hands is None or hands.left is None else hands.left.to_dict(),
                "hand_right": None if hands is None or hands.right is None else hands.right.to_dict(),
                "hands": None if hands is None else hands.to_dict(),
                "blinks": None if self.blinks is None else self.blinks.to_dict(),
                "note": ("Screening measure from video landmarks, not a diagnosis. Amplitudes are in the "
                         "image plane (movement towards the camera is not seen); mm assume an 11.7 mm iris "
                         "(hands without a face: an average adult hand breadth). Hands are the patient's "
                         "right and left.")}


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


def flow_positions(frames: list[np.ndarray], lm_px: np.ndarray, mm_per_px: float, points: tuple[int, ...],
                   crop: bool = False, window_mm: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Optical-flow positions (n, k, 2) px of the landmarks ``points`` from the first frame where
    they were seen into every frame where they were seen (started at the landmark model's
    position), and whether each is reliable (n, k) (False where not seen; the first frame True).

    crop: track in the region the points cover over the whole video (plus four windows) instead
    of the whole frame: the same result for points far from the crop's edge, less work.
    window_mm: the flow window (mm of face; default kiosk.face.flow.WINDOW_MM).
    """
    from kiosk.face.flow import WINDOW_MM as FLOW_WINDOW_MM
    from kiosk.face.flow import track_points, window_px

    window_mm = FLOW_WINDOW_MM if window_mm is None else window_mm

    idx = list(points)
    n = len(frames)
    pos = np.full((n, len(idx), 2), np.nan)
    ok = np.zeros((n, len(idx)), bool)
    seen = np.flatnonzero(np.isfinite(lm_px[:, idx[0], 0]))
    if not len(seen):
        return pos, ok
    x0 = y0 = 0
    x1, y1 = frames[0].shape[1], frames[0].shape[0]
    if crop:
        pts = lm_px[seen][:, idx]
        m = 4 * window_px(mm_per_px, window_mm)
        x0, y0 = (np.maximum(np.floor(np.nanmin(pts.reshape(-1, 2), axis=0)) - m, 0)).astype(int)
        x1, y1 = np.minimum(np.ceil(np.nanmax(pts.reshape(-1, 2), axis=0)) + m + 1, [x1, y1]).astype(int)
    off = np.array([x0, y0], dtype=np.float64)
    ref = frames[seen[0]][y0:y1, x0:x1]
    ref_pts = lm_px[seen[0], idx] - off
    pos[seen[0]], ok[seen[0]] = lm_px[seen[0], idx], True
    for i in seen[1:]:
        res = track_points(ref, frames[i][y0:y1, x0:x1], ref_pts, lm_px[i, idx] - off, mm_per_px, window_mm)
        pos[i], ok[i] = res.points_px + off, res.reliable
    return pos, ok


POINTS = HEAD_POINTS + JAW_POINTS


def group_displacement(points_px: np.ndarray, reliable: np.ndarray, mesh_px: np.ndarray) -> np.ndarray:
    """Mean displacement (n, 2) px of a point group from the reference frame: over the points the
    flow followed reliably in each frame, else (none reliable) the mesh's mean displacement.

    Displacements, not positions, are averaged, so a point that drops out in some frames (a
    chin patch too smooth to follow, a flow check failing at the far end of a swing) does not
    move the mean; and an unreliable point is left out instead of being replaced by its mesh
    position, whose prior damps a chin moving alone (a chin point on the mesh throughout made a
    0.3 mm jaw tremor read the head's 2 mm tremor frequency on two faces, docs/validation.md)."""
    ref = int(np.flatnonzero(reliable.any(axis=1))[0]) if reliable.any() else 0
    d = points_px - points_px[ref]
    n_ok = reliable.sum(axis=1)
    flow = np.where(reliable[..., None], d, 0.0).sum(axis=1) / np.maximum(n_ok, 1)[:, None]
    md = mesh_px - mesh_px[ref]
    seen = np.isfinite(md).all(axis=2)
    mesh = np.where(seen[..., None], md, 0.0).sum(axis=1) / np.where(seen.any(axis=1), seen.sum(axis=1), np.nan)[:, None]
    return np.where((n_ok > 0)[:, None], flow, mesh)


def site_series(frames: list[np.ndarray], lm_px: np.ndarray, mm_per_px: float) -> tuple[np.ndarray, np.ndarray]:
    """(head, jaw) displacement series (n, 2) mm: the head points' mean displacement, and the
    chin's minus the head's (NaN in frames without a face)."""
    pts, ok = flow_positions(frames, lm_px, mm_per_px, POINTS, window_mm=WINDOW_MM)
    nh = len(HEAD_POINTS)
    head = group_displacement(pts[:, :nh], ok[:, :nh], lm_px[:, list(HEAD_POINTS)])
    chin = group_displacement(pts[:, nh:], ok[:, nh:], lm_px[:, list(JAW_POINTS)])
    return head * mm_per_px, (chin - head) * mm_per_px


def tremor_from_series(frames: list[np.ndarray], series: VideoSeries, fps: float,
                       hands: HandTremorResult | None = None) -> TremorResult:
    """Head and jaw tremor from a video's frames and their :func:`video_series` (``hands``: the
    hand tremor of the same frames, carried along)."""
    lm, scale, seen = series.landmarks_px, series.mm_per_px, series.frames_with_face
    if scale is None or seen < MIN_SEEN_FRACTION * len(frames):
        why = ("no iris scale: mm cannot be measured" if scale is None and seen else
               f"one face seen in {seen} of {len(frames)} frames; {MIN_SEEN_FRACTION:.0%} needed")
        none = Tremor(False, None, None, None, None, why)
        return TremorResult(fps, len(frames), seen, scale, none, none, hands=hands)
    head, jaw = site_series(frames, lm, scale)
    return TremorResult(fps, len(frames), seen, scale, measure_tremor(head, fps), measure_tremor(jaw, fps),
                        detect_blinks(series.opening_px * scale, fps), hands)


def tremor_from_frames(frames: list[np.ndarray], fps: float, config: VisionConfig | None = None,
                       hands: bool = True) -> TremorResult:
    """Head, jaw and (``hands``) hand tremor of a video's frames (RGB uint8) at ``fps`` frames per
    second; the hands use the face's iris scale when there is one."""
    from kiosk.session.hand_tremor import hand_tremor_from_frames

    series = video_series(frames, config)
    hand = hand_tremor_from_frames(frames, fps, config, mm_per_px=series.mm_per_px,
                                   find_face=False) if hands else None
    return tremor_from_series(frames, series, fps, hand)
