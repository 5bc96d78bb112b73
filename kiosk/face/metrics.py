"""Face frame and per-frame facial measures in millimetres (pure functions).

The 468-point mesh (x, y image px; z relative depth, px-scaled like x) is turned into a
pose-normalized *face frame*: the 3D mesh is rotated so that the left-right axis (from
bilateral rigid landmark pairs) and the vertical axis (along the rigid nasal midline) lie
in the image plane, which undoes yaw, pitch and roll; then the points are projected
orthographically and scaled to mm.  Face-frame axes: ``x`` points to the patient's left,
``y`` points up (superior); the origin is the mean of the four eye corners (symmetric by
construction, so a symmetric deformation cannot move it sideways).

Per side and frame: brow height, palpebral fissure height, commissure position relative
to the lower-lip centre, alar position; plus the lip-centre offset from the fitted midline.

Scale: ``mm_per_px`` comes from the iris (11.7 mm visible iris diameter, docs/metrics.md#scale;
Emotrics uses 11.77 mm [Guarin18]).  Expect a few per cent scale error from it; ratios
between the two sides do not depend on it.

References: docs/metrics.md#per-frame-measures; Guarin DL et al., JAMA Facial Plast Surg 2018 (Emotrics
measures); House & Brackmann 1985.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.face import landmarks as L

SIDES = ("right", "left")


@dataclass(frozen=True)
class FaceFrame:
    """Landmarks in the pose-normalized face frame.

    points_mm: (468, 2) x (toward the patient's left) and y (superior), mm.
    mm_per_px: the scale used.  rotation: (3, 3) rows = face x, y, z axes in image coords.
    """

    points_mm: np.ndarray
    mm_per_px: float
    rotation: np.ndarray

    def mean(self, indices: tuple[int, ...]) -> np.ndarray:
        """Mean position (mm) of a landmark group."""
        return self.points_mm[list(indices)].mean(axis=0)


@dataclass(frozen=True)
class Midline:
    """Least-squares line x = x0 + slope * y through midline points (face frame, mm)."""

    x0_mm: float
    slope: float

    def offset_mm(self, point: np.ndarray) -> float:
        """Signed horizontal offset of a point from the line (+ = toward the patient's left)."""
        return float(point[0] - (self.x0_mm + self.slope * point[1]))


@dataclass(frozen=True)
class SideMeasures:
    """One side of the face in one frame (mm, face frame).

    brow_height_mm: brow group above the line through the inner eye corners.
    palpebral_fissure_mm: upper-lid minus lower-lid position (3-point means).
    commissure_lateral_mm / commissure_vertical_mm: mouth corner relative to the
    lower-lip centre (outward positive / superior positive); commissure_distance_mm: their norm.
    alar_height_mm / alar_lateral_mm: alar group position (superior / outward from the origin).
    """

    brow_height_mm: float
    palpebral_fissure_mm: float
    commissure_lateral_mm: float
    commissure_vertical_mm: float
    commissure_distance_mm: float
    alar_height_mm: float
    alar_lateral_mm: float


@dataclass(frozen=True)
class FrameMeasures:
    """Both sides of one frame plus the lip-centre offset from the midline (mm)."""

    right: SideMeasures
    left: SideMeasures
    lip_centre_offset_mm: float

    def side(self, name: str) -> SideMeasures:
        return self.right if name == "right" else self.left


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n < 1e-9:
        raise ValueError("degenerate landmark geometry (zero-length axis)")
    return v / n


def _check_landmarks(landmarks_px: np.ndarray) -> np.ndarray:
    lm = np.asarray(landmarks_px, dtype=np.float64)
    if lm.shape != (L.N_LANDMARKS, 3) or not np.all(np.isfinite(lm)):
        raise ValueError(f"expected finite (468, 3) landmarks, got shape {lm.shape}")
    return lm


def face_axes(landmarks_px: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) whose rows are the face's x (to patient's left), y (up), z axes.

    x: mean of the left-minus-right vectors of the rigid mirror pairs (3D).
    y: from the lower to the upper rigid nasal midline, made orthogonal to x.
    """
    lm = _check_landmarks(landmarks_px)
    pairs = L.RIGID_PAIRS
    x = _unit(sum(_unit(lm[l] - lm[r]) for r, l in zip(pairs.right, pairs.left)))
    half = len(L.MIDLINE_RIGID) // 2
    # upper minus lower midline points: points up the face (negative image y)
    up = lm[list(L.MIDLINE_RIGID[:half])].mean(axis=0) - lm[list(L.MIDLINE_RIGID[half:])].mean(axis=0)
    y = _unit(up - np.dot(up, x) * x)
    z = np.cross(x, y)
    return np.vstack([x, y, z])


def rigid_span_px(landmarks_px: np.ndarray) -> float:
    """Mean 3D distance (px) across the rigid mirror pairs: the per-frame size reference."""
    lm = _check_landmarks(landmarks_px)
    pairs = L.RIGID_PAIRS
    return float(np.mean([np.linalg.norm(lm[l] - lm[r]) for r, l in zip(pairs.right, pairs.left)]))


def face_frame(landmarks_px: np.ndarray, mm_per_px: float) -> FaceFrame:
    """Pose-normalize a mesh: rotate to frontal, project, scale to mm (y superior)."""
    if not (mm_per_px > 0 and np.isfinite(mm_per_px)):
        raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
    lm = _check_landmarks(landmarks_px)
    rot = face_axes(lm)
    origin = lm[list(L.RIGID_PAIRS.right + L.RIGID_PAIRS.left)].mean(axis=0)
    local = (lm - origin) @ rot.T  # columns: face x (patient's left), y (superior), z
    pts = local[:, :2] * mm_per_px
    return FaceFrame(points_mm=pts, mm_per_px=float(mm_per_px), rotation=rot)


def fit_midline(frame: FaceFrame, indices: tuple[int, ...] = L.MIDLINE_RIGID) -> Midline:
    """Least-squares midline x = x0 + slope*y through the given midline points (mm)."""
    pts = frame.points_mm[list(indices)]
    a = np.column_stack([np.ones(len(pts)), pts[:, 1]])
    (x0, slope), *_ = np.linalg.lstsq(a, pts[:, 0], rcond=None)
    return Midline(x0_mm=float(x0), slope=float(slope))


def _outward(side: str) -> float:
    """Sign that turns face-frame x into 'outward from the midline' for a side."""
    return 1.0 if side == "left" else -1.0


def brow_height_mm(frame: FaceFrame, side: str) -> float:
    """Brow group height above the line through both inner eye corners (mm)."""
    a = frame.mean(L.EYE_INNER_CORNER.right)
    b = frame.mean(L.EYE_INNER_CORNER.left)
    d = _unit(b - a)
    v = frame.mean(L.BROW.side(side)) - a
    return float(d[0] * v[1] - d[1] * v[0])


def palpebral_fissure_mm(frame: FaceFrame, side: str) -> float:
    """Upper-lid minus lower-lid height at mid-eye (mm); ~0 when the eye is closed."""
    return float(frame.mean(L.UPPER_LID.side(side))[1] - frame.mean(L.LOWER_LID.side(side))[1])


def side_measures(frame: FaceFrame, side: str, fissure_mm: float | None = None) -> SideMeasures:
    """All per-side measures of one frame (mm); ``fissure_mm`` overrides the mesh lids."""
    lip = frame.mean(L.LIP_CENTRE_LOWER)
    corner = frame.mean(L.MOUTH_CORNER.side(side)) - lip
    ala = frame.mean(L.ALA.side(side))
    out = _outward(side)
    return SideMeasures(
        brow_height_mm=brow_height_mm(frame, side),
        palpebral_fissure_mm=palpebral_fissure_mm(frame, side) if fissure_mm is None else float(fissure_mm),
        commissure_lateral_mm=float(out * corner[0]),
        commissure_vertical_mm=float(corner[1]),
        commissure_distance_mm=float(np.hypot(*corner)),
        alar_height_mm=float(ala[1]),
        alar_lateral_mm=float(out * ala[0]),
    )


def frame_measures(frame: FaceFrame, fissure_mm: dict[str, float] | None = None) -> FrameMeasures:
    """Both sides' measures and the lip-centre offset from the fitted midline (mm).

    fissure_mm: per-side palpebral fissure (mm) from a better lid model (the iris
    model's eye contour, :mod:`kiosk.vision.eyelids`); default: the mesh lids.
    """
    lip = (frame.mean(L.LIP_CENTRE_UPPER) + frame.mean(L.LIP_CENTRE_LOWER)) / 2
    fis = fissure_mm or {}
    return FrameMeasures(
        right=side_measures(frame, "right", fis.get("right")),
        left=side_measures(frame, "left", fis.get("left")),
        lip_centre_offset_mm=fit_midline(frame).offset_mm(lip),
    )


def group_position_mm(frame: FaceFrame, groups: tuple[L.SidePair, ...], side: str) -> np.ndarray:
    """Mean position (mm) of several landmark groups on one side, outward-positive x."""
    p = np.mean([frame.mean(g.side(side)) for g in groups], axis=0)
    return np.array([_outward(side) * p[0], p[1]])
