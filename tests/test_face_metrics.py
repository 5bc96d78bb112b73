"""Face metrics on hand-made landmark arrays with known answers (no models needed)."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.face import landmarks as L
from kiosk.vision.eyelids import contour_fissure_px
from kiosk.face.metrics import face_frame, fit_midline, frame_measures, rigid_span_px
from kiosk.face.peaks import select_peak, select_rest
from kiosk.face.symmetry import (RegionSymmetry, affected_side, closure, directional_excursions_mm, excursion,
                                 symmetry_ratio)

MM_PER_PX = 0.5


def template_mm() -> np.ndarray:
    """(468, 3) face in mm: x to the patient's left, y up, z depth; named points placed."""
    rng = np.random.default_rng(7)
    t = np.column_stack([rng.uniform(-60, 60, 468), rng.uniform(-90, 40, 468), rng.uniform(-20, 20, 468)])

    def put(pair: L.SidePair, x: float, y: float, z: float = 0.0, spread: float = 2.0) -> None:
        for k, (r, l) in enumerate(zip(pair.right, pair.left)):
            dx = spread * (k - (len(pair.right) - 1) / 2)
            t[r] = (-x + dx, y, z)
            t[l] = (x - dx, y, z)

    put(L.SidePair((33,), (263,)), 45, 0)
    put(L.SidePair((133,), (362,)), 15, 0)
    put(L.BROW, 30, 20)
    put(L.UPPER_LID, 30, 5)
    put(L.LOWER_LID, 30, -5)
    put(L.MOUTH_CORNER, 25, -60)
    put(L.ALA, 15, -40)
    put(L.UPPER_LIP_LATERAL, 15, -57)
    for k, i in enumerate(L.MIDLINE_RIGID):
        t[i] = (0.0, 20 - 8 * k, 0.0)
    t[13] = (0.0, -58, 5.0)
    t[14] = (0.0, -65, 5.0)
    return t


def to_image(t_mm: np.ndarray, yaw=0.0, pitch=0.0, roll=0.0, scale=1.0, shift=(300.0, 250.0)) -> np.ndarray:
    """Rotate the template in 3D and express it in image px (y down, z px-scaled)."""
    a, b, c = np.deg2rad([yaw, pitch, roll])
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    p = t_mm @ (rz @ rx @ ry).T
    px = p / MM_PER_PX * scale
    return np.column_stack([px[:, 0] + shift[0], -px[:, 1] + shift[1], px[:, 2]])


@pytest.mark.parametrize("pose", [dict(), dict(yaw=20), dict(pitch=-15), dict(roll=30), dict(yaw=-10, pitch=8, roll=-12)])
@pytest.mark.parametrize("scale", [0.7, 1.6])
def test_face_frame_undoes_pose_and_scale(pose, scale):
    t = template_mm()
    frame = face_frame(to_image(t, scale=scale, **pose), MM_PER_PX / scale)
    np.testing.assert_allclose(frame.points_mm, t[:, :2], atol=1e-6)


def test_measures_match_the_construction():
    m = frame_measures(face_frame(to_image(template_mm(), yaw=12, roll=-7), MM_PER_PX))
    for side in (m.right, m.left):
        assert side.brow_height_mm == pytest.approx(20.0)
        assert side.palpebral_fissure_mm == pytest.approx(10.0)
        assert side.commissure_lateral_mm == pytest.approx(25.0)
        assert side.commissure_vertical_mm == pytest.approx(5.0)
        assert side.commissure_distance_mm == pytest.approx(np.hypot(25, 5))
        assert side.alar_height_mm == pytest.approx(-40.0)
    assert m.lip_centre_offset_mm == pytest.approx(0.0, abs=1e-9)


def test_lip_offset_and_fissure_override():
    t = template_mm()
    t[[13, 14], 0] += 3.0  # lips 3 mm toward the patient's left
    frame = face_frame(to_image(t, roll=15), MM_PER_PX)
    m = frame_measures(frame, {"right": 7.5, "left": 9.0})
    assert m.lip_centre_offset_mm == pytest.approx(3.0)
    assert (m.right.palpebral_fissure_mm, m.left.palpebral_fissure_mm) == (7.5, 9.0)
    assert fit_midline(frame).slope == pytest.approx(0.0, abs=1e-9)


def test_one_sided_brow_raise_and_drag():
    rest = template_mm()
    peak = rest.copy()
    peak[list(L.BROW.left), 1] += 6.0          # left brow up 6 mm
    peak[list(L.BROW.right), 0] += 2.0         # right brow dragged 2 mm sideways (not its own lift)
    e = excursion(face_frame(to_image(rest), MM_PER_PX), face_frame(to_image(peak, yaw=9), MM_PER_PX), "brow")
    assert e.left_mm == pytest.approx(6.0)
    assert e.right_mm == pytest.approx(0.0, abs=1e-9)
    assert e.ratio == pytest.approx(0.0, abs=1e-9) and e.weaker_side == "right"
    assert e.visibly_asymmetric
    d = e.to_dict()
    assert d["difference_mm"] == 6.0 and d["visibility"].startswith("side difference 6.0 mm: above the ~3 mm")


def test_directional_excursion_projects_the_weaker_side():
    d = directional_excursions_mm(np.array([3.0, 4.0]), np.array([0.6, 0.8]))
    assert d == pytest.approx({"right": 5.0, "left": 1.0})
    assert directional_excursions_mm(np.array([0.0, 5.0]), np.array([0.0, -2.0]))["left"] == 0.0


