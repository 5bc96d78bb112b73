"""Hands, the pure maths: palm anchors and decoding, the palm and landmark ROIs (mediapipe's
rules), ROI overlap, the patient's side of each hand and the knuckle scale."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kiosk.vision.detector import Detection, decode, ssd_anchors
from kiosk.vision.hands import PALM_INPUT, Hand, landmarks_to_roi, palm_to_roi, rect_iou
from kiosk.vision.roi import NormRect, transform_rect


def test_palm_anchors_are_mediapipes_2016() -> None:
    a = ssd_anchors(PALM_INPUT)
    assert a.shape == (2016, 2)
    # stride 8: 24 x 24 cells x 2 anchors, then stride 16 (three layers): 12 x 12 x 6
    assert np.allclose(a[0], [0.5 / 24, 0.5 / 24]) and np.allclose(a[1], a[0])
    assert np.allclose(a[1152], [0.5 / 12, 0.5 / 12]) and np.allclose(a[1152:1158], a[1152])
    assert np.allclose(a[-1], [11.5 / 12, 11.5 / 12])
    assert len(ssd_anchors()) == 896                        # the face detector's are unchanged


def test_decode_palm_box_and_seven_keypoints() -> None:
    reg = np.zeros((2016, 18), np.float32)
    logits = np.full(2016, -10.0, np.float32)
    k = 1500
    reg[k, :4] = [9.6, -4.8, 48.0, 57.6]                   # dx, dy, w, h in 192-px units
    reg[k, 4:] = np.arange(14) * 1.92
    logits[k] = 2.0
    (d,) = decode(reg, logits, 0.5, PALM_INPUT, 7)
    ax, ay = ssd_anchors(PALM_INPUT)[k]
    assert d.keypoints.shape == (7, 2)
    assert d.box == pytest.approx((ax + 0.05 - 0.125, ay - 0.025 - 0.15, 0.25, 0.3), abs=1e-6)
    assert d.keypoints[3] == pytest.approx([ax + 0.06, ay + 0.07], abs=1e-6)
    assert d.score == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_transform_rect_shift_follows_the_rotated_axis() -> None:
    r = NormRect(0.5, 0.5, 0.2, 0.2, 0.0)
    up = transform_rect(r, 100, 100, 1.0, shift_y=-0.5)
    assert (up.x_center, up.y_center) == pytest.approx((0.5, 0.4))
    # rotated 90 deg clockwise on screen: "up" in the rect is +x in the image
    rot = transform_rect(NormRect(0.5, 0.5, 0.2, 0.2, math.pi / 2), 100, 100, 1.0, shift_y=-0.5)
    assert (rot.x_center, rot.y_center) == pytest.approx((0.6, 0.5))


def _palm(wrist: tuple[float, float], mcp: tuple[float, float]) -> Detection:
    kp = np.zeros((7, 2))
    kp[0], kp[2] = wrist, mcp
    return Detection((0.4, 0.4, 0.2, 0.1), kp, 0.9)


def test_palm_roi_upright_hand_is_unrotated_shifted_towards_the_fingers_and_scaled() -> None:
    roi = palm_to_roi(_palm((0.5, 0.5), (0.5, 0.4)), 200, 100)
    assert roi.rotation == pytest.approx(0.0)
    assert roi.x_center == pytest.approx(0.5)
    assert roi.y_center == pytest.approx(0.45 - 0.5 * 0.1)         # up by half the box height
    # square on the long side in px (0.2 x 200 = 40 px), then x2.6
    assert roi.width * 200 == pytest.approx(104.0) and roi.height * 100 == pytest.approx(104.0)


def test_palm_roi_of_a_hand_pointing_right_is_rotated_90_degrees_clockwise() -> None:
    roi = palm_to_roi(_palm((0.4, 0.5), (0.5, 0.5)), 100, 100)
    assert roi.rotation == pytest.approx(math.pi / 2)
    assert roi.x_center > 0.5                                       # shifted towards the fingers


def _upright_hand() -> np.ndarray:
    """21 normalized landmarks of an upright open hand, wrist at (0.5, 0.8), fingers up."""
    lm = np.zeros((21, 3))
    lm[0, :2] = (0.5, 0.8)
    for f, x in enumerate((0.38, 0.44, 0.5, 0.56, 0.62)):     # thumb .. little finger
        for j in range(4):
            lm[1 + 4 * f + j, :2] = (x + (0.05 * (j - 2) if f == 0 else 0.0), 0.7 - 0.06 * j - (0.05 if f else 0))
    return lm


def test_landmark_roi_upright_hand() -> None:
    lm = _upright_hand()
    roi = landmarks_to_roi(lm, 100, 100)
    assert roi.rotation == pytest.approx(0.0, abs=1e-9)
    pts = lm[[0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18], :2]
    box_w, box_h = np.ptp(pts, axis=0)
    side = max(box_w, box_h)
    assert roi.width == pytest.approx(2.0 * side) and roi.height == pytest.approx(2.0 * side)
    assert roi.x_center == pytest.approx(pts[:, 0].min() + box_w / 2)
    assert roi.y_center == pytest.approx(pts[:, 1].min() + box_h / 2 - 0.1 * box_h)


def test_landmark_roi_turns_with_the_hand() -> None:
    lm = _upright_hand()
    c = np.array([0.5, 0.6])
    a = math.radians(30)                       # the hand turned 30 deg clockwise on screen
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    turned = lm.copy()
    turned[:, :2] = (lm[:, :2] - c) @ R.T + c
    roi0, roi1 = landmarks_to_roi(lm, 100, 100), landmarks_to_roi(turned, 100, 100)
    assert roi1.rotation == pytest.approx(a, abs=1e-9)
    assert roi1.width == pytest.approx(roi0.width, rel=1e-9)       # the rotated box, not the axis-aligned one
    centre0 = np.array([roi0.x_center, roi0.y_center])
    assert np.array([roi1.x_center, roi1.y_center]) == pytest.approx((centre0 - c) @ R.T + c, abs=1e-9)


def test_rect_iou() -> None:
    a = NormRect(0.5, 0.5, 0.2, 0.2)
    assert rect_iou(a, a) == pytest.approx(1.0)
    assert rect_iou(a, NormRect(0.6, 0.5, 0.2, 0.2)) == pytest.approx(0.02 / 0.06)
    assert rect_iou(a, NormRect(0.9, 0.9, 0.1, 0.1)) == 0.0


def _hand(x: float, right: float, track: int) -> Hand:
    lm = _upright_hand()
    lm[:, 0] += x - 0.5
    return Hand(lm, np.zeros((21, 3)), 0.9, right, NormRect(x, 0.5, 0.3, 0.3), track)


def test_sides_two_hands_by_position_one_hand_by_its_tracks_handedness() -> None:
    from kiosk.session.hand_tremor import assign_sides

    a, b = _hand(0.7, 0.9, 1), _hand(0.3, 0.9, 2)       # the model calls both "right"
    sides = assign_sides([a, b], {})
    assert sides["right"] is b and sides["left"] is a   # image left = the patient's right
    only = _hand(0.7, 0.6, 1)
    assert list(assign_sides([only], {1: 0.2})) == ["left"]     # the track's mean wins
    assert list(assign_sides([only], {})) == ["right"]
    assert assign_sides([], {}) == {}


def test_knuckle_scale_from_the_longest_unforeshortened_span() -> None:
    from kiosk.session.hand_tremor import HAND_BREADTH_MM, KNUCKLE_SPAN_FRACTION, knuckle_scale

    lm = np.full((50, 21, 2), np.nan)
    lm[:, 5] = (100.0, 100.0)
    lm[:, 17] = np.column_stack([100.0 + np.linspace(60, 100, 50), np.full(50, 100.0)])   # turning hand
    expected = KNUCKLE_SPAN_FRACTION * HAND_BREADTH_MM / np.percentile(np.linspace(60, 100, 50), 90)
    assert knuckle_scale(lm) == pytest.approx(expected)
    assert knuckle_scale(np.full((5, 21, 2), np.nan)) is None


def test_findings_for_the_parkinson_summary() -> None:
    from kiosk.face.tremor import Tremor
    from kiosk.session.hand_tremor import HandTremorResult, tremor_findings

    r = HandTremorResult(None, Tremor(True, 5.1, 0.8, 0.3, 40.0), 300, 290, 0.6, "iris")
    right, left = tremor_findings(r, "hands_lap", "rest")
    assert (right.site, right.condition, right.step, right.detected, right.frequency_hz) == \
        ("hand_right", "rest", "hands_lap", True, 5.1)
    assert left.site == "hand_left" and left.detected is None and left.reason == "left hand not in view"
    none = tremor_findings(HandTremorResult(None, None, 300, 0, None, reason="no hands in view"), "hands_up",
                           "postural")
    assert [f.reason for f in none] == ["no hands in view"] * 2 and none[0].to_dict()["detected"] is None


def test_displacement_follows_the_image_not_the_jittery_landmarks() -> None:
    import cv2
    from skimage import data

    from kiosk.session.hand_tremor import displacement_px
    from kiosk.vision.hands import PALM_POINTS

    base = np.ascontiguousarray(data.astronaut()[100:300, 150:350])
    n = 40
    shift = np.column_stack([0.6 * np.sin(np.arange(n) * 1.1), 0.4 * np.cos(np.arange(n) * 0.7)])   # px
    frames = [cv2.warpAffine(base, np.array([[1, 0, dx], [0, 1, dy]], np.float64), (200, 200),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT) for dx, dy in shift]
    rng = np.random.default_rng(0)
    lm = np.full((n, 21, 2), np.nan)
    grid = np.array([[70, 60], [130, 60], [70, 110], [130, 110], [100, 85], [100, 140]], float)
    lm[:, list(PALM_POINTS)] = grid + shift[:, None] + rng.normal(0, 1.5, (n, 6, 2))   # 1.5 px landmark jitter
    lm[5] = np.nan                                                                      # a frame without the hand
    d = displacement_px(frames, lm, 0.5)
    truth = shift - shift[0]
    ok = np.isfinite(d[:, 0])
    assert not ok[5] and ok.sum() == n - 1
    assert np.abs(d[ok] - truth[ok]).max() < 0.1        # the landmarks alone are off by ~1 px
