"""A second detection counts as a person only when the face mesh confirms a face there."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.config import VisionConfig
from kiosk.demo import synthetic_face as S
from kiosk.demo.real_faces import mirror_about, side_by_side
from kiosk.vision.pipeline import FacePipeline


@pytest.fixture(scope="module")
def pipe(model_dir) -> FacePipeline:
    return FacePipeline(VisionConfig(model_dir=model_dir))


@pytest.fixture(scope="module")
def mirrored_astronaut() -> np.ndarray:
    """The astronaut mirrored about the face's midline, spacesuit collar included."""
    img, anchors = S.base_face(False)
    mx = float(np.mean([anchors["midline_top"][0][0], anchors["midline_chin"][0][0]]))
    return mirror_about(img, mx, keep="right")


def test_collar_detection_is_not_a_second_person(pipe, mirrored_astronaut):
    dets = pipe.tracker.detector.detect(mirrored_astronaut)
    assert len(dets) == 2 and min(d.score for d in dets) > 0.55  # BlazeFace fires on the collar
    r = pipe.process(mirrored_astronaut)
    assert r.faces_found == 1 and r.face is not None and r.quality.code == "ok"
    # the face kept is the real one (the higher-scoring, mesh-confirmed detection)
    assert r.face.detection_score == pytest.approx(max(d.score for d in dets))


@pytest.mark.parametrize("left,right", [("astronaut", "hopper"), ("feat_f15", "feat_single")])
def test_two_real_faces_side_by_side_are_two(pipe, left, right):
    r = pipe.process(side_by_side(left, right))
    assert r.faces_found == 2 and r.face is None and r.quality.code == "multiple_faces"


def test_tracking_ignores_collar_but_notices_a_real_second_face(model_dir, mirrored_astronaut):
    pipe = FacePipeline(VisionConfig(model_dir=model_dir, redetect_every_frames=2), tracking=True, with_iris=False)
    results = [pipe.process(mirrored_astronaut) for _ in range(5)]
    assert all(r.faces_found == 1 and r.face is not None for r in results)
    two = side_by_side("astronaut", "hopper")
    results = [pipe.process(two) for _ in range(3)]
    assert results[-1].faces_found == 2 and results[-1].face is None
    pipe.close()
