"""Hypomimia (reduced facial expression) and blinks as screening measures (docs/parkinson.md#hypomimia).

Pure maths: dataclasses and arrays in, dataclasses and :class:`kiosk.analytics.parkinson.Measure`
out. Three kinds of measure:

* **Expression amplitude** per region and side, from the palsy protocol's expressions as the
  face assessment already measures them (:mod:`kiosk.face.symmetry`): brow raise, smile, snarl
  and pucker as the excursion from rest to peak (mm, along the expression's direction); gentle
  and tight eye closure as the closure (%, 100 = lids together, iris-model eye contour). Facial
  palsy is judged by the two sides' ratio; hypomimia is bilateral, so here each side is judged
  against the healthy range of the same region measured by this pipeline
  (:mod:`kiosk.face.hypomimia_reference`, provisional).
* **Spontaneous expressivity** during the spontaneous-speech video: per frame the rigid head
  motion is removed by a similarity (Procrustes) fit of the rigid points (eye corners, nasal
  dorsum, :data:`kiosk.face.landmarks.RIGID_PAIRS`, ``MIDLINE_RIGID``), then the non-rigid
  motion of the upper face (brows, the infraorbital rim, the upper cheeks) is measured as the
  RMS speed of its points (mm/s). Lips and jaw are left out of the score: while talking they
  move mostly to articulate, so their motion depends on what is said and how fast (the speech
  half measures articulation); Novotny 2022 found mouth and jaw the most affected areas in
  de-novo PD, so the mouth's speed is still computed and kept as detail. The eyelids are left
  out too: a blink moves them ~10 mm in ~0.1 s and would make the score a blink count.
* **Blinks** at rest (:mod:`kiosk.face.blink`): rate (/min) and duration (ms), reported with their
  norms, never weighted into the hypomimia screen: blink rate in PD is inconsistent across
  studies (reduced: Karson 1983, Fitzpatrick 2012; not different from controls: Kimura 2017).

The screen (:func:`screen`) is a screening sign, not a diagnosis: reduced expression is not
specific to Parkinson's disease (depression, apathy, other parkinsonism, palsy of both sides,
age), and Novotny 2022 reached AUC 0.87 (91 de-novo PD vs 75 controls) only by combining
twelve facial features of spontaneous-speech video, which this kiosk does not replicate.

References
----------
Novotny M, Tykalova T, Ruzickova H, Ruzicka E, Dusek P, Rusz J. Automated video-based assessment
of facial bradykinesia in de-novo Parkinson's disease. npj Digit Med 2022;5:98.
Bandini A et al. Analysis of facial expressions in Parkinson's disease through video-based
automatic methods. J Neurosci Methods 2017;281 (17 PD vs 17 controls: controls moved further
from the neutral face in posed and imitated expressions).
Bentivoglio AR et al. Analysis of blink rate patterns in normal subjects. Mov Disord 1997;12:1028-34.
Caffier PP, Erdmann U, Ullsperger P. Eur J Appl Physiol 2003;89:319-25 (blink duration).
Fitzpatrick E et al. Case-control study of blink rate in Parkinson's disease under different
conditions. J Neurol 2012 (doi:10.1007/s00415-011-6261-0).
Kimura N et al. Measurement of spontaneous blinks in patients with Parkinson's disease using a new
high-speed blink analysis system. J Neurol Sci 2017;380:200-4.
Umeyama S. Least-squares estimation of transformation parameters between two point patterns. IEEE
Trans Pattern Anal Mach Intell 1991;13:376-80 (the similarity fit).
Vasudevan V et al. Revisiting eye blink in Parkinson's disease. Sci Rep 2025;15:10751.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.analytics.parkinson import Measure, Reference
from kiosk.convention import SIDES, closure_pct
from kiosk.face import landmarks as L
from kiosk.face.blink import CLOSED_FRACTION, NORM_RATE_PER_MIN, OPEN_PERCENTILE, Blinks, _runs
from kiosk.face.symmetry import EYE_REGIONS, REGION_ORDER, REGION_STEPS

LABELS = {"brow": "Brow raise", "eye_gentle": "Gentle eye closure", "eye_tight": "Tight eye closure",
          "smile": "Smile", "snarl": "Snarl", "pucker": "Pucker"}


def region_unit(region: str) -> str:
    """Unit of a region's amplitude: % closure for the eyes, mm excursion otherwise."""
    return "%" if region in EYE_REGIONS else "mm"


