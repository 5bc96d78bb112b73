"""Drive a kiosk App with posted touch events and a fake clock (tests, screenshots, demos).

Taps are real SDL FINGERDOWN/FINGERUP events with normalized coordinates, posted to the
pygame queue and handled by the app's own input code; time advances only when ``frame``
is called, so nothing sleeps on a real clock except ``wait_workers`` (bounded, for threads).
"""
from __future__ import annotations

import time
from typing import Any, Callable

import pygame


class Driver:
    def __init__(self, app: Any, dt_s: float = 1 / 30) -> None:
        self.app, self.dt_s, self.t = app, dt_s, app.now_s

    def frame(self, n: int = 1, dt_s: float | None = None) -> None:
        for _ in range(n):
            self.t += self.dt_s if dt_s is None else dt_s
            self.app.frame(self.t)

    def tap_xy(self, x: int, y: int) -> None:
        w, h = self.app.surface.get_size()
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            pygame.event.post(pygame.event.Event(kind, x=x / w, y=y / h, dx=0.0, dy=0.0, touch_id=1, finger_id=0,
                                                 pressure=1.0))
        self.frame()

    def tap(self, label: str) -> None:
        """Tap the centre of the target drawn last frame with this label or key; KeyError if absent."""
        t = self.app.target(label)
        if t is None:
            shown = ", ".join(x.key for x in self.app._targets)
            raise KeyError(f"no touch target {label!r} on screen {self.app.current.name} (targets: {shown})")
        self.tap_xy(*t.rect.center)

    def type_text(self, text: str) -> None:
        for ch in text:
            self.tap("key:space" if ch == " " else f"key:{ch.upper()}")

    def enter_pin(self, pin: str) -> None:
        for d in pin:
            self.tap(f"pad:{d}")
        self.tap("pad:ok")

    def run_until(self, done: Callable[[], bool], *, dt_s: float = 0.25, max_frames: int = 4000,
                  real_wait_s: float = 0.01) -> int:
        """Advance the fake clock by ``dt_s`` per frame until ``done()``; between frames yield
        ``real_wait_s`` of real time so worker threads (camera, analysis, audio) make progress."""
        for i in range(max_frames):
            if done():
                return i
            self.frame(dt_s=dt_s)
            time.sleep(real_wait_s)
        raise TimeoutError(f"condition not reached after {max_frames} frames on screen {self.app.current.name}")

    def texts(self) -> list[str]:
        return [t.text for t in self.app.p.texts]


def layout_problems(app: Any) -> list[str]:
    """What a person would see as broken in the last frame: wrapped text cut off, text leaving the
    screen, text running under a button (a button's own label lies inside it). Empty when clean."""
    w, h = app.surface.get_size()
    out = [f"text cut off: {c!r}" for c in app.p.clipped]
    for d in app.p.texts:
        r = pygame.Rect(d.rect)
        if r.x < 0 or r.y < 0 or r.right > w or r.bottom > h:
            out.append(f"text {d.text!r} leaves the screen: {d.rect}")
        out += [f"text {d.text!r} runs under the button {t.key}" for t in app._targets
                if r.colliderect(t.rect) and not t.rect.contains(r)]
    return out
