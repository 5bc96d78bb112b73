"""Live symmetry view (clinician): mirrored camera with the mesh and, per region, how far each
side has moved from the rest frame (mm), updating while the patient moves. "Set rest" takes
the next frame as the new rest frame."""
from __future__ import annotations

from typing import Any

import pygame

from kiosk.ui import theme
from kiosk.ui.charts import left_right_bars
from kiosk.ui.screens.base import Screen

LIVE_REGIONS = ("Brow", "Eyelids", "Mouth corner", "Nose, upper lip")
_MOVEMENT = {"Brow": "brow", "Mouth corner": "smile", "Nose, upper lip": "snarl"}
FULL_SCALE_MM = 10.0


def movement_mm(rest: Any, now: Any) -> dict[str, tuple[float, float]]:
    """Per region, (right, left) movement in mm from ``rest`` to ``now`` (kiosk.face.metrics.FaceFrame),
    measured as the assessment measures it (kiosk.face.symmetry): directional excursion of the brow,
    the mouth corner and the alar base/upper lip; eyelid travel (fissure narrowing) for the eyes."""
    from kiosk.face.metrics import palpebral_fissure_mm
    from kiosk.face.symmetry import excursion
    out = {}
    for label, region in _MOVEMENT.items():
        r = excursion(rest, now, region)
        out[label] = (float(r.right_mm), float(r.left_mm))
    out["Eyelids"] = tuple(max(palpebral_fissure_mm(rest, s) - palpebral_fissure_mm(now, s), 0.0)
                           for s in ("right", "left"))
    return {k: out[k] for k in LIVE_REGIONS}


def measures_of(analysed: Any) -> Any:
    """The pose-normalized FaceFrame (mm) of an analysed frame, or None without a face or a mm scale."""
    from kiosk.face.metrics import face_frame
    face = getattr(getattr(analysed, "analysis", None), "face", None)
    if face is None or not face.mm_per_px:
        return None
    try:
        return face_frame(face.landmarks_px, face.mm_per_px)
    except ValueError:
        return None


class LiveScreen(Screen):
    name = "live"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.rest: Any = None
        self.move: dict[str, tuple[float, float]] = {}
        self._seq = -1

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.app.ensure_camera()
        self.app.camera.switch("rest")
        self.rest, self.move, self._seq = None, {}, -1

    def clear(self) -> None:
        self.rest, self.move = None, {}

    def keeps_awake(self) -> bool:
        return False

    def set_rest(self) -> None:
        self.rest = None

    def update(self, now_s: float) -> None:
        a = self.app.analysis.latest() if self.app.analysis else None
        if a is None or a.seq == self._seq:
            return
        self._seq = a.seq
        meas = measures_of(a)
        if meas is None:
            return
        if self.rest is None:
            self.rest = meas
        self.move = movement_mm(self.rest, meas)

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        body = self.header(p, "Live symmetry", lambda: self.app.go("clinician"))
        p.button(pygame.Rect(m.width - m.margin - m.px(200), m.margin, m.px(200), m.button_h), "Set rest",
                 self.set_rest, key="set_rest")
        cam = pygame.Rect(body.x, body.y, int(body.w * 0.48), body.h)
        a = self.app.analysis.latest() if self.app.analysis else None
        self.preview(p, cam, a, mesh=True, guide=False)
        bars = pygame.Rect(cam.right + m.margin, body.y, body.right - cam.right - m.margin, body.h - 2 * m.small)
        rows = [(r, *(self.move.get(r) or (None, None))) for r in LIVE_REGIONS]
        left_right_bars(p, bars, rows, full_scale=FULL_SCALE_MM, unit="mm")
        note = ("Movement from the rest frame (mm), patient's own sides." if self.move
                else "Waiting for a face with a measurable iris...")
        p.wrap(note, pygame.Rect(bars.x, bars.bottom + 4, bars.w, body.bottom - bars.bottom), m.small - 3, theme.MUTED)
