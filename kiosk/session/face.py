"""The face half of a session assessment at the edge: runs the vision pipeline (and the eyelid
and jitter models) on each step's frames, picks rest and peak frames, follows the measured
points by optical flow, then hands the measures to :func:`kiosk.face.assessment.combine_face`.

A step with no usable frame is reported with its reason and every score that needs it is
marked unavailable; nothing is guessed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from kiosk.face.assessment import (COMPLETE_CLOSURE, LOW_CONFIDENCE, FacialAssessment, StepResult,  # noqa: F401
                                   combine_face)
from kiosk.face.flow import FlowResult, track_points
from kiosk.face.metrics import FaceFrame, FrameMeasures, face_frame, frame_measures, rigid_span_px
from kiosk.face.mirror import MirrorRest, measure_rest
from kiosk.face.peaks import region_movement_mm, select_peak, select_rest
from kiosk.face.symmetry import EYE_REGIONS, TRACKED_INDICES
from kiosk.protocol import FACE_STEPS
from kiosk.vision.augment import augmented_landmarks, landmark_pipeline
from kiosk.vision.eyelids import EyelidModel, contour_fissure_px
from kiosk.vision.quality import tilt_acceptable

# Eye-corner span change (fraction) above which the face's size is corrected (the patient
# moved); see _Session.frame.
SIZE_CHANGE_TOLERANCE = 0.05


@dataclass(frozen=True)
class _Obs:
    """One accepted frame: landmarks (px), iris scale, source frame."""

    landmarks_px: np.ndarray
    mm_per_px: float | None
    rgb: np.ndarray
    pitch_deg: float = 0.0


@dataclass
class _Observed:
    """One step's frames after the vision gate: accepted obs, reject codes, tilted candidates."""

    obs: list[_Obs | None]
    codes: list[str | None]
    messages: list[str]
    tilted: dict[int, _Obs]
    relaxed: int = 0


def _observe(frames: list[np.ndarray], pipeline) -> _Observed:
    """Run the pipeline on every frame; keep frames rejected only for pitch as candidates."""
    pipeline.reset()
    out = _Observed([], [], [], {})
    for i, rgb in enumerate(frames):
        try:
            a = pipeline.process(rgb)
        except ValueError as e:  # wrong shape / dtype: an unusable frame, not a crash
            out.obs.append(None), out.codes.append("bad_frame"), out.messages.append(str(e))
            continue
        o = None if a.face is None else _Obs(a.face.landmarks_px, a.face.mm_per_px, rgb, a.face.pose.pitch_deg)
        if o is not None and not np.all(np.isfinite(o.landmarks_px)):
            out.obs.append(None), out.codes.append("bad_landmarks"), out.messages.append("non-finite landmarks")
            continue
        if o is not None and a.quality.ok:
            out.obs.append(o), out.codes.append(None)
            continue
        out.obs.append(None), out.codes.append(a.quality.code), out.messages.append(a.quality.message)
        if o is not None and a.quality.code == "tilted":
            out.tilted[i] = o
    return out


def _relax_pitch(seen: _Observed, rest_pitch_deg: float, max_pitch_deg: float) -> None:
    """Accept the frames rejected only as "tilted" that pass :func:`kiosk.vision.quality.tilt_acceptable`."""
    for i, o in seen.tilted.items():
        if tilt_acceptable(o.pitch_deg, rest_pitch_deg, max_pitch_deg):
            seen.obs[i], seen.codes[i] = o, None
            seen.relaxed += 1


def _unusable(codes: list[str | None], messages: list[str], n: int) -> StepResult:
    counts = Counter(c for c in codes if c)
    top = counts.most_common(1)[0][0] if counts else "no_frames"
    msg = next((m for c, m in zip([c for c in codes if c], messages) if c == top), "no frames")
    return StepResult("unusable", f"no usable frame ({top}): {msg}", 0, n, dict(counts))


