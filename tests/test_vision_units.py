"""Pure parts of the vision package: anchors, NMS, ROI maths, pose, quality gate, runtime errors."""
from __future__ import annotations

import math
from dataclasses import astuple

import cv2
import numpy as np
import pytest
from skimage import data as skimage_data

from kiosk.config import VisionConfig
from kiosk.vision.detector import Detection, decode, ssd_anchors, weighted_nms
from kiosk.vision.pose import NEUTRAL_PITCH_DEG, HeadPose, face_axes, head_pose
from kiosk.vision.quality import MESSAGES, assess_quality, sharpness
from kiosk.vision.roi import (NormRect, crop_uint8, project_landmarks, rect_from_landmarks, roi_matrix,
                              transform_rect)
from kiosk.vision.tracker import roi_jumped
from kiosk.vision.runtime import Model, RuntimeUnavailable


def test_anchor_grid():
    a = ssd_anchors()
    assert a.shape == (896, 2)
    assert np.allclose(a[0], [0.5 / 16, 0.5 / 16]) and np.allclose(a[1], a[0])  # 2 per cell at stride 8
    assert np.allclose(a[512], [0.5 / 8, 0.5 / 8]) and np.allclose(a[512:518], a[512])  # 6 per cell at 16
    assert np.allclose(a[-1], [7.5 / 8, 7.5 / 8])


def test_decode_uses_anchor_and_scale():
    reg = np.zeros((896, 16), np.float32)
    logits = np.full(896, -10.0, np.float32)
    logits[600] = 3.0
    reg[600, :4] = [12.8, -6.4, 32.0, 64.0]  # dx, dy, w, h in 128-px tensor units
    reg[600, 4:6] = [6.4, 0.0]
    (d,) = decode(reg, logits, 0.5)
    ax, ay = ssd_anchors()[600]
    assert d.score == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert d.box == pytest.approx((ax + 0.1 - 0.125, ay - 0.05 - 0.25, 0.25, 0.5), abs=1e-6)
    assert d.keypoints[0] == pytest.approx([ax + 0.05, ay], abs=1e-6)


def test_weighted_nms_merges_by_score():
    kp = np.zeros((6, 2))
    a = Detection((0.0, 0.0, 1.0, 1.0), kp + 1.0, 0.9)
    b = Detection((0.1, 0.0, 1.0, 1.0), kp + 2.0, 0.6)  # IoU 0.82 with a: merged
    c = Detection((5.0, 5.0, 1.0, 1.0), kp, 0.7)        # separate face
    out = weighted_nms([b, c, a])
    assert len(out) == 2 and out[0].score == 0.9 and out[1].score == 0.7
    assert out[0].box[0] == pytest.approx(0.1 * 0.6 / 1.5)
    assert out[0].keypoints[0, 0] == pytest.approx((0.9 * 1 + 0.6 * 2) / 1.5)


def test_rect_rules():
    # square_long in pixels on a 200x100 image, then scale
    r = transform_rect(NormRect(0.5, 0.5, 0.2, 0.2), 200, 100, 1.5)
    assert r.width * 200 == pytest.approx(60.0) and r.height * 100 == pytest.approx(60.0)
    # rotation from two points: p1 below-right of p0 at 45 deg -> rect rotated +45 deg (clockwise)
    pts = np.array([[0.4, 0.4, 0.0], [0.6, 0.6, 0.0]])
    rr = rect_from_landmarks(pts, 0, 1, 100, 100, 1.0)
    assert rr.rotation == pytest.approx(math.pi / 4)
    # projecting the ROI's own top-left corner gives the rotated corner
    p = project_landmarks(np.array([[0.0, 0.0, 0.5]]), NormRect(0.5, 0.5, 0.2, 0.2, math.pi / 2))
    assert p[0, :2] == pytest.approx([0.6, 0.4]) and p[0, 2] == pytest.approx(0.1)


