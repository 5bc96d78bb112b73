"""Synthetic palsy faces: smooth displacement warps of a real face (scikit-image astronaut by
default; any face of :mod:`kiosk.demo.real_faces` with ``SyntheticSpec(face=...)``, whose warp
anchors come from the face mesh and whose mm scale is the iris's).

Each expression moves anatomical regions of the real photograph by a known amount:

============== ================================================ ===============
expression      movement on a healthy side (severity 0)           where
============== ================================================ ===============
brow_raise      brow up 12 mm (mesh ~7.5, flow ~8.4 mm)          brow
eye_close_*     upper lid slides down: closure 0.95 (gentle), 0.97 (tight)
smile           8 mm out + 6 mm up (mesh ~8.4, flow ~9.8 mm)     mouth corner
snarl           lip/ala up 9 mm (mesh ~5.3, flow ~6.2 mm)        lip-ala
pucker          10 mm to the midline (mesh ~7, flow ~8.8 mm)     mouth corner
============== ================================================ ===============

Ocular synkinesis (``SyntheticSpec.synkinesis``): the affected eye's upper lid slides down
by that fraction of the fissure during smile and pucker (:func:`synkinesis_truth_mm`).
Resting droops of one commissure or brow: :func:`droop_image` (kiosk.demo.rest_droop).

Gentle eye closure on the affected side weakens with severity like the other movements;
tight closure stays complete up to severity 0.5, then falls linearly to none at severity 1
(``EYE_SPARING``).
The face mesh follows a local warp only partly (it keeps a face-shaped prior), hence the
warp amplitudes above are larger than the movement the mesh reports; the assessment's
optical flow follows it closely (:func:`true_displacement_px` gives the truth at any
point, for comparison).  The affected side's movement is scaled by ``1 - severity`` (1 = no movement).  Sides are
the patient's: the patient's left is the image right.  Optional head roll, yaw (the face
plane turned about the vertical axis, a perspective warp), scale, shift and brightness are
applied to every frame of the session, rest included.

The scale is about 0.7 mm/px: the outer eye corners of the 512 px base image are 123 px
apart and about 87 mm in life (docs/architecture.md#where-the-first-design-was-wrong).  The anchor points below were
measured once with the face mesh on this crop; they only place the warps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from kiosk.protocol.steps import FACE_STEPS

SIZE_PX = 512
MM_PER_PX = 87.0 / 123.0
_ROLL_FIX_DEG = 3.0  # the astronaut's head is rolled ~3 degrees; the base image levels it
_CENTRE = (250.0, 200.0)

# (x, y) px in the 512 px crop (astronaut rows 20..276, cols 100..356, upscaled x2),
# patient's right first.  Measured with face_landmark.tflite; see module docstring.
_ANCHORS_RAW = {
    "brow": ((198.0, 134.0), (308.0, 139.0)),
    "eye_outer": ((189.3, 161.6), (312.5, 167.4)),
    "eye_inner": ((227.7, 167.8), (273.9, 170.1)),
    "upper_lid": ((205.3, 154.6), (297.0, 158.8)),
    "lower_lid": ((208.4, 168.7), (292.7, 172.8)),
    "mouth_corner": ((202.7, 238.5), (292.6, 242.8)),
    "lip_ala": ((219.0, 225.0), (276.0, 228.0)),
    "midline_top": ((254.8, 103.6), (254.8, 103.6)),
    "midline_chin": ((242.4, 311.4), (242.4, 311.4)),
}


@dataclass(frozen=True)
class Expression:
    """Healthy-side movement of one expression (mm; closure as a fraction)."""

    region: str
    up_mm: float = 0.0
    out_mm: float = 0.0
    sigma_px: float = 20.0
    closure: float = 0.0


EXPRESSIONS: dict[str, Expression] = {
    "rest": Expression(region="none"),
    "brow_raise": Expression(region="brow", up_mm=12.0, sigma_px=36.0),
    "eye_close_gentle": Expression(region="eye", closure=0.95),
    "eye_close_tight": Expression(region="eye", closure=0.97),
    "smile": Expression(region="mouth_corner", up_mm=6.0, out_mm=8.0, sigma_px=30.0),
    "snarl": Expression(region="lip_ala", up_mm=9.0, sigma_px=28.0),
    "pucker": Expression(region="mouth_corner", out_mm=-10.0, sigma_px=34.0),
}


# Forceful closure is spared in milder palsy (HB III: "closes completely with effort"):
# the affected lid closes fully while 1 - severity >= this value, then proportionally.
# Gentle closure weakens in proportion to the severity (1.0 = no sparing).
# The brow lift fades within ~1 cm below the brow so the eyes stay where they are.
BROW_DECAY_BELOW_PX = 15.0
EYE_SPARING = {"eye_close_gentle": 1.0, "eye_close_tight": 0.5}
# Expressions during which a synkinetic eye narrows (SyntheticSpec.synkinesis).
SYNKINESIS_STEPS = ("smile", "pucker")


@dataclass(frozen=True)
class Pose:
    """Whole-image changes applied to every frame (degrees, scale factor, px, gain)."""

    roll_deg: float = 0.0
    yaw_deg: float = 0.0
    scale: float = 1.0
    shift_px: tuple[float, float] = (0.0, 0.0)
    brightness: float = 1.0


@dataclass(frozen=True)
class SyntheticSpec:
    """What to synthesize: affected side ('left', 'right', 'both' or 'none'), severity 0..1
    ('both': the movement of both sides is reduced alike, as in hypomimia).

    symmetric=True (default) starts from the mirrored, perfectly symmetric face, so all
    asymmetry comes from ``severity``.  face: which real photograph (see :func:`base_face`).
    synkinesis: ocular synkinesis, the fraction by which the affected eye's fissure narrows
    at the peak of smile and pucker (0.3 = 30 %, the patients' mean during pucker in FPSAM
    2025; controls 1.7 %); the other eye stays open.  symmetric=False uses the photograph as it is; its
    own asymmetry (head slightly turned; the left lid travels ~25 % less on closure) reads
    as a mild left-sided asymmetry (HB II estimate) at severity 0.
    """

    affected_side: str = "none"
    severity: float = 0.0
    symmetric: bool = True
    pose: Pose = field(default_factory=Pose)
    face: str = "astronaut"  # or another of kiosk.demo.real_faces.NAMES
    synkinesis: float = 0.0  # affected eye's fissure narrowing (fraction) during smile and pucker

    def amplitude(self, side: str) -> float:
        """Movement factor for a side: 1 - severity on the affected side (both with 'both'), else 1."""
        if not 0.0 <= self.severity <= 1.0:
            raise ValueError(f"severity must be in 0..1, got {self.severity}")
        return 1.0 - self.severity if self.affected_side in (side, "both") else 1.0


def _rotation_about(centre: tuple[float, float], deg: float) -> np.ndarray:
    import cv2

    return np.vstack([cv2.getRotationMatrix2D(centre, deg, 1.0), [0.0, 0.0, 1.0]])


@lru_cache(maxsize=16)
def base_face(symmetric: bool = False, face: str = "astronaut") -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The levelled 512 px astronaut face (RGB uint8) and its anchors (right, left).

    symmetric=True mirrors the patient's right half (image left) about the midline,
    giving a perfectly symmetric real face.  face: "astronaut" (anchors measured once, below)
    or another real face of kiosk.demo.real_faces, whose anchors come from the face mesh on
    the levelled photo (:func:`_mesh_base`).
    """
    import cv2

    if face != "astronaut":
        return _mesh_base(face, symmetric)[:2]
    from skimage import data

    crop = data.astronaut()[20:276, 100:356]
    img = cv2.resize(crop, (SIZE_PX, SIZE_PX), interpolation=cv2.INTER_CUBIC)
    m = _rotation_about(_CENTRE, -_ROLL_FIX_DEG)
    img = cv2.warpAffine(img, m[:2], (SIZE_PX, SIZE_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    def tr(p: tuple[float, float]) -> np.ndarray:
        return (m @ np.array([p[0], p[1], 1.0]))[:2]

    anchors = {k: (tr(r), tr(l)) for k, (r, l) in _ANCHORS_RAW.items()}
    if symmetric:
        mx = float(np.mean([anchors["midline_top"][0][0], anchors["midline_chin"][0][0]]))
        xs = np.arange(SIZE_PX, dtype=np.float32)
        map_x = np.where(xs > mx, 2 * mx - xs, xs)[None, :].repeat(SIZE_PX, 0).astype(np.float32)
        map_y = np.arange(SIZE_PX, dtype=np.float32)[:, None].repeat(SIZE_PX, 1)
        mirrored = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        # mirror only the head (feathered ellipse): a mirrored collar reads as a second face
        mask = np.zeros(img.shape[:2], np.float32)
        cv2.ellipse(mask, (int(round(mx)), 205), (135, 165), 0, 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 8)[..., None]
        img = (mask * mirrored + (1 - mask) * img).round().astype(np.uint8)
        anchors = {k: (r, np.array([2 * mx - r[0], r[1]])) for k, (r, _) in anchors.items()}
    img.setflags(write=False)
    return img, anchors


def face_scale(face: str = "astronaut") -> float:
    """mm per px of a base face: the astronaut's fixed 87 mm / 123 px, else the iris scale."""
    return MM_PER_PX if face == "astronaut" else _mesh_base(face, False)[2]


def _px(face: str) -> float:
    """Astronaut px per this face's px for the same mm (scales the warps' reach)."""
    return MM_PER_PX / face_scale(face)


def _landmark_anchors(lm: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from kiosk.face import landmarks as L

    def pair(*groups) -> tuple[np.ndarray, np.ndarray]:
        return tuple(np.mean([lm[i, :2] for g in groups for i in g.side(s)], axis=0) for s in ("right", "left"))

    one = L.SidePair
    return {"brow": pair(L.BROW), "eye_outer": pair(L.EYE_OUTER_CORNER), "eye_inner": pair(L.EYE_INNER_CORNER),
            "upper_lid": pair(one((159,), (386,))), "lower_lid": pair(one((145,), (374,))),
            "mouth_corner": pair(L.MOUTH_CORNER), "lip_ala": pair(L.UPPER_LIP_LATERAL, L.ALA),
            "midline_top": (lm[10, :2].copy(), lm[10, :2].copy()), "midline_chin": (lm[152, :2].copy(), lm[152, :2].copy())}


@lru_cache(maxsize=16)
def _mesh_base(face: str, symmetric: bool) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]], float]:
    """(levelled RGB, anchors from the face mesh, iris mm/px) of a real face from kiosk.demo.real_faces."""
    import cv2

    from kiosk.demo.real_faces import load_face, mirror_about
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline()
    img = load_face(face, SIZE_PX)

    def observe(rgb: np.ndarray):
        f = pipe.process(rgb).face
        if f is None or not f.mm_per_px:
            raise ValueError(f"no single face with an iris scale in the real face {face!r}")
        return f

    f = observe(img)
    a = _landmark_anchors(f.landmarks_px)
    d = a["eye_outer"][1] - a["eye_outer"][0]
    centre = tuple(float(v) for v in (a["eye_outer"][0] + a["eye_outer"][1]) / 2)
    m = _rotation_about(centre, float(np.degrees(np.arctan2(d[1], d[0]))))
    img = cv2.warpAffine(img, m[:2], (SIZE_PX, SIZE_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    f = observe(img)
    anchors = _landmark_anchors(f.landmarks_px)
    if symmetric:
        mx = float(np.mean([anchors["midline_top"][0][0], anchors["midline_chin"][0][0]]))
        img = mirror_about(img, mx, keep="right")
        anchors = {k: (r, np.array([2 * mx - r[0], r[1]])) for k, (r, _) in anchors.items()}
    pipe.close()
    img.setflags(write=False)
    return img, anchors, float(f.mm_per_px)


def _bump(xs: np.ndarray, ys: np.ndarray, centre: np.ndarray, disp_px: np.ndarray, sigma_px: float,
          below_sigma_px: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Forward displacement (dx, dy) of a Gaussian bump at points (xs, ys); optional shorter decay below the centre."""
    sy = np.full_like(ys, sigma_px)
    if below_sigma_px is not None:
        sy = np.where(ys > centre[1], below_sigma_px, sigma_px)
    g = np.exp(-0.5 * (((xs - centre[0]) / sigma_px) ** 2 + ((ys - centre[1]) / sy) ** 2))
    return g * disp_px[0], g * disp_px[1]


def _bumps(step: str, spec: SyntheticSpec, xs: np.ndarray, ys: np.ndarray,
           fraction: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Summed forward displacement (px) of both sides' bumps of a non-eye expression."""
    expr = EXPRESSIONS[step]
    _, anchors = base_face(spec.symmetric, spec.face)
    k = _px(spec.face)
    dx_all, dy_all = np.zeros_like(xs), np.zeros_like(ys)
    if expr.region in ("none", "eye"):
        return dx_all, dy_all
    for i, side in enumerate(("right", "left")):
        outward = -1.0 if side == "right" else 1.0
        disp = np.array([outward * expr.out_mm, -expr.up_mm]) * spec.amplitude(side) * fraction / face_scale(spec.face)
        below = BROW_DECAY_BELOW_PX * k if expr.region == "brow" else None
        dx, dy = _bump(xs, ys, anchors[expr.region][i], disp, expr.sigma_px * k, below)
        dx_all, dy_all = dx_all + dx, dy_all + dy
    return dx_all, dy_all


def true_displacement_px(step: str, spec: SyntheticSpec, points_px: np.ndarray, fraction: float = 1.0) -> np.ndarray:
    """Where the warp of ``step`` really moves rest-image points (N, 2) px, as (N, 2) displacements.

    The ground truth for tracking: the image is resampled at q - d(q), so a rest point p
    appears at the q solving q = p + d(q) (fixed-point iteration; d is smooth and small).
    In base-image px (pose-free); eye closures are not modelled here (returns 0).
    """
    p = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    q = p.copy()
    for _ in range(30):
        dx, dy = _bumps(step, spec, q[:, 0], q[:, 1], fraction)
        q = p + np.column_stack([dx, dy])
    return q - p


def _parabola(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.poly1d:
    """y(x) through three points (eye corner, mid-lid, eye corner)."""
    xs = np.array([p0[0], p1[0], p2[0]])
    ys = np.array([p0[1], p1[1], p2[1]])
    return np.poly1d(np.polyfit(xs, ys, 2))


def _lid_map(map_y: np.ndarray, upper: np.ndarray, lower: np.ndarray, outer: np.ndarray,
             inner: np.ndarray, closure: float) -> None:
    """Slide the upper lid down by ``closure`` of the fissure (backward map, in place).

    Lids are parabolas through the corners and the mid-lid point.  Per column the skin
    above the lid, [top, lid], is stretched to [top, lid + closure * fissure] and the
    opening is compressed into what is left, so at closure 1 the lid edge lies on the
    lower lid.  Columns just beyond the corners taper smoothly back to no change.
    """
    if closure <= 0:
        return
    up_curve, low_curve = _parabola(outer, upper, inner), _parabola(outer, lower, inner)
    x0, x1 = sorted((outer[0], inner[0]))
    margin = 0.08 * (x1 - x0)
    xs = np.arange(int(np.floor(x0 - margin)), int(np.ceil(x1 + margin)) + 1)
    ys = np.arange(map_y.shape[0], dtype=np.float32)[:, None]
    xc = np.clip(xs, x0, x1).astype(np.float64)
    lid, low = up_curve(xc), low_curve(xc)
    fissure = np.maximum(low - lid, 0.0)
    outside = np.clip(np.maximum(x0 - xs, xs - x1) / margin, 0, 1)
    new_lid = lid + closure * (1 - outside) * fissure
    top = lid - 1.2 * float(fissure.max()) - 1.0
    stretch = top + (ys - top) * (lid - top) / np.maximum(new_lid - top, 1e-6)
    squeeze = lid + (ys - new_lid) * (low - lid) / np.maximum(low - new_lid, 1e-6)
    new = np.where(ys <= new_lid, stretch, squeeze)
    inside = (ys > top) & (ys < low + 0.5)
    map_y[:, xs] = np.where(inside, new, map_y[:, xs]).astype(np.float32)


def expression_image(step: str, spec: SyntheticSpec, fraction: float = 1.0) -> np.ndarray:
    """The face performing ``step`` at ``fraction`` of its peak (before pose changes), RGB uint8."""
    import cv2

    expr = EXPRESSIONS[step]
    img, anchors = base_face(spec.symmetric, spec.face)
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    map_x, map_y = xs.copy(), ys.copy()
    if expr.region == "eye":
        for i, side in enumerate(("right", "left")):
            spared = min(1.0, spec.amplitude(side) / EYE_SPARING[step]) * fraction
            _lid_map(map_y, anchors["upper_lid"][i], anchors["lower_lid"][i], anchors["eye_outer"][i],
                     anchors["eye_inner"][i], expr.closure * spared)
    elif expr.region != "none":
        dx, dy = _bumps(step, spec, xs, ys, fraction)
        map_x -= dx
        map_y -= dy
    if spec.synkinesis > 0 and step in SYNKINESIS_STEPS and spec.affected_side in ("left", "right"):
        i = 0 if spec.affected_side == "right" else 1
        _lid_map(map_y, anchors["upper_lid"][i], anchors["lower_lid"][i], anchors["eye_outer"][i],
                 anchors["eye_inner"][i], spec.synkinesis * fraction)
    return cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def pose_matrix(pose: Pose, size: int = SIZE_PX) -> np.ndarray:
    """3x3 homography: roll and scale about the face centre, yaw as a turned plane, shift."""
    cx, cy = _CENTRE
    f = 1.5 * size
    yaw = np.deg2rad(pose.yaw_deg)
    k = np.array([[f, 0, cx], [0, f, cy], [0, 0, 1.0]])
    r = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    h_yaw = k @ r @ np.linalg.inv(k)
    roll_scale = _rotation_about(_CENTRE, pose.roll_deg)
    roll_scale[:2, :2] *= pose.scale
    roll_scale[:2, 2] = np.array([cx, cy]) - roll_scale[:2, :2] @ np.array([cx, cy])
    shift = np.array([[1, 0, pose.shift_px[0]], [0, 1, pose.shift_px[1]], [0, 0, 1.0]])
    return shift @ roll_scale @ h_yaw


def apply_pose(img: np.ndarray, pose: Pose) -> np.ndarray:
    """Apply roll, yaw, scale, shift and brightness to a frame (RGB uint8)."""
    import cv2

    out = img
    if pose.roll_deg or pose.yaw_deg or pose.scale != 1.0 or any(pose.shift_px):
        out = cv2.warpPerspective(img, pose_matrix(pose, img.shape[1]), (img.shape[1], img.shape[0]),
                                  flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if pose.brightness != 1.0:
        out = np.clip(out.astype(np.float32) * pose.brightness, 0, 255).astype(np.uint8)
    return out


def synkinesis_truth_mm(spec: SyntheticSpec) -> float:
    """How far the affected eye's upper lid slides down during smile and pucker (mm): the
    synkinesis fraction of the fissure between the mid-lid anchors."""
    if spec.affected_side not in ("left", "right"):
        return 0.0
    _, anchors = base_face(spec.symmetric, spec.face)
    i = 0 if spec.affected_side == "right" else 1
    return float(spec.synkinesis * (anchors["lower_lid"][i][1] - anchors["upper_lid"][i][1]) * face_scale(spec.face))


def make_session(spec: SyntheticSpec, steps: tuple[str, ...] = FACE_STEPS) -> dict[str, np.ndarray]:
    """Peak frame per face step (RGB uint8, 512x512)."""
    return {s: apply_pose(expression_image(s, spec), spec.pose) for s in steps}


def make_clip(step: str, spec: SyntheticSpec, n_frames: int = 9) -> list[np.ndarray]:
    """A clip rest -> peak -> rest; the movement follows a half sine over ``n_frames``."""
    ramp = np.sin(np.linspace(0, np.pi, n_frames))
    return [apply_pose(expression_image(step, spec, float(t)), spec.pose) for t in ramp]


def write_session(out_dir: Path | str, spec: SyntheticSpec, steps: tuple[str, ...] = FACE_STEPS,
                  clips: bool = False) -> Path:
    """Write a session folder: ``<step>.png`` per face step, or ``<step>.avi`` clips."""
    import cv2

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for step in steps:
        if clips and step != "rest":
            from kiosk.demo.synthetic_tremor import write_video
            write_video(out / f"{step}.avi", make_clip(step, spec), 10.0)
        else:
            img = apply_pose(expression_image(step, spec), spec.pose)
            cv2.imwrite(str(out / f"{step}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return out


def droop_displacement_px(points_px: np.ndarray, centre_px: np.ndarray, down_px: np.ndarray, sigma_px: float,
                          below_sigma_px: float | None = None) -> np.ndarray:
    """True displacement (N, 2) px of rest-image points under :func:`droop_image` (fixed point of q = p + d(q))."""
    p = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    q = p.copy()
    for _ in range(30):
        dx, dy = _bump(q[:, 0], q[:, 1], np.asarray(centre_px, float), np.asarray(down_px, float), sigma_px,
                       below_sigma_px)
        q = p + np.column_stack([dx, dy])
    return q - p


def droop_image(rgb: np.ndarray, centre_px: np.ndarray, down_px: np.ndarray, sigma_px: float,
                below_sigma_px: float | None = None) -> np.ndarray:
    """A real photo with one region pulled by a smooth Gaussian warp (a resting droop).

    centre_px: (x, y) of the region; down_px: its displacement (dx, dy) px (e.g. 5 mm along the
    face's downward axis); sigma_px: the warp's reach; below_sigma_px: a shorter reach below
    the centre (a brow droop that leaves the eye in place).  The truth at any point:
    :func:`droop_displacement_px`.
    """
    import cv2

    h, w = rgb.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    # backward map: a point q of the output shows the input at p = q - d(p) ~ q - d(q - d(q))
    dx, dy = _bump(xs, ys, np.asarray(centre_px, float), np.asarray(down_px, float), sigma_px, below_sigma_px)
    dx2, dy2 = _bump(xs - dx, ys - dy, np.asarray(centre_px, float), np.asarray(down_px, float), sigma_px,
                     below_sigma_px)
    return cv2.remap(rgb, (xs - dx2).astype(np.float32), (ys - dy2).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)
