"""Live symmetry view (clinician): mirrored camera with the mesh and, per region, how far each
side has moved from the rest frame (mm), updating while the patient moves. "Set rest" takes
the next frame as the new rest frame.

The numbers are the assessment's own (kiosk.session.live): optical-flow excursions from the
rest frame, eyelid travel from the iris model, the same ratios; they match the stored result
for the same frames. The picture is mirrored, so the patient's right is on the screen's
right: the picture is labelled R and L, and each side's bar is drawn on the same side.
"""
from __future__ import annotations



import pygame

from kiosk.session.live import LIVE_REGIONS as _REGIONS
from kiosk.session.live import LiveReading, LiveSymmetry
from kiosk.ui import theme
from kiosk.ui.charts import left_right_bars
from kiosk.ui.screens.base import Screen

LIVE_REGIONS = tuple(_REGIONS)
FULL_SCALE_MM = 10.0


def bar_rows(reading: LiveReading | None) -> list[tuple[str, float | None, float | None]]:
    """(label, right mm, left mm) per live region; None values before a reading."""
    if reading is None:
        return [(r, None, None) for r in LIVE_REGIONS]
    return [(r, reading.regions[r][0], reading.regions[r][1]) for r in LIVE_REGIONS]


class LiveScreen(Screen):
    name = "live"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.live: LiveSymmetry | None = None
        self.reading: LiveReading | None = None
        self._seq = -1

    @property
    def move(self) -> dict[str, tuple[float, float]]:
        """(right mm, left mm) per live region; empty before the first reading."""
        return {} if self.reading is None else {k: v[:2] for k, v in self.reading.regions.items()}

    def _live(self) -> LiveSymmetry:
        if self.live is None:
            self.live = LiveSymmetry(self.app.services.config.vision)
        return self.live

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.app.ensure_camera()
        self.app.camera.switch("rest")
        self.clear()
        self._seq = -1

    def clear(self) -> None:
        if self.live is not None:
            self.live.reset()
        self.reading = None

    def keeps_awake(self) -> bool:
        return False

    def set_rest(self) -> None:
        self.clear()

    def update(self, now_s: float) -> None:
        a = self.app.analysis.latest() if self.app.analysis else None
        if a is None or a.seq == self._seq:
            return
        self._seq = a.seq
        reading = self._live().update(a.rgb, getattr(a.analysis, "face", None))
        if reading is not None:
            self.reading = reading

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        body = self.header(p, "Live symmetry", lambda: self.app.go("clinician"))
        p.button(pygame.Rect(m.width - m.margin - m.px(200), m.margin, m.px(200), m.button_h), "Set rest",
                 self.set_rest, key="set_rest")
        cam = pygame.Rect(body.x, body.y, int(body.w * 0.48), body.h)
        a = self.app.analysis.latest() if self.app.analysis else None
        self.preview(p, cam, a, mesh=True, guide=False)
        # mirrored picture: the patient's right is on the screen's right
        p.text("L", (cam.x + m.px(10), cam.y + m.px(6)), m.text, theme.LEFT_COLOUR, bold=True, anchor="topleft")
        p.text("R", (cam.right - m.px(10), cam.y + m.px(6)), m.text, theme.RIGHT_COLOUR, bold=True,
               anchor="topright")
        bars = pygame.Rect(cam.right + m.margin, body.y, body.right - cam.right - m.margin, body.h - 2 * m.small)
        left_right_bars(p, bars, bar_rows(self.reading), full_scale=FULL_SCALE_MM, unit="mm", right_on_right=True)
        note = ("Movement from the rest frame (mm), patient's own sides."
                if self.reading else "Waiting for a face with a measurable iris...")
        p.wrap(note, pygame.Rect(bars.x, bars.bottom + 4, bars.w, body.bottom - bars.bottom), m.small - 3, theme.MUTED)
