"""Excursions rest -> peak, closure fractions, symmetry ratios and the affected side.

Definitions (docs/metrics.md#face-measures):

* Excursion (mm) = how far a region's landmark group moves from the rest frame to the
  peak frame in the pose-normalized face frame, per side, measured along the direction
  of the expression's movement (see :func:`directional_excursions_mm`).  The mesh
  locates the points in the rest frame; their peak positions (and those of the face
  frame's eye corners and nasal dorsum) come from the image motion, followed by optical
  flow (:mod:`kiosk.face.flow`), with the mesh's peak position kept where the flow is
  unreliable (recorded per region in ``tracking``).  Regions: brow (brow raise),
  smile and pucker (oral commissure), snarl (alar base + lateral upper lip).
* Closure fraction = 1 - fissure_peak / fissure_rest per eye (lids from the iris model's
  eye contour when available, else the mesh); lid travel (mm) = fissure_rest - fissure_peak.
* Symmetry ratio = min(L, R) / max(L, R), 1.0 = symmetric; the weaker side is the side
  with the smaller movement.

Calibration (measured, not assumed; ``scripts/face_calibration.py`` prints it): 12
sessions of the mirrored, perfectly symmetric astronaut face (``kiosk.demo.synthetic_face``,
severity 0) at scale 0.75/1/1.25/1.5x, shifts of 20-30 px, roll +-10 deg, yaw +-8 deg and
brightness 0.7/1.2x, through the real vision pipeline with test-time augmentation
(:mod:`kiosk.vision.augment`) and optical-flow peak positions.  Lowest region ratios:
brow 0.903, gentle eye closure 0.925, tight eye closure 0.932, smile 0.940, snarl 0.954,
pucker 0.917; lowest movement-weighted mean ratio 0.955 (mesh-only peak positions: brow
0.965, smile 0.933, snarl 0.940, pucker 0.862, mean 0.944).  Hence:

* ``RATIO_NONE_MEAN`` = 0.85 (the first design's value, docs/metrics.md#noise-band; 0.09 below the lowest symmetric mean):
  affected side "none" when the movement-weighted mean ratio is at or above it and no
  region is visibly asymmetric.
* ``REGION_MIN`` = 0.75 for every region (lowest symmetric region ratio 0.903): a region is
  visibly asymmetric when its ratio is below it **and** the side difference reaches the
  observer threshold (3 mm brow and mouth, 2 mm eyelid; Chu 2011, Hohman 2014).
* ``EXCURSION_FLOOR_MM`` = 1.5 and ``EYE_TRAVEL_FLOOR_MM`` = 1.0: below these on both
  sides a region shows "no measurable movement" and gets no ratio (a ratio of two noise
  values means nothing).  Frame-to-frame landmark jitter of an unchanged face is below
  0.5 mm; healthy synthetic movements read 6-10 mm; a side that does not move at all
  reads 0.1-1.4 mm with optical flow (the canthi, the frame's origin, move slightly).

Limits: the face mesh keeps a face-shaped prior, so on its own it follows a one-sided
movement only partly and lets the other side move along (a brow or mouth corner that does
not move at all read 45-75 % of the healthy side's movement).  With optical-flow peak
positions such a side reads 4-13 % (synthetic faces, severity 1.0), and the excursions'
mean absolute error against the synthetic warps' true displacement falls from 2.44 mm
(mesh) to 0.96 mm (96 side-regions, severity 0..1; ``scripts/face_calibration.py``).
Where the flow is unreliable (lost, low texture, forward-backward error, changed patch)
the mesh position is used and the mesh's coupling returns for that point.  On real faces
the skin also moves in depth and shading changes, which a 2D patch tracker follows less
well than a smooth synthetic warp; not yet validated on patients.

References: House & Brackmann 1985; Chu EA et al., Arch Facial Plast Surg 2011;
Hohman MH et al., Laryngoscope 2014.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from kiosk.face import landmarks as L
from kiosk.face.flow import FlowResult
from kiosk.face.metrics import FaceFrame, group_position_mm

EXCURSION_FLOOR_MM = 1.5
EYE_TRAVEL_FLOOR_MM = 1.0
RATIO_NONE_MEAN = 0.85
RATIO_REGION_MIN = 0.75
REGION_MIN = {"brow": 0.75, "eye_gentle": 0.75, "eye_tight": 0.75, "smile": 0.75, "snarl": 0.75, "pucker": 0.75}
PERCEPTION_MM = {"brow": 3.0, "smile": 3.0, "snarl": 3.0, "pucker": 3.0, "eye_gentle": 2.0, "eye_tight": 2.0}

# region -> (session step, landmark groups whose mean position is tracked)
MOVEMENT_REGIONS: dict[str, tuple[str, tuple[L.SidePair, ...]]] = {
    "brow": ("brow_raise", (L.BROW,)),
    "smile": ("smile", (L.MOUTH_CORNER,)),
    "snarl": ("snarl", (L.ALA, L.UPPER_LIP_LATERAL)),
    "pucker": ("pucker", (L.MOUTH_CORNER,)),
}
EYE_REGIONS: dict[str, str] = {"eye_gentle": "eye_close_gentle", "eye_tight": "eye_close_tight"}
REGION_ORDER = ("brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker")
#: The protocol step whose peak each region is measured on.
REGION_STEPS: dict[str, str] = {**{r: step for r, (step, _) in MOVEMENT_REGIONS.items()}, **EYE_REGIONS}


def region_indices(region: str) -> tuple[int, ...]:
    """Mesh indices (both sides) whose positions a movement region's excursion uses."""
    return tuple(i for g in MOVEMENT_REGIONS[region][1] for i in g.right + g.left)


