"""Issue 13 items 10-11: hostile WAVs and images give one-line errors, never tracebacks; a cut-short
WAV is reported, not analysed; in `kiosk assess` a bad file marks only its step unusable."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hostile_files import hostile_wavs, png_bytes, tone, wav_bytes, write
from kiosk.capture.media import AudioFileError, ImageFileError, read_image, read_wav

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(hostile_wavs()))
def test_hostile_wav_is_refused_with_its_reason(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"{name}.wav", hostile_wavs()[name])
    with pytest.raises(AudioFileError) as e:
        read_wav(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_cut_short_wav_reports_both_lengths(tmp_path: Path) -> None:
    path = write(tmp_path, "half.wav", hostile_wavs()["cut_in_half"])
    with pytest.raises(AudioFileError, match=r"cut short: its header announces 1\.00 s .* holds 0\.50 s"):
        read_wav(path)


def test_good_wav_and_folder_and_fifo(tmp_path: Path) -> None:
    x, sr = read_wav(write(tmp_path, "ok.wav", wav_bytes(tone(0.5), 16000)))
    assert sr == 16000 and x.size == 8000 and abs(float(np.max(x)) - 0.3) < 1e-3
    with pytest.raises(AudioFileError, match="not a regular file"):
        read_wav(tmp_path)
    os.mkfifo(tmp_path / "fifo.wav")
    with pytest.raises(AudioFileError, match="not a regular file"):     # would block in open() otherwise
        read_wav(tmp_path / "fifo.wav")


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.mark.parametrize("name", ["30_bytes", "zero_channels", "no_data_chunk", "malformed_data_chunk",
                                  "cut_in_half"])
def test_kiosk_speech_one_line_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"{name}.wav", hostile_wavs()[name])
    r = _cli("speech", str(path), "--task", "vowel", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("kiosk speech: ") and str(path) in r.stderr


@pytest.mark.parametrize("size", [(1, 1), (20000, 2)])
def test_kiosk_face_tiny_or_thin_image(tmp_path: Path, size: tuple[int, int], model_dir: Path) -> None:
    import cv2
    path = tmp_path / f"{size[0]}x{size[1]}.png"
    cv2.imwrite(str(path), np.zeros((size[1], size[0], 3), np.uint8))
    r = _cli("face", str(path), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{size[0]}x{size[1]} px is too small" in r.stderr


def test_decompression_bomb_refused_from_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.png", png_bytes(30000, 30000))
    assert path.stat().st_size < 2_000_000                       # under 2 MB on disk, 900 MB decoded
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImageFileError, match="MP"):
        read_image(path)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000                                     # nothing near 900 MB was decoded
    path = write(tmp_path, "big.png", png_bytes(9000, 6000))      # 54 MP: below Pillow's own limit
    with pytest.raises(ImageFileError, match=r"9000x6000 px \(54 MP\) is larger"):
        read_image(path)


def test_image_reader_accepts_a_normal_image_and_refuses_garbage(tmp_path: Path) -> None:
    rgb = read_image(write(tmp_path, "ok.png", png_bytes(64, 48)))
    assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
    for name, data in (("text.png", b"not an image"), ("empty.jpg", b""), ("trunc.png", png_bytes(64, 48)[:60])):
        with pytest.raises(ImageFileError):
            read_image(write(tmp_path, name, data))


def test_assess_marks_only_the_bad_steps(tmp_path: Path, model_dir: Path) -> None:
    d = tmp_path / "session"
    write(d, "vowel.wav", hostile_wavs()["zero_channels"])
    write(d, "sentence.wav", hostile_wavs()["cut_in_half"])
    write(d, "ddk_pa.wav", hostile_wavs()["malformed_data_chunk"])
    write(d, "rest.png", png_bytes(30000, 30000))
    write(d, "smile.png", png_bytes(1, 1))
    r = _cli("assess", str(d), "--json", cwd=tmp_path)
    assert "Traceback" not in r.stderr and r.returncode == 4, r.stderr
    missing = json.loads(r.stdout)["missing_steps"]
    assert "Channel count is zero" in missing["vowel"]
    assert "cut short" in missing["sentence"]
    assert "cut short" in missing["ddk_pa"]
    assert "MP" in missing["rest"] and "too small" in missing["smile"]
    assert missing["ddk_ta"] == "no file"
