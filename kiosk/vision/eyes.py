"""Both eyes' iris models, scheduled for speed: in parallel, and speculatively in video.

* Parallel: two interpreters (one thread each); LiteRT releases the GIL while invoking, so
  the patient's right and left eye run at the same time on two cores.
* Speculative (tracking mode only): the eye crops are cut from the *current* frame using the
  *previous* frame's eye corners and run while the mesh runs. When the mesh is done, the
  exact eye ROI (mediapipe's rule, from this frame's corners) is compared with the one used:
  if the centre moved by at most ``tolerance`` x the ROI width, the size changed by at most
  that fraction and the rotation by at most ``tolerance / 2`` rad, the speculative result
  stands (its points are projected through the ROI actually used, so the geometry is exact);
  otherwise both eyes are run again on the exact ROI. Measured on the astronaut: shifting the
  eye ROI by 2 % or by 10 % of its width moves the iris centre by the same 0.5-1 % of the
  interocular distance (the model's own jitter), so 10 % is the default tolerance; 0 turns
  speculation off.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.vision.iris import LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS, IrisModel, IrisResult, eye_roi
from kiosk.vision.iris import finish as iris_finish
from kiosk.vision.iris import prepare as iris_prepare
from kiosk.vision.roi import NormRect
from kiosk.vision.runtime import Model

EYES = ((RIGHT_EYE_CORNERS, False), (LEFT_EYE_CORNERS, True))  # (corners, flip) per patient side


@dataclass
class Speculation:
    """Iris inferences under way on ROIs from the previous frame."""

    rois: list[NormRect]
    pads: list[tuple[float, float]]
    future: Future  # -> [raw right, raw left]

    def wait(self) -> list[np.ndarray]:
        """The raw outputs (blocks until both eyes are done)."""
        return self.future.result()


def rois_agree(a: NormRect, b: NormRect, image_w: int, image_h: int, tolerance: float) -> bool:
    """True when ROI ``a`` is within ``tolerance`` of ``b`` (centre and size as fractions of
    b's width in px, rotation in units of 2 x tolerance rad)."""
    width = b.width * image_w
    shift = np.hypot((a.x_center - b.x_center) * image_w, (a.y_center - b.y_center) * image_h)
    return (shift <= tolerance * width and abs(a.width * image_w - width) <= tolerance * width
            and abs(a.rotation - b.rotation) <= tolerance / 2)


class EyePair:
    """Iris landmarks for both eyes of a frame, given the mesh (normalized landmarks)."""

    def __init__(self, model_path: Path, parallel: bool, tolerance: float = 0.1) -> None:
        self.models = [IrisModel(Model(model_path, 1))]
        self.pool: ThreadPoolExecutor | None = None
        if parallel:
            self.models.append(IrisModel(Model(model_path, 1)))
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iris")
        self.tolerance = tolerance
        self.reused = 0    # frames whose speculative iris result was kept
        self.redone = 0    # frames whose speculation missed and were run again

    def speculate(self, rgb: np.ndarray, prev_landmarks: np.ndarray) -> Speculation | None:
        """Start both eyes on ROIs from the previous frame's landmarks (None if not possible)."""
        if self.pool is None or self.tolerance <= 0:
            return None
        h, w = rgb.shape[:2]
        rois = [eye_roi(prev_landmarks, corners, w, h) for corners, _ in EYES]
        prepared = [iris_prepare(rgb, roi, flip) for roi, (_, flip) in zip(rois, EYES)]
        tensors = [t for t, _ in prepared]
        # one task for both eyes: a single hand-off to the worker while the mesh runs here
        future = self.pool.submit(lambda: [m.infer(t) for m, t in zip(self.models, tensors)])
        return Speculation(rois, [p for _, p in prepared], future)

    def run(self, rgb: np.ndarray, landmarks: np.ndarray,
            spec: Speculation | None = None) -> tuple[IrisResult, IrisResult]:
        """Iris results (patient's right, left) for this frame's normalized landmarks."""
        h, w = rgb.shape[:2]
        rois = [eye_roi(landmarks, corners, w, h) for corners, _ in EYES]
        if spec is not None:
            raws = spec.wait()
            if all(rois_agree(s, r, w, h, self.tolerance) for s, r in zip(spec.rois, rois)):
                self.reused += 1
                return self._finish(raws, spec.rois, spec.pads)
            self.redone += 1
        prepared = [iris_prepare(rgb, roi, flip) for roi, (_, flip) in zip(rois, EYES)]
        if self.pool is not None:
            pending = self.pool.submit(self.models[1].infer, prepared[1][0])
            raws = [self.models[0].infer(prepared[0][0]), pending.result()]
        else:
            raws = [self.models[0].infer(t) for t, _ in prepared]
        return self._finish(raws, rois, [p for _, p in prepared])

    @staticmethod
    def _finish(raws: list[np.ndarray], rois: list[NormRect],
                pads: list[tuple[float, float]]) -> tuple[IrisResult, IrisResult]:
        right, left = (iris_finish(raw, roi, flip, pad)
                       for raw, roi, (_, flip), pad in zip(raws, rois, EYES, pads))
        return right, left

    def close(self) -> None:
        """Stop the worker threads."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
