"""Spoken prompts: made offline with espeak-ng/sox for every protocol step, played through pygame's
mixer (SDL dummy audio driver) at the start of each countdown, with a soft tone before and after
each capture; the volume setting reaches the speaker."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.config import KioskConfig
from kiosk.protocol.steps import PROTOCOLS, STEPS
from kiosk.ui.sound import TONE_LEAD_S, make_prompts, prompt_file, protocol_steps, wav_seconds
from ui_helpers import make_app, make_session_dir


@pytest.fixture(scope="module")
def prompts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prompts")
    make_prompts(folder)
    return folder


def _rms_dbfs(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float) / 32768
    return 20 * np.log10(np.sqrt(np.mean(x ** 2)) + 1e-12)


def test_every_step_has_a_spoken_prompt_that_ends_before_the_start_tone(prompts: Path) -> None:
    specs = protocol_steps()
    assert {s.name for s in specs} == {n for steps in PROTOCOLS.values() for n in steps} > {s.name for s in STEPS}
    for spec in specs:
        wav = prompt_file(prompts, spec.name)
        assert wav.is_file(), f"no prompt for {spec.name}"
        assert spec.spoken and wav.with_suffix(".txt").read_text() == spec.spoken
        seconds = wav_seconds(wav)
        assert 0.8 < seconds <= spec.countdown_s - TONE_LEAD_S - 0.1, (spec.name, seconds)
        assert _rms_dbfs(wav) > -30, f"{spec.name} is nearly silent"
    for tone in ("tone_start", "tone_end"):
        assert -32 < _rms_dbfs(prompt_file(prompts, tone)) < -20          # soft: -20 dBFS peak sine
    before = {p: p.stat().st_mtime_ns for p in prompts.glob("*.wav") if not p.stem.startswith("tone")}
    make_prompts(prompts)                                                 # texts unchanged: kept
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())


class SpyMixer:
    """pygame.mixer with a record of every WAV it was asked to play (real Sound objects underneath)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def Sound(self, path: str):  # noqa: N802 (pygame API)
        spy, real = self, pygame.mixer.Sound(path)

        class _Sound:
            def set_volume(self, v: float) -> None:
                real.set_volume(v)

            def play(self):  # noqa: ANN202
                spy.asked.append(path)
                return real.play()
        return _Sound()

    def stop(self) -> None:
        pygame.mixer.stop()

    def get_busy(self) -> bool:
        return pygame.mixer.get_busy()


@pytest.mark.slow
def test_session_plays_each_prompt_with_tones_around_each_capture(prompts: Path, tmp_path: Path) -> None:
    replay = make_session_dir(tmp_path / "replay")
    cfg = KioskConfig()
    cfg = cfg.model_copy(update={"ui": cfg.ui.model_copy(update={"prompt_dir": prompts, "volume": 60})})
    app, drv = make_app(replay, tmp_path / "state", config=cfg)
    try:
        assert app.speaker._ready() and pygame.mixer.get_init()           # a real mixer (dummy driver)
        spy = app.speaker._mixer = SpyMixer()
        app.patient = app.services.add_patient("P0101", None, None)
        app.go("session")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        drv.tap("session_start")
        r = app.screens["session"].runner
        drv.run_until(lambda: r.state.phase == "done", dt_s=0.1, max_frames=6000)
        names = [Path(p).stem for p in spy.asked]
        assert all(Path(p).is_file() for p in spy.asked)
        prompts_played = [n for n in names if not n.startswith("tone")]
        assert prompts_played == [s.name for s in STEPS]                   # every step, in protocol order
        for step in STEPS:                                                 # prompt, start tone, end tone
            i = names.index(step.name)
            assert names[i + 1:i + 3] == ["tone_start", "tone_end"], names[i:i + 3]
        drv.frame()
    finally:
        app.close()


def test_volume_zero_is_silent_and_the_settings_knob_reaches_the_speaker(prompts: Path, tmp_path: Path) -> None:
    replay = make_session_dir(tmp_path / "replay", speech=False)
    cfg = KioskConfig()
    cfg = cfg.model_copy(update={"ui": cfg.ui.model_copy(update={"prompt_dir": prompts, "volume": 0})})
    app, drv = make_app(replay, tmp_path / "state", config=cfg)
    try:
        assert app.speaker.play("rest") is False and app.speaker.played == []
        app.go("settings")
        drv.frame()
        drv.tap("volume:+")
        assert app.config.ui.volume == 10 and app.speaker.volume == 10
        assert app.speaker.played == ["tone_start"]                        # heard at the new level
        app.speaker.prompt_dir = tmp_path / "empty"
        assert app.speaker.play("smile") is False and "make_prompts" in app.speaker.problem
    finally:
        app.close()
