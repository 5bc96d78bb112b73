"""The kiosk application: one pygame window, a stack of screens, workers off the UI thread.

``App.frame(now_s)`` handles the queued input events, updates and draws the current
screen once; ``App.run()`` calls it at 30 fps with the real clock and pets the systemd
watchdog. Tests call ``frame`` with a fake clock after posting events, so nothing sleeps.
Touch comes as FINGERDOWN/FINGERUP (normalized 0..1 coordinates), mouse as button 1;
mouse events that SDL synthesizes from touch are ignored so a tap counts once.
"""
from __future__ import annotations

import queue
import time
from typing import Any

import pygame

from kiosk.config import KioskConfig
from kiosk.ui import theme
from kiosk.ui.paint import Painter, Target
from kiosk.ui.theme import Metrics
from kiosk.session.workers import AnalysisWorker, AudioWorker, CameraWorker

FPS = 30


class App:
    """Holds the window, the screens, the patient in front of the kiosk and the device workers."""

    def __init__(self, config: KioskConfig, services: Any, size: tuple[int, int] = (800, 480), *,
                 fullscreen: bool = False) -> None:
        pygame.init()
        theme.font.cache_clear()
        self.surface = pygame.display.set_mode(size, pygame.FULLSCREEN if fullscreen else 0)
        pygame.display.set_caption("Facial palsy assessment kiosk")
        self.config, self.services = config, services
        self.m = Metrics(*size)
        self.p = Painter(self.surface, self.m)
        self.device_events: queue.Queue = queue.Queue()
        self.camera: CameraWorker | None = None
        self.analysis: AnalysisWorker | None = None
        self.audio = AudioWorker(services.open_microphone, self.device_events)
        self.now_s = 0.0
        from kiosk.pin import PinGate
        wall0 = time.time()          # the throttle needs wall-clock time: its lockout survives a restart
        self.pin_gate = PinGate(config.ui.pin_hash, getattr(services, "state", None),
                                provisioned=config.device.provisioned, clock=lambda: wall0 + self.now_s)
        self.last_input_s = 0.0
        self.frames_drawn = 0
        self.running = True
        self.patient: Any = None          # kiosk.store.Patient in front of the kiosk
        self.result: Any = None           # (SessionRecord, assessment dict) of the session just done
        self.notice: tuple[str, float] | None = None
        from kiosk.ui.sound import Speaker
        self.speaker = Speaker(config.ui.prompt_dir, config.ui.volume)
        self._pressed: str | None = None
        self._targets: list[Target] = []
        from kiosk.ui.screens import build_screens
        self.screens = build_screens(self)
        self.current = self.screens["attract"]
        self.current.enter()

    # -- navigation ---------------------------------------------------------------------------
    def go(self, name: str, **kw: Any) -> None:
        """Show screen ``name``; a new screen restarts the idle timer."""
        self.last_input_s = self.now_s
        self.current.leave()
        self.current = self.screens[name]
        self.current.enter(**kw)

    def clear_patient(self) -> None:
        """Forget everything about the patient (idle timeout, finish, cancel)."""
        self.patient = None
        self.result = None
        for s in self.screens.values():
            s.clear()

    def home(self) -> None:
        self.clear_patient()
        self.go("attract")

    def say(self, text: str, seconds: float = 4.0) -> None:
        """A short notice at the bottom of the screen (saved report path, errors)."""
        self.notice = (text, self.now_s + seconds)

    def ensure_camera(self) -> None:
        """Start the camera and analysis workers on first need."""
        if self.camera is None or not self.camera.is_alive():
            self.camera = CameraWorker(self.services.open_camera, self.device_events, self.config.camera.fps)
            self.camera.start()
            self.analysis = AnalysisWorker(self.services.face_pipeline, self.camera)
            self.analysis.start()

    # -- input --------------------------------------------------------------------------------
    def handle(self, ev: pygame.event.Event) -> None:
        w, h = self.surface.get_size()
        if ev.type == pygame.QUIT:
            self.running = False
        elif ev.type in (pygame.FINGERDOWN, pygame.FINGERUP):
            pos = (int(ev.x * w), int(ev.y * h))
            self._press(pos) if ev.type == pygame.FINGERDOWN else self._release(pos)
        elif ev.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            if getattr(ev, "touch", False) or ev.button != 1:
                return
            self._press(ev.pos) if ev.type == pygame.MOUSEBUTTONDOWN else self._release(ev.pos)
        elif ev.type == pygame.KEYDOWN:
            self.last_input_s = self.now_s
            self.current.on_key(ev)

    def _hit(self, pos: tuple[int, int]) -> Target | None:
        for t in reversed(self._targets):       # drawn last = on top
            if t.rect.collidepoint(pos):
                return t
        return None

    def _press(self, pos: tuple[int, int]) -> None:
        self.last_input_s = self.now_s
        t = self._hit(pos)
        self._pressed = t.key if t is not None else None

    def _release(self, pos: tuple[int, int]) -> None:
        self.last_input_s = self.now_s
        t = self._hit(pos)
        pressed, self._pressed = self._pressed, None
        if t is not None and t.key == pressed and t.action is not None:
            t.action()

    def target(self, label: str) -> Target | None:
        """The touch target drawn last frame whose label or key is ``label`` (tests, scripts)."""
        return next((t for t in self._targets if label in (t.label, t.key)), None)

    # -- frames -------------------------------------------------------------------------------
    def frame(self, now_s: float) -> None:
        """Handle pending input, update and draw one frame at time ``now_s`` (s)."""
        self.now_s = now_s
        for ev in pygame.event.get():
            self.handle(ev)
        self.current.update(now_s)
        if (self.current.name != "attract" and not self.current.keeps_awake()
                and now_s - self.last_input_s > self.current.idle_timeout_s()):
            self.home()
            self.current.update(now_s)
        self.p.reset()
        self.current.draw(self.p)
        self._draw_notice()
        self._targets = list(self.p.targets)
        pygame.display.flip()
        self.frames_drawn += 1

    def _draw_notice(self) -> None:
        """The notice in a box at the bottom, as tall as its text needs (at most half the screen)."""
        if self.notice is None:
            return
        text, until = self.notice
        if self.now_s > until:
            self.notice = None
            return
        m = self.m
        from kiosk.ui.paint import wrap_lines
        w = m.width - 4 * m.margin
        f = theme.font(m.small)
        lines = wrap_lines(text, f, w)
        h = min(m.height // 2, len(lines) * int(f.get_height() * 1.15) + m.px(16))
        r = pygame.Rect(m.margin, m.height - h - m.margin, m.width - 2 * m.margin, h)
        self.p.panel(r, (20, 60, 110), (110, 190, 255))
        self.p.wrap(text, r.inflate(-2 * m.margin, -m.px(12)), m.small)

    def run(self) -> int:
        """The real loop: 30 fps until QUIT. systemd hears READY=1 after the first frame is drawn
        and WATCHDOG=1 about once a second from the loop (kiosk.watchdog; no-ops outside systemd)."""
        import signal
        import threading

        from kiosk.watchdog import notify
        if threading.current_thread() is threading.main_thread():   # systemd stops with SIGTERM
            signal.signal(signal.SIGTERM, lambda *_: setattr(self, "running", False))
        clock = pygame.time.Clock()
        t0 = time.monotonic()
        last_pet = None
        while self.running:
            now = time.monotonic() - t0
            self.frame(now)
            if last_pet is None:
                notify("READY=1")
            if last_pet is None or now - last_pet >= 1.0:
                notify("WATCHDOG=1")
                last_pet = now
            clock.tick(FPS)
        self.close()
        return 0

    def close(self) -> None:
        """Stop the workers (waiting briefly for them), close the store and the window."""
        for w in (self.camera, self.analysis):
            if w is not None:
                w.stop()
        for w in (self.camera, self.analysis):
            if w is not None and w.is_alive():
                w.join(timeout=5.0)
        self.services.close()
        theme.font.cache_clear()          # Font objects die with pygame.quit()
        pygame.quit()
