"""Tremor: the pure estimator on known series, and `kiosk tremor` on synthetic videos of a real
face (head and jaw tremor with slow sway and sensor noise, written as MP4 and read back)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.face.tremor import measure_tremor

ROOT = Path(__file__).resolve().parent.parent


def _series(fps: float, seconds: float, f_hz: float | None, amp_mm: float, seed: int = 0) -> np.ndarray:
    t = np.arange(int(fps * seconds)) / fps
    rng = np.random.default_rng(seed)
    sway = 2.0 * np.column_stack([np.sin(2 * np.pi * 0.15 * t), 0.5 * np.cos(2 * np.pi * 0.15 * t)])
    x = sway + rng.normal(0, 0.03, (len(t), 2))            # landmark jitter, mm
    if f_hz is not None:
        x[:, 1] += amp_mm * np.sin(2 * np.pi * f_hz * t + 0.3)
    return x


@pytest.mark.parametrize("f_hz,amp_mm", [(3.0, 0.3), (4.5, 0.5), (6.0, 1.0), (8.0, 2.0)])
def test_frequency_and_amplitude_of_a_known_tremor_under_sway(f_hz: float, amp_mm: float) -> None:
    r = measure_tremor(_series(30.0, 8.0, f_hz, amp_mm), 30.0)
    assert r.detected
    assert abs(r.frequency_hz - f_hz) < 0.05
    assert abs(r.amplitude_mm - amp_mm) / amp_mm < 0.1


def test_sway_and_jitter_alone_are_not_a_tremor() -> None:
    for seed in range(5):
        r = measure_tremor(_series(30.0, 8.0, None, 0.0, seed), 30.0)
        assert not r.detected and r.amplitude_mm < 0.1 and "noise floor" in r.reason


def test_too_short_or_mostly_unseen_series_is_not_measured() -> None:
    assert measure_tremor(_series(30.0, 2.0, 5.0, 1.0), 30.0).reason == "shorter than 3 s"
    x = _series(30.0, 8.0, 5.0, 1.0)
    x[::4] = np.nan
    r = measure_tremor(x, 30.0)
    assert r.frequency_hz is None and "not seen" in r.reason
    x = _series(30.0, 8.0, 5.0, 1.0)
    x[::20] = np.nan                                        # 5 % gaps are interpolated
    assert measure_tremor(x, 30.0).detected


@pytest.fixture(scope="module")
def scene():
    from skimage import data

    from kiosk.demo.synthetic_tremor import framed_scene
    from kiosk.vision.pipeline import FacePipeline
    p = FacePipeline(tracking=False, with_iris=True)
    try:
        return framed_scene(data.astronaut(), p)
    finally:
        p.close()


def _run(path: Path) -> dict:
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "tremor", str(path), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_kiosk_tremor_finds_head_and_jaw_tremor_in_a_video(tmp_path: Path, scene) -> None:
    from kiosk.demo.synthetic_tremor import Oscillation, TremorSpec, scene_video, write_video
    spec = TremorSpec(seconds=6.0, head=Oscillation(4.2, 0.8, 20.0), jaw=Oscillation(6.5, 0.5, 90.0), seed=3)
    d = _run(write_video(tmp_path / "tremor.mp4", scene_video(scene, spec), spec.fps))
    assert d["fps"] == pytest.approx(30.0) and d["frames_with_face"] == d["frames"] == 180
    assert d["head"]["detected"] and abs(d["head"]["frequency_hz"] - 4.2) <= 0.4
    assert abs(d["head"]["amplitude_mm"] - 0.8) / 0.8 <= 0.3
    assert d["jaw"]["detected"] and abs(d["jaw"]["frequency_hz"] - 6.5) <= 0.4
    assert abs(d["jaw"]["amplitude_mm"] - 0.5) / 0.5 <= 0.3


def test_kiosk_tremor_sway_only_video_detects_nothing(tmp_path: Path, scene) -> None:
    from kiosk.demo.synthetic_tremor import TremorSpec, scene_video, write_video
    spec = TremorSpec(seconds=6.0, seed=4)
    d = _run(write_video(tmp_path / "still.mp4", scene_video(scene, spec), spec.fps))
    assert not d["head"]["detected"] and not d["jaw"]["detected"]


def test_kiosk_tremor_refuses_an_unreadable_video(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "tremor", str(bad)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "not a readable video" in r.stderr and "Traceback" not in r.stderr


def test_group_displacement_averages_reliable_points_and_falls_back_to_the_mesh() -> None:
    from kiosk.session.tremor import group_displacement
    n, t = 60, np.arange(60) / 30.0
    move = np.column_stack([np.zeros(n), 3.0 * np.sin(2 * np.pi * 5 * t)])            # px
    start = np.array([[100.0, 200.0], [120.0, 205.0], [140.0, 200.0]])
    pts = start[None] + move[:, None, :]
    ok = np.ones((n, 3), bool)
    ok[:, 2] = False                                  # a point too smooth to follow, throughout
    ok[7::7, 0] = False                               # a point that drops out now and then
    pts[:, 2] = start[2] + 0.4 * move                 # its (damped) mesh position
    pts[7::7, 0] += 5.0                               # and the other's flow where it failed
    mesh = start[None] + 0.4 * move[:, None, :]
    d = group_displacement(pts, ok, mesh)
    assert np.allclose(d, move)                        # neither the damped point nor the dropouts leak in
    none = np.zeros((n, 3), bool)
    none[0] = True
    assert np.allclose(group_displacement(pts, none, mesh)[1:], 0.4 * move[1:])   # the mesh when flow has nothing