# Face-frame points (eye corners, nasal dorsum): followed too, so that the peak frame's
# origin and axes move with the head, not with the mesh's response to the expression.
FRAME_INDICES: tuple[int, ...] = L.RIGID_PAIRS.right + L.RIGID_PAIRS.left + L.MIDLINE_RIGID
# Every point whose peak position is followed by optical flow (kiosk.face.flow).
TRACKED_INDICES: tuple[int, ...] = tuple(sorted({i for r in MOVEMENT_REGIONS for i in region_indices(r)}
                                                | set(FRAME_INDICES)))


@dataclass(frozen=True)
class RegionSymmetry:
    """Left/right movement of one region between rest and its peak frame.

    right_mm / left_mm: excursion (mm) or, for eyes, lid travel (mm).
    right_closure / left_closure: closure fraction 0..1 (eyes only, else None).
    right_vector_mm / left_vector_mm: (outward, superior) displacement (mm; None for eyes).
    tracking: how the peak positions were found (optical flow / mesh fallback per point,
    :mod:`kiosk.face.flow`); None when not recorded.
    ratio: min/max of the movements (closures for eyes); None when not measurable.
    """

    region: str
    step: str
    right_mm: float
    left_mm: float
    ratio: float | None
    weaker_side: str | None
    note: str
    right_closure: float | None = None
    left_closure: float | None = None
    right_vector_mm: tuple[float, float] | None = None
    left_vector_mm: tuple[float, float] | None = None
    tracking: dict | None = None

    @property
    def is_eye(self) -> bool:
        return self.right_closure is not None

    @property
    def difference_mm(self) -> float:
        """Absolute side difference of the movement (mm)."""
        return abs(self.left_mm - self.right_mm)

    @property
    def healthy_mm(self) -> float:
        """The larger side's movement (mm)."""
        return max(self.left_mm, self.right_mm)

    @property
    def visibly_asymmetric(self) -> bool:
        """Ratio below the region's cut-off and a difference an observer would see."""
        return (self.ratio is not None and self.ratio < REGION_MIN[self.region]
                and self.difference_mm >= PERCEPTION_MM[self.region])

    def movement(self, side: str) -> float:
        """The value the ratio compares: closure fraction for eyes, mm otherwise."""
        if self.is_eye:
            return float(self.right_closure if side == "right" else self.left_closure)
        return self.right_mm if side == "right" else self.left_mm

    def to_dict(self) -> dict:
        d: dict = {}
        if self.is_eye:
            d.update(left_closure=_r(self.left_closure), right_closure=_r(self.right_closure),
                     left_lid_travel_mm=_r(self.left_mm), right_lid_travel_mm=_r(self.right_mm))
        else:
            d.update(left_mm=_r(self.left_mm), right_mm=_r(self.right_mm))
        d.update(ratio=_r(self.ratio), weaker_side=self.weaker_side, difference_mm=_r(self.difference_mm, 2),
                 visibility=self.visibility, note=self.note or None)
        if self.tracking is not None:
            d["tracking"] = self.tracking
        return d

    @property
    def visibility(self) -> str | None:
        """Plain wording against the observer threshold (Chu 2011, Hohman 2014)."""
        if self.ratio is None:
            return None
        t = PERCEPTION_MM[self.region]
        if self.difference_mm >= t:
            return f"side difference {self.difference_mm:.1f} mm: above the ~{t:g} mm most observers notice"
        return f"side difference {self.difference_mm:.1f} mm: below the ~{t:g} mm most observers notice"


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(float(v), nd)


