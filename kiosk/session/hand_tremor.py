"""Hand tremor from a video (docs/parkinson.md#hand-tremor): frequency (Hz), amplitude (mm) and
band power of each hand in view, the PATIENT's right and left (the camera is not mirrored:
the patient's right hand is at image left; kiosk/convention.py).

Steps: mediapipe's palm detector and hand-landmark model find and track the hands
(:class:`kiosk.vision.hands.HandTracker`); each hand's back-of-hand points (wrist, thumb base
and the four knuckles) are located by the landmark model in the first frame the hand is seen
and followed from there into every frame by optical flow (:func:`kiosk.session.tremor.flow_positions`,
started at the landmark model's position), because the model's learned hand shape damps small
motions just as the face mesh does; the mean displacement of the points the flow follows
reliably is the hand's displacement series (:func:`displacement_px`), which
:func:`kiosk.face.tremor.measure_tremor` turns into a tremor estimate (sway removed, spectral peak).

Which hand is which: with two hands in a frame, the one at image left is the patient's right;
with one, the handedness model decides (its mean over the hand's track).

Scale (mm per px), in this order: given by the caller (the face's iris scale when the face
pipeline already ran on the same frames), the iris scale of a face found in a few frames, else
the hand itself: the median span between the index and little-finger knuckles (MCP2-MCP5 joint
centres) taken as ``KNUCKLE_SPAN_FRACTION`` of the adult hand breadth ``HAND_BREADTH_MM`` (the
breadth across the metacarpal heads, British adults 19-65: median 85 mm men, 75 mm women, SD
4-5 mm; Pheasant S, Haslegrave CM, Bodyspace, 3rd ed., CRC Press 2006). That fallback is good to
about +-15 % for one person (hand size, plus the fraction itself, which is an estimate).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.config import VisionConfig
from kiosk.convention import SIDES
from kiosk.face.tremor import Tremor, measure_tremor
from kiosk.vision.hands import INDEX_MCP, N_LANDMARKS, PALM_POINTS, PINKY_MCP, Hand

HAND_BREADTH_MM = 80.0           # midpoint of the men's and women's medians (Pheasant 2006)
KNUCKLE_SPAN_FRACTION = 0.75     # MCP2-MCP5 joint-centre span / skin breadth (provisional estimate)
MIN_SEEN_FRACTION = 0.9
PROBE_FRAMES = 8                 # frames sampled for a first look (palms, face scale)


@dataclass(frozen=True)
class HandTremorResult:
    """Tremor of the patient's left and right hand (None: that hand was not in view), the frames
    with at least one hand, the scale used (mm/px) and where it came from ("iris", "hand" or
    "given"), and why nothing was measured (None when something was)."""

    left: Tremor | None
    right: Tremor | None
    frames: int
    frames_with_hands: int
    mm_per_px: float | None
    scale_source: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"right": None if self.right is None else self.right.to_dict(),
                "left": None if self.left is None else self.left.to_dict(),
                "frames": self.frames, "frames_with_hands": self.frames_with_hands,
                "mm_per_px": None if self.mm_per_px is None else round(self.mm_per_px, 4),
                "scale_source": self.scale_source, "reason": self.reason,
                "sides": "the patient's right and left"}


def assign_sides(hands: list[Hand], track_right: dict[int, float]) -> dict[str, Hand]:
    """The patient's side of each hand of one frame: with two, image left = patient's right; with
    one, its track's mean handedness (``track_right``: track id -> mean P(patient's right))."""
    if len(hands) >= 2:
        a, b = sorted(hands[:2], key=lambda h: float(h.landmarks[PALM_POINTS, 0].mean()))
        return {"right": a, "left": b}
    if len(hands) == 1:
        h = hands[0]
        return {"right" if track_right.get(h.track, h.right_score) >= 0.5 else "left": h}
    return {}


def knuckle_scale(lm_px: np.ndarray) -> float | None:
    """mm per px from the hand's knuckle span (n, 21, 2) px: the 90th percentile of the MCP2-MCP5
    distance over the frames (turning the hand only shortens it) as KNUCKLE_SPAN_FRACTION of
    HAND_BREADTH_MM."""
    span = np.linalg.norm(lm_px[:, INDEX_MCP] - lm_px[:, PINKY_MCP], axis=1)
    span = span[np.isfinite(span)]
    if not len(span) or np.percentile(span, 90) <= 0:
        return None
    return KNUCKLE_SPAN_FRACTION * HAND_BREADTH_MM / float(np.percentile(span, 90))


def hand_series(frames: list[np.ndarray], config: VisionConfig | None = None) -> dict[str, np.ndarray]:
    """Per patient side, the hand's landmarks (n, 21, 2) px, NaN where that hand was not seen."""
    from kiosk.vision.hands import HandTracker

    cfg = config or VisionConfig()
    tracker = HandTracker(cfg.model_dir, num_hands=2, threads=cfg.mesh_threads)
    per_frame = [tracker.process(rgb) for rgb in frames]
    votes: dict[int, list[float]] = {}
    for hands in per_frame:
        for h in hands:
            votes.setdefault(h.track, []).append(h.right_score)
    track_right = {k: float(np.mean(v)) for k, v in votes.items()}
    out = {side: np.full((len(frames), N_LANDMARKS, 2), np.nan) for side in SIDES}
    for i, (rgb, hands) in enumerate(zip(frames, per_frame)):
        for side, h in assign_sides(hands, track_right).items():
            out[side][i] = h.landmarks_px(rgb.shape[1], rgb.shape[0])
    return out


