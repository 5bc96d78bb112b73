"""Immediate-mode drawing with a record of what was drawn.

Screens draw through a :class:`Painter`; every text and every touch target it draws is
recorded for the frame, so input is hit-tested against exactly what is on screen and
tests can check which texts and numbers a screen showed (and where).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pygame

from kiosk.ui import theme
from kiosk.ui.theme import Metrics


@dataclass(frozen=True)
class DrawnText:
    text: str
    rect: tuple[int, int, int, int]
    px: int


@dataclass
class Target:
    """A touch target drawn this frame."""

    key: str
    rect: pygame.Rect
    label: str
    action: Callable[[], None] | None
    kind: str = "secondary"


@dataclass
class Painter:
    surface: pygame.Surface
    m: Metrics
    texts: list[DrawnText] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    clipped: list[str] = field(default_factory=list)     # wrapped text that did not fit its box

    def reset(self) -> None:
        self.texts.clear()
        self.targets.clear()
        self.clipped.clear()
        self.surface.fill(theme.BG)

    # -- text ---------------------------------------------------------------------------------
    def text(self, s: str, pos: tuple[int, int], px: int | None = None, colour=theme.FG, *, bold: bool = False,
             anchor: str = "topleft") -> pygame.Rect:
        """Draw one line; ``anchor`` is a pygame.Rect attribute name (topleft, center, midtop, ...)."""
        px = px or self.m.text
        img = theme.font(px, bold).render(s, True, colour)
        r = img.get_rect(**{anchor: pos})
        self.surface.blit(img, r)
        self.texts.append(DrawnText(s, (r.x, r.y, r.w, r.h), px))
        return r

    def wrap(self, s: str, rect: pygame.Rect, px: int | None = None, colour=theme.FG, *, bold: bool = False,
             align: str = "left", line_gap: float = 1.15) -> int:
        """Draw ``s`` word-wrapped inside ``rect``; returns the y below the last line."""
        px = px or self.m.text
        f = theme.font(px, bold)
        y = rect.y
        lines = wrap_lines(s, f, rect.w)
        for i, line in enumerate(lines):
            if y + f.get_height() > rect.bottom + 2:
                self.clipped.append(" ".join(lines[i:]))
                break
            if align == "center":
                self.text(line, (rect.centerx, y), px, colour, bold=bold, anchor="midtop")
            else:
                self.text(line, (rect.x, y), px, colour, bold=bold)
            y += int(f.get_height() * line_gap)
        return y

    def fit(self, s: str, rect: pygame.Rect, px: int | None = None, colour=theme.FG, *, bold: bool = False,
            align: str = "left", min_px: int = 14, line_gap: float = 1.1) -> int:
        """Like :meth:`wrap`, at the largest size from ``px`` down to ``min_px`` whose lines fit in
        ``rect``; text that does not fit even then is recorded in ``clipped``. Returns the y below."""
        px = px or self.m.text
        while px > min_px:
            f = theme.font(px, bold)
            n = len(wrap_lines(s, f, rect.w))
            if (n - 1) * int(f.get_height() * line_gap) + f.get_height() <= rect.h + 2:
                break
            px -= 2
        return self.wrap(s, rect, max(px, min_px), colour, bold=bold, align=align, line_gap=line_gap)

    # -- shapes and targets -------------------------------------------------------------------
    def panel(self, rect: pygame.Rect, colour=theme.PANEL, edge=None, radius: int | None = None) -> None:
        radius = self.m.px(12) if radius is None else radius
        pygame.draw.rect(self.surface, colour, rect, border_radius=radius)
        if edge is not None:
            pygame.draw.rect(self.surface, edge, rect, width=max(2, self.m.px(2)), border_radius=radius)

    def button(self, rect: pygame.Rect, label: str, action: Callable[[], None] | None, *, kind: str = "secondary",
               key: str | None = None, px: int | None = None, selected: bool = False) -> Target:
        """A touch target: drawn, recorded, and activated on release inside it."""
        rect = pygame.Rect(rect)
        colours = {"primary": (theme.ACCENT, theme.ACCENT_TEXT, None),
                   "danger": ((150, 30, 30), theme.FG, theme.BAD),
                   "key": (theme.PANEL, theme.FG, theme.PANEL_EDGE),
                   "secondary": (theme.PANEL, theme.FG, theme.PANEL_EDGE)}
        bg, fg, edge = colours.get(kind, colours["secondary"])
        if action is None:
            bg, fg, edge = (28, 30, 38), (150, 150, 160), (70, 70, 80)
        if selected:
            edge = theme.ACCENT
        self.panel(rect, bg, edge)
        px = px or (self.m.text if kind != "key" else self.m.title)
        f = theme.font(px, True)
        while f.size(label)[0] > rect.w - 12 and px > 14:
            px -= 2
            f = theme.font(px, True)
        shown = label
        while len(shown) > 1 and f.size(shown)[0] > rect.w - 12:     # a long name: shortened, never under
            shown = shown[:-2] + "…"                                  # the next button
        self.text(shown, rect.center, px, fg, bold=True, anchor="center")
        t = Target(key or f"{label}@{rect.x},{rect.y}", rect, label, action, kind)
        self.targets.append(t)
        return t

    def bar(self, rect: pygame.Rect, fraction: float, colour, *, vertical: bool = False) -> None:
        """A level bar, ``fraction`` 0..1 of ``rect`` filled, with an outline."""
        f = min(1.0, max(0.0, float(fraction)))
        pygame.draw.rect(self.surface, (50, 54, 66), rect)
        if vertical:
            h = int(rect.h * f)
            pygame.draw.rect(self.surface, colour, (rect.x, rect.bottom - h, rect.w, h))
        else:
            pygame.draw.rect(self.surface, colour, (rect.x, rect.y, int(rect.w * f), rect.h))
        pygame.draw.rect(self.surface, theme.PANEL_EDGE, rect, width=2)

    def all_text(self) -> str:
        return "\n".join(t.text for t in self.texts)


def wrap_lines(s: str, f: pygame.font.Font, width: int) -> list[str]:
    """Split ``s`` into lines no wider than ``width`` px; a word too long for a line (a file
    path) is broken between characters."""
    lines: list[str] = []
    for para in s.split("\n"):
        line = ""
        for word in para.split():
            while f.size(word)[0] > width and len(word) > 1:
                cut = max(1, next((i for i in range(len(word), 0, -1) if f.size(word[:i])[0] <= width), 1))
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            trial = f"{line} {word}".strip()
            if f.size(trial)[0] <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def fmt(v: float | int | None, spec: str = ".1f", unit: str = "") -> str:
    """A number with its unit, or an en dash for a value that was not measured."""
    if v is None:
        return "–"
    return f"{v:{spec}}{(' ' + unit) if unit else ''}"
