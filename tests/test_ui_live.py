"""Live symmetry readings replayed on a synthetic severe left palsy against the stored assessment, and
`kiosk run` arguments."""
from __future__ import annotations

import argparse

import pytest

from kiosk.commands.run import parse_size

LIVE_STEP = {"Brow": "brow_raise", "Eyelids": "eye_close_gentle", "Mouth corner": "smile",
             "Nose, upper lip": "snarl"}
STORED_REGION = {"Brow": "brow", "Eyelids": "eye_gentle", "Mouth corner": "smile", "Nose, upper lip": "snarl"}


@pytest.fixture(scope="module")
def replay(model_dir):
    """A severe left palsy replayed: the live view's readings and the stored assessment."""
    from kiosk.demo.synthetic_face import SyntheticSpec, make_session
    from kiosk.session.face import assess_face
    from kiosk.session.live import LiveSymmetry
    from kiosk.vision.eyelids import EyelidModel
    from kiosk.vision.pipeline import FacePipeline
    pipe = FacePipeline(tracking=True)
    lids = EyelidModel(pipe.config.model_dir)
    frames = make_session(SyntheticSpec(affected_side="left", severity=0.8))
    stored = assess_face({k: [v] for k, v in frames.items()}, pipe, lids)
    live = LiveSymmetry(pipe.config, lids)
    camera = FacePipeline(tracking=True)
    readings = {}
    for step in ["rest", *LIVE_STEP.values()]:
        a = camera.process(frames[step])
        readings[step] = live.update(frames[step], a.face)
    return readings, stored


def test_live_view_agrees_with_the_stored_assessment(replay):
    readings, stored = replay
    assert readings["rest"] is None  # the first frame becomes the rest
    for label, step in LIVE_STEP.items():
        right, left, ratio = readings[step].regions[label]
        reg = stored.regions[STORED_REGION[label]]
        assert right == pytest.approx(reg.right_mm, abs=1.0), label
        assert left == pytest.approx(reg.left_mm, abs=1.0), label
    # the palsied left side moves less, live as stored
    brow = readings["brow_raise"]
    assert brow.weaker("Brow") == "left" and stored.regions["brow"].weaker_side == "left"
    assert readings["smile"].weaker("Mouth corner") == "left"
    assert readings["smile"].flow_points > 0


def test_bars_follow_the_mirrored_picture():
    from kiosk.session.live import LiveReading
    from kiosk.ui.screens.live import bar_rows
    r = LiveReading({"Brow": (8.0, 2.0, 0.25), "Eyelids": (9.0, 9.0, 1.0), "Mouth corner": (7.0, 1.0, 0.14),
                     "Nose, upper lip": (5.0, 5.0, 1.0)}, 10, 12)
    assert bar_rows(r)[0] == ("Brow", 8.0, 2.0) and r.weaker("Brow") == "left" and r.weaker("Eyelids") is None
    assert all(v[1] is None for v in bar_rows(None))


def test_kiosk_run_arguments(tmp_path):
    assert parse_size("1280x720") == (1280, 720)
    for bad in ("big", "320x200", "800"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_size(bad)
    from kiosk.cli import main
    assert main(["run", "--replay", str(tmp_path / "missing"), "--windowed"]) == 2


def test_main_loop_tells_systemd_ready_and_pets_the_watchdog(tmp_path, monkeypatch):
    import socket

    import pygame

    from kiosk.config import KioskConfig
    from kiosk.ui.app import App
    from kiosk.session.services import Services
    sock_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        sock.settimeout(2.0)
        monkeypatch.setenv("NOTIFY_SOCKET", str(sock_path))
        cfg = KioskConfig()
        app = App(cfg, Services(cfg, state_dir=tmp_path / "state"), (800, 480))
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        assert app.run() == 0
        got = [sock.recv(256).decode() for _ in range(2)]
    assert got == ["READY=1", "WATCHDOG=1"]
    assert app.frames_drawn == 1