class _Session:
    """Scale and rest reference shared by all steps of a session."""

    def __init__(self, rest: _Obs, mm_per_px: float, eyelids: EyelidModel | None, pipeline, augment: bool,
                 use_flow: bool = True) -> None:
        self.augment = augment
        self.use_flow = use_flow
        self.jitter_pipeline = landmark_pipeline(pipeline) if augment else None
        self.eyelids = eyelids
        self.mm_per_px = mm_per_px
        rest = self.refine(rest)
        self.rest = rest
        self.span_px = rigid_span_px(rest.landmarks_px)
        self.rest_frame, self.rest_measures = self.measure(rest)
        self.rest_mirror: MirrorRest | None = measure_rest(rest.rgb, rest.landmarks_px, mm_per_px)

    def track(self, o: _Obs) -> tuple[_Obs, FlowResult | str]:
        """Peak positions of the measured points from image motion (kiosk.face.flow).

        Each measured point's rest position (mesh) is followed into ``o`` by optical flow,
        starting from the mesh's peak position; where the flow is reliable its x, y
        replace the mesh's (z stays the mesh's), elsewhere the mesh position is kept.
        The face frame's points (eye corners, nasal dorsum) are followed too, so the frame
        moves with the head rather than with the mesh's response to the expression.
        Returns the reason instead of a flow result when flow was not used.
        """
        if not self.use_flow:
            return o, "optical flow not used"
        if o.rgb.shape != self.rest.rgb.shape:
            return o, (f"peak frame size {o.rgb.shape[1]}x{o.rgb.shape[0]} differs from the rest frame's "
                       f"{self.rest.rgb.shape[1]}x{self.rest.rgb.shape[0]}: mesh positions used")
        idx = list(TRACKED_INDICES)
        res = track_points(self.rest.rgb, o.rgb, self.rest.landmarks_px[idx, :2], o.landmarks_px[idx, :2],
                           self.mm_per_px)
        lm = np.array(o.landmarks_px, dtype=np.float64)
        keep = np.array(idx)[res.reliable]
        lm[keep, :2] = res.points_px[res.reliable]
        return _Obs(lm, o.mm_per_px, o.rgb, o.pitch_deg), res

    def refine(self, o: _Obs) -> _Obs:
        """Landmarks averaged over jittered copies (kiosk.vision.augment) when enabled."""
        if not self.augment:
            return o
        return _Obs(augmented_landmarks(self.jitter_pipeline, o.rgb, o.landmarks_px), o.mm_per_px, o.rgb,
                    o.pitch_deg)

    def frame(self, o: _Obs) -> FaceFrame:
        """Face frame with the session scale, corrected when the face's size changed.

        Only a size change above SIZE_CHANGE_TOLERANCE = 5 % (the patient moved) is
        corrected: smaller changes of the eye-corner span come with the expression itself.
        With optical-flow eye corners the span changed by at most 4.3 % (eye closure, brow
        raise; synthetic faces over 4 poses), with mesh eye corners by 4.6 % (the pucker
        narrows the mesh by 2.5-4 %); 10 % before flow, which left a 10 % distance change
        uncorrected (snarl ratio 0.43 -> 0.04).
        """
        ratio = self.span_px / rigid_span_px(o.landmarks_px)
        return face_frame(o.landmarks_px, self.mm_per_px * (ratio if abs(ratio - 1) > SIZE_CHANGE_TOLERANCE else 1.0))

    def lid_travel_mm(self, o: _Obs) -> float:
        """Both eyes' lid travel from rest (mm) by the eye contour: ranks eye-closure frames."""
        _, m = self.measure(o)
        return sum(max(self.rest_measures.side(s).palpebral_fissure_mm - m.side(s).palpebral_fissure_mm, 0.0)
                   for s in ("right", "left"))

    def measure(self, o: _Obs) -> tuple[FaceFrame, FrameMeasures]:
        f = self.frame(o)
        fissure = None
        if self.eyelids is not None:
            c = self.eyelids.contours(o.rgb, o.landmarks_px)
            if c.right is not None and c.left is not None:
                fissure = {s: contour_fissure_px(c.side(s)) * f.mm_per_px for s in ("right", "left")}
        return f, frame_measures(f, fissure)


