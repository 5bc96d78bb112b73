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


class _FakePortAudio:
    """Stands in for the PortAudio device layer (no sound card in CI): two inputs, a 1 kHz tone."""

    paInt16 = 8
    devices = [{"index": 0, "name": "HDA Intel PCH: ALC3246 Analog", "maxInputChannels": 2},
               {"index": 1, "name": "HDMI 0", "maxInputChannels": 0},
               {"index": 2, "name": "USB PnP Sound Device: Audio", "maxInputChannels": 1}]
    opened: list[dict] = []
    reads: list[dict] = []

    def PyAudio(self):  # noqa: N802 - the pyaudio API name
        return self

    def get_device_count(self):
        return len(self.devices)

    def get_device_info_by_index(self, i):
        return self.devices[i]

    def get_default_input_device_info(self):
        return self.devices[0]

    def is_format_supported(self, rate, **kw):
        if rate not in (16000, 48000):
            raise ValueError("Invalid sample rate")
        return True

    def open(self, **kw):
        self.opened.append(kw)
        self._t = 0
        return self

    def read(self, n, exception_on_overflow=True):
        self.reads.append({"n": n, "exception_on_overflow": exception_on_overflow})
        rate = self.opened[-1]["rate"]
        t = (self._t + np.arange(n)) / rate
        self._t += n
        return (0.25 * np.sin(2 * np.pi * 1000 * t) * 32767).astype("<i2").tobytes()

    def stop_stream(self):
        pass

    def close(self):
        pass

    def terminate(self):
        pass


def test_pyaudio_source_picks_device_by_name_and_tolerates_overflow(monkeypatch):
    import sys

    fake = _FakePortAudio()
    monkeypatch.setitem(sys.modules, "pyaudio", fake)
    levels: list[float] = []
    with open_microphone(AudioConfig(source="pyaudio", device_name="usb pnp", sample_rate_hz=16000)) as mic:
        assert (mic.device_index, mic.device_name) == (2, "USB PnP Sound Device: Audio")
        rec = mic.record(1.0, levels.append)
    assert rec.sample_rate_hz == 16000 and rec.samples.size == 16000
    assert fake.opened[-1]["input_device_index"] == 2 and fake.opened[-1]["channels"] == 1
    assert all(r["exception_on_overflow"] is False for r in fake.reads)
    assert len(levels) == 20 and np.allclose(levels, 20 * np.log10(0.25 / np.sqrt(2)), atol=0.05)
    with pytest.raises(MicrophoneUnavailable, match="HDMI") as err:  # not an input: not offered
        open_microphone(AudioConfig(source="pyaudio", device_name="HDMI"))
    assert "USB PnP" in str(err.value)
    with pytest.raises(MicrophoneUnavailable, match="44100 Hz"):
        open_microphone(AudioConfig(source="pyaudio", device_name="usb", sample_rate_hz=44100))


def test_pyaudio_unplugged_mid_recording_is_reported(monkeypatch):
    import sys

    class Unplugged(_FakePortAudio):
        def read(self, n, exception_on_overflow=True):
            if len(self.reads) >= 3:
                raise OSError(-9981, "Input overflowed / device unavailable")
            return super().read(n, exception_on_overflow)

        def stop_stream(self):
            raise OSError("Stream is stopped")

    fake = Unplugged()
    fake.reads = []
    monkeypatch.setitem(sys.modules, "pyaudio", fake)
    mic = open_microphone(AudioConfig(source="pyaudio", device_name="USB", sample_rate_hz=48000))
    with pytest.raises(MicrophoneUnavailable, match="stopped delivering audio"):
        mic.record(1.0)
    mic.close()
