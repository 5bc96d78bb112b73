"""Synthetic resting droops on real faces, measured by mirror registration (kiosk.face.mirror).

A droop pulls one commissure or brow down (along the face's own vertical axis) by a smooth
Gaussian warp whose amplitude is set so that the *true* mean displacement of the item's
landmarks is exactly the requested millimetres (fixed point of the warp, see
:func:`kiosk.demo.synthetic_face.droop_displacement_px`).  Warp reach: commissure sigma
14 mm (the lower face sags with it); brow sigma 25 mm across, 6 mm below (the eye stays
where it is).  The recovered droop is the change of the signed difference from the
unwarped photo's own (natural) difference, so a face's natural asymmetry cancels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.demo.real_faces import load_face
from kiosk.demo.synthetic_face import droop_displacement_px, droop_image
from kiosk.face import landmarks as L
from kiosk.face.mirror import MirrorRest, measure_rest

# item -> (landmark group, sigma mm, sigma below the centre mm or None)
DROOPS: dict[str, tuple[L.SidePair, float, float | None]] = {
    "commissure": (L.MOUTH_CORNER, 14.0, None),
    "brow": (L.BROW, 25.0, 6.0),
}


@dataclass(frozen=True)
class DroopResult:
    """One droop: true mm, recovered change (mm, + = toward the drooped side) and confidence."""

    face: str
    item: str
    side: str
    true_mm: float
    recovered_mm: float
    confidence: float
    natural_mm: float   # the unwarped photo's own signed difference (+ = right lower)

    @property
    def fraction(self) -> float:
        return self.recovered_mm / self.true_mm


def observe(pipeline, rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Landmarks (468, 3) px and mm/px of the single face in a photo (ValueError if none)."""
    a = pipeline.process(rgb)
    if a.face is None or not a.face.mm_per_px:
        raise ValueError(f"no single face with an iris scale ({a.quality.code})")
    return a.face.landmarks_px, float(a.face.mm_per_px)


def face_down(landmarks_px: np.ndarray) -> np.ndarray:
    """Unit image vector of the face's downward axis (perpendicular to the canthal line)."""
    lm = landmarks_px[:, :2]
    p = L.RIGID_PAIRS
    u = sum(lm[l] - lm[r] for r, l in zip(p.right, p.left))
    u = u / np.linalg.norm(u)
    return np.array([-u[1], u[0]])


def droop(rgb: np.ndarray, landmarks_px: np.ndarray, mm_per_px: float, item: str, side: str,
          mm: float) -> tuple[np.ndarray, float]:
    """(photo with the item on ``side`` pulled down, true mean displacement mm of its landmarks)."""
    group, sigma_mm, below_mm = DROOPS[item]
    pts = landmarks_px[list(group.side(side)), :2]
    down = face_down(landmarks_px)
    centre = pts.mean(axis=0) + down * mm / mm_per_px  # the peak where the droop ends
    sig, below = sigma_mm / mm_per_px, None if below_mm is None else below_mm / mm_per_px
    amp, true = mm, 0.0
    for _ in range(4):
        true = float(np.mean(droop_displacement_px(pts, centre, down * amp / mm_per_px, sig, below) @ down)) * mm_per_px
        amp *= mm / true
    true = float(np.mean(droop_displacement_px(pts, centre, down * amp / mm_per_px, sig, below) @ down)) * mm_per_px
    return droop_image(rgb, centre, down * amp / mm_per_px, sig, below), true


def natural(pipeline, face: str) -> tuple[np.ndarray, np.ndarray, float, MirrorRest]:
    """(photo, landmarks, mm/px, resting items) of an unwarped real face."""
    rgb = load_face(face)
    lm, mpp = observe(pipeline, rgb)
    return rgb, lm, mpp, measure_rest(rgb, lm, mpp)


def droop_case(pipeline, face: str, item: str, side: str, mm: float, base=None) -> DroopResult:
    """Warp, run the pipeline again (its mesh places the items) and measure the change."""
    rgb, lm, mpp, rest0 = base if base is not None else natural(pipeline, face)
    img, true = droop(rgb, lm, mpp, item, side, mm)
    lm2, _ = observe(pipeline, img)
    rest = measure_rest(img, lm2, mpp)
    sign = 1.0 if side == "right" else -1.0
    d0 = rest0.items[item].difference_mm
    return DroopResult(face, item, side, true, sign * (rest.items[item].difference_mm - d0),
                       rest.items[item].confidence, d0)
