"""Small charts drawn with pygame: weekly bars and left/right movement bars."""
from __future__ import annotations

from typing import Sequence

import pygame

from kiosk.ui import theme
from kiosk.ui.paint import Painter


def weekly_bars(p: Painter, rect: pygame.Rect, labels: Sequence[str], values: Sequence[float], *,
                y_max: float = 100.0, title: str = "") -> None:
    """Bars of ``values`` (0..y_max) with a label under each and the value on top."""
    m = p.m
    if title:
        p.text(title, (rect.x, rect.y), m.small, theme.MUTED)
    top = rect.y + (m.small + 8 if title else 0)
    base = rect.bottom - m.small - 6
    pygame.draw.line(p.surface, theme.PANEL_EDGE, (rect.x, base), (rect.right, base), 2)
    n = max(1, len(values))
    slot = rect.w / n
    bw = max(8, int(slot * 0.6))
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = int((base - top - m.small - 6) * max(0.0, min(1.0, v / y_max)))
        x = int(rect.x + slot * i + (slot - bw) / 2)
        colour = theme.ACCENT if i == n - 1 else theme.INFO
        pygame.draw.rect(p.surface, colour, (x, base - h, bw, h))
        p.text(f"{v:.0f}", (x + bw // 2, base - h - 2), m.small, theme.FG, anchor="midbottom")
        p.text(lab, (x + bw // 2, base + 4), m.small, theme.MUTED, anchor="midtop")


def left_right_bars(p: Painter, rect: pygame.Rect, rows: Sequence[tuple[str, float | None, float | None]], *,
                    full_scale: float, unit: str) -> None:
    """One row per region: the patient's right bar grows leftward, the left bar rightward (as seen in a
    mirror), with values in ``unit``."""
    m = p.m
    n = max(1, len(rows))
    rh = rect.h // n
    mid = rect.centerx
    for i, (name, right, left) in enumerate(rows):
        y = rect.y + i * rh
        p.text(name, (mid, y), m.small, theme.FG, bold=True, anchor="midtop")
        bar_y, bar_h = y + m.small + 4, max(12, rh - m.small - 12)
        half = rect.w // 2 - m.px(70)
        for side, v, colour in (("R", right, theme.RIGHT_COLOUR), ("L", left, theme.LEFT_COLOUR)):
            frac = 0.0 if v is None else max(0.0, min(1.0, v / full_scale))
            w = int(half * frac)
            x = mid - m.px(4) - w if side == "R" else mid + m.px(4)
            pygame.draw.rect(p.surface, (50, 54, 66), (mid - m.px(4) - half if side == "R" else mid + m.px(4),
                                                      bar_y, half, bar_h))
            pygame.draw.rect(p.surface, colour, (x, bar_y, w, bar_h))
            label = f"{side} {'–' if v is None else f'{v:.1f}'} {unit}"
            if side == "R":
                p.text(label, (rect.x, bar_y + bar_h // 2), m.small, colour, anchor="midleft")
            else:
                p.text(label, (rect.right, bar_y + bar_h // 2), m.small, colour, anchor="midright")


def trend_strip(p: Painter, rect: pygame.Rect, labels: Sequence[str],
                series: Sequence[tuple[str, Sequence[float | None], tuple[int, int, int]]], *,
                y_max: float = 100.0) -> None:
    """Lines of several 0..y_max series over the same points (one label each, thinned to fit), with a
    legend naming each series and its last value."""
    m = p.m
    px = max(14, m.small - 4)
    legend_h = px + 6 + px // 2          # the top axis label sits half above the plot
    plot = pygame.Rect(rect.x + m.px(34), rect.y + legend_h, rect.w - m.px(40), rect.h - legend_h - px - 8)
    pygame.draw.rect(p.surface, theme.PANEL, plot)
    for v in (0, 50, 100):
        y = plot.bottom - int(plot.h * v / y_max)
        pygame.draw.line(p.surface, theme.PANEL_EDGE, (plot.x, y), (plot.right, y), 1)
        p.text(f"{v}", (plot.x - 4, y), px, theme.MUTED, anchor="midright")
    n = len(labels)
    xs = [plot.x + (plot.w * (i + 0.5) / n) for i in range(n)] if n else []
    x = rect.x
    for name, values, colour in series:
        pts = [(int(xs[i]), plot.bottom - int(plot.h * max(0.0, min(1.0, v / y_max))))
               for i, v in enumerate(values) if v is not None]
        if len(pts) >= 2:
            pygame.draw.lines(p.surface, colour, False, pts, max(2, m.px(3)))
        for c in pts:
            pygame.draw.circle(p.surface, colour, c, max(3, m.px(4)))
        last = next((v for v in reversed(values) if v is not None), None)
        r = p.text(f"{name} {'–' if last is None else f'{last:.0f}'}", (x, rect.y), px, colour, bold=True)
        x = r.right + m.px(14)
    widest = max((theme.font(px).size(lab)[0] for lab in labels), default=0) + 6
    step = max(1, int(widest * n / max(plot.w, 1)) + 1)
    for i in range(n - 1, -1, -step):            # the latest always labelled
        p.text(labels[i], (int(xs[i]), plot.bottom + 4), px, theme.MUTED, anchor="midtop")