# ---------------------------------------------------------------- expression amplitude

@dataclass(frozen=True)
class Amplitude:
    """One region's amplitude per side (``unit``: "mm" excursion or "%" closure); None with a
    ``reason`` when the region was not measured."""

    region: str
    step: str
    unit: str
    right: float | None
    left: float | None
    reason: str | None = None

    def side(self, name: str) -> float | None:
        return self.right if name == "right" else self.left


def _why_not(face_assessment, step: str) -> str:  # noqa: ANN001
    """Why a region of ``step`` has no amplitude: the step's status and reason."""
    if face_assessment is None:
        return "the face steps were not assessed"
    res = face_assessment.steps.get(step)
    if res is None:
        return f"step {step}: not recorded"
    return f"step {step}: {res.status}" + (f" ({res.reason})" if res.reason else "")


def expression_amplitudes(face_assessment) -> dict[str, Amplitude]:  # noqa: ANN001 (FacialAssessment | None)
    """Per region (REGION_ORDER) the amplitude of each side, from a
    :class:`kiosk.face.assessment.FacialAssessment` (None: nothing was assessed)."""
    out = {}
    for region in REGION_ORDER:
        step, unit = REGION_STEPS[region], region_unit(region)
        r = None if face_assessment is None else face_assessment.regions.get(region)
        if r is None:
            out[region] = Amplitude(region, step, unit, None, None, _why_not(face_assessment, step))
            continue
        vals = [closure_pct(r.movement(s)) if unit == "%" else r.movement(s) for s in SIDES]
        out[region] = Amplitude(region, step, unit, float(vals[0]), float(vals[1]))
    return out


def expression_measures(face_assessment) -> list[Measure]:  # noqa: ANN001 (FacialAssessment | None)
    """The 12 measures ``expression.<region>.<side>`` (patient's right, left) with the healthy
    reference of :mod:`kiosk.face.hypomimia_reference`; value None with the step's reason when
    the region was not measured."""
    from kiosk.face.hypomimia_reference import EXPRESSION

    out = []
    for region, a in expression_amplitudes(face_assessment).items():
        for s in SIDES:
            out.append(Measure(f"expression.{region}.{s}", "expression", f"{LABELS[region]}, {s}", a.side(s), a.unit,
                               a.step, EXPRESSION.get(region), a.reason))
    return out


# ---------------------------------------------------------------- spontaneous expressivity

# Upper-face points scored for spontaneous expressivity; the mouth (lips and chin) is detail only,
# as articulation dominates its motion while talking.
EXPRESSIVE_REGIONS: dict[str, tuple[int, ...]] = {
    "brow": L.BROW_CONTOUR.right + L.BROW_CONTOUR.left,
    "periocular": L.INFRAORBITAL.right + L.INFRAORBITAL.left,
    "cheek": L.UPPER_CHEEK.right + L.UPPER_CHEEK.left,
}
SCORED = ("brow", "periocular", "cheek")
RIGID_POINTS = L.MIDLINE_RIGID + L.RIGID_PAIRS.right + L.RIGID_PAIRS.left
SMOOTH_S = 0.2              # Savitzky-Golay window for the velocity (s): passes expression motion (< 5 Hz)
MIN_SECONDS = 5.0           # usable video needed (s)
# A blink frame: the lid opening below this fraction of its open level (80th percentile). The iris
# model's eye contour (VideoSeries.opening_px) falls to ~20 % in a synthetic blink, as kiosk.face.blink
# counts it; the mesh's lids, with their face-shaped prior, only to ~75 %.
BLINK_OPEN_FRACTION = {"contour": CLOSED_FRACTION, "mesh": 0.85}
BLINK_MARGIN_S = 0.1        # frames this close to a blink frame are left out too (s)
MIN_SEEN_FRACTION = 0.5     # of the frames, with a face


