"""One side/colour/unit/week convention on screen and paper (kiosk.convention)."""
from __future__ import annotations

import numpy as np

from kiosk.convention import SIDE_RGB, SIDE_RGB_PAPER, closure_pct, week_number
from kiosk.reports.overlay import KEY_POINTS, draw_landmarks


def _hue(rgb: tuple[int, int, int]) -> float:
    import colorsys
    return colorsys.rgb_to_hsv(*(c / 255 for c in rgb))[0] * 360


def test_right_is_orange_and_left_blue_on_screen_and_paper() -> None:
    from kiosk.ui import theme
    assert theme.RIGHT_COLOUR == SIDE_RGB["right"] and theme.LEFT_COLOUR == SIDE_RGB["left"]
    for side, (lo, hi) in (("right", (20, 45)), ("left", (200, 220))):       # orange / blue hues (degrees)
        assert lo <= _hue(SIDE_RGB[side]) <= hi and lo <= _hue(SIDE_RGB_PAPER[side]) <= hi


def test_overlay_draws_the_patients_right_in_orange() -> None:
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(40, 360, 468), rng.uniform(40, 360, 468), np.zeros(468)])
    img = draw_landmarks(np.zeros((400, 400, 3), np.uint8), pts)
    for side in ("right", "left"):
        i = KEY_POINTS[side][-1]                            # drawn last in its side: its own colour shows
        x, y = np.round(pts[i, :2]).astype(int)
        assert tuple(int(v) for v in img[y, x]) == SIDE_RGB_PAPER[side]


def test_units_and_weeks() -> None:
    assert closure_pct(0.76) == 76.0 and closure_pct(None) is None
    assert week_number(0) == 1 and week_number(21) == 4                       # week 1 = first session