def assess_face(frames: dict[str, list[np.ndarray]], pipeline, eyelids: EyelidModel | None = None,
                use_eyelid_model: bool = True, augment: bool = True, use_flow: bool = True) -> FacialAssessment:
    """Assess a session's face steps (step name -> RGB uint8 frames; one frame = a photo).

    pipeline: a kiosk.vision FacePipeline.  eyelids: the lid model (built from the
    pipeline's model directory when None and ``use_eyelid_model``).  augment: average
    the measured frames' landmarks over jittered copies (kiosk.vision.augment).  use_flow:
    peak positions of the measured points from optical flow (kiosk.face.flow); False =
    mesh only (kept for comparison: the mesh spreads one-sided movement to both sides).
    """
    steps: dict[str, StepResult] = {}
    observed: dict[str, _Observed] = {}
    for step in FACE_STEPS:
        if frames.get(step):
            observed[step] = _observe(frames[step], pipeline)
        else:
            steps[step] = StepResult("missing", "no recording for this step")
    rest_seen = observed.get("rest")
    rest_obs = [o for o in rest_seen.obs if o is not None] if rest_seen else []
    if rest_seen and rest_obs:
        rest_pitch = float(np.median([o.pitch_deg for o in rest_obs]))
        for step, seen in observed.items():
            if step != "rest":
                _relax_pitch(seen, rest_pitch, pipeline.config.max_pitch_deg)
    for step, seen in observed.items():
        if not any(o is not None for o in seen.obs):
            steps[step] = _unusable(seen.codes, seen.messages, len(seen.obs))
    if not rest_obs:
        steps.setdefault("rest", StepResult("missing", "no recording for this step"))
        return FacialAssessment(None, {}, None, None, None, None, {**steps, **_pending(observed, steps,
                                "rest frame unavailable: nothing can be measured from rest")})
    scales = [o.mm_per_px for o in rest_obs if o.mm_per_px]
    if not scales:
        return FacialAssessment(None, {}, None, None, None, None, {**steps, **_pending(
            observed, steps, "no iris scale in the rest frames: mm cannot be measured")})
    if eyelids is None and use_eyelid_model:
        eyelids = EyelidModel(pipeline.config.model_dir)
    rest = rest_obs[select_rest([face_frame(o.landmarks_px, 1.0) for o in rest_obs])]
    session = _Session(rest, float(np.median(scales)), eyelids, pipeline, augment, use_flow)
    codes = rest_seen.codes
    steps["rest"] = StepResult("ok", None, len(rest_obs), len(codes) - len(rest_obs),
                               dict(Counter(c for c in codes if c)),
                               next(i for i, o in enumerate(rest_seen.obs) if o is rest))  # identity: obs hold arrays
    peaks = _peaks(session, observed, steps)
    return combine_face(session.mm_per_px, session.rest_frame, session.rest_measures, peaks, steps,
                        session.rest_mirror)


def _pending(observed: dict, steps: dict[str, StepResult], reason: str) -> dict[str, StepResult]:
    return {s: StepResult("not_scored", reason) for s in observed if s not in steps}


def _peaks(session: _Session, observed: dict[str, _Observed],
           steps: dict[str, StepResult]) -> dict[str, tuple[FaceFrame, FrameMeasures, FlowResult | str]]:
    """Peak frame per expression step (face frame, measures, optical-flow result)."""
    out = {}
    for step, seen in observed.items():
        if step == "rest" or step in steps:
            continue
        if step in EYE_REGIONS.values() and session.eyelids is not None:
            moves = [None if o is None else session.lid_travel_mm(o) for o in seen.obs]
        else:
            frames = [session.frame(o) if o is not None else None for o in seen.obs]
            moves = [None if f is None else region_movement_mm(session.rest_frame, f, step) for f in frames]
        sel = select_peak(moves, seen.codes)
        steps[step] = StepResult("ok", None, sel.frames_used, sel.frames_rejected, sel.rejected, sel.index,
                                 seen.relaxed)
        peak, flow = session.track(session.refine(seen.obs[sel.index]))
        if isinstance(flow, str) and session.use_flow:      # flow could not run: mesh positions only
            steps[step] = replace(steps[step], status=LOW_CONFIDENCE,
                                  reason=f"{flow}; mesh positions are less precise than tracked ones, read this "
                                         "step's measures with care")
        out[step] = (*session.measure(peak), flow)
    return out


