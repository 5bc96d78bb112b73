"""Live symmetry view (clinician): mirrored camera with the mesh and, per region, how far each
side has moved from the rest frame (mm), updating while the patient moves."""
from __future__ import annotations

import math
from typing import Any

import pygame

from kiosk.ui import theme
from kiosk.ui.charts import left_right_bars
from kiosk.ui.screens.base import Screen

LIVE_REGIONS = ("Brow", "Eye", "Mouth corner", "Nose")
FULL_SCALE_MM = 10.0


def movement_mm(rest: Any, now: Any) -> dict[str, tuple[float, float]]:
    """Per region, (right, left) distance in mm that the region moved from ``rest`` to ``now``
    (both kiosk.face.metrics.FrameMeasures): brow height, eyelid opening (fissure), mouth corner
    (2-D, lateral and vertical) and alar height."""
    out = {}
    for region in LIVE_REGIONS:
        vals = []
        for side in ("right", "left"):
            a, b = rest.side(side), now.side(side)
            if region == "Brow":
                v = abs(b.brow_height_mm - a.brow_height_mm)
            elif region == "Eye":
                v = abs(b.palpebral_fissure_mm - a.palpebral_fissure_mm)
            elif region == "Mouth corner":
                v = math.hypot(b.commissure_lateral_mm - a.commissure_lateral_mm,
                               b.commissure_vertical_mm - a.commissure_vertical_mm)
            else:
                v = abs(b.alar_height_mm - a.alar_height_mm)
            vals.append(float(v))
        out[region] = (vals[0], vals[1])
    return out


def measures_of(analysed: Any) -> Any:
    """FrameMeasures of an analysed frame, or None without a face or a mm scale."""
    from kiosk.face.metrics import face_frame, frame_measures
    face = getattr(getattr(analysed, "analysis", None), "face", None)
    if face is None or not face.mm_per_px:
        return None
    try:
        return frame_measures(face_frame(face.landmarks_px, face.mm_per_px))
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
