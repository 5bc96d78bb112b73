"""The one side, colour, unit and week convention of every screen and sheet.

* Sides are the PATIENT's right and left, always in that order (Right | Left), the right in
  orange and the left in blue, on the kiosk, in the PDF tables and in the landmark overlays.
* Eye closure is a percentage (0-100 %), movements and gaps in mm.
* Weeks are numbered from 1: "week 1" is the first session's week, on screen and on paper.
"""
from __future__ import annotations

SIDES = ("right", "left")
# (screen colour on the dark kiosk theme, paper colour on white) per side, one hue each
SIDE_RGB = {"right": (255, 170, 60), "left": (110, 190, 255)}
SIDE_RGB_PAPER = {"right": (200, 105, 0), "left": (31, 95, 168)}


def week_number(days_since_first: float) -> float:
    """Week number with week 1 = the first session's first 7 days (days -> weeks, 1-based)."""
    return days_since_first / 7 + 1


def closure_pct(fraction: float | None) -> float | None:
    """Eye closure fraction 0..1 as the percentage shown everywhere."""
    return None if fraction is None else fraction * 100
