"""Microphone sources: WAV replay, PyAudio device selection errors, WAV I/O, level meter."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.io import wavfile

from kiosk.capture.audio import (MICROPHONE_SOURCES, AudioFileError, MicrophoneUnavailable, WavReplayMicrophone,
                                 level_dbfs, open_microphone, pcm16_to_float, read_wav, write_wav)
from kiosk.config import AudioConfig


def _tone(freq_hz: float, seconds: float, sr: int, amp: float) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq_hz * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def test_registry_names_both_sources():
    assert MICROPHONE_SOURCES["replay"] is WavReplayMicrophone
    assert MICROPHONE_SOURCES["pyaudio"].source_key == "pyaudio"


def test_replay_file_is_a_continuous_stream_with_level_meter(tmp_path):
    x = np.concatenate([_tone(440, 1.0, 48000, 0.5), _tone(440, 1.0, 48000, 0.05)])
    write_wav(tmp_path / "a.wav", x, 48000)
    levels: list[float] = []
    with open_microphone(AudioConfig(source="replay", replay_path=tmp_path / "a.wav")) as mic:
        first = mic.record(1.0, levels.append)
        second = mic.record(1.5)
    assert first.sample_rate_hz == 48000 and first.samples.dtype == np.float32
    assert first.duration_s == pytest.approx(1.0) and second.duration_s == pytest.approx(1.5)
    assert np.allclose(first.samples, x[:48000], atol=1e-4)
    assert np.allclose(second.samples[:48000], x[48000:], atol=1e-4)
    assert np.all(second.samples[48000:] == 0.0)  # silence after the end of the file
    assert len(levels) == 20  # one per 50 ms
    assert np.median(levels) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.1)  # -9.03 dBFS


def test_replay_folder_gives_one_file_per_recording(tmp_path):
    write_wav(tmp_path / "1_vowel.wav", _tone(200, 2.0, 16000, 0.3), 16000)
    write_wav(tmp_path / "2_sentence.wav", _tone(300, 1.0, 16000, 0.3), 16000)
    mic = open_microphone(AudioConfig(source="replay", replay_path=tmp_path))
    assert mic.record(5.0).duration_s == pytest.approx(2.0)
    assert mic.record(0.5).duration_s == pytest.approx(0.5)
    with pytest.raises(MicrophoneUnavailable, match="exhausted"):
        mic.record(1.0)


def test_replay_errors_are_clear(tmp_path):
    with pytest.raises(MicrophoneUnavailable, match="replay_path is not set"):
        open_microphone(AudioConfig(source="replay"))
    with pytest.raises(MicrophoneUnavailable, match="no .wav files"):
        open_microphone(AudioConfig(source="replay", replay_path=tmp_path))
    (tmp_path / "x.wav").write_bytes(b"not a wav at all")
    with pytest.raises(MicrophoneUnavailable, match="not a readable WAV"):
        open_microphone(AudioConfig(source="replay", replay_path=tmp_path / "x.wav"))


def test_pyaudio_unknown_device_name_is_reported():
    with pytest.raises(MicrophoneUnavailable, match="no-such-microphone-xyz"):
        open_microphone(AudioConfig(source="pyaudio", device_name="no-such-microphone-xyz"))


def test_read_wav_formats(tmp_path):
    x = _tone(100, 0.1, 16000, 0.5)
    wavfile.write(tmp_path / "i32.wav", 16000, (x * 2**31).astype(np.int32))
    wavfile.write(tmp_path / "f32.wav", 44100, x)
    stereo = np.stack([x, x], axis=1)
    wavfile.write(tmp_path / "st.wav", 16000, (stereo * 32767).astype(np.int16))
    for name, rate in (("i32.wav", 16000), ("f32.wav", 44100), ("st.wav", 16000)):
        y, sr = read_wav(tmp_path / name)
        assert sr == rate and y.ndim == 1 and np.allclose(y, x, atol=1e-4)
    wavfile.write(tmp_path / "empty.wav", 16000, np.zeros(0, np.int16))
    with pytest.raises(AudioFileError, match="no audio"):
        read_wav(tmp_path / "empty.wav")
    with pytest.raises(AudioFileError, match="not found"):
        read_wav(tmp_path / "missing.wav")


def test_write_wav_is_atomic_and_keeps_old_file_on_failure(tmp_path):
    path = write_wav(tmp_path / "keep.wav", _tone(100, 0.2, 16000, 0.2), 16000)
    before = path.read_bytes()
    with pytest.raises(Exception):
        write_wav(path, np.zeros(10), -5)  # invalid rate: the write fails
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]


def test_pcm_and_level_helpers():
    pcm = np.array([0, 16384, -16384, 32767], "<i2").tobytes()
    assert pcm16_to_float(pcm).tolist() == pytest.approx([0.0, 0.5, -0.5, 32767 / 32768])
    assert pcm16_to_float(pcm, channels=2).tolist() == pytest.approx([0.25, (32767 / 32768 - 0.5) / 2])
    assert level_dbfs(np.zeros(100)) == -120.0
    assert level_dbfs(np.full(100, 0.1)) == pytest.approx(-20.0)
