"""Nurse/clinician PIN entry through the app's one PinGate (shared throttle, growing lockout)."""
from __future__ import annotations

import pygame

from kiosk.ui import theme
from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets import NumberPad


class PinScreen(Screen):
    name = "pin"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.pin = ""
        self.next = "session"
        self.message = ""

    def enter(self, next: str = "session", **kw) -> None:  # noqa: A002, ANN003
        self.next, self.pin, self.message = next, "", ""

    def clear(self) -> None:
        self.pin, self.message = "", ""

    def _digit(self, d: str) -> None:
        if len(self.pin) < 12:
            self.pin += d

    def _ok(self) -> None:
        attempt = self.app.pin_gate.check(self.pin)
        self.pin = ""
        if attempt.ok:
            nxt = self.next
            if nxt == "settings":
                self.app.go("settings")
            else:
                self.app.go("patient", next=nxt)
            return
        self.message = attempt.message

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
        refused = self.app.pin_gate.unavailable()
        locked = refused is not None
        if locked:
            self.message = refused
        elif self.message.startswith("Too many") or self.message.startswith("No staff PIN"):
            self.message = ""
        if self.message:
            p.wrap(self.message, pygame.Rect(left.x, left.y + m.px(170), left.w, m.px(100)), m.text, theme.BAD,
                   bold=True)
        pad = pygame.Rect(body.centerx, body.y, body.w // 2, body.h)
        NumberPad(self._digit, lambda: setattr(self, "pin", self.pin[:-1]),
                  None if locked or not self.pin else self._ok).draw(p, pad)
