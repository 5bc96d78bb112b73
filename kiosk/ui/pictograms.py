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
FREE_SPEECH = "..."          # the speech label of the spontaneous-speech step (kiosk.protocol.steps)
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


def _bubble(surf, rect: pygame.Rect, w: int) -> None:
    """A speech bubble with three dots at the top right: free speech (no set sound)."""
    b = pygame.Rect(rect.right - rect.w * 9 // 20, rect.y, rect.w * 9 // 20, rect.h * 3 // 10)
    pygame.draw.ellipse(surf, (255, 255, 255), b)
    pygame.draw.ellipse(surf, INK, b, max(2, w // 2))
    tail = [(b.x + b.w // 4, b.bottom - b.h // 6), (b.x + b.w // 3 + b.w // 8, b.bottom - b.h // 8),
            (b.x - b.w // 10, b.bottom + b.h // 3)]
    pygame.draw.polygon(surf, (255, 255, 255), tail)
    pygame.draw.lines(surf, INK, False, tail[1:] + tail[:1], max(2, w // 2))
    for k in (-1, 0, 1):
        pygame.draw.circle(surf, INK, (b.centerx + k * b.w // 4, b.centery), max(3, w // 2 + 1))


def _hand(surf, centre: tuple[int, int], size: int, w: int, facing: str, side: int) -> None:
    """A hand seen from the front: palm and four spread fingers pointing ``facing`` ("up": raised
    in front of the chest; "out": lying flat, fingers outwards, to the ``side`` -1 left or 1 right)."""
    cx, cy = centre
    palm = pygame.Rect(0, 0, size, int(size * 0.9))
    palm.center = (cx, cy)
    fingers = []
    for k in range(4):
        if facing == "up":
            x = palm.x + palm.w * (k + 0.5) / 4
            dx = (k - 1.5) * size * 0.12
            fingers.append(((x, palm.y + w), (x + dx, palm.y - size * 0.45)))
        else:
            y = palm.y + palm.h * (k + 0.5) / 4
            edge = palm.right if side > 0 else palm.x
            fingers.append(((edge - side * w, y), (edge + side * size * 0.55, y + (k - 1.5) * size * 0.1)))
    thick = max(w, size // 4)
    for a, b in fingers:              # outlined fingers: ink under, skin on top
        pygame.draw.line(surf, INK, a, b, thick + 4)
        pygame.draw.circle(surf, INK, (int(b[0]), int(b[1])), thick // 2 + 2)
    for a, b in fingers:
        pygame.draw.line(surf, SKIN, a, b, thick)
        pygame.draw.circle(surf, SKIN, (int(b[0]), int(b[1])), thick // 2)
    pygame.draw.ellipse(surf, SKIN, palm)
    pygame.draw.ellipse(surf, INK, palm, max(2, w // 2))


def _hands_figure(surf, rect: pygame.Rect, pictogram: Pictogram, w: int) -> None:
    """A seated person: small face at the top, shoulders, and the hands held up in front of the
    chest (``up``) or resting on the lap (``lap``)."""
    head = pygame.Rect(0, 0, rect.w * 2 // 5, rect.w * 2 // 5)
    head.midtop = (rect.centerx, rect.y)
    body = pygame.Rect(rect.x + rect.w // 8, head.bottom + rect.h // 40, rect.w * 3 // 4, rect.bottom - head.bottom)
    pygame.draw.rect(surf, theme.INFO, body, border_top_left_radius=body.w // 3, border_top_right_radius=body.w // 3)
    pygame.draw.rect(surf, INK, body, max(2, w // 2), border_top_left_radius=body.w // 3,
                     border_top_right_radius=body.w // 3)                 # shoulders and chest
    cx, cy, r = _head(surf, head)
    ew = max(2, w // 2)
    _eyes(surf, cx, cy, r, ew, pictogram.eyes)
    _mouth(surf, cx, cy, r, ew, pictogram.mouth)
    size = rect.w // 5
    if pictogram.hands == "up":
        y = body.y + body.h // 3
        for sx in (-1, 1):
            _hand(surf, (rect.centerx + sx * rect.w // 5, y), size, w, "up", sx)
    else:
        lap_y = rect.bottom - size * 3 // 4
        pygame.draw.rect(surf, (60, 90, 140), (rect.x, lap_y, rect.w, rect.bottom - lap_y))    # the thighs
        for sx in (-1, 1):
            _hand(surf, (rect.centerx + sx * rect.w // 5, lap_y), size, w, "out", sx)


def draw_pictogram(surf: pygame.Surface, pictogram: Pictogram, rect: pygame.Rect) -> None:
    """Draw a step's pictogram (``StepSpec.pictogram``) into the square ``rect``: a face, a face
    speaking (a sound's waves, or a speech bubble for free speech), or a seated person showing
    where the hands go."""
    if pictogram.hands != "none":
        clip = surf.get_clip()
        surf.set_clip(rect)
        _hands_figure(surf, rect, pictogram, _stroke(rect))
        surf.set_clip(clip)
        return
    eyes, raised, mouth, label = pictogram.eyes, pictogram.brows_raised, pictogram.mouth, pictogram.speech_label
    face = pygame.Rect(rect.x, rect.y, int(rect.w * 0.8), int(rect.w * 0.8)) if label else rect
    face.center = (rect.centerx - (rect.w // 10 if label else 0), rect.centery)
    w = _stroke(rect)
    cx, cy, r = _head(surf, face)
    _brows(surf, cx, cy, r, w, raised)
    _eyes(surf, cx, cy, r, w, eyes)
    _mouth(surf, cx, cy, r, w, mouth)
    if label == FREE_SPEECH:
        _bubble(surf, rect, w)
    elif label:
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