def _rot(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = map(math.radians, (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _frontal_mesh() -> np.ndarray:
    """Eye corners, forehead top (10), below the nose (2, leaning as in the canonical face), chin."""
    pts = np.zeros((468, 3))
    pts[33], pts[263] = [-45, 0, 0], [45, 0, 0]
    lean = math.radians(NEUTRAL_PITCH_DEG)
    pts[10] = [0, -80, 0]
    pts[2] = pts[10] + 130 * np.array([0, math.cos(lean), math.sin(lean)])
    pts[152] = [0, 90, 0]
    return pts


@pytest.mark.parametrize("yaw,pitch,roll", [(0, 0, 0), (10, 0, 0), (0, 12, 0), (0, 0, 15), (-8, 5, -20)])
def test_head_pose_recovers_known_rotation(yaw, pitch, roll):
    pts = _frontal_mesh() @ _rot(yaw, pitch, roll).T + [300, 200, 0]
    pose = head_pose(pts)
    assert (pose.yaw_deg, pose.pitch_deg, pose.roll_deg) == pytest.approx((yaw, pitch, roll), abs=0.5)


def test_head_pose_signs():
    # patient turns to their left: their left eye corner (263) moves away (larger z)
    pts = _frontal_mesh()
    pts[263, 2], pts[33, 2] = 15.0, -15.0
    assert head_pose(pts).yaw_deg > 5
    pts = _frontal_mesh() @ _rot(0, 10, 0).T  # looking down: the nose base moves back
    assert head_pose(pts).pitch_deg == pytest.approx(10.0, abs=0.5)
    assert pts[2, 2] > _frontal_mesh()[2, 2]
    # opening the mouth (chin down and back) does not change the pose
    open_mouth = _frontal_mesh()
    open_mouth[152] += [0, 25, 10]
    assert astuple(head_pose(open_mouth)) == pytest.approx(astuple(head_pose(_frontal_mesh())))


CFG = VisionConfig()
SHARP = np.tile(np.array([[0, 255], [255, 0]], np.uint8), (64, 64)) // 2 + 64
FLAT = np.full((128, 128), 120, np.uint8)
OK_POSE = HeadPose(0.0, 0.0, 0.0)


@pytest.mark.parametrize("args,code", [
    ((0, None, None, None), "no_face"),
    ((2, None, None, None), "multiple_faces"),
    ((1, 40.0, OK_POSE, SHARP), "too_far"),
    ((1, 80.0, HeadPose(20.0, 0.0, 0.0), SHARP), "turned"),
    ((1, 80.0, HeadPose(0.0, -20.0, 0.0), SHARP), "tilted"),
    ((1, 80.0, OK_POSE, SHARP // 8), "too_dark"),
    ((1, 80.0, OK_POSE, np.full((64, 64), 250, np.uint8)), "too_bright"),
    ((1, 80.0, OK_POSE, FLAT), "blurred"),
    ((1, 80.0, OK_POSE, SHARP), "ok"),
])
def test_quality_codes(args, code):
    v = assess_quality(*args, CFG)
    assert v.code == code and v.ok == (code == "ok") and v.message == MESSAGES[code]


def test_quality_dark_frame_without_face():
    assert assess_quality(0, None, None, None, CFG, frame_brightness=10.0).code == "too_dark"
    assert assess_quality(0, None, None, None, CFG, frame_brightness=250.0).code == "too_bright"


def test_sharpness_orders_blur():
    assert sharpness(SHARP) > 1000 > sharpness(FLAT) == 0.0


def test_sharpness_is_the_laplacian_variance_of_the_128px_crop():
    """The fast path (float32 Laplacian, cv2.meanStdDev) equals the textbook definition."""
    gray = cv2.cvtColor(skimage_data.astronaut()[30:250, 120:330], cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (128, round(220 * 128 / 210)), interpolation=cv2.INTER_AREA)
    expected = float(cv2.Laplacian(small, cv2.CV_64F).var())
    assert expected > 100  # a real, sharp face
    assert sharpness(gray) == pytest.approx(expected, rel=1e-9)


def test_head_pose_equals_the_face_axes_rotation():
    """head_pose (plain-float fast path) reads the same angles as face_axes' rotation matrix."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        pts = _frontal_mesh() @ _rot(*rng.uniform(-30, 30, 3)).T + rng.normal(0, 2, (468, 3))
        r = face_axes(pts)
        pose = head_pose(pts)
        assert pose.yaw_deg == pytest.approx(math.degrees(math.asin(r[2, 0])), abs=1e-9)
        assert pose.roll_deg == pytest.approx(math.degrees(math.atan2(r[1, 0], r[0, 0])), abs=1e-9)
        pitch = math.degrees(math.atan2(r[2, 1], r[2, 2])) - NEUTRAL_PITCH_DEG
        assert pose.pitch_deg == pytest.approx((pitch + 180) % 360 - 180, abs=1e-9)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeUnavailable, match="model file missing"):
        Model(tmp_path / "nope.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    with pytest.raises(RuntimeUnavailable, match="cannot load model"):
        Model(bad)


def test_rois_agree_tolerance():
    from kiosk.vision.eyes import rois_agree
    b = NormRect(0.5, 0.5, 0.1, 0.1, 0.0)  # 64 px wide on a 640x480 image
    assert rois_agree(NormRect(0.505, 0.5, 0.1, 0.1, 0.0), b, 640, 480, 0.1)       # 3.2 px
    assert not rois_agree(NormRect(0.512, 0.5, 0.1, 0.1, 0.0), b, 640, 480, 0.1)   # 7.7 px
    assert not rois_agree(NormRect(0.5, 0.5, 0.115, 0.1, 0.0), b, 640, 480, 0.1)   # 15 % larger
    assert not rois_agree(NormRect(0.5, 0.5, 0.1, 0.1, 0.06), b, 640, 480, 0.1)    # 3.4 deg
    assert rois_agree(b, b, 640, 480, 0.0)  # identical ROI agrees even at zero tolerance


def test_no_runtime_is_a_clear_error(monkeypatch, model_dir):
    import sys
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    with pytest.raises(RuntimeUnavailable, match="ai-edge-litert==1.4.0"):
        Model(model_dir / "face_landmark.tflite")


@pytest.mark.parametrize("rect", [NormRect(0.4, 0.45, 0.5, 0.62, 0.3), NormRect(0.6, 0.5, 0.3, 0.4, -1.2),
                                  NormRect(0.5, 0.5, 0.4, 0.5, 0.0), NormRect(0.1, 0.9, 0.6, 0.8, 2.5)])
def test_affine_crop_equals_mediapipes_perspective_warp(rect):
    """One warpAffine (tensor -> image map) samples where warpPerspective of the rect's corners does."""
    img = cv2.resize(skimage_data.astronaut(), (640, 480))
    want = cv2.warpPerspective(img, roi_matrix(rect, 640, 480, 192, 192), (192, 192), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    got = crop_uint8(img, rect, 192, 192, cv2.BORDER_REPLICATE)
    diff = np.abs(got.astype(int) - want.astype(int))
    assert diff.max() <= 1 and diff.mean() < 0.01


def test_roi_jump():
    r = NormRect(0.5, 0.5, 0.3, 0.4, 0.0)  # 192 px wide in 640x480
    assert not roi_jumped(r, NormRect(0.55, 0.52, 0.31, 0.41, 0.1), 640, 480)   # 33 px, side +3 %
    assert roi_jumped(r, NormRect(0.6, 0.5, 0.3, 0.4, 0.0), 640, 480)           # 64 px > 48 px
    assert roi_jumped(r, NormRect(0.5, 0.5, 0.4, 0.53, 0.0), 640, 480)          # side +33 %


def test_tracker_counts_faces_on_schedule_and_after_an_roi_jump():
    """Stub detector and mesh (landmarks we move): the count runs every redetect_every tracked
    frames and on the frame after the ROI jumped, not otherwise."""
    from kiosk.vision.mesh import MeshResult
    from kiosk.vision.tracker import FaceTracker
    rng = np.random.default_rng(0)
    face = np.column_stack([rng.uniform(0.4, 0.6, 468), rng.uniform(0.35, 0.65, 468), np.zeros(468)])
    face[33, :2], face[263, :2] = (0.45, 0.45), (0.55, 0.45)
    offset = [0.0]
    counts = []

    class Det:
        def detect(self, rgb):
            counts.append(len(counts))
            return [Detection((0.4 + offset[0], 0.35, 0.2, 0.3),
                              np.array([[0.45 + offset[0], 0.45], [0.55 + offset[0], 0.45]] + [[0.5, 0.5]] * 4), 0.9)]

    class Mesh:
        def run(self, rgb, roi):
            return MeshResult(face + [offset[0], 0.0, 0.0], 1.0, roi)

    tracker = FaceTracker(Det(), Mesh(), tracking=True, redetect_every=10)
    rgb = np.zeros((480, 640, 3), np.uint8)
    seen = []
    for frame in range(25):
        offset[0] = 0.001 * frame + (0.1 if frame >= 16 else 0.0)  # slow drift, a jump at frame 16
        n = len(counts)
        assert tracker.step(rgb).mesh is not None
        seen.append(len(counts) - n)
    assert [i for i, c in enumerate(seen) if c] == [0, 10, 17, 20]  # first, schedule, jump + 1, schedule


def test_session_model_versions_follow_the_landmark_path(tmp_path):
    from kiosk.vision.models import HAND_MODELS, PINS, model_versions
    (tmp_path / "face_landmark.tflite").write_bytes(b"x")
    plain = model_versions(tmp_path)
    assert set(plain) == {"face_detection_short_range.tflite", "face_landmark.tflite", "iris_landmark.tflite"}
    assert plain["face_landmark.tflite"] == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert plain["iris_landmark.tflite"] == "missing"
    assert set(model_versions(tmp_path, "attention")) == set(PINS) - set(HAND_MODELS) and len(PINS) == 6
    assert set(model_versions(tmp_path, "mesh_iris", hands=True)) == set(plain) | set(HAND_MODELS)
