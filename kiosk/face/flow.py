"""Where did each rest-frame point go?  Pyramidal Lucas-Kanade tracking with checks (pure).

Why: the 468-point mesh has a learned, face-shaped (near-symmetric) prior, so it spreads a
one-sided movement to both sides: on synthetic faces a brow or mouth corner that does not
move at all read 45-75 % of the healthy side's excursion.  The image itself does not
have that prior: the skin patch around a paralysed mouth corner stays where it was.  So
the mesh only *locates* the measured points in the rest frame (and gives a first guess
for the peak frame); their peak positions come from following each point's image patch
from rest to peak with pyramidal Lucas-Kanade optical flow [Bouguet00], started at the
mesh's peak position (``OPTFLOW_USE_INITIAL_FLOW``).

A tracked point is *reliable* only if all of these hold (else the caller keeps the mesh):

* texture: the smaller eigenvalue of the rest patch's gradient matrix (OpenCV's
  ``cornerMinEigenVal`` over the window, intensities scaled to 0..1) is at least
  ``MIN_EIGEN`` = 5e-5 at 0.7 mm/px, scaled by (mm_per_px / 0.7)^2 (gradients per px
  shrink as the face gets more px), but not below ``NOISE_EIGEN`` = 1e-5, what 1 grey
  level of sensor noise reads (2 levels 4e-5, 4 levels 1.7e-4: patches of pure noise
  are caught by the two checks below, as noise does not repeat between frames).
  Measured on the astronaut face at 0.7 mm/px: brow 2e-4..8e-4 (an edge: weakest along
  the brow, where it barely moves), alae 4e-4..1e-3, mouth corners and upper lip
  2e-3..6e-3; a flat patch reads 0;
* forward-backward consistency [Kalal10]: tracking the found point back from peak to
  rest lands within ``MAX_FB_MM`` = 0.7 mm (at least 1 px) of where it started: half
  the 1.5 mm excursion floor of kiosk.face.symmetry;
* the patch still looks like itself: zero-mean normalized cross-correlation between the
  rest patch and the peak patch at the found point >= ``MIN_NCC`` (a patch that vanished,
  e.g. an occluded or closed feature, fails).

Before tracking, the peak frame's gain and offset are matched to the rest frame's over
the points' area (:func:`match_exposure`): auto-exposure or a change of light would
otherwise read as motion (on synthetic faces a 1.2x exposure change between rest and
peak sent 4-6 of 8 points per region to the mesh fallback; none after matching).

Window: about ``WINDOW_MM`` of face (odd, 15..41 px), 4 pyramid levels: with the mesh's
guess in front, residual displacements of up to ~15 mm at 0.15-0.7 mm/px are in range
(a 21 px window at level 3 covers +-80 px).

References: Bouguet J-Y, Pyramidal implementation of the Lucas Kanade feature tracker,
Intel 2000; Kalal Z, Mikolajczyk K, Matas J, Forward-backward error, ICPR 2010.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_MM = 10.0
MIN_WINDOW_PX, MAX_WINDOW_PX = 15, 41
PYRAMID_LEVELS = 3
MAX_FB_MM = 0.7
MIN_NCC = 0.8
MIN_EIGEN = 5e-5
NOISE_EIGEN = 1e-5
REFERENCE_MM_PER_PX = 0.7


@dataclass(frozen=True)
class FlowResult:
    """Tracked points (N, 2) image px and, per point, whether to trust them.

    reliable: bool (N,); fb_error_px: forward-backward error (px, inf when lost);
    ncc: rest-vs-peak patch correlation (-1..1); min_eigen: texture of the rest patch;
    reason: "" when reliable, else why not ("lost", "low_texture", "fb_error", "patch_changed").
    """

    points_px: np.ndarray
    reliable: np.ndarray
    fb_error_px: np.ndarray
    ncc: np.ndarray
    min_eigen: np.ndarray
    reason: tuple[str, ...]
    window_px: int

    @property
    def n_reliable(self) -> int:
        return int(np.count_nonzero(self.reliable))


def _known(mm_per_px: float | None) -> bool:
    return bool(mm_per_px) and bool(np.isfinite(mm_per_px)) and mm_per_px > 0


def thresholds(mm_per_px: float | None) -> tuple[float, float]:
    """(max forward-backward error px, min texture eigenvalue) at an image scale."""
    s = mm_per_px if _known(mm_per_px) else REFERENCE_MM_PER_PX
    return max(MAX_FB_MM / s, 1.0), max(MIN_EIGEN * (s / REFERENCE_MM_PER_PX) ** 2, NOISE_EIGEN)


def window_px(mm_per_px: float | None, window_mm: float = WINDOW_MM) -> int:
    """Odd LK window size (px) covering about ``window_mm`` of face, clipped to 15..41 px
    (at least 7 px for windows under WINDOW_MM)."""
    if not _known(mm_per_px):
        return 21 if window_mm >= WINDOW_MM else 11
    w = int(round(window_mm / mm_per_px)) | 1
    lo = MIN_WINDOW_PX if window_mm >= WINDOW_MM else 7
    return int(np.clip(w, lo, MAX_WINDOW_PX))


def _grey(img: np.ndarray) -> np.ndarray:
    import cv2

    a = np.asarray(img)
    if a.ndim == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
    if a.ndim != 2 or a.dtype != np.uint8:
        raise ValueError(f"expected a uint8 grey or RGB image, got {a.dtype} {a.shape}")
    return a


def match_exposure(rest: np.ndarray, peak: np.ndarray, points_px: np.ndarray, margin_px: int) -> np.ndarray:
    """``peak`` (grey uint8) with the gain and offset that match its mean and standard
    deviation to ``rest`` over the points' bounding box (+ margin): undoes an exposure or
    lighting change between the two frames, which Lucas-Kanade (brightness constancy)
    would otherwise read as motion."""
    h, w = rest.shape
    lo = np.clip(np.floor(points_px.min(axis=0)) - margin_px, 0, [w - 1, h - 1]).astype(int)
    hi = np.clip(np.ceil(points_px.max(axis=0)) + margin_px + 1, 1, [w, h]).astype(int)
    ra = rest[lo[1]:hi[1], lo[0]:hi[0]].astype(np.float32)
    pa = peak[lo[1]:hi[1], lo[0]:hi[0]].astype(np.float32)
    if ra.size < 4 or float(pa.std()) < 1.0:
        return peak
    gain = float(ra.std()) / float(pa.std())
    out = (peak.astype(np.float32) - float(pa.mean())) * gain + float(ra.mean())
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _patch_ncc(a: np.ndarray, pa: np.ndarray, b: np.ndarray, pb: np.ndarray, win: int) -> np.ndarray:
    """Zero-mean NCC of win x win patches of a at pa and of b at pb (sub-pixel)."""
    import cv2

    out = np.full(len(pa), -1.0)
    for i, (p, q) in enumerate(zip(pa, pb)):
        if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
            continue
        x = cv2.getRectSubPix(a, (win, win), (float(p[0]), float(p[1])), patchType=cv2.CV_32F).ravel()
        y = cv2.getRectSubPix(b, (win, win), (float(q[0]), float(q[1])), patchType=cv2.CV_32F).ravel()
        x, y = x - x.mean(), y - y.mean()
        d = float(np.linalg.norm(x) * np.linalg.norm(y))
        out[i] = float(np.dot(x, y) / d) if d > 1e-6 else 0.0
    return out


def track_points(rest: np.ndarray, peak: np.ndarray, points_px: np.ndarray, guess_px: np.ndarray | None = None,
                 mm_per_px: float | None = None, window_mm: float = WINDOW_MM) -> FlowResult:
    """Follow ``points_px`` (N, 2) of ``rest`` into ``peak`` (both uint8 grey or RGB).

    guess_px: initial peak positions (e.g. the mesh's), default the rest positions.
    mm_per_px: image scale (None: 0.7 mm/px assumed), sets the window and the thresholds
    (:func:`window_px`, :func:`thresholds`).  Raises ValueError for images of different
    size or type.
    """
    import cv2

    a, b = _grey(rest), _grey(peak)
    if a.shape != b.shape:
        raise ValueError(f"rest and peak images differ in size: {a.shape} vs {b.shape}")
    p0 = np.asarray(points_px, dtype=np.float32).reshape(-1, 2)
    g = p0 if guess_px is None else np.asarray(guess_px, dtype=np.float32).reshape(-1, 2)
    win = window_px(mm_per_px, window_mm)
    max_fb, min_eig = thresholds(mm_per_px)
    if np.all(np.isfinite(p0)) and len(p0):
        b = match_exposure(a, b, p0, 2 * win)
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 0.01)
    lk = dict(winSize=(win, win), maxLevel=PYRAMID_LEVELS, criteria=crit, flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
    p1, st1, _ = cv2.calcOpticalFlowPyrLK(a, b, p0.copy(), g.copy(), **lk)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1.copy(), p0.copy(), **lk)
    eig_map = cv2.cornerMinEigenVal(a, blockSize=win, ksize=3)
    h, w = a.shape
    ij = np.clip(np.round(p0).astype(int), 0, [w - 1, h - 1])
    eig = eig_map[ij[:, 1], ij[:, 0]].astype(np.float64)
    fb = np.linalg.norm(back - p0, axis=1).astype(np.float64)
    ok_track = (st1.ravel() == 1) & (st2.ravel() == 1) & np.all(np.isfinite(p1), axis=1)
    fb[~ok_track] = np.inf
    ncc = _patch_ncc(a, p0, b, p1, win)
    reasons = []
    for k in range(len(p0)):
        if eig[k] < min_eig:
            reasons.append("low_texture")
        elif not ok_track[k]:
            reasons.append("lost")
        elif fb[k] > max_fb:
            reasons.append("fb_error")
        elif ncc[k] < MIN_NCC:
            reasons.append("patch_changed")
        else:
            reasons.append("")
    reliable = np.array([r == "" for r in reasons])
    return FlowResult(p1.astype(np.float64), reliable, fb, ncc, eig, tuple(reasons), win)


LID_WINDOW_MM = 5.0  # smaller than the eye: a 10 mm window holds both lids and averages their motion
LID_MID = (3, 4, 5, 11, 12, 13)  # eye-contour indices of the mid lower and mid upper lid (kiosk.vision.eyelids)
LID_CORNERS = (0, 8)


def follow_lids(rest: np.ndarray, peak: np.ndarray, contour_rest: np.ndarray, contour_peak: np.ndarray,
                mm_per_px: float | None) -> np.ndarray | None:
    """The peak frame's eye contour with its mid-lid points followed from rest by optical flow.

    For eye narrowing during a mouth expression (ocular synkinesis), where the lids move a
    few mm: the iris model re-run on the peak frame responds to the whole crop (on
    synthetic faces a pucker that leaves the eyes alone read 0.2-0.6 mm of widening).
    contour_rest / contour_peak: (16, 2) lid contours (px) from the iris model in each frame;
    the peak contour's corners and its first guess are kept.  Returns None when any
    mid-lid point fails the reliability checks (:func:`track_points`).
    """
    idx = list(LID_MID)
    res = track_points(rest, peak, np.asarray(contour_rest, float)[idx], np.asarray(contour_peak, float)[idx],
                       mm_per_px, LID_WINDOW_MM)
    if not bool(np.all(res.reliable)):
        return None
    out = np.array(contour_peak, dtype=np.float64)
    out[idx] = res.points_px
    return out
