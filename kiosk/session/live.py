"""Live symmetry readings for the clinician's live view, measured exactly as the assessment.

The live view must not contradict the stored result.  So a :class:`LiveSymmetry` keeps a rest
frame and measures every later frame with the assessment's own code path
(:class:`kiosk.session.face._Session`): the measured points are followed from the rest frame
by optical flow (:mod:`kiosk.face.flow`), the face frame keeps the session scale, the
excursions are the directional excursions of :func:`kiosk.face.symmetry.excursion`, and the
eyelids come from the iris model's eye contour.  Ratios are min/max of the two sides, as in
the assessment.  The only difference: live frames are not averaged over jittered copies
(test-time augmentation costs several mesh runs per frame); the rest frame is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.face.symmetry import REGION_MIN, closure, excursion

# live label -> assessment region (eyelids: the closure of gentle eye closure)
LIVE_REGIONS: dict[str, str] = {"Brow": "brow", "Eyelids": "eye_gentle", "Mouth corner": "smile",
                                "Nose, upper lip": "snarl"}


@dataclass(frozen=True)
class LiveReading:
    """Per live label: (right mm, left mm, ratio or None) from the rest frame to this frame."""

    regions: dict[str, tuple[float, float, float | None]]
    flow_points: int       # measured points followed by optical flow (the rest use the mesh)
    points: int

    def weaker(self, label: str) -> str | None:
        """The side that moves visibly less (ratio below the assessment's region cut-off), else None."""
        r, l, ratio = self.regions[label]
        if ratio is None or ratio >= REGION_MIN[LIVE_REGIONS[label]]:
            return None
        return "right" if r < l else "left"


class LiveSymmetry:
    """Rest frame + the assessment's measures for each new frame (not thread-safe: UI thread).

    config: the VisionConfig (models; a mesh-only pipeline for the rest frame's augmentation
    and the eyelid model are built on the first rest frame).
    """

    def __init__(self, config, eyelids=None) -> None:  # noqa: ANN001
        self.config = config
        self.eyelids = eyelids
        self.session = None
        self._mesh = None

    def reset(self) -> None:
        """Forget the rest frame: the next frame with a face becomes the rest."""
        self.session = None

    @property
    def has_rest(self) -> bool:
        return self.session is not None

    def update(self, rgb: np.ndarray, face) -> LiveReading | None:  # noqa: ANN001
        """Measure one analysed frame (``face``: its FaceObservation); the first becomes the rest.

        Returns None without a face or an iris scale, or for the rest frame itself.
        """
        from kiosk.session.face import _Obs, _Session

        if face is None or not face.mm_per_px:
            return None
        obs = _Obs(np.asarray(face.landmarks_px, dtype=np.float64), float(face.mm_per_px), rgb,
                   float(face.pose.pitch_deg))
        if self.session is None:
            if self.eyelids is None:
                from kiosk.vision.eyelids import EyelidModel
                self.eyelids = EyelidModel(self.config.model_dir)
            if self._mesh is None:
                from kiosk.vision.pipeline import FacePipeline
                self._mesh = FacePipeline(self.config, tracking=True, with_iris=False)
            self.session = _Session(obs, obs.mm_per_px, self.eyelids, self._mesh, augment=True,
                                    jitter_pipeline=self._mesh)
            return None
        return measure_live(self.session, obs)


def measure_live(session, obs) -> LiveReading:  # noqa: ANN001
    """The assessment's measures of one frame against the session's rest frame."""
    peak, flow = session.track(obs)
    f, m = session.measure(peak)
    out: dict[str, tuple[float, float, float | None]] = {}
    for label, region in LIVE_REGIONS.items():
        if region == "eye_gentle":
            rs = closure({s: session.rest_measures.side(s).palpebral_fissure_mm for s in ("right", "left")},
                         {s: m.side(s).palpebral_fissure_mm for s in ("right", "left")}, region)
        else:
            rs = excursion(session.rest_frame, f, region)
        out[label] = (float(rs.right_mm), float(rs.left_mm), None if rs.ratio is None else float(rs.ratio))
    n_flow = 0 if isinstance(flow, str) else flow.n_reliable
    n = 0 if isinstance(flow, str) else len(flow.reliable)
    return LiveReading(out, n_flow, n)
