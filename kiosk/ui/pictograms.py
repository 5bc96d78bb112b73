"""Drawn pictograms for each step and emoji-style faces for results (no emoji font needed).

Everything is drawn with pygame.draw primitives in a square ``rect``, thick strokes
(>= 4 px) so they read from a metre away.
"""
from __future__ import annotations

import math

import pygame

from kiosk.protocol.steps import Pictogram
from kiosk.ui import theme

SKIN = (255, 205, 80)
INK = (20, 20, 20)


def _stroke(rect: pygame.Rect) -> int:
    return max(4, rect.w // 28)


def _head(surf: pygame.Surface, rect: pygame.Rect, colour=SKIN) -> tuple[int, int, int]:
    cx, cy, r = rect.centerx, rect.centery, rect.w // 2 - 2
    pygame.draw.circle(surf, colour, (cx, cy), r)
    pygame.draw.circle(surf, INK, (cx, cy), r, _stroke(rect) // 2 + 1)
    return cx, cy, r


def _eyes(surf, cx, cy, r, w, style: str) -> None:
    for sx in (-1, 1):
        ex, ey = cx + sx * int(r * 0.38), cy - int(r * 0.15)
        if style == "open":
            pygame.draw.circle(surf, INK, (ex, ey), max(4, r // 9))
        elif style == "closed":
            pygame.draw.arc(surf, INK, (ex - r // 6, ey - r // 10, r // 3, r // 5), math.pi, 2 * math.pi, w)
        elif style == "tight":
            pygame.draw.line(surf, INK, (ex - r // 6, ey - r // 12), (ex + r // 6, ey), w)
            pygame.draw.line(surf, INK, (ex - r // 6, ey + r // 12), (ex + r // 6, ey), w)


def _brows(surf, cx, cy, r, w, raised: bool) -> None:
    dy = int(r * (0.62 if raised else 0.42))
    for sx in (-1, 1):
        ex = cx + sx * int(r * 0.38)
        pygame.draw.line(surf, INK, (ex - r // 5, cy - dy), (ex + r // 5, cy - dy), w)
    if raised:
        for sx in (-1, 1):
            ax = cx + sx * int(r * 0.38)
            top = cy - int(r * 0.95)
            pygame.draw.polygon(surf, theme.ACCENT, [(ax, top - r // 8), (ax - r // 9, top + r // 20),
                                                     (ax + r // 9, top + r // 20)])


def _mouth(surf, cx, cy, r, w, style: str) -> None:
    my = cy + int(r * 0.42)
    if style == "neutral":
        pygame.draw.line(surf, INK, (cx - r // 3, my), (cx + r // 3, my), w)
    elif style == "smile":
        box = pygame.Rect(cx - int(r * 0.5), my - int(r * 0.35), int(r * 1.0), int(r * 0.5))
        pygame.draw.ellipse(surf, INK, box.inflate(0, 0), 0)
        pygame.draw.rect(surf, (255, 255, 255), (box.x + box.w // 6, box.y + box.h // 6, box.w * 2 // 3, box.h // 3))
    elif style == "open":
        pygame.draw.ellipse(surf, INK, (cx - r // 5, my - r // 5, 2 * r // 5, r // 2))
    elif style == "pucker":
        pygame.draw.circle(surf, INK, (cx, my), max(5, r // 7), w)
    elif style == "snarl":
        pygame.draw.lines(surf, INK, False, [(cx - r // 3, my + r // 12), (cx - r // 6, my - r // 10),
                                             (cx + r // 6, my - r // 10), (cx + r // 3, my + r // 12)], w)
        for sx in (-1, 1):   # nose wrinkles
            pygame.draw.line(surf, INK, (cx + sx * r // 10, cy), (cx + sx * r // 5, cy - r // 8), w // 2 + 1)


def _waves(surf, rect: pygame.Rect, w: int) -> None:
    cx, cy = rect.right - rect.w // 8, rect.centery + rect.h // 5
    for k in range(1, 4):
        rr = k * rect.w // 14
        pygame.draw.arc(surf, theme.ACCENT, (cx - rr, cy - rr, 2 * rr, 2 * rr), -math.pi / 4, math.pi / 4, w)


def draw_pictogram(surf: pygame.Surface, pictogram: Pictogram, rect: pygame.Rect) -> None:
    """Draw a step's pictogram (``StepSpec.pictogram``) into the square ``rect``."""
    eyes, raised, mouth, label = pictogram.eyes, pictogram.brows_raised, pictogram.mouth, pictogram.speech_label
    face = pygame.Rect(rect.x, rect.y, int(rect.w * 0.8), int(rect.w * 0.8)) if label else rect
    face.center = (rect.centerx - (rect.w // 10 if label else 0), rect.centery)
    w = _stroke(rect)
    cx, cy, r = _head(surf, face)
    _brows(surf, cx, cy, r, w, raised)
    _eyes(surf, cx, cy, r, w, eyes)
    _mouth(surf, cx, cy, r, w, mouth)
    if label:
        _waves(surf, rect, w)


MOODS = ("very good", "good", "some difference", "clear difference", "large difference")


def mood_for_score(score_0_100: float | None) -> int | None:
    """Emoji level 0 (best) .. 4 from a 0..100 score where 100 is best; None when not measured."""
    if score_0_100 is None:
        return None
    for level, floor in enumerate((85, 70, 50, 30)):
        if score_0_100 >= floor:
            return level
    return 4


def draw_emoji(surf: pygame.Surface, level: int | None, rect: pygame.Rect) -> None:
    """An emoji-style face: level 0 big smile .. 4 downturned mouth; None draws a grey '?' face."""
    w = _stroke(rect)
    colour = SKIN if level is not None else (130, 130, 140)
    cx, cy, r = _head(surf, rect, colour)
    _eyes(surf, cx, cy, r, w, "open")
    if level is None:
        pygame.draw.line(surf, INK, (cx - r // 4, cy + int(r * 0.42)), (cx + r // 4, cy + int(r * 0.42)), w)
        return
    curve = (0.45, 0.25, 0.0, -0.2, -0.35)[level]       # mouth curvature, + = smile
    my, half = cy + int(r * 0.42), int(r * 0.45)
    pts = [(cx + int(half * t), my + int(curve * r * (1 - t * t))) for t in [i / 8 - 1 for i in range(17)]]
    pygame.draw.lines(surf, INK, False, pts, w)
