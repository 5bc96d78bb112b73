"""Resting asymmetry by mirror registration on real faces (kiosk/face/mirror.py)."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.config import VisionConfig
from kiosk.demo import rest_droop as RD
from kiosk.demo import synthetic_face as S
from kiosk.face.mirror import measure_rest
from kiosk.vision.pipeline import FacePipeline

FACES = ("astronaut", "feat_f15", "feat_f1", "feat_single")


@pytest.fixture(scope="module")
def still(model_dir) -> FacePipeline:
    return FacePipeline(VisionConfig(model_dir=model_dir))


@pytest.fixture(scope="module")
def bases(still):
    return {f: RD.natural(still, f) for f in FACES}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("item,target", [("commissure", 0.70), ("brow", 0.60)])
def test_right_droop_recovered_on_real_faces(still, bases, face, item, target):
    r = RD.droop_case(still, face, item, "right", 5.0, bases[face])
    assert r.true_mm == pytest.approx(5.0, abs=0.01)
    assert target <= r.fraction <= 1.35, r
    assert r.confidence > 0.2


def test_left_droop_has_the_other_sign(still, bases):
    r = RD.droop_case(still, "feat_single", "commissure", "left", 4.0, bases["feat_single"])
    assert r.fraction >= 0.7


def test_unwarped_faces_within_natural_asymmetry(bases):
    for face, (_, _, _, rest) in bases.items():
        for item in rest.items.values():
            assert item.abs_mm < 3.6, (face, item)


def test_perfectly_symmetric_face_reads_zero(still):
    img, _ = S.base_face(True)
    lm, mpp = RD.observe(still, img)
    rest = measure_rest(img, lm, mpp)
    assert max(abs(i.difference_mm) for i in rest.items.values()) < 0.3
    assert all(i.side == "none" or i.abs_mm < 0.3 for i in rest.items.values())


def test_bad_scale_is_rejected(bases):
    rgb, lm, _, _ = bases["astronaut"]
    with pytest.raises(ValueError, match="mm_per_px"):
        measure_rest(rgb, lm, float("nan"))
    assert np.isfinite(measure_rest(rgb, lm, 0.9).items["brow"].difference_mm)
