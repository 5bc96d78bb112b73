"""Screen base class and drawing helpers shared by the screens (header, camera preview, mesh)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pygame

from kiosk.ui import theme
from kiosk.ui.paint import Painter


def first_name(display_name: str | None) -> str:
    """The first name only, capitalised (the waiting room can see the screen); "" without a name."""
    parts = (display_name or "").split()
    return parts[0].title() if parts else ""


def fit_line(prefix: str, name: str, room: int, sizes: tuple[int, ...], bold: bool = True) -> tuple[str, int]:
    """``prefix + name`` at the largest of ``sizes`` that fits ``room`` px; at the smallest size the name is
    shortened with an ellipsis. Returns (text, px). An empty name drops the prefix's trailing ", "."""
    text = (prefix + name) if name else prefix.rstrip(", ")
    for px in sizes:
        if theme.font(px, bold).size(text)[0] <= room:
            return text, px
    px = sizes[-1]
    f = theme.font(px, bold)
    while name and f.size(prefix + name + "…")[0] > room:
        name = name[:-1]
    return (prefix + name + "…") if name else prefix.rstrip(", "), px


class Screen:
    """One screen. ``draw`` is called every frame and registers its touch targets."""

    name = ""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._preview: tuple[int, tuple[int, int], pygame.Surface] | None = None
        self.report_job: Any = None

    def start_report(self, session_id: str, view: str) -> None:
        """Write (and print) a PDF in a worker job; the notice tells how it went."""
        from kiosk.session.workers import Job
        if self.report_job is not None and not self.report_job.done:
            return
        self.app.say("Making the PDF...", 60.0)
        self.report_job = Job(lambda: self.app.services.write_report(session_id, view), "report")

    def poll_report(self) -> None:
        job = self.report_job
        if job is None or not job.done:
            return
        self.report_job = None
        self.app.say(job.result.message if job.error is None else f"The PDF could not be made: {job.error}", 10.0)

    @property
    def m(self):  # noqa: ANN201
        return self.app.m

    def enter(self, **kw: Any) -> None:
        """Called when the screen becomes current."""

    def leave(self) -> None:
        """Called when another screen becomes current."""

    def clear(self) -> None:
        """Forget any patient data this screen holds (idle timeout, finish)."""

    def update(self, now_s: float) -> None:
        """Advance time-dependent state (once per frame, before draw)."""
        self.poll_report()

    def idle_timeout_s(self) -> float:
        """Seconds without input before the kiosk returns to the attract screen and forgets the patient."""
        return self.app.config.ui.idle_timeout_s

    def keeps_awake(self) -> bool:
        """True while the idle timeout must not fire (a guided session is running)."""
        return False

    def on_key(self, ev: pygame.event.Event) -> None:
        """A physical keyboard key (desktop use); touch screens never send these."""

    def draw(self, p: Painter) -> None:
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------------
    def header(self, p: Painter, title: str, back: Callable[[], None] | None = None,
               back_label: str = "Back") -> pygame.Rect:
        """Title row with an optional Back button on the left; returns the content rect below it."""
        m = self.m
        h = m.button_h
        x = m.margin
        if back is not None:
            p.button(pygame.Rect(m.margin, m.margin, m.px(130), h), back_label, back, key="back")
            x = m.margin + m.px(130) + m.margin
        if title:
            p.text(title, (x, m.margin + h // 2), m.title, theme.FG, bold=True, anchor="midleft")
        top = m.margin * 2 + h
        return pygame.Rect(m.margin, top, m.width - 2 * m.margin, m.height - top - m.margin)

    def preview(self, p: Painter, rect: pygame.Rect, analysed: Any, *, mesh: bool = False,
                guide: bool = True) -> Callable[[np.ndarray], np.ndarray] | None:
        """Draw the newest camera frame mirrored (like a mirror) and cropped to fill ``rect``.

        Returns the function mapping image px (N, 2) to screen px, or None without a frame."""
        pygame.draw.rect(p.surface, (0, 0, 0), rect)
        if analysed is None:
            p.wrap("Starting the camera...", rect.inflate(-20, -20), p.m.text, theme.MUTED, align="center")
            return None
        rgb = analysed.rgb
        h, w = rgb.shape[:2]
        scale = max(rect.w / w, rect.h / h)
        sw, sh = int(w * scale), int(h * scale)
        key = (analysed.seq, (sw, sh))
        if self._preview is None or self._preview[:2] != key:
            img = pygame.image.frombuffer(np.ascontiguousarray(rgb).tobytes(), (w, h), "RGB")
            img = pygame.transform.flip(pygame.transform.smoothscale(img, (sw, sh)), True, False)
            self._preview = (key[0], key[1], img)
        img = self._preview[2]
        ox, oy = rect.x + (rect.w - sw) // 2, rect.y + (rect.h - sh) // 2
        clip = p.surface.get_clip()
        p.surface.set_clip(rect)
        p.surface.blit(img, (ox, oy))

        def to_screen(pts: np.ndarray) -> np.ndarray:
            pts = np.asarray(pts, dtype=np.float64)[..., :2]
            return np.stack([ox + (w - pts[..., 0]) * scale, oy + pts[..., 1] * scale], axis=-1)

        face = getattr(analysed.analysis, "face", None)
        if mesh and face is not None:
            for x, y in to_screen(face.landmarks_px)[::2]:
                p.surface.fill(theme.GOOD, (int(x), int(y), 2, 2))
        if guide:
            oval = pygame.Rect(0, 0, int(rect.h * 0.55), int(rect.h * 0.75))
            oval.center = rect.center
            ok = analysed.analysis.quality.ok
            pygame.draw.ellipse(p.surface, theme.GOOD if ok else theme.ACCENT, oval, max(3, p.m.px(4)))
        p.surface.set_clip(clip)
        return to_screen
