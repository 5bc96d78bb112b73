"""Facial assessment end to end on synthetic palsy faces (real vision pipeline, made at test time).

Default vision configuration.  Note: the pipeline's mesh-based pitch reads the frontal
astronaut face at ~11.5 deg and 15-16 deg with the eyes closed or the lips puckered, so the
absolute 15 deg gate rejects those peak frames; kiosk.session.face accepts a frame rejected
only as "tilted" when its pitch is within 8 deg of the rest frame's (counted per step).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import spearmanr

from kiosk.demo.synthetic_face import FACE_STEPS, Pose, SyntheticSpec, make_clip, make_session

SYMMETRIC = SyntheticSpec(symmetric=True)


@pytest.fixture(scope="session")
def face_runtime(model_dir):
    from kiosk.config import VisionConfig
    from kiosk.vision.eyelids import EyelidModel
    from kiosk.vision.pipeline import FacePipeline

    return FacePipeline(VisionConfig(model_dir=model_dir), tracking=True), EyelidModel(model_dir)


@pytest.fixture(scope="session")
def assess(face_runtime):
    """spec -> FacialAssessment of its photo session (cached for the test session)."""
    from kiosk.session.face import assess_face

    pipe, lids = face_runtime
    cache: dict = {}

    def run(spec: SyntheticSpec):
        if spec not in cache:
            cache[spec] = assess_face({k: [v] for k, v in make_session(spec).items()}, pipe, lids)
        return cache[spec]
    return run


@pytest.fixture
def assess_frames(face_runtime):
    from kiosk.session.face import assess_face

    pipe, lids = face_runtime
    return lambda frames: assess_face(frames, pipe, lids)


def mean_ratio(fa) -> float:
    return fa.side.weighted_mean_ratio


def test_symmetric_face_symmetric_movements(assess):
    fa = assess(SYMMETRIC)
    ratios = {k: r.ratio for k, r in fa.regions.items()}
    assert set(ratios) == {"brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker"}
    assert all(r is not None and r >= 0.85 for r in ratios.values()), ratios
    assert fa.side.side == "none"
    assert fa.house_brackmann.grade == 1 and fa.severity_class == "normal"
    assert fa.sunnybrook.composite >= 90
    assert all(s.status == "ok" for s in fa.steps.values())
    assert 0.6 < fa.mm_per_px < 0.85  # ~0.7 mm/px: outer eye corners 123 px ~ 87 mm


@pytest.mark.parametrize("severity", [0.3, 0.5, 0.7, 1.0])
@pytest.mark.parametrize("side", ["left", "right"])
def test_affected_side_found(assess, side, severity):
    fa = assess(SyntheticSpec(side, severity, symmetric=True))
    assert fa.side.side == side, fa.to_dict()["affected_side_inputs"]
    assert fa.side.confidence > 0.3
    weaker = [r.weaker_side for r in fa.regions.values() if r.visibly_asymmetric]
    assert weaker and all(w == side for w in weaker)


@pytest.mark.parametrize("side", ["left", "right"])
def test_ratio_falls_with_severity(assess, side):
    severities = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    runs = [assess(SyntheticSpec(side, s, symmetric=True) if s else SYMMETRIC) for s in severities]
    ratios = [mean_ratio(fa) for fa in runs]
    assert spearmanr(severities, ratios).statistic <= -0.9, ratios
    assert spearmanr(severities, [fa.regions["eye_gentle"].ratio for fa in runs]).statistic <= -0.9
    composites = [fa.sunnybrook.composite for fa in runs]
    assert spearmanr(severities, composites).statistic <= -0.9, composites
    assert spearmanr(severities, [fa.eface.dynamic for fa in runs]).statistic <= -0.9
    assert runs[-1].house_brackmann.grade >= 4 and runs[0].house_brackmann.grade == 1


STABILITY_POSES = [Pose(roll_deg=10), Pose(roll_deg=-10), Pose(yaw_deg=8), Pose(yaw_deg=-8),
                   Pose(scale=0.75), Pose(scale=1.5), Pose(brightness=0.7), Pose(brightness=1.25)]


@pytest.mark.parametrize("pose", STABILITY_POSES, ids=lambda p: f"roll{p.roll_deg}_yaw{p.yaw_deg}_x{p.scale}_b{p.brightness}")
def test_stable_under_pose_scale_brightness(assess, pose):
    base = SyntheticSpec("left", 0.6, symmetric=True)
    ref, moved = assess(base), assess(replace(base, pose=pose))
    assert moved.side.side == "left"
    assert abs(mean_ratio(moved) - mean_ratio(ref)) <= 0.05
    # Mouth regions meet the 0.05 since excursions come from optical flow (measured worst:
    # 0.035); brow and eyelids reach 0.037-0.062 / 0.061-0.070 (severity 0.6 / 0.3) (eyelids from the iris contour).
    for region, tol in (("brow", 0.07), ("eye_gentle", 0.07), ("eye_tight", 0.07),
                        ("smile", 0.05), ("snarl", 0.05), ("pucker", 0.05)):
        assert abs(moved.regions[region].ratio - ref.regions[region].ratio) <= tol, region


def test_step_without_face_is_reported_not_scored(assess_frames):
    frames = {k: [v] for k, v in make_session(SyntheticSpec("left", 0.6, symmetric=True)).items()}
    frames["smile"] = [np.full((512, 512, 3), 128, np.uint8)]
    frames["eye_close_gentle"] = [(frames["eye_close_gentle"][0] * 0.08).astype(np.uint8)]
    del frames["snarl"]
    fa = assess_frames(frames)
    assert fa.steps["smile"].status == "unusable" and "no_face" in fa.steps["smile"].reason
    assert fa.steps["eye_close_gentle"].status == "unusable" and "too_dark" in fa.steps["eye_close_gentle"].reason
    assert fa.steps["snarl"].status == "missing"
    assert {"smile", "eye_gentle", "snarl"}.isdisjoint(fa.regions)
    assert fa.sunnybrook.composite is None and "smile" in fa.sunnybrook.unavailable_reason
    assert fa.house_brackmann.grade is None and fa.severity_class is None
    assert fa.regions["pucker"].ratio is not None and fa.side.side == "left"
    d = fa.to_dict()
    assert d["steps"]["smile"]["frames_rejected"] == 1 and d["house_brackmann"]["roman"] is None


def test_malformed_frame_is_unusable_not_a_crash(assess_frames):
    frames = {k: [v] for k, v in make_session(SYMMETRIC, ("rest", "brow_raise")).items()}
    frames["brow_raise"] = [np.zeros((40, 40), np.float64)]
    fa = assess_frames(frames)
    assert fa.steps["brow_raise"].status == "unusable" and "bad_frame" in fa.steps["brow_raise"].reason
    assert fa.steps["rest"].status == "ok" and "brow" not in fa.regions


def test_missing_rest_scores_nothing(assess_frames):
    frames = {k: [v] for k, v in make_session(SYMMETRIC, ("brow_raise", "smile")).items()}
    fa = assess_frames(frames)
    assert fa.regions == {} and fa.sunnybrook is None and fa.house_brackmann is None
    assert fa.steps["rest"].status == "missing"
    assert fa.steps["smile"].status == "not_scored" and "rest" in fa.steps["smile"].reason


def test_clip_peak_frame_and_rejected_frames(assess, assess_frames):
    spec = SyntheticSpec("right", 0.5, symmetric=True)
    clip = make_clip("smile", spec, n_frames=9)
    clip[1] = np.full_like(clip[1], 128)  # a frame with no face
    frames = {k: [v] for k, v in make_session(spec).items()}
    frames["smile"] = clip
    fa = assess_frames(frames)
    step = fa.steps["smile"]
    assert step.status == "ok" and step.frames_used == 8 and step.rejected_by_reason == {"no_face": 1}
    assert step.peak_index in (3, 4, 5)  # the half-sine ramp peaks at frame 4
    assert abs(fa.regions["smile"].ratio - assess(spec).regions["smile"].ratio) <= 0.1


def test_two_faces_rejected(assess_frames):
    import cv2

    face = make_session(SYMMETRIC, ("smile",))["smile"]
    two = np.hstack([face, face])
    two = cv2.resize(two, (1024, 512))
    frames = {k: [v] for k, v in make_session(SYMMETRIC, FACE_STEPS).items()}
    frames["smile"] = [two]
    fa = assess_frames(frames)
    assert fa.steps["smile"].status == "unusable" and "multiple_faces" in fa.steps["smile"].reason


@pytest.mark.parametrize("side", ["left", "right"])
def test_complete_palsy_affected_side_barely_moves(assess, side):
    """Severity 1.0: the affected brow and mouth corner do not move in the image, and are
    measured so (the mesh alone read 45-75 % of the healthy side)."""
    fa = assess(SyntheticSpec(side, 1.0, symmetric=True))
    for region in ("brow", "smile"):
        r = fa.regions[region]
        mm = {"right": r.right_mm, "left": r.left_mm}
        healthy = "right" if side == "left" else "left"
        assert mm[healthy] > 5.0, (region, mm)
        assert mm[side] < 0.25 * mm[healthy], (region, mm)
        assert r.tracking["method"] in ("optical_flow", "mixed") and r.tracking["points_flow"] >= 1, r.tracking
    assert fa.house_brackmann.grade >= 5 and fa.sunnybrook.composite <= 30


def test_mesh_only_kept_for_comparison(face_runtime):
    from kiosk.session.face import assess_face

    pipe, lids = face_runtime
    frames = {k: [v] for k, v in make_session(SyntheticSpec("left", 1.0, symmetric=True),
                                               ("rest", "smile")).items()}
    fa = assess_face(frames, pipe, lids, use_flow=False)
    assert fa.regions["smile"].tracking == {"method": "mesh", "reason": "optical flow not used"}
    assert fa.regions["smile"].ratio > 0.25  # the mesh's symmetric prior: the reason for the flow


def test_occluded_point_falls_back_to_mesh(assess_frames):
    """A mouth corner covered in the peak frame (a finger, a shadow): the flow cannot follow
    it, the mesh position is kept and the fallback is recorded, not hidden."""
    frames = {k: [v] for k, v in make_session(SyntheticSpec("left", 0.6, symmetric=True), ("rest", "smile")).items()}
    smile = frames["smile"][0].copy()
    rng = np.random.default_rng(0)
    # patient's right mouth corner (image left) after the smile, ~(187, 226) px
    smile[211:243, 170:204] = rng.integers(0, 255, (32, 34, 3), dtype=np.uint8)
    fa = assess_frames({"rest": frames["rest"], "smile": [smile]})
    t = fa.regions["smile"].tracking
    assert t["points_mesh_fallback"] >= 1 and t["method"] in ("mixed", "mesh"), t
    assert set(t["fallback_reasons"]) <= {"lost", "low_texture", "fb_error", "patch_changed"}
    assert fa.to_dict()["regions"]["smile"]["tracking"] == t


@pytest.mark.parametrize("pose", [Pose(scale=1.1), Pose(brightness=1.2), Pose(roll_deg=5, shift_px=(6, 4))],
                         ids=["closer", "brighter", "turned_shifted"])
def test_patient_moves_between_rest_and_expressions(assess, assess_frames, pose):
    """Rest photographed at one position/exposure, the expressions at another: the flow
    starts from the mesh's guess and the exposure is matched, so the ratios hold."""
    from kiosk.demo.synthetic_face import apply_pose, expression_image

    spec = SyntheticSpec("left", 0.6, symmetric=True)
    frames = {k: [v if k == "rest" else apply_pose(expression_image(k, spec), pose)]
              for k, v in make_session(spec).items()}
    ref, moved = assess(spec), assess_frames(frames)
    assert moved.side.side == "left"
    assert abs(mean_ratio(moved) - mean_ratio(ref)) <= 0.05, (mean_ratio(moved), mean_ratio(ref))
    for region in ("brow", "smile", "snarl", "pucker"):
        assert abs(moved.regions[region].ratio - ref.regions[region].ratio) <= 0.12, region
        assert moved.regions[region].tracking["points_mesh_fallback"] <= 1, moved.regions[region].tracking


