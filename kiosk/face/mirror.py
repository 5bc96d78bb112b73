"""Resting asymmetry from the image itself: register the face with its own mirror image.

Why: the face mesh has a learned, near-symmetric prior.  A mouth corner or brow pulled
5 mm down by a smooth warp of a real photograph moves the mesh's resting measures by
0.0-0.4 mm.  The picture has no such prior.  So the rest frame is resampled into a
face-aligned canvas (inter-canthal line horizontal, its midpoint on the centre column,
``CANVAS_MM_PER_PX``), mirrored about that column, and a dense optical flow
(DIS, [Kroeger16]) registers the face onto its mirror image [Chen14]: each point is carried
to where its mirror counterpart looks the same.  For a point pair (right, left) at the same
anatomical spot, with flows F_R and F_L (vertical components, mm, image-down positive):

    height difference (right lower, mm)  d = (F_L - F_R) / 2
    inconsistency (mm)                   e = |F_L + F_R| / 2

(a perfect correspondence gives F_R = -F_L; ``e`` is how far the two estimates disagree).
The mesh is used only to *find* the spots in the rest frame, never for their height.

Items (mesh groups in :mod:`kiosk.face.landmarks`): brow (middle of the upper brow),
palpebral fissure (lower-lid minus upper-lid difference), oral commissure, nasolabial
fold (three points from the alar crease to lateral of the commissure).  Each gets the
side-to-side difference (mm), the lower (or, for the fissure, narrower) side and a
confidence 0..1 = exp(-e / ``INCONSISTENCY_MM``) times the share of the item's points whose
patch has texture.  The eye corners (canthi) define the canvas; any residual roll the flow
finds there (a linear height difference across the face) is removed from every item.

Before the flow each canvas is normalized by its local mean and contrast (Gaussian,
``NORMALIZE_SIGMA_MM``), so that light from one side, which a mirror turns into a
brightness difference, does not read as motion.

Measured (scripts/validate.py, docs/validation.md#resting-asymmetry): smooth 3-6 mm
droops of one commissure or brow on five real faces.

References: Chen S et al., IEEE Signal Process Lett 2014;21:792 (mirror-image optical flow
for facial asymmetry); Kroeger T et al., Fast optical flow using dense inverse search,
ECCV 2016; Ross BG et al. 1996 (Sunnybrook resting items).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.face import landmarks as L

CANVAS_MM_PER_PX = 0.5
CANVAS_X_MM = (-75.0, 75.0)   # patient's right (image left) .. left, from the canthal midpoint
CANVAS_Y_MM = (-55.0, 95.0)   # above .. below the canthal line (image-down positive)
NORMALIZE_SIGMA_MM = 6.0
SAMPLE_SIGMA_MM = 1.5
INCONSISTENCY_MM = 1.0
MIN_TEXTURE = 0.02
ITEMS = ("brow", "palpebral_fissure", "commissure", "nasolabial_fold")
ITEM_GROUPS: dict[str, tuple[L.SidePair, ...]] = {
    "brow": (L.BROW,),
    "palpebral_fissure": (L.UPPER_LID, L.LOWER_LID),
    "commissure": (L.MOUTH_CORNER,),
    "nasolabial_fold": (L.NASOLABIAL,),
}


@dataclass(frozen=True)
class RestItem:
    """One resting item: side difference (mm), the lower/narrower side, confidence 0..1.

    difference_mm: right minus left, signed so that + means the patient's right is lower
    (brow, commissure, fold) or narrower (palpebral fissure).
    """

    item: str
    difference_mm: float
    inconsistency_mm: float
    confidence: float

    @property
    def abs_mm(self) -> float:
        return abs(self.difference_mm)

    @property
    def side(self) -> str:
        """The lower (narrower) side; "none" when the difference is below 0.05 mm."""
        if self.abs_mm < 0.05:
            return "none"
        return "right" if self.difference_mm > 0 else "left"

    def to_dict(self) -> dict:
        word = "narrower" if self.item == "palpebral_fissure" else "lower"
        return {"difference_mm": round(self.abs_mm, 2), f"{word}_side": self.side,
                "confidence": round(self.confidence, 2), "inconsistency_mm": round(self.inconsistency_mm, 2)}


@dataclass(frozen=True)
class MirrorRest:
    """Resting items from mirror registration, plus the residual roll removed (deg)."""

    items: dict[str, RestItem]
    residual_roll_deg: float
    method: str = "mirror optical flow (DIS)"

    def to_dict(self) -> dict:
        return {"method": self.method, "residual_roll_deg": round(self.residual_roll_deg, 2),
                **{k: v.to_dict() for k, v in self.items.items()}}


def canvas_transform(landmarks_px: np.ndarray, mm_per_px: float) -> tuple[np.ndarray, np.ndarray]:
    """2x3 affine canvas px -> image px, and its inverse (image px -> canvas px)."""
    lm = np.asarray(landmarks_px, dtype=np.float64)[:, :2]
    pairs = L.RIGID_PAIRS
    c = lm[list(pairs.right + pairs.left)].mean(axis=0)
    u = sum(lm[l] - lm[r] for r, l in zip(pairs.right, pairs.left))
    u = u / np.linalg.norm(u)                      # image direction of the patient's left
    v = np.array([-u[1], u[0]])                    # image-down, perpendicular to u
    k = CANVAS_MM_PER_PX / mm_per_px               # image px per canvas px
    x0 = -CANVAS_X_MM[0] / CANVAS_MM_PER_PX        # canvas column of the canthal midpoint
    y0 = -CANVAS_Y_MM[0] / CANVAS_MM_PER_PX
    a = np.column_stack([k * u, k * v])            # canvas (i, j) -> image, linear part
    t = c - a @ np.array([x0, y0])
    fwd = np.column_stack([a, t])
    ai = np.linalg.inv(a)
    inv = np.column_stack([ai, -ai @ t])
    return fwd, inv


def canvas_size() -> tuple[int, int]:
    """(width, height) px of the canvas; the width is odd so the mirror column is a pixel."""
    w = int(round((CANVAS_X_MM[1] - CANVAS_X_MM[0]) / CANVAS_MM_PER_PX)) | 1
    h = int(round((CANVAS_Y_MM[1] - CANVAS_Y_MM[0]) / CANVAS_MM_PER_PX))
    return w, h


def normalize(grey: np.ndarray, sigma_px: float) -> np.ndarray:
    """Local mean and contrast normalization, mapped to uint8 (128 = local mean)."""
    import cv2

    g = grey.astype(np.float32)
    mu = cv2.GaussianBlur(g, (0, 0), sigma_px)
    sd = np.sqrt(np.maximum(cv2.GaussianBlur((g - mu) ** 2, (0, 0), sigma_px), 1.0))
    return np.clip(128.0 + 48.0 * (g - mu) / sd, 0, 255).astype(np.uint8)


def mirror_flow(rgb: np.ndarray, landmarks_px: np.ndarray, mm_per_px: float) -> tuple[np.ndarray, np.ndarray,
                                                                                           np.ndarray]:
    """(flow (H, W, 2) canvas px from the canvas to its mirror, image->canvas affine, texture map)."""
    import cv2

    fwd, inv = canvas_transform(landmarks_px, mm_per_px)
    w, h = canvas_size()
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    canvas = cv2.warpAffine(grey, fwd, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                            borderMode=cv2.BORDER_REPLICATE)
    norm = normalize(canvas, NORMALIZE_SIGMA_MM / CANVAS_MM_PER_PX)
    mirrored = np.ascontiguousarray(norm[:, ::-1])
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(norm, mirrored, None)
    gx = cv2.Sobel(norm.astype(np.float32) / 255.0, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(norm.astype(np.float32) / 255.0, cv2.CV_32F, 0, 1)
    texture = cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), SAMPLE_SIGMA_MM / CANVAS_MM_PER_PX)
    return flow, inv, texture


def _sample(field: np.ndarray, pts: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian-weighted mean of a (H, W[, C]) field around canvas points (N, 2)."""
    h, w = field.shape[:2]
    r = int(np.ceil(2.5 * sigma_px))
    out = []
    for x, y in pts:
        xi, yi = int(round(x)), int(round(y))
        x0, x1, y0, y1 = max(xi - r, 0), min(xi + r + 1, w), max(yi - r, 0), min(yi + r + 1, h)
        if x1 <= x0 or y1 <= y0:
            out.append(np.full(field.shape[2:], np.nan))
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        wt = np.exp(-0.5 * ((xx - x) ** 2 + (yy - y) ** 2) / sigma_px ** 2)
        patch = field[y0:y1, x0:x1]
        out.append(np.tensordot(wt, patch, axes=([0, 1], [0, 1])) / wt.sum())
    return np.asarray(out)