def symmetry_ratio(right: float, left: float, floor: float) -> tuple[float | None, str | None, str]:
    """(ratio, weaker side, note) from two non-negative movements; None below the floor."""
    r, l = max(right, 0.0), max(left, 0.0)
    if max(r, l) < floor:
        return None, None, f"no measurable movement on either side (< {floor:g})"
    return min(r, l) / max(r, l), ("right" if r < l else "left"), ""


def directional_excursions_mm(right: np.ndarray, left: np.ndarray) -> dict[str, float]:
    """Each side's movement along the expression's direction (mm).

    Vectors are (outward, superior) so both sides share one direction.  The direction
    is the stronger side's displacement; the stronger side scores its full length, the
    weaker side its projection on that direction (clipped at 0).  A corner dragged toward
    the midline by the healthy side's pull, or a landmark jittering sideways, then does
    not count as that side's own excursion (HB 1985 measures the commissure's lateral and
    the brow's superior movement).
    """
    n = {"right": float(np.linalg.norm(right)), "left": float(np.linalg.norm(left))}
    strong = "right" if n["right"] >= n["left"] else "left"
    if n[strong] < 1e-9:
        return {"right": 0.0, "left": 0.0}
    u = (right if strong == "right" else left) / n[strong]
    weak = "left" if strong == "right" else "right"
    return {strong: n[strong], weak: max(float(np.dot(left if weak == "left" else right, u)), 0.0)}


def excursion(rest: FaceFrame, peak: FaceFrame, region: str) -> RegionSymmetry:
    """Excursion (mm) per side of a movement region between rest and peak frames."""
    step, groups = MOVEMENT_REGIONS[region]
    vec = {s: group_position_mm(peak, groups, s) - group_position_mm(rest, groups, s) for s in ("right", "left")}
    mm = directional_excursions_mm(vec["right"], vec["left"])
    ratio, weaker, note = symmetry_ratio(mm["right"], mm["left"], EXCURSION_FLOOR_MM)
    if note:
        note = note.replace(")", " mm)")
    return RegionSymmetry(region, step, mm["right"], mm["left"], ratio, weaker, note,
                          right_vector_mm=tuple(float(x) for x in vec["right"]),
                          left_vector_mm=tuple(float(x) for x in vec["left"]))


def closure(fissure_rest_mm: dict[str, float], fissure_peak_mm: dict[str, float], region: str) -> RegionSymmetry:
    """Closure fraction and lid travel per eye; the ratio compares closure fractions."""
    frac, travel = {}, {}
    for s in ("right", "left"):
        rest = fissure_rest_mm[s]
        travel[s] = max(rest - fissure_peak_mm[s], 0.0)
        frac[s] = float(np.clip(1.0 - fissure_peak_mm[s] / rest, 0.0, 1.0)) if rest > 0 else 0.0
    ratio, weaker, note = symmetry_ratio(frac["right"], frac["left"], 1e-9)
    if max(travel.values()) < EYE_TRAVEL_FLOOR_MM:
        ratio, weaker = None, None
        note = f"no measurable lid movement on either side (< {EYE_TRAVEL_FLOOR_MM:g} mm)"
    return RegionSymmetry(region, EYE_REGIONS[region], travel["right"], travel["left"], ratio, weaker, note,
                          right_closure=frac["right"], left_closure=frac["left"])


