"""Composite touch widgets drawn through a Painter: on-screen keyboard, number pad, text field.

Each widget is a small object holding its text; ``draw`` lays out keys inside a rect
(every key >= 48 px, see theme.Metrics) and registers them as touch targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pygame

from kiosk.ui import theme
from kiosk.ui.paint import Painter

KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")


@dataclass
class TextField:
    label: str
    value: str = ""
    max_len: int = 24
    allowed: str | None = None          # None: any key the keyboard has

    def type(self, ch: str) -> None:
        if len(self.value) < self.max_len and (self.allowed is None or ch in self.allowed):
            self.value += ch

    def backspace(self) -> None:
        self.value = self.value[:-1]

    def draw(self, p: Painter, rect: pygame.Rect, *, focused: bool, on_focus: Callable[[], None]) -> None:
        p.text(self.label, (rect.x, rect.y), p.m.small, theme.MUTED)
        box = pygame.Rect(rect.x, rect.y + p.m.small + 6, rect.w, rect.h - p.m.small - 6)
        shown = self.value + ("_" if focused else "")
        p.button(box, shown or " ", on_focus, key=f"field:{self.label}", selected=focused, px=p.m.text)


@dataclass
class Keyboard:
    """QWERTY + digits + space/backspace. Calls ``on_key(ch)`` / ``on_back()``."""

    on_key: Callable[[str], None]
    on_back: Callable[[], None]
    rows: tuple[str, ...] = KEY_ROWS

    def draw(self, p: Painter, rect: pygame.Rect) -> None:
        n_rows = len(self.rows) + 1
        gap = max(4, p.m.px(5))
        kh = (rect.h - gap * (n_rows - 1)) // n_rows
        kw = (rect.w - gap * 9) // 10
        for r, row in enumerate(self.rows):
            y = rect.y + r * (kh + gap)
            x0 = rect.x + (rect.w - (len(row) * kw + (len(row) - 1) * gap)) // 2
            for i, ch in enumerate(row):
                p.button(pygame.Rect(x0 + i * (kw + gap), y, kw, kh), ch, _bind(self.on_key, ch),
                         kind="key", key=f"key:{ch}", px=min(p.m.title, int(kh * 0.55)))
        y = rect.y + len(self.rows) * (kh + gap)
        half = (rect.w - gap) // 2
        p.button(pygame.Rect(rect.x, y, half, kh), "Space", _bind(self.on_key, " "), kind="key", key="key:space",
                 px=p.m.text)
        p.button(pygame.Rect(rect.x + half + gap, y, half, kh), "Delete", self.on_back, kind="key",
                 key="key:back", px=p.m.text)


@dataclass
class NumberPad:
    """Digits 0-9, Delete and OK in a 3 x 4 grid."""

    on_digit: Callable[[str], None]
    on_back: Callable[[], None]
    on_ok: Callable[[], None] | None
    labels: list[str] = field(default_factory=lambda: list("123456789") + ["Delete", "0", "OK"])

    def draw(self, p: Painter, rect: pygame.Rect) -> None:
        gap = max(6, p.m.px(8))
        kw, kh = (rect.w - 2 * gap) // 3, (rect.h - 3 * gap) // 4
        for i, lab in enumerate(self.labels):
            r = pygame.Rect(rect.x + (i % 3) * (kw + gap), rect.y + (i // 3) * (kh + gap), kw, kh)
            if lab == "Delete":
                p.button(r, lab, self.on_back, kind="key", key="pad:back", px=p.m.text)
            elif lab == "OK":
                p.button(r, lab, self.on_ok, kind="primary", key="pad:ok")
            else:
                p.button(r, lab, _bind(self.on_digit, lab), kind="key", key=f"pad:{lab}")


def _bind(fn: Callable[[str], None], arg: str) -> Callable[[], None]:
    return lambda: fn(arg)
