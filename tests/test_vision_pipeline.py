"""FacePipeline on a real face (scikit-image's astronaut) and generated variants.

The general tests run on both landmark paths: the attention model (478 points, one model) and
the mesh + iris models (the fallback)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from kiosk.config import VisionConfig
from kiosk.vision import frames as F
from kiosk.vision.pipeline import FacePipeline


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="module", params=["attention", "mesh_iris"])
def pipe(request, model_dir) -> FacePipeline:
    p = FacePipeline(VisionConfig(model_dir=model_dir, landmark_model=request.param),
                     refined=request.param == "attention")
    assert p.landmark_path == request.param
    return p


@pytest.fixture(scope="module")
def base(pipe, astronaut):
    return pipe.process(astronaut, timestamp_s=1.5)


def test_one_face_landmarks_inside_face_region(base):
    assert base.faces_found == 1 and base.quality.ok and base.quality.code == "ok"
    assert base.timestamp_s == 1.5
    f = base.face
    assert f.landmarks_px.shape == (468, 3) and f.presence > 0.9
    x0, y0, x1, y1 = f.detection_box_px
    w, h = x1 - x0, y1 - y0
    # the mesh ROI is the detection box squared and scaled 1.5x: every point lies inside it
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.75 * max(w, h)
    xy = f.landmarks_px[:, :2]
    assert np.all(np.abs(xy[:, 0] - cx) <= half) and np.all(np.abs(xy[:, 1] - cy) <= half)
    # eyes, nose tip and mouth corners lie inside the detection box itself
    core = xy[[33, 133, 263, 362, 1, 61, 291]]
    assert np.all((core[:, 0] > x0) & (core[:, 0] < x1) & (core[:, 1] > y0) & (core[:, 1] < y1))
    # the astronaut's face is at about x 180..270, y 70..180 px
    assert 170 < f.box_px[0] < 200 and 250 < f.box_px[2] < 290 and 60 < f.box_px[1] < 90


def test_sides_are_the_patients(base):
    f = base.face
    # patient's right eye (33/133) is on the image left in this unmirrored photo
    assert f.landmarks_px[33, 0] < f.landmarks_px[263, 0]
    assert f.iris_right.center_px[0] < f.iris_left.center_px[0]
    for iris, corners in ((f.iris_right, (33, 133)), (f.iris_left, (362, 263))):
        lo, hi = sorted(f.landmarks_px[list(corners), 0])
        assert lo < iris.center_px[0] < hi and iris.points_px.shape == (5, 2)
        # the iris model's eye outline (first 16 contour points) surrounds the iris centre
        outline = iris.eye_contour_px[:16]
        assert iris.eye_contour_px.shape == (71, 2)
        assert outline[:, 0].min() < iris.center_px[0] < outline[:, 0].max()
        assert outline[:, 1].min() < iris.center_px[1] < outline[:, 1].max()
        assert abs(outline[:, 0].min() - lo) < 4 and abs(outline[:, 0].max() - hi) < 4


def test_iris_scale_gives_plausible_distances(base):
    f = base.face
    assert 6.0 < f.iris_right.diameter_px < 10.0 and 6.0 < f.iris_left.diameter_px < 10.0
    ipd_mm = float(np.linalg.norm(f.iris_left.center_px - f.iris_right.center_px)) * f.mm_per_px
    corners_mm = f.interocular_px * f.mm_per_px
    assert 55.0 <= ipd_mm <= 75.0
    assert 80.0 <= corners_mm <= 105.0  # the reference gives 94 mm on this photo


def test_no_face_blank_and_texture(pipe):
    for img in (np.full((480, 640, 3), 128, np.uint8), np.repeat(data.brick()[..., None], 3, axis=2)):
        r = pipe.process(img)
        assert r.faces_found == 0 and r.face is None
        assert not r.quality.ok and r.quality.code == "no_face" and "look at the camera" in r.quality.message


def test_two_faces_rejected(pipe, astronaut):
    crop = astronaut[20:260, 110:340]
    r = pipe.process(np.hstack([crop, crop]))
    assert r.faces_found == 2 and r.face is None and r.quality.code == "multiple_faces"


def test_dark_frame(pipe, astronaut):
    r = pipe.process((astronaut * 0.12).astype(np.uint8))
    assert not r.quality.ok and r.quality.code == "too_dark" and "light" in r.quality.message
    r = pipe.process(np.zeros((240, 320, 3), np.uint8))
    assert r.face is None and r.quality.code == "too_dark"


def test_small_face_too_far(pipe, astronaut):
    r = pipe.process(F.parity_frame(astronaut, "scale_0.7"))
    assert r.face is not None and r.face.interocular_px < 60
    assert r.quality.code == "too_far" and "closer" in r.quality.message


def test_blurred_frame(pipe, astronaut):
    r = pipe.process(cv2.GaussianBlur(astronaut, (0, 0), 2.0))
    assert r.face is not None and r.quality.code == "blurred" and "still" in r.quality.message


def test_roll_15_degrees(pipe, astronaut, base):
    r = pipe.process(F.warp(astronaut, 1.0, 15.0, (0.0, 0.0), (512, 512)))
    assert r.face is not None
    delta = r.face.pose.roll_deg - base.face.pose.roll_deg
    assert 13.0 < delta < 17.0
    assert r.face.pose.roll_deg > 10.0  # clockwise on screen is positive
    r = pipe.process(F.warp(astronaut, 1.0, -15.0, (0.0, 0.0), (512, 512)))
    assert -17.0 < r.face.pose.roll_deg - base.face.pose.roll_deg < -13.0


def test_bad_frame_type(pipe):
    with pytest.raises(ValueError, match="RGB uint8"):
        pipe.process(np.zeros((100, 100), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        pipe.process(np.zeros((100, 100, 3), np.float32))


def test_tracking_follows_shifted_frames(model_dir, astronaut, base):
    pipe = FacePipeline(VisionConfig(model_dir=model_dir), tracking=True, with_iris=False)
    seq = F.shifted_sequence(astronaut, 8, step_px=6.0)
    nose0 = None
    for i, frame in enumerate(seq):
        r = pipe.process(frame)
        assert r.faces_found == 1 and r.face is not None
        assert (r.face.detection_box_px is None) == (i > 0)  # detector runs on the first frame only
        nose = r.face.landmarks_px[1, :2]
        nose0 = nose if nose0 is None else nose0
        expected_shift = np.array([6.0 * i, 3.0 * i])
        # the nose moves with the frame (plus a little from the 0.5 deg/frame roll)
        assert np.linalg.norm((nose - nose0) - expected_shift) < 4.0
    assert r.face.mm_per_px is None  # with_iris=False
    # losing the face (blank frame) drops the track; the next face is detected again
    assert pipe.process(np.full((480, 640, 3), 128, np.uint8)).face is None
    r = pipe.process(seq[0])
    assert r.face is not None and r.face.detection_box_px is not None
    pipe.reset()
    assert pipe.process(seq[1]).face.detection_box_px is not None


def test_tracking_with_speculative_iris_matches_exact(model_dir, astronaut):
    fast = FacePipeline(VisionConfig(model_dir=model_dir, threads=2, landmark_model="mesh_iris"), tracking=True)
    exact = FacePipeline(VisionConfig(model_dir=model_dir, threads=2, iris_roi_reuse_tolerance=0.0,
                                      landmark_model="mesh_iris"), tracking=True)
    seq = F.shifted_sequence(astronaut, 6, step_px=2.0)
    # a jump of 30 px (far beyond 10 % of the ~44 px eye crop): speculation must be redone
    seq.append(F.warp(astronaut, 1.0, 3.0, (-20.0, 18.0), (640, 480)))
    for frame in seq:
        a, b = fast.process(frame), exact.process(frame)
        assert np.array_equal(a.face.landmarks_px, b.face.landmarks_px)  # the mesh is untouched
        iod = b.face.interocular_px
        for side in ("iris_right", "iris_left"):
            err = np.linalg.norm(getattr(a.face, side).center_px - getattr(b.face, side).center_px) / iod
            assert err < 0.03
    assert fast.eyes.reused >= 4 and fast.eyes.redone == 1
    assert exact.eyes.reused == 0 and exact.eyes.redone == 0
    # after the redone frame the result is exactly the exact path's
    assert np.array_equal(a.face.iris_left.points_px, b.face.iris_left.points_px)
    fast.close()
    exact.close()


@pytest.mark.parametrize("threads", [1, 2])  # 2: the face count runs on a thread beside the mesh
def test_tracking_notices_a_second_face(model_dir, astronaut, threads):
    pipe = FacePipeline(VisionConfig(model_dir=model_dir, redetect_every_frames=3, threads=threads),
                        tracking=True, with_iris=False)
    assert (pipe.tracker.pool is not None) == (threads >= 2)
    crop = astronaut[20:260, 110:340]
    one = np.hstack([crop, np.full_like(crop, 200)])
    two = np.hstack([crop, crop])
    assert pipe.process(one).faces_found == 1 and pipe.process(one).face is not None
    results = [pipe.process(two) for _ in range(3)]
    assert results[0].face is not None  # still tracked until the next count check
    assert results[-1].faces_found == 2 and results[-1].face is None
    assert results[-1].quality.code == "multiple_faces"
    r = pipe.process(two)  # the track is dropped: every frame now detects, still two faces
    assert r.faces_found == 2 and r.face is None
    assert pipe.process(one).face is not None
    pipe.close()

