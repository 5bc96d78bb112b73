"""Server-rendered SVG line charts for the patient page (no JavaScript, no inline style).

Same idea as the report's ``kiosk/reports/charts.py`` line charts (axes, markers, labelled
values, optional reference line), written as SVG text so the browser scales it: presentation
attributes and CSS classes only, so a strict Content-Security-Policy needs no
``unsafe-inline``. Every point has a ``<title>`` (hover text) with its value and unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

W, H = 480.0, 230.0
LEFT, RIGHT, TOP, BOTTOM = 46.0, 14.0, 34.0, 42.0


@dataclass(frozen=True)
class ChartPoint:
    x: float            # weeks since the first session
    y: float
    label: str          # e.g. the week's Monday, "2026-11-02"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    step = (hi - lo) / (n - 1)
    return [lo + i * step for i in range(n)]


def line_chart(points: Sequence[ChartPoint], *, title: str, unit: str, y_range: tuple[float, float],
               css: str = "c1", ref: tuple[float, str] | None = None, better: str = "higher",
               band: tuple[float, float, str] | None = None, digits: int = 0,
               x_title: str = "weekly mean (week starting Monday)") -> str:
    """One series as an SVG document fragment (``<svg>...</svg>``); ``better`` names the good direction,
    ``band`` = (low, high, label) shades a healthy range, ``digits`` the decimals of the values shown."""
    y0, y1 = y_range
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    xs = [p.x for p in points]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x1 - x0 < 1:
        x0, x1 = x0 - 0.5, x1 + 0.5

    def sx(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return TOP + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * ph

    t = escape(title)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W:.0f} {H:.0f}" class="chart" role="img" '
           f'aria-label="{t}">', f"<title>{t}</title>",
           f'<text x="{LEFT:.0f}" y="20" class="ct">{t}</text>',
           f'<text x="{W - RIGHT:.0f}" y="20" class="cs" text-anchor="end">{escape(better)} is better</text>']
    if band is not None:
        top, bottom = sy(band[1]), sy(band[0])
        out.append(f'<rect x="{LEFT:.1f}" y="{top:.1f}" width="{pw:.1f}" height="{max(bottom - top, 1):.1f}" '
                   f'class="band"><title>{escape(band[2])}</title></rect>')
    for v in _ticks(y0, y1):
        y = sy(v)
        out.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{W - RIGHT:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6:.1f}" y="{y + 4:.1f}" class="ax" text-anchor="end">{v:.4g}</text>')
    out.append(f'<text x="14" y="{TOP + ph / 2:.1f}" class="ax" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">{escape(unit)}</text>')
    if band is not None:
        out.append(f'<text x="{W - RIGHT - 4:.1f}" y="{sy(band[1]) + 12:.1f}" class="cs" text-anchor="end">'
                   f"{escape(band[2])}</text>")
    if ref is not None:
        y = sy(ref[0])
        out.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{W - RIGHT:.1f}" y2="{y:.1f}" class="ref"/>')
        out.append(f'<text x="{LEFT + 4:.1f}" y="{y - 5:.1f}" class="cs">{escape(ref[1])}</text>')
    if not points:
        out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{TOP + ph / 2:.1f}" class="cs" text-anchor="middle">'
                   "not measured in any session</text></svg>")
        return "".join(out)
    step = max(1, -(-len(points) // 6))      # at most ~6 x labels
    for i, p in enumerate(points):
        if i % step == 0 or i == len(points) - 1:
            anchor = "end" if len(points) > 1 and i == len(points) - 1 else "middle"   # the last one inside the box
            out.append(f'<text x="{sx(p.x):.1f}" y="{H - BOTTOM + 16:.1f}" class="ax" text-anchor="{anchor}">'
                       f"{escape(p.label)}</text>")
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 6:.1f}" class="ax" text-anchor="middle">'
               f"{escape(x_title)}</text>")
    coords = " ".join(f"{sx(p.x):.1f},{sy(p.y):.1f}" for p in points)
    out.append(f'<polyline points="{coords}" class="line {css}"/>')
    for p in points:
        out.append(f'<circle cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="4" class="dot {css}">'
                   f"<title>{escape(p.label)}: {p.y:.{digits}f} {escape(unit)}</title></circle>")
    last = points[-1]
    out.append(f'<text x="{min(sx(last.x), W - RIGHT - 2):.1f}" y="{sy(last.y) - 9:.1f}" class="cv" '
               f'text-anchor="end">{last.y:.{digits}f}</text>')
    out.append("</svg>")
    return "".join(out)