def test_peak_frame_of_other_size_uses_mesh_and_says_so(assess_frames):
    import cv2

    frames = {k: [v] for k, v in make_session(SyntheticSpec("left", 0.6, symmetric=True), ("rest", "smile")).items()}
    frames["smile"] = [cv2.resize(frames["smile"][0], (640, 640), interpolation=cv2.INTER_LINEAR)]
    fa = assess_frames(frames)
    t = fa.regions["smile"].tracking
    assert t["method"] == "mesh" and "differs from the rest frame" in t["reason"], t
    assert fa.regions["smile"].ratio is not None
    # issue 13 item 11: the step is not plain "ok" any more
    smile = fa.steps["smile"]
    assert smile.status == "ok_low_confidence" and "differs from the rest frame" in smile.reason
    assert "less precise" in smile.reason and fa.steps["rest"].status == "ok"


def test_several_rest_frames_pick_a_typical_one(assess_frames):
    """A rest clip of several frames (the kiosk records a window): the chosen rest frame's index is
    reported, whichever frame it is (regression: list.index on observations holding arrays)."""
    spec = SyntheticSpec("left", 0.6, symmetric=True)
    session = make_session(spec)
    rest = session["rest"]
    frames = {k: [v] for k, v in session.items()}
    frames["rest"] = [np.roll(rest, 3, axis=1), rest, np.roll(rest, -2, axis=0), rest.copy()]
    fa = assess_frames(frames)
    step = fa.steps["rest"]
    assert step.status == "ok" and step.frames_used == 4
    assert 0 <= step.peak_index < 4
    assert fa.side.side == "left"
