"""Hypomimia and blink measures (docs/parkinson.md#hypomimia): real faces through the real pipeline,
with synthetic healthy and reduced (40 %) expressions, spontaneous-expression videos and blinks."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.analytics.parkinson import Measure
from kiosk.demo.synthetic_face import FACE_STEPS, Pose, SyntheticSpec, apply_pose, expression_image
from kiosk.face import hypomimia as H
from kiosk.face.hypomimia_reference import EXPRESSION, EXPRESSIVITY, JITTER_FLOOR_MM_S
from kiosk.face.symmetry import REGION_ORDER

FACES = ("astronaut", "hopper", "feat_f15")
# A condition the calibration did not use (it used frontal, scale, roll and yaw poses): darker, shifted.
HELD_OUT = Pose(shift_px=(12.0, -8.0), brightness=0.85)
FPS = 30.0


@pytest.fixture(scope="module")
def runtime(model_dir):
    from kiosk.config import VisionConfig
    from kiosk.vision.eyelids import EyelidModel
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline(VisionConfig(model_dir=model_dir), tracking=True)
    yield pipe, EyelidModel(model_dir)
    pipe.close()


@pytest.fixture(scope="module")
def measures(runtime):
    """(face, amplitude) -> the expression measures of that synthetic session (cached)."""
    from kiosk.session.face import assess_face

    cache: dict = {}

    def run(face: str, amplitude: float) -> list[Measure]:
        if (face, amplitude) not in cache:
            spec = SyntheticSpec(symmetric=False, face=face, pose=HELD_OUT)
            frames = {s: [apply_pose(expression_image(s, spec, amplitude), HELD_OUT)] for s in FACE_STEPS}
            cache[face, amplitude] = H.expression_measures(assess_face(frames, *runtime))
        return cache[face, amplitude]
    return run


def test_the_twelve_expression_keys_units_and_steps() -> None:
    ms = H.expression_measures(None)
    assert [m.key for m in ms] == [f"expression.{r}.{s}" for r in REGION_ORDER for s in ("right", "left")]
    assert {m.unit for m in ms if ".eye_" in m.key} == {"%"} and {m.unit for m in ms if ".eye_" not in m.key} == {"mm"}
    assert all(m.status == "not_measured" and m.reason == "the face steps were not assessed" for m in ms)
    assert ms[0].step == "brow_raise" and ms[2].step == "eye_close_gentle"
    assert all(r.provisional and r.worse_when == "low" and r.low < r.typical < r.high for r in EXPRESSION.values())
    assert H.screen(ms).flag is None


@pytest.mark.parametrize("face", FACES)
def test_healthy_expressions_on_real_faces_fall_inside_the_reference(measures, face) -> None:
    ms = measures(face, 1.0)
    assert all(m.value is not None for m in ms), [(m.key, m.reason) for m in ms if m.value is None]
    outside = [(m.key, round(m.value, 2), m.reference.low) for m in ms if m.status == "outside"]
    assert not outside
    s = H.screen(ms)
    assert s.flag is False and s.regions_measured == 6 and s.reduced_regions == ()


@pytest.mark.parametrize("face", FACES)
def test_forty_percent_expressions_fall_outside_for_most_regions(measures, face) -> None:
    ms = measures(face, 0.4)
    healthy = {m.key: m.value for m in measures(face, 1.0)}
    assert all(m.value < 0.75 * healthy[m.key] for m in ms)          # every side moved less
    s = H.screen(ms)
    assert len(s.reduced_regions) >= 4, [(m.key, round(m.value, 2), m.reference.low) for m in ms]
    assert s.flag is True and "not a diagnosis" in s.note


def _still_with_head_motion(frames: list[np.ndarray], seconds_per_cycle: float = 2.0) -> list[np.ndarray]:
    """The frames moved as a whole (head sway: 6 px and 2 deg at 0.5 Hz, scale +-2 %)."""
    import cv2

    out = []
    for i, f in enumerate(frames):
        ph = np.sin(2 * np.pi * i / (FPS * seconds_per_cycle))
        m = cv2.getRotationMatrix2D((256.0, 220.0), 2.0 * ph, 1.0 + 0.02 * ph)
        m[:, 2] += (6.0 * ph, 3.0 * ph)
        out.append(cv2.warpAffine(f, m, (f.shape[1], f.shape[0]), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REFLECT))
    return out


@pytest.fixture(scope="module")
def videos(model_dir):
    """amplitude -> the expressivity of a 6 s synthetic spontaneous-expression video of Grace Hopper."""
    from kiosk.demo.synthetic_expressivity import expressive_video
    from kiosk.session.expressivity import expressivity_from_series
    from kiosk.session.tremor import video_series

    out = {}
    for a in (1.0, 0.4, 0.0):
        frames = expressive_video("hopper", 6.0, FPS, a, seed=3)
        if a == 0.0:
            out["moving_head"] = expressivity_from_series(video_series(_still_with_head_motion(frames)), FPS)
        s = video_series(frames)
        out[a] = (H.expressivity(s.landmarks_px, s.mm_per_px, FPS, s.opening_px), expressivity_from_series(s, FPS))
    return out


def test_spontaneous_expressivity_full_reduced_and_still(videos) -> None:
    (full, m_full), (weak, m_weak), (still, m_still) = videos[1.0], videos[0.4], videos[0.0]
    assert m_full.key == "expression.spontaneous_mm_s" and m_full.unit == "mm/s" and m_full.step == "spontaneous"
    assert m_full.value == pytest.approx(full.rms_speed_mm_s)
    assert m_full.status == "typical" and m_weak.status == "outside" and m_still.status == "outside"
    # 40 % of the movement: about 40 % of the speed above the jitter floor (added in quadrature)
    assert full.rms_speed_mm_s > 1.8 * weak.rms_speed_mm_s > 2.5 * still.rms_speed_mm_s
    assert still.rms_speed_mm_s < JITTER_FLOOR_MM_S + 0.3 and still.rms_speed_mm_s < 0.3 * full.rms_speed_mm_s
    assert full.seconds_used == pytest.approx(6.0) and full.blink_frames == 0
    assert full.regions_mm_s["brow"] > 2 * still.regions_mm_s["brow"]


def test_head_motion_is_removed_before_the_expressivity(videos) -> None:
    # the still face swaying 6 px, 2 deg and 2 % in size reads near the still floor, far below expression
    moving, still = videos["moving_head"].value, videos[0.0][0].rms_speed_mm_s
    assert moving < 1.6 * still + 0.3 and moving < videos[0.4][0].rms_speed_mm_s


def test_sinusoidal_brow_motion_reads_its_rms_speed_under_a_moving_head() -> None:
    """Exact arithmetic: brow points oscillating A mm at f Hz have RMS speed 2 pi f A / sqrt 2 (the
    0.2 s Savitzky-Golay derivative passes 98.7 % of it at 0.5 Hz), whatever the head does."""
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 400, size=(468, 2))
    n, fps, f, a_mm, scale = 300, 30.0, 0.5, 3.0, 0.5
    t = np.arange(n) / fps
    lm = np.repeat(base[None], n, axis=0)
    brow = list(H.EXPRESSIVE_REGIONS["brow"])
    lm[:, brow, 1] += (a_mm / scale) * np.sin(2 * np.pi * f * t)[:, None]
    ang = np.deg2rad(5 * np.sin(2 * np.pi * 0.2 * t))            # head: rotation, zoom and drift
    rot = np.stack([np.stack([np.cos(ang), -np.sin(ang)], -1), np.stack([np.sin(ang), np.cos(ang)], -1)], -2)
    zoom = 1 + 0.05 * np.sin(2 * np.pi * 0.3 * t)
    moved = zoom[:, None, None] * np.einsum("nij,nkj->nki", rot, lm) + 20 * np.sin(2 * np.pi * 0.1 * t)[:, None, None]
    expect = 2 * np.pi * f * a_mm / np.sqrt(2)
    for x in (H.expressivity(lm, scale, fps), H.expressivity(moved, scale, fps)):
        assert x.regions_mm_s["brow"] == pytest.approx(0.987 * expect, rel=0.02)
        assert x.regions_mm_s["cheek"] < 0.05 * expect and x.regions_mm_s["mouth"] < 0.05 * expect
        n_brow, n_all = len(brow), sum(len(H.EXPRESSIVE_REGIONS[k]) for k in H.SCORED)
        assert x.rms_speed_mm_s == pytest.approx(x.regions_mm_s["brow"] * np.sqrt(n_brow / n_all), rel=1e-6)
    s, _, _ = H.similarity_align(moved[7, list(H.RIGID_POINTS)], lm[7, list(H.RIGID_POINTS)])
    assert s == pytest.approx(1 / zoom[7], rel=1e-9)


def test_unmeasurable_videos_say_why() -> None:
    lm = np.full((300, 468, 2), np.nan)
    assert H.expressivity(lm, 0.5, 30.0).reason.startswith("one face seen in 0 of 300 frames")
    m = H.expressivity_measure(np.zeros((300, 468, 2)), None, 30.0)
    assert m.status == "not_measured" and "iris scale" in m.reason and m.reference is EXPRESSIVITY
    with pytest.raises(ValueError, match="landmarks"):
        H.expressivity(np.zeros((10, 5, 2)), 0.5, 30.0)


def test_blink_measures_on_a_synthetic_rest_video(model_dir) -> None:
    from kiosk.demo.synthetic_blink import blink_video
    from kiosk.face.blink import detect_blinks
    from kiosk.session.tremor import video_series

    s = video_series(blink_video(12.0, FPS, [0.8, 3.1, 5.9, 8.4], duration_s=0.3, seed=5))
    rate, dur = H.blink_measures(detect_blinks(s.opening_px * s.mm_per_px, FPS))
    assert (rate.key, rate.unit, rate.step, dur.key, dur.unit) == (
        "blink.rate_per_min", "/min", "sit_still", "blink.duration_ms", "ms")
    assert rate.value == 20.0 and rate.status == "typical"           # 4 blinks in 12 s
    assert rate.reference.typical == 17.0 and not rate.reference.provisional
    # true width at half closure 150 ms; the lid model never fully closes, so it reads shorter
    assert 50 < dur.value < 150 and dur.status == "typical" and dur.reference.provisional


def test_blink_measures_without_a_video_or_without_blinks() -> None:
    from kiosk.face.blink import detect_blinks

    rate, dur = H.blink_measures(None)
    assert rate.status == dur.status == "not_measured" and rate.reason == "rest video not measured"
    rate, dur = H.blink_measures(detect_blinks(np.full(300, 9.0), 30.0))
    assert rate.value == 0.0 and rate.status == "outside" and dur.value is None and dur.reason == "no blink in 10 s"
    # blinks never enter the hypomimia screen
    assert H.screen([rate, dur]).flag is None


def test_regions_of_missing_steps_are_not_measured_with_the_steps_reason(runtime) -> None:
    from kiosk.session.face import assess_face

    spec = SyntheticSpec(symmetric=False, face="hopper")
    fa = assess_face({s: [expression_image(s, spec)] for s in ("rest", "brow_raise")}, *runtime)
    ms = {m.key: m for m in H.expression_measures(fa)}
    assert ms["expression.brow.right"].status == ms["expression.brow.left"].status == "typical"
    assert ms["expression.smile.left"].status == "not_measured"
    assert ms["expression.smile.left"].reason == "step smile: missing (no recording for this step)"
    s = H.screen(list(ms.values()))
    assert s.regions_measured == 1 and s.flag is False
