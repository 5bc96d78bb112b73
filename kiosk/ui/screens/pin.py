"""Nurse/clinician PIN entry (kiosk.pin.verify_pin against config.ui.pin_hash)."""
from __future__ import annotations

import pygame

from kiosk.ui import theme
from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets import NumberPad

MAX_FAILS = 5
LOCKOUT_S = 30.0


class PinScreen(Screen):
    name = "pin"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.pin = ""
        self.next = "session"
        self.message = ""
        self.fails = 0
        self.locked_until = 0.0

    def enter(self, next: str = "session", **kw) -> None:  # noqa: A002, ANN003
        self.next, self.pin, self.message = next, "", ""

    def clear(self) -> None:
        self.pin, self.message = "", ""

    def _digit(self, d: str) -> None:
        if len(self.pin) < 12:
            self.pin += d

    def _ok(self) -> None:
        from kiosk.pin import verify_pin
        if self.app.now_s < self.locked_until:
            return
        if verify_pin(self.pin, self.app.config.ui.pin_hash):
            self.fails = 0
            nxt = self.next
            self.pin = ""
            if nxt == "settings":
                self.app.go("settings")
            else:
                self.app.go("patient", next=nxt)
            return
        self.fails += 1
        self.pin = ""
        if self.fails >= MAX_FAILS:
            self.locked_until = self.app.now_s + LOCKOUT_S
            self.fails = 0
            self.message = f"Too many wrong PINs. Wait {LOCKOUT_S:.0f} s."
        else:
            self.message = "Wrong PIN. Please try again."

    def on_key(self, ev) -> None:  # noqa: ANN001
        if ev.unicode.isdigit():
            self._digit(ev.unicode)
        elif ev.key == pygame.K_BACKSPACE:
            self.pin = self.pin[:-1]
        elif ev.key == pygame.K_RETURN:
            self._ok()

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        body = self.header(p, "Staff PIN", self.app.home, "Cancel")
        left = pygame.Rect(body.x, body.y, body.w // 2 - m.margin, body.h)
        p.wrap("Nurse or clinician: enter your PIN.", left, m.text)
        dots = "  ".join("*" for _ in self.pin) or "-"
        p.text(dots, (left.centerx, left.y + m.px(120)), m.huge // 2, theme.ACCENT, bold=True, anchor="center")
        locked = self.app.now_s < self.locked_until
        if locked:
            self.message = f"Too many wrong PINs. Wait {self.locked_until - self.app.now_s:.0f} s."
        if self.message:
            p.wrap(self.message, pygame.Rect(left.x, left.y + m.px(170), left.w, m.px(100)), m.text, theme.BAD,
                   bold=True)
        pad = pygame.Rect(body.centerx, body.y, body.w // 2, body.h)
        NumberPad(self._digit, lambda: setattr(self, "pin", self.pin[:-1]),
                  None if locked or not self.pin else self._ok).draw(p, pad)