def _pair_heights(flow_y_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (right, left) pair: d = (F_L - F_R)/2 (right lower +), e = |F_L + F_R|/2 (mm)."""
    fr, fl = flow_y_mm[:, 0], flow_y_mm[:, 1]
    return (fl - fr) / 2.0, np.abs(fl + fr) / 2.0


def measure_rest(rgb: np.ndarray, landmarks_px: np.ndarray, mm_per_px: float) -> MirrorRest:
    """Resting items (brow, palpebral fissure, commissure, nasolabial fold) by mirror registration.

    rgb: the rest frame (H, W, 3 uint8); landmarks_px: its mesh (468, 3) px, used only to
    place the canvas and the items; mm_per_px: the session scale (iris).
    """
    if not (mm_per_px > 0 and np.isfinite(mm_per_px)):
        raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
    flow, inv, texture = mirror_flow(rgb, landmarks_px, mm_per_px)
    lm = np.asarray(landmarks_px, dtype=np.float64)[:, :2]
    sig = SAMPLE_SIGMA_MM / CANVAS_MM_PER_PX

    def heights(group: L.SidePair) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        idx = np.array([group.right, group.left]).T  # (n, 2) pairs
        pts = lm[idx.ravel()] @ inv[:, :2].T + inv[:, 2]
        fy = _sample(flow[..., 1], pts, sig).reshape(-1, 2) * CANVAS_MM_PER_PX
        tex = _sample(texture, pts, sig).reshape(-1, 2)
        x_mm = np.abs(pts[:, 0].reshape(-1, 2) - (canvas_size()[0] - 1) / 2).mean(axis=1) * CANVAS_MM_PER_PX
        d, e = _pair_heights(fy)
        return d, e, tex.min(axis=1), x_mm

    # residual roll: the canthi should sit level; a height difference growing with the
    # distance from the midline is a rotation of the canvas, removed from every item
    cd, _, _, cx = heights(L.RIGID_PAIRS)
    slope = float(np.dot(cd, cx) / np.dot(cx, cx))

    items: dict[str, RestItem] = {}
    for item, groups in ITEM_GROUPS.items():
        parts = [heights(g) for g in groups]
        if item == "palpebral_fissure":  # lower-lid height difference minus upper-lid's
            (du, eu, tu, xu), (dl, el, tl, xl) = parts
            diff = float(np.mean(du - slope * xu) - np.mean(dl - slope * xl))
            inc = float(np.hypot(np.mean(eu), np.mean(el)))
            tex = np.concatenate([tu, tl])
        else:
            d, e, tex, x = (np.concatenate(z) for z in zip(*parts))
            diff, inc = float(np.mean(d - slope * x)), float(np.mean(e))
        share = float(np.mean(tex >= MIN_TEXTURE))
        conf = float(np.exp(-inc / INCONSISTENCY_MM) * share)
        items[item] = RestItem(item, diff, inc, conf)
    return MirrorRest(items, float(np.degrees(np.arctan(slope))))