@dataclass(frozen=True)
class SideVerdict:
    """Affected side ('left', 'right' or 'none') with a 0..1 confidence and its inputs.

    weighted_mean_ratio: ratios weighted by each region's healthy-side movement (mm).
    vote: sum over regions of weight * (1 - ratio), signed + for a weaker left side.
    """

    side: str
    confidence: float
    weighted_mean_ratio: float | None
    vote: float
    asymmetric_regions: tuple[str, ...]
    regions_used: tuple[str, ...]


def affected_side(regions: dict[str, RegionSymmetry]) -> SideVerdict:
    """The side that moves less over all measurable regions (docs/metrics.md#affected-side).

    Weight per region = healthy-side movement (mm).  Side = sign of
    sum(weight * (1 - ratio) * (+1 if left weaker else -1)).  "none" when the weighted
    mean ratio >= RATIO_NONE_MEAN and no region is visibly asymmetric.  Confidence of a
    side = agreement of the regions (|vote| / sum of |votes|) times the strength of the
    asymmetry, min(1, (1 - mean ratio) / 0.3); confidence of "none" = how far the mean
    ratio sits above the region cut-off, (mean - 0.75) / 0.25, clipped to 0..1.
    """
    used = [r for r in regions.values() if r.ratio is not None]
    if not used:
        return SideVerdict("none", 0.0, None, 0.0, (), ())
    w = np.array([r.healthy_mm for r in used])
    ratios = np.array([r.ratio for r in used])
    sign = np.array([1.0 if r.weaker_side == "left" else -1.0 for r in used])
    wmr = float(np.sum(w * ratios) / np.sum(w)) if np.sum(w) > 0 else float(np.mean(ratios))
    parts = w * (1.0 - ratios) * sign
    vote = float(np.sum(parts))
    asym = tuple(r.region for r in used if r.visibly_asymmetric)
    names = tuple(r.region for r in used)
    if wmr >= RATIO_NONE_MEAN and not asym:
        conf = float(np.clip((wmr - RATIO_REGION_MIN) / (1 - RATIO_REGION_MIN), 0, 1))
        return SideVerdict("none", conf, wmr, vote, asym, names)
    total = float(np.sum(np.abs(parts)))
    agreement = abs(vote) / total if total > 0 else 0.0
    conf = agreement * min(1.0, (1.0 - wmr) / 0.3)
    return SideVerdict("left" if vote > 0 else "right", float(conf), wmr, vote, asym, names)


def tracking_inputs(flow: FlowResult | str, region: str) -> dict:
    """How a region's peak points were found: optical flow or the mesh fallback, and why."""
    if isinstance(flow, str):
        return {"method": "mesh", "reason": flow}
    pos = {i: k for k, i in enumerate(TRACKED_INDICES)}
    ks = [pos[i] for i in region_indices(region)]
    fallback = Counter(flow.reason[k] for k in ks if not flow.reliable[k])
    n_mesh = sum(fallback.values())
    fb = [float(flow.fb_error_px[k]) for k in ks if flow.reliable[k]]
    return {"method": "optical_flow" if not n_mesh else ("mixed" if n_mesh < len(ks) else "mesh"),
            "points_flow": len(ks) - n_mesh, "points_mesh_fallback": n_mesh,
            "fallback_reasons": dict(fallback) or None,
            "frame_points_flow": f"{sum(bool(flow.reliable[pos[i]]) for i in FRAME_INDICES)}/{len(FRAME_INDICES)}",
            "max_fb_error_px": round(max(fb), 3) if fb else None, "window_px": flow.window_px}