def displacement_px(frames: list[np.ndarray], lm_px: np.ndarray, mm_per_px: float) -> np.ndarray:
    """The hand's displacement (n, 2) px from the first frame it was seen: the mean over the
    PALM_POINTS whose optical flow was reliable in at least MIN_SEEN_FRACTION of the frames of
    each point's own displacement (NaN where none was reliable), so that the points in the mean
    may change from frame to frame without a jump. Without such a point, the landmark model's
    mean of the same points (damped, but not nothing)."""
    from kiosk.session.tremor import flow_positions

    pos, ok = flow_positions(frames, lm_px, mm_per_px, PALM_POINTS, crop=True)
    seen = np.isfinite(lm_px[:, PALM_POINTS[0], 0])
    good = ok[seen].mean(axis=0) >= MIN_SEEN_FRACTION
    if not good.any():
        pts = lm_px[:, list(PALM_POINTS)].mean(axis=1)
        return pts - pts[np.flatnonzero(seen)[0]]
    first = np.flatnonzero(seen)[0]
    d = np.where(ok[:, good, None], pos[:, good] - pos[first, good], 0.0)
    count = ok[:, good].sum(axis=1)[:, None]
    return np.where(count > 0, d.sum(axis=1) / np.maximum(count, 1), np.nan)


def palms_in_view(frames: list[np.ndarray], config: VisionConfig | None = None) -> bool:
    """Whether the palm detector finds a hand in any of PROBE_FRAMES frames spread over the video."""
    from kiosk.vision.hands import PALM_MODEL, PalmDetector
    from kiosk.vision.runtime import Model

    cfg = config or VisionConfig()
    det = PalmDetector(Model(cfg.model_dir / PALM_MODEL, cfg.mesh_threads))
    idx = np.unique(np.linspace(0, len(frames) - 1, min(PROBE_FRAMES, len(frames))).round().astype(int))
    return any(det.detect(frames[i]) for i in idx)


def face_scale(frames: list[np.ndarray], config: VisionConfig | None = None) -> float | None:
    """Median iris scale (mm/px) of the face in PROBE_FRAMES frames spread over the video (None: no face)."""
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline(config, with_iris=True)
    try:
        idx = np.unique(np.linspace(0, len(frames) - 1, min(PROBE_FRAMES, len(frames))).round().astype(int))
        scales = [f.mm_per_px for f in (pipe.process(frames[i]).face for i in idx) if f is not None and f.mm_per_px]
    finally:
        pipe.close()
    return float(np.median(scales)) if scales else None


def hand_tremor_from_frames(frames: list[np.ndarray], fps: float, config: VisionConfig | None = None, *,
                            mm_per_px: float | None = None, find_face: bool = True) -> HandTremorResult:
    """Tremor of each hand in a video's frames (RGB uint8) at ``fps`` frames per second.

    mm_per_px: the image scale if already known (the face's iris scale); else it is looked for
    (see the module docstring), from a face only when ``find_face`` (False: the caller's face
    pipeline already found no iris scale).
    """
    n = len(frames)
    if n == 0:
        return HandTremorResult(None, None, 0, 0, None, reason="no frames")
    if not palms_in_view(frames, config):
        return HandTremorResult(None, None, n, 0, None, reason="no hands in view")
    series = hand_series(frames, config)
    seen_any = np.zeros(n, bool)
    for lm in series.values():
        seen_any |= np.isfinite(lm[:, 0, 0])
    if not seen_any.any():
        return HandTremorResult(None, None, n, 0, None, reason="no hands in view")
    source = "given" if mm_per_px else None
    if not mm_per_px and find_face:
        mm_per_px, source = face_scale(frames, config), "iris"
    if not mm_per_px:
        spans = np.concatenate([lm for lm in series.values()], axis=0)
        mm_per_px, source = knuckle_scale(spans), "hand"
    if not mm_per_px:
        return HandTremorResult(None, None, n, int(seen_any.sum()), None, reason="no scale: mm cannot be measured")
    result: dict[str, Tremor | None] = {}
    for side, lm in series.items():
        seen = int(np.isfinite(lm[:, 0, 0]).sum())
        if seen == 0:
            result[side] = None
        elif seen < MIN_SEEN_FRACTION * n:
            result[side] = Tremor(False, None, None, None, None,
                                  f"{side} hand seen in {seen} of {n} frames; {MIN_SEEN_FRACTION:.0%} needed")
        else:
            result[side] = measure_tremor(displacement_px(frames, lm, mm_per_px) * mm_per_px, fps)
    return HandTremorResult(result["left"], result["right"], n, int(seen_any.sum()), mm_per_px, source)


def tremor_findings(result: HandTremorResult, step: str, condition: str) -> tuple:
    """The ParkinsonSummary tremor findings of one hand step (sites "hand_right", "hand_left";
    condition "rest" for hands_lap, "postural" for hands_up): ``detected`` None with the reason
    when a hand was not measured."""
    from kiosk.analytics.parkinson import TremorFinding

    return tuple(TremorFinding.from_tremor(f"hand_{side}", condition, step, getattr(result, side),
                                           result.reason or f"{side} hand not in view") for side in SIDES)
