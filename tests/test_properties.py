"""Property-based tests (hypothesis, issue 13): whatever the bytes, the WAV reader, the image reader
and the config loader return a value or raise the project's own error (AudioFileError,
ImageFileError, ConfigError), never anything else."""
from __future__ import annotations

import json
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_files import png_bytes, tone, wav_bytes
from kiosk.capture.media import AudioFileError, ImageFileError, read_image, read_wav
from kiosk.config import ConfigError, KioskConfig, load_config

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD_WAV = wav_bytes(tone(0.05, 16000), 16000)
GOOD_PNG = png_bytes(48, 40)


def _jpeg() -> bytes:
    import cv2
    ok, buf = cv2.imencode(".jpg", np.full((40, 48, 3), 120, np.uint8))
    return buf.tobytes()


GOOD_JPG = _jpeg()


@st.composite
def mutated(draw: st.DrawFn, good: bytes) -> bytes:
    """A valid file with some bytes overwritten (header-heavy), cut short, or extended with junk."""
    data = bytearray(good)
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, min(len(data) - 1, 80)) | st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        for _ in range(draw(st.integers(0, 2))):               # plausible but wrong 32-bit sizes
            pos = draw(st.integers(0, max(len(data) - 4, 0)))
            data[pos:pos + 4] = struct.pack("<I", draw(st.sampled_from([0, 1, 2, 0x7FFFFFFF, 0xFFFFFFFF]) |
                                                            st.integers(0, 2**32 - 1)))
    cut = draw(st.integers(0, len(data)))
    data = data[:cut] if draw(st.booleans()) else data
    return bytes(data) + draw(st.binary(max_size=64))


def _write(data: bytes, suffix: str) -> Path:
    f = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    f.write(data)
    f.close()
    return Path(f.name)


@SETTINGS
@given(mutated(GOOD_WAV) | st.binary(max_size=300))
def test_wav_reader_returns_audio_or_its_own_error(data: bytes) -> None:
    path = _write(data, ".wav")
    try:
        x, sr = read_wav(path)
    except AudioFileError as e:
        assert str(path) in str(e)
    else:
        assert x.dtype == np.float32 and x.ndim == 1 and x.size > 0 and isinstance(sr, int) and sr >= 4000
        assert np.all(np.abs(x[np.isfinite(x)]) <= 1.0)
    finally:
        path.unlink()


@SETTINGS
@given(mutated(GOOD_PNG) | mutated(GOOD_JPG) | st.binary(max_size=300), st.sampled_from([".png", ".jpg"]))
def test_image_reader_returns_rgb_or_its_own_error(data: bytes, suffix: str) -> None:
    path = _write(data, suffix)
    try:
        rgb = read_image(path)
    except ImageFileError as e:
        assert str(path) in str(e)
    else:
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and min(rgb.shape[:2]) >= 32
    finally:
        path.unlink()


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=True)


SECTIONS = {name: list(field.annotation.model_fields) for name, field in KioskConfig.model_fields.items()}
SCALARS = (st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=40) | st.sampled_from(["clinic/#", "+", "$SYS", "", "/", "scrypt$$", "state"]))
VALUES = SCALARS | st.lists(SCALARS, max_size=3)


@st.composite
def config_text(draw: st.DrawFn) -> str:
    """TOML with the real sections and keys (plus a few unknown ones) and any values."""
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS) + ["nope"]), max_size=4, unique=True)):
        lines.append(f"[{section}]")
        keys = SECTIONS.get(section, ["x"]) + ["unknown_key"]
        for key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)):
            lines.append(f"{key} = {_toml_value(draw(VALUES))}")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(config_text() | st.text(max_size=200))
def test_config_loader_returns_a_config_or_its_own_error(text: str) -> None:
    path = _write(text.encode("utf-8", "surrogatepass"), ".toml")
    try:
        cfg = load_config(path)
    except ConfigError as e:
        assert str(path) in str(e)
    else:
        assert isinstance(cfg, KioskConfig)
        assert cfg.vision.min_brightness < cfg.vision.max_brightness
        assert all(math.isfinite(v) for v in (cfg.ui.idle_timeout_s, cfg.sync.ack_timeout_s,
                                               cfg.vision.min_sharpness))
    finally:
        path.unlink()
