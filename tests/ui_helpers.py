"""Shared helpers for the UI tests: a synthetic session folder and an app on replay sources."""
from __future__ import annotations

import shutil
from pathlib import Path

import pygame

from kiosk.config import KioskConfig
from kiosk.ui import theme
from kiosk.ui.app import App
from kiosk.ui.driver import Driver, layout_problems
from kiosk.session.services import Services


def make_session_dir(folder: Path, *, speech: bool = True, severity: float = 0.5) -> Path:
    """Synthetic right-sided palsy: one PNG per face step, espeak-ng/flite WAVs per speech step."""
    from kiosk.demo.synthetic_face import SyntheticSpec, write_session
    from kiosk.demo.synthetic_speech import generate_patient_speech
    write_session(folder, SyntheticSpec(affected_side="right", severity=severity))
    if speech:
        for step, path in generate_patient_speech(folder.parent / "speech_cache", 0.3).items():
            shutil.copy(path, folder / f"{step}.wav")
    return folder


def make_app(replay: Path, state: Path, size: tuple[int, int] = (800, 480),
             config: KioskConfig | None = None) -> tuple[App, Driver]:
    cfg = config or KioskConfig()
    app = App(cfg, Services(cfg, replay_dir=replay, state_dir=state), size)
    drv = Driver(app)
    drv.frame(2)
    return app, drv


def check_drawn(app: App) -> None:
    """Every touch target >= 48 px and visibly drawn; no text cut off, off screen or under a button."""
    for t in app._targets:
        assert t.rect.w >= 48 and t.rect.h >= 48, f"touch target {t.key} is {t.rect.size} px"
        inner = t.rect.inflate(-4, -4)
        px = pygame.surfarray.pixels3d(app.surface)[inner.x:inner.right, inner.y:inner.bottom]
        assert (px != theme.BG).any(axis=-1).mean() > 0.5, f"target {t.key} is not drawn"
        del px
    problems = layout_problems(app)
    assert not problems, f"{app.current.name}: {problems}"
