"""Parity with mediapipe 0.10.21 FaceMesh (fixture written by scripts/make_reference.py).

Mesh + iris path against refine_landmarks=False (mesh) and the refined irises; the attention
path's 478 points against refine_landmarks=True."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from kiosk.config import VisionConfig
from kiosk.vision import frames as F
from kiosk.vision.pipeline import FacePipeline

FIXTURE = Path(__file__).parent / "fixtures" / "vision_reference.json"
REFERENCE = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pipe(model_dir) -> FacePipeline:
    return FacePipeline(VisionConfig(model_dir=model_dir, landmark_model="mesh_iris"))


@pytest.fixture(scope="module")
def refined_pipe(model_dir) -> FacePipeline:
    return FacePipeline(VisionConfig(model_dir=model_dir), refined=True)


def test_fixture_covers_scales_shifts_rolls():
    names = set(REFERENCE["frames"])
    assert names == set(F.PARITY_FRAMES) and REFERENCE["mediapipe"] == "0.10.21"
    assert len(names) >= 8


@pytest.mark.parametrize("name", sorted(F.PARITY_FRAMES))
def test_mesh_and_iris_match_reference(pipe, name):
    ref = REFERENCE["frames"][name]
    frame = F.parity_frame(data.astronaut(), name)
    assert F.sha256(frame) == ref["sha256"], "frame differs from the one the reference saw"
    r = pipe.process(frame)
    assert r.face is not None
    mesh = np.asarray(ref["mesh_px"])
    iod = float(np.linalg.norm(mesh[263, :2] - mesh[33, :2]))
    err = np.linalg.norm(r.face.landmarks_px[:, :2] - mesh[:, :2], axis=1)
    assert err.mean() / iod <= 0.005, f"{name}: mean mesh error {100 * err.mean() / iod:.3f} % IOD"
    assert err.max() / iod <= 0.02
    z_err = np.abs(r.face.landmarks_px[:, 2] - mesh[:, 2]).mean() / iod
    assert z_err <= 0.005, f"{name}: mean z error {100 * z_err:.3f} % IOD"
    for side in ("right", "left"):
        ours = getattr(r.face, f"iris_{side}")
        centre = np.asarray(ref["iris"][side]["center_px"])
        assert np.linalg.norm(ours.center_px - centre) / iod <= 0.03, f"{name} {side} iris centre"
        assert 0.6 < ours.diameter_px / ref["iris"][side]["diameter_px"] < 1.4


def test_iris_diameter_agrees_on_average(pipe):
    ratios = []
    for name in ("base", "scale_1.6", "shift_left_down", "combo_1.25_-10_shift"):
        r = pipe.process(F.parity_frame(data.astronaut(), name))
        for side in ("right", "left"):
            ratios.append(getattr(r.face, f"iris_{side}").diameter_px / REFERENCE["frames"][name]["iris"][side]["diameter_px"])
    assert 0.95 < float(np.mean(ratios)) < 1.05


@pytest.mark.parametrize("name", sorted(F.PARITY_FRAMES))
def test_refined_478_points_match_refine_landmarks(refined_pipe, name):
    """Every one of the 478 points within 0.5 % of the interocular distance of mediapipe's
    refine_landmarks=True (x, y; z within 0.5 % too), iris centres within 2 %."""
    ref = REFERENCE["frames"][name]
    r = refined_pipe.process(F.parity_frame(data.astronaut(), name))
    assert r.face is not None and r.face.landmarks_refined_px.shape == (478, 3)
    assert np.array_equal(r.face.landmarks_refined_px[:468], r.face.landmarks_px)
    want = np.asarray(ref["refined_px"])
    iod = float(np.linalg.norm(want[263, :2] - want[33, :2]))
    err = np.linalg.norm(r.face.landmarks_refined_px[:, :2] - want[:, :2], axis=1) / iod
    assert err.max() <= 0.005, f"{name}: point {err.argmax()} off by {100 * err.max():.3f} % IOD"
    z_err = np.abs(r.face.landmarks_refined_px[:, 2] - want[:, 2]) / iod
    assert z_err.max() <= 0.005, f"{name}: z of point {z_err.argmax()} off by {100 * z_err.max():.3f} % IOD"
    for side in ("right", "left"):
        ours = getattr(r.face, f"iris_{side}")
        centre = np.asarray(ref["iris"][side]["center_px"])
        assert np.linalg.norm(ours.center_px - centre) / iod <= 0.02, f"{name} {side} iris centre"
        assert ours.diameter_px == pytest.approx(ref["iris"][side]["diameter_px"], rel=0.02)
        assert np.array_equal(ours.points_px, r.face.landmarks_refined_px[ref["iris"][side]["index_start"]:][:5, :2])
