"""Optical-flow point tracking (kiosk.face.flow) on images with known motion (no models).

Its effect on a complete one-sided palsy is tested in tests/test_face_synthetic.py."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.face.flow import thresholds, track_points, window_px


def _textured(seed: int = 3, size: int = 240) -> np.ndarray:
    """Smooth random texture (grey uint8), like skin and features at camera resolution."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (size, size)).astype(np.float32)
    img = cv2.GaussianBlur(noise, (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min()) * 220 + 15
    return img.astype(np.uint8)


def _shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    import cv2

    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    return cv2.warpAffine(img, m, img.shape[::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


POINTS = np.array([[80.0, 90.0], [120.0, 120.0], [160.0, 100.0], [100.0, 160.0]])


@pytest.mark.parametrize("dx,dy", [(3.4, -2.7), (-9.25, 6.5), (14.0, 11.0)])
def test_known_shift_recovered_within_0_3_px(dx, dy):
    a = _textured()
    b = _shift(a, dx, dy)
    res = track_points(a, b, POINTS, mm_per_px=0.7)
    assert res.reliable.all(), res.reason
    np.testing.assert_allclose(res.points_px - POINTS, np.tile([dx, dy], (len(POINTS), 1)), atol=0.3)
    assert np.all(res.fb_error_px <= 0.2) and np.all(res.ncc > 0.9)


def test_wrong_initial_guess_still_converges():
    """The mesh's guess may be several px off (it drags a still point along): the image wins."""
    a = _textured(5)
    b = _shift(a, 2.0, -1.0)
    guess = POINTS + [[2.0, -1.0]] + np.array([[5.0, -4.0], [-4.0, 3.0], [4.0, 4.0], [-5.0, -2.0]])
    res = track_points(a, b, POINTS, guess, mm_per_px=0.7)
    assert res.reliable.all(), res.reason
    np.testing.assert_allclose(res.points_px - POINTS, np.tile([2.0, -1.0], (len(POINTS), 1)), atol=0.3)


def test_vanished_patch_flagged_unreliable():
    a = _textured(7)
    b = _shift(a, 4.0, 2.0)
    b[95:145, 95:145] = _textured(11)[95:145, 95:145]  # the patch around (120, 120) is replaced
    res = track_points(a, b, POINTS, mm_per_px=0.7)
    assert not res.reliable[1] and res.reason[1] in ("fb_error", "patch_changed", "lost"), res.reason
    assert res.reliable[[0, 2, 3]].all(), res.reason


def test_flat_patch_flagged_low_texture_and_bad_input():
    a = _textured()
    a[60:200, 20:140] = 128  # (80, 90) and (100, 160) now sit in a featureless area
    res = track_points(a, _shift(a, 2.0, 1.0), POINTS, mm_per_px=0.7)
    assert res.reason[0] == "low_texture" and res.reason[3] == "low_texture"
    assert not res.reliable[0] and res.reliable[2]
    with pytest.raises(ValueError, match="differ in size"):
        track_points(a, a[:100], POINTS)
    with pytest.raises(ValueError, match="uint8"):
        track_points(a.astype(np.float32), a, POINTS)


def test_window_and_thresholds_follow_scale():
    assert window_px(0.7) == 15 and window_px(0.2) == 41 and window_px(0.5) == 21 and window_px(None) == 21
    assert all(window_px(s) % 2 == 1 for s in (0.15, 0.25, 0.33, 0.7))
    assert thresholds(0.7) == pytest.approx((1.0, 5e-5))
    fb, eig = thresholds(0.25)
    assert fb == pytest.approx(2.8) and eig == pytest.approx(1e-5)  # the sensor-noise floor
    assert thresholds(float("nan")) == thresholds(0.7)


def test_exposure_change_between_frames_is_not_motion():
    """Auto-exposure between rest and peak (gain 1.3, offset -12): still recovered within 0.3 px."""
    a = _textured(9)
    b = np.clip(_shift(a, -5.5, 3.25).astype(np.float32) * 1.3 - 12, 0, 255).astype(np.uint8)
    res = track_points(a, b, POINTS, mm_per_px=0.7)
    assert res.reliable.all(), res.reason
    np.testing.assert_allclose(res.points_px - POINTS, np.tile([-5.5, 3.25], (len(POINTS), 1)), atol=0.3)


@pytest.mark.parametrize("step", ["brow_raise", "smile", "snarl", "pucker"])
def test_synthetic_warp_truth_recovered_by_flow(step):
    """The synthetic palsy warp's true displacement (kiosk.demo.synthetic_face) at real
    face points: the affected side's is ~0 at severity 1, and optical flow on the two
    images finds both within 1 px = 0.7 mm (measured at most 0.8 px on 11-16 px moves:
    the warp stretches the patch; the mesh alone is off by ~5 px here)."""
    from kiosk.demo.synthetic_face import EXPRESSIONS, SyntheticSpec, base_face, expression_image, true_displacement_px

    spec = SyntheticSpec("left", 1.0, symmetric=True)
    _, anchors = base_face(True)
    right, left = anchors[EXPRESSIONS[step].region]
    pts = np.array([right + [0.0, 4.0], right + [5.0, -3.0], left + [0.0, 4.0]])
    truth = true_displacement_px(step, spec, pts)
    assert np.linalg.norm(truth[0]) > 7.0
    assert np.linalg.norm(truth[2]) < 0.15 * np.linalg.norm(truth[0])  # only the tail of the healthy bump
    res = track_points(expression_image("rest", spec), expression_image(step, spec), pts, mm_per_px=0.7)
    assert res.reliable.all(), res.reason
    assert np.linalg.norm(res.points_px - pts - truth, axis=1).max() < 1.0, (res.points_px - pts, truth)


def test_tracking_inputs_count_fallbacks_per_region():
    from kiosk.face import landmarks as L
    from kiosk.face.flow import FlowResult
    from kiosk.face.symmetry import FRAME_INDICES, TRACKED_INDICES, tracking_inputs

    n = len(TRACKED_INDICES)
    pos = {i: k for k, i in enumerate(TRACKED_INDICES)}
    reason = [""] * n
    reason[pos[L.MOUTH_CORNER.left[0]]] = "patch_changed"
    reason[pos[L.EYE_OUTER_CORNER.right[0]]] = "fb_error"
    for i in L.BROW.right + L.BROW.left:
        reason[pos[i]] = "low_texture"
    rel = np.array([r == "" for r in reason])
    flow = FlowResult(np.zeros((n, 2)), rel, np.where(rel, 0.25, np.inf), np.ones(n), np.ones(n), tuple(reason), 15)
    smile = tracking_inputs(flow, "smile")
    assert smile["method"] == "mixed" and smile["points_flow"] == 1 and smile["points_mesh_fallback"] == 1
    assert smile["fallback_reasons"] == {"patch_changed": 1} and smile["max_fb_error_px"] == 0.25
    assert smile["frame_points_flow"] == f"{len(FRAME_INDICES) - 1}/{len(FRAME_INDICES)}"
    brow = tracking_inputs(flow, "brow")
    assert brow["method"] == "mesh" and brow["points_mesh_fallback"] == 6 and brow["max_fb_error_px"] is None
    assert tracking_inputs(flow, "pucker")["method"] == "mixed"
    assert tracking_inputs(flow, "snarl")["method"] == "optical_flow"
    assert tracking_inputs("optical flow not used", "snarl") == {"method": "mesh", "reason": "optical flow not used"}