def test_small_movement_has_no_ratio():
    assert symmetry_ratio(0.4, 1.2, 1.5) == (None, None, "no measurable movement on either side (< 1.5)")
    rest = template_mm()
    peak = rest.copy()
    peak[list(L.MOUTH_CORNER.left + L.MOUTH_CORNER.right), 1] += 0.5
    e = excursion(face_frame(to_image(rest), MM_PER_PX), face_frame(to_image(peak), MM_PER_PX), "smile")
    assert e.ratio is None and "no measurable movement" in e.note and "mm" in e.note


def test_closure_fraction_and_ratio():
    c = closure({"right": 10.0, "left": 10.0}, {"right": 1.0, "left": 6.0}, "eye_gentle")
    assert (c.right_closure, c.left_closure) == pytest.approx((0.9, 0.4))
    assert (c.right_mm, c.left_mm) == pytest.approx((9.0, 4.0))
    assert c.ratio == pytest.approx(0.4 / 0.9) and c.weaker_side == "left"
    none = closure({"right": 10.0, "left": 10.0}, {"right": 9.6, "left": 9.8}, "eye_tight")
    assert none.ratio is None and "no measurable lid movement" in none.note


def _region(name: str, right: float, left: float) -> RegionSymmetry:
    ratio, weaker, note = symmetry_ratio(right, left, 1.5)
    return RegionSymmetry(name, name, right, left, ratio, weaker, note)


def test_affected_side_votes_and_none():
    sym = {n: _region(n, 6.0, 5.8) for n in ("brow", "smile", "snarl", "pucker")}
    assert affected_side(sym).side == "none"
    weak_left = {**sym, "smile": _region("smile", 9.0, 3.0), "brow": _region("brow", 6.0, 2.0)}
    v = affected_side(weak_left)
    assert v.side == "left" and v.confidence > 0.8 and set(v.asymmetric_regions) == {"smile", "brow"}
    weak_right = {k: _region(k, r.left_mm, r.right_mm) for k, r in weak_left.items()}
    assert affected_side(weak_right).side == "right"
    assert affected_side({}).side == "none"


def test_peak_selection_counts_rejections():
    sel = select_peak([None, 1.0, 4.5, None, 3.0, None], [None, None, None, "too_dark", None, "no_face"])
    assert (sel.index, sel.movement_mm, sel.frames_used, sel.frames_rejected) == (2, 4.5, 3, 3)
    assert sel.rejected == {"unknown": 1, "too_dark": 1, "no_face": 1}
    empty = select_peak([None, None], ["no_face", "no_face"])
    assert empty.index is None and empty.rejected == {"no_face": 2}


def test_rest_medoid_ignores_a_blink():
    t = template_mm()
    frames = [face_frame(to_image(t, shift=(300 + d, 250)), MM_PER_PX) for d in (0.0, 0.2, 0.1)]
    blink = t.copy()
    blink[list(L.UPPER_LID.right + L.UPPER_LID.left), 1] -= 9
    frames.insert(0, face_frame(to_image(blink), MM_PER_PX))
    assert select_rest(frames) != 0


def test_contour_fissure_any_eye_any_roll():
    contour = np.zeros((16, 2))
    contour[:9, 0] = np.linspace(0, 30, 9)
    contour[:9, 1] = 5.0 * np.sin(np.linspace(0, np.pi, 9))       # lower lid, image y down
    contour[9:, 0] = np.linspace(3, 27, 7)
    contour[9:, 1] = -5.0 * np.sin(np.linspace(0.3, np.pi - 0.3, 7))  # upper lid
    base = contour_fissure_px(contour)
    expected = contour[3:6, 1].mean() - contour[11:14, 1].mean()  # lower mid minus upper mid
    assert base == pytest.approx(expected) and 9.0 < base < 10.0
    a = np.deg2rad(25)
    rot = contour @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    assert contour_fissure_px(rot) == pytest.approx(base)
    mirrored = contour * np.array([-1.0, 1.0])  # the left eye: corners run the other way
    assert contour_fissure_px(mirrored) == pytest.approx(base)
    crossed = contour * np.array([1.0, -1.0])
    assert contour_fissure_px(crossed) == 0.0


def test_bad_landmarks_raise():
    with pytest.raises(ValueError, match="468"):
        face_frame(np.zeros((10, 3)), 0.5)
    with pytest.raises(ValueError, match="positive"):
        face_frame(to_image(template_mm()), 0.0)
    flat = np.zeros((468, 3))
    with pytest.raises(ValueError, match="degenerate"):
        face_frame(flat, 0.5)
    assert rigid_span_px(to_image(template_mm())) == pytest.approx((90 + 30) / 2 / MM_PER_PX)


def test_pitch_relative_to_rest_rule():
    from kiosk.session.face import _Obs, _Observed, _relax_pitch

    lm = to_image(template_mm())
    cand = {i: _Obs(lm, 0.5, np.zeros((4, 4, 3), np.uint8), p) for i, p in ((0, 16.5), (1, 24.0), (3, 31.0))}
    seen = _Observed([None, None, None, None], ["tilted", "tilted", "too_dark", "tilted"], ["m"] * 4, cand)
    _relax_pitch(seen, rest_pitch_deg=11.0, max_pitch_deg=15.0)
    # 16.5 is 5.5 deg from rest: kept; 24 is 13 deg from rest: still rejected; too_dark untouched
    assert seen.relaxed == 1 and seen.obs[0] is cand[0] and seen.codes == [None, "tilted", "too_dark", "tilted"]