@dataclass(frozen=True)
class Expressivity:
    """Non-rigid facial motion of a video. ``rms_speed_mm_s``: RMS speed (mm/s) of the upper-face
    points (brows, infraorbital rim, upper cheeks) after the head's rigid motion is removed;
    ``regions_mm_s``: the same per region, plus "mouth" (detail, not scored). None with a
    ``reason`` when the video could not be measured."""

    rms_speed_mm_s: float | None
    regions_mm_s: dict[str, float] = field(default_factory=dict)
    seconds_used: float = 0.0
    frames: int = 0
    fps: float = 0.0
    mm_per_px: float | None = None
    reason: str | None = None
    blink_frames: int = 0

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        return {"rms_speed_mm_s": r(self.rms_speed_mm_s),
                "regions_mm_s": {k: r(v) for k, v in self.regions_mm_s.items()},
                "seconds_used": round(self.seconds_used, 2), "frames": self.frames, "fps": self.fps,
                "mm_per_px": r(self.mm_per_px), "blink_frames": self.blink_frames, "reason": self.reason}


def similarity_align(points: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares similarity (scale s, rotation R (2, 2), translation t) with
    s * points @ R.T + t ~ target (Umeyama 1991), for (k, 2) point sets."""
    mp, mt = points.mean(axis=0), target.mean(axis=0)
    p, q = points - mp, target - mt
    u, sv, vt = np.linalg.svd(q.T @ p)
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag([1.0, d]) @ vt
    s = float((sv * [1.0, d]).sum() / max((p ** 2).sum(), 1e-12))
    return s, rot, mt - s * mp @ rot.T


def remove_rigid_motion(landmarks_px: np.ndarray) -> np.ndarray:
    """(n, 468, 2) px with each frame mapped onto the median rigid-point shape by a similarity
    fit of :data:`RIGID_POINTS` (head translation, in-plane rotation and distance removed);
    frames without a face stay NaN."""
    lm = np.asarray(landmarks_px, dtype=np.float64)
    seen = np.isfinite(lm).all(axis=(1, 2))
    out = np.full_like(lm, np.nan)
    if not seen.any():
        return out
    rigid = list(RIGID_POINTS)
    ref = np.median(lm[seen][:, rigid], axis=0)
    for i in np.flatnonzero(seen):
        s, rot, t = similarity_align(lm[i, rigid], ref)
        out[i] = s * lm[i] @ rot.T + t
    return out


def point_velocities(aligned_px: np.ndarray, fps: float) -> np.ndarray:
    """(m, 468, 2) velocities px/s of the runs of frames with a face long enough for the
    Savitzky-Golay derivative (window SMOOTH_S, quadratic), concatenated."""
    from scipy.signal import savgol_filter

    win = max(5, int(round(SMOOTH_S * fps)) | 1)
    seen = np.isfinite(aligned_px).all(axis=(1, 2))
    parts = [savgol_filter(aligned_px[a:b], win, 2, deriv=1, delta=1.0 / fps, axis=0)
             for a, b in _runs(seen) if b - a >= win]
    return np.concatenate(parts) if parts else np.zeros((0,) + aligned_px.shape[1:])


def blink_frames(aligned_px: np.ndarray, fps: float, opening_px: np.ndarray | None = None) -> np.ndarray:
    """(n,) bool: frames in or within BLINK_MARGIN_S of a blink, where the lid opening (``opening_px``
    from the iris model's eye contour when given, else the mesh's lids, both eyes' mean) falls below
    BLINK_OPEN_FRACTION of its open level."""
    if opening_px is None:
        up = np.mean([aligned_px[:, list(L.UPPER_LID.side(s))].mean(axis=1) for s in SIDES], axis=0)
        low = np.mean([aligned_px[:, list(L.LOWER_LID.side(s))].mean(axis=1) for s in SIDES], axis=0)
        opening, fraction = np.linalg.norm(low - up, axis=1), BLINK_OPEN_FRACTION["mesh"]
    else:
        opening, fraction = np.asarray(opening_px, dtype=np.float64), BLINK_OPEN_FRACTION["contour"]
        if opening.shape != (len(aligned_px),):
            raise ValueError(f"opening_px must have one value per frame ({len(aligned_px)}), got {opening.shape}")
    seen = np.isfinite(opening)
    if not seen.any():
        return np.zeros(len(opening), bool)
    shut = seen & (opening < fraction * np.percentile(opening[seen], OPEN_PERCENTILE))
    k = int(round(BLINK_MARGIN_S * fps))
    return np.convolve(shut.astype(float), np.ones(2 * k + 1), mode="same") > 0


def expressivity(landmarks_px: np.ndarray, mm_per_px: float | None, fps: float,
                 opening_px: np.ndarray | None = None) -> Expressivity:
    """Spontaneous expressivity of a video from its per-frame landmarks (n, 468, 2) px (NaN where
    no face was seen; a (n, 468, 3) mesh is cut to x, y), the iris scale (mm/px), the frame rate
    (frames/s) and, to leave blinks out, the lid opening per frame (px, iris-model eye contour,
    :attr:`kiosk.session.tremor.VideoSeries.opening_px`; None: the mesh's lids)."""
    lm = np.asarray(landmarks_px, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1] != L.N_LANDMARKS or lm.shape[2] < 2:
        raise ValueError(f"expected (n, {L.N_LANDMARKS}, 2) landmarks, got shape {lm.shape}")
    if not (fps > 0 and np.isfinite(fps)):
        raise ValueError(f"fps must be positive, got {fps}")
    lm = lm[:, :, :2]
    n = len(lm)
    if n == 0:
        return Expressivity(None, fps=fps, mm_per_px=mm_per_px, reason="no video frames")
    if mm_per_px is None or not (mm_per_px > 0 and np.isfinite(mm_per_px)):
        return Expressivity(None, frames=n, fps=fps, reason="no iris scale: mm cannot be measured")
    seen = np.isfinite(lm).all(axis=(1, 2))
    aligned = remove_rigid_motion(lm)
    blinks = blink_frames(aligned, fps, opening_px)
    aligned[blinks] = np.nan
    vel = point_velocities(aligned, fps)
    used = len(vel) / fps
    if seen.mean() < MIN_SEEN_FRACTION or used < MIN_SECONDS:
        return Expressivity(None, frames=n, fps=fps, mm_per_px=mm_per_px, seconds_used=used,
                            reason=f"one face seen in {int(seen.sum())} of {n} frames ({used:.1f} s usable); "
                                   f"{MIN_SECONDS:g} s and {MIN_SEEN_FRACTION:.0%} of the frames needed")
    speed2 = (vel ** 2).sum(axis=2) * mm_per_px ** 2          # (m, 468) squared speed, mm^2/s^2
    rms = lambda idx: float(np.sqrt(speed2[:, list(idx)].mean()))  # noqa: E731
    regions = {k: rms(v) for k, v in EXPRESSIVE_REGIONS.items()}
    regions["mouth"] = rms(L.LIPS_AND_CHIN)
    score = rms(tuple(i for k in SCORED for i in EXPRESSIVE_REGIONS[k]))
    return Expressivity(score, regions, used, n, fps, float(mm_per_px), blink_frames=int(blinks.sum()))


def expressivity_measure(landmarks_px: np.ndarray, mm_per_px: float | None, fps: float,
                         opening_px: np.ndarray | None = None, step: str = "spontaneous") -> Measure:
    """``expression.spontaneous_mm_s`` from the spontaneous-speech video's landmarks and lid
    opening (see :func:`expressivity`), with its provisional reference."""
    from kiosk.face.hypomimia_reference import EXPRESSIVITY

    x = expressivity(landmarks_px, mm_per_px, fps, opening_px)
    return Measure("expression.spontaneous_mm_s", "expression", "Spontaneous expressivity (upper face)",
                   x.rms_speed_mm_s, "mm/s", step, EXPRESSIVITY, x.reason)


# ---------------------------------------------------------------- blinks

BLINK_RATE = Reference(
    NORM_RATE_PER_MIN[0], NORM_RATE_PER_MIN[1], NORM_RATE_PER_MIN[2], "low",
    "healthy adults at rest: mean 17 /min, range 4.5-32 /min (Bentivoglio 1997). Reported, not weighted: "
    "studies disagree in Parkinson's disease (reduced: Fitzpatrick 2012, 20 PD vs 41 controls; not different: "
    "Kimura 2017, 17.9 vs 15.6 /min in 65 PD vs 62 controls); a 20 s recording counts in steps of 3 /min", False)
# Blink duration as measured here: width below half of the closure the lid contour shows (kiosk.face.blink). A
# blink lasts about 100-400 ms lid to lid (Caffier 2003); a symmetric closing and reopening is half as wide at
# half closure, hence 50-200 ms. On synthetic blinks of five real faces the measured width is 0.83-1.12 of the
# true width at half closure (docs/validation.md#blinks).
BLINK_DURATION = Reference(
    100.0, 50.0, 200.0, "high",
    "provisional: 100-400 ms lid-to-lid blink duration (Caffier 2003) halved for the width at half closure "
    "measured here. Longer blinks in Parkinson's "
    "disease: Vasudevan 2025 (107 PD), Kimura 2017 (prolonged pause between closing and opening). Needs "
    "healthy-volunteer data", True)


def blink_measures(blinks: Blinks | None, step: str = "sit_still") -> list[Measure]:
    """``blink.rate_per_min`` and ``blink.duration_ms`` from :func:`kiosk.face.blink.detect_blinks`
    (None: the rest video was not measured)."""
    if blinks is None:
        why = "rest video not measured"
        rate, dur, rate_why, dur_why = None, None, why, why
    else:
        rate, dur = blinks.rate_per_min, blinks.mean_duration_ms
        rate_why = blinks.reason
        dur_why = blinks.reason or (None if dur is not None else f"no blink in {blinks.seconds:.0f} s")
    return [Measure("blink.rate_per_min", "blink", "Blink rate at rest", rate, "/min", step, BLINK_RATE, rate_why),
            Measure("blink.duration_ms", "blink", "Blink duration (at half closure)", dur, "ms", step,
                    BLINK_DURATION, dur_why)]


# ---------------------------------------------------------------- screen

SCREEN_MIN_REGIONS = 3


@dataclass(frozen=True)
class HypomimiaScreen:
    """Screening sign of reduced facial expression (not a diagnosis).

    reduced_regions: regions below their healthy range on BOTH sides (one-sided reduction is the
    palsy pattern, not hypomimia). flag: True when at least SCREEN_MIN_REGIONS regions are
    reduced on both sides or spontaneous expressivity is below its range; None when nothing was
    measured. Blinks are not weighted."""

    flag: bool | None
    reduced_regions: tuple[str, ...]
    regions_measured: int
    expressivity_reduced: bool | None
    note: str = ("Screening sign of reduced facial expression, not a diagnosis: not specific to "
                 "Parkinson's disease; references are provisional.")


def screen(measures: list[Measure] | tuple[Measure, ...]) -> HypomimiaScreen:
    """The hypomimia screen from the expression measures (blink measures are ignored)."""
    by_key = {m.key: m for m in measures}
    reduced, measured = [], 0
    for region in REGION_ORDER:
        ms = [by_key.get(f"expression.{region}.{s}") for s in SIDES]
        if any(m is None or m.value is None for m in ms):
            continue
        measured += 1
        if all(m.status == "outside" for m in ms):
            reduced.append(region)
    sp = by_key.get("expression.spontaneous_mm_s")
    sp_red = None if sp is None or sp.value is None else sp.status == "outside"
    if not measured and sp_red is None:
        return HypomimiaScreen(None, (), 0, None)
    return HypomimiaScreen(len(reduced) >= SCREEN_MIN_REGIONS or bool(sp_red), tuple(reduced), measured, sp_red)
