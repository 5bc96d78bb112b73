"""Ocular synkinesis on synthetic sessions of real faces: one eye narrows during pucker and smile."""
from __future__ import annotations

import pytest

from kiosk.config import VisionConfig
from kiosk.demo.synthetic_face import SyntheticSpec, make_session, synkinesis_truth_mm
from kiosk.session.face import assess_face
from kiosk.vision.eyelids import EyelidModel
from kiosk.vision.pipeline import FacePipeline


@pytest.fixture(scope="module")
def run(model_dir):
    cfg = VisionConfig(model_dir=model_dir)
    pipe, lids = FacePipeline(cfg, tracking=True), EyelidModel(model_dir)
    return lambda spec: assess_face({k: [v] for k, v in make_session(spec).items()}, pipe, lids)


@pytest.mark.parametrize("face", ["astronaut", "hopper"])
def test_synkinetic_eye_narrows_during_pucker_and_smile(run, face):
    spec = SyntheticSpec("left", 0.2, symmetric=False, face=face, synkinesis=0.3)
    fa = run(spec)
    sb = fa.sunnybrook
    m = sb.inputs["synkinesis_measures_mm"]
    truth = synkinesis_truth_mm(spec)
    assert 1.5 < truth < 4.0
    for step in ("pucker", "smile"):
        assert m[step]["left"] >= 0.4 * truth and abs(m[step]["right"]) < 0.3, (step, m[step], truth)
    items = sb.inputs["synkinesis_items_0_3"]
    assert items["pucker"] >= 1 and items["smile"] >= 1 and sb.inputs["synkinesis_side"] == "left"
    plain = run(SyntheticSpec("left", 0.2, symmetric=False, face=face))
    assert plain.sunnybrook.synkinesis == 0
    assert sb.composite < plain.sunnybrook.composite
    assert fa.eface.synkinesis < plain.eface.synkinesis
