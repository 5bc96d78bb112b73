"""High-contrast theme and size-dependent layout metrics for the kiosk screens.

Colours: light text on near-black (contrast ratio > 15:1), one yellow accent for the
action to take, green/red only together with words (never colour alone). Sizes scale
with the screen: ``s = min(width / 800, height / 480)``; body text is at least 26 px and
every touch target at least 64 px high at 800x480 (guidelines ask for >= 48 px).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pygame

from kiosk.convention import SIDE_RGB

BG = (10, 12, 18)
PANEL = (34, 38, 52)
PANEL_EDGE = (120, 128, 150)
FG = (255, 255, 255)
MUTED = (200, 204, 214)          # still > 10:1 on BG
ACCENT = (255, 210, 0)           # primary action, highlights
ACCENT_TEXT = (0, 0, 0)
GOOD = (60, 210, 110)
BAD = (255, 110, 90)
INFO = (110, 190, 255)
LEFT_COLOUR = SIDE_RGB["left"]    # patient's left in bars, tables and charts (kiosk.convention)
RIGHT_COLOUR = SIDE_RGB["right"]  # patient's right

SIZES: dict[str, tuple[int, int]] = {"800x480": (800, 480), "1280x720": (1280, 720)}


@lru_cache(maxsize=64)
def font(px: int, bold: bool = False) -> pygame.font.Font:
    """The bundled pygame font (no system fonts needed) at ``px`` point size."""
    if not pygame.font.get_init():
        pygame.font.init()
    f = pygame.font.Font(pygame.font.get_default_font(), max(8, int(px)))
    f.set_bold(bold)
    return f


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one screen size."""

    width: int
    height: int

    @property
    def s(self) -> float:
        return min(self.width / 800, self.height / 480)

    def px(self, v: float) -> int:
        return int(round(v * self.s))

    @property
    def margin(self) -> int:
        return self.px(16)

    @property
    def text(self) -> int:        # body text
        return self.px(26)

    @property
    def small(self) -> int:       # secondary text, never below 20 px
        return max(20, self.px(21))

    @property
    def title(self) -> int:
        return self.px(40)

    @property
    def huge(self) -> int:        # countdown digits, headline scores
        return self.px(110)

    @property
    def button_h(self) -> int:    # touch targets: >= 64 px at 800x480
        return max(64, self.px(64))

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(0, 0, self.width, self.height)
