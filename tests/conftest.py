"""Shared fixtures. Test data is generated here or taken from packages (scikit-image's astronaut)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    missing = [n for n in ("face_detection_short_range.tflite", "face_landmark.tflite", "iris_landmark.tflite")
               if not (MODEL_DIR / n).is_file()]
    if missing:
        pytest.fail(f"models missing ({', '.join(missing)}): run scripts/setup")
    return MODEL_DIR


@pytest.fixture(scope="session")
def mosquitto() -> None:
    """The demo's local sync needs the mosquitto binary (scripts/setup installs it)."""
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.fail("mosquitto is not installed: run scripts/setup")
