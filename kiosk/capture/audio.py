"""Microphone capture (PyAudio) and WAV replay behind one interface.

``open_microphone(config) -> Microphone``; ``Microphone.record(seconds, level_callback)``
returns a :class:`Recording` (float32 mono -1..1 and its sample rate in Hz). Sources are
registered by name (``MICROPHONE_SOURCES``), as camera sources are: "pyaudio" for a
USB microphone chosen by a name substring, "replay" for WAV files (demo, tests, and
re-analysing a recorded session). No device, an unknown name or an unsupported rate
raises :class:`MicrophoneUnavailable` with a message for the nurse.
"""
from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from kiosk.capture.media import AudioFileError, read_wav  # noqa: F401 (the one WAV reader)
from kiosk.capture.quiet import quiet_native_stderr
from kiosk.capture.sources import source_class
from kiosk.config import AudioConfig

LevelCallback = Callable[[float], None]
BLOCK_S = 0.05  # level meter update period


class MicrophoneUnavailable(Exception):
    """No usable input: the message says what is wrong and what to check."""


@dataclass(frozen=True)
class Recording:
    """Mono float32 samples in -1..1 at ``sample_rate_hz``."""

    samples: np.ndarray
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.sample_rate_hz


def level_dbfs(block: np.ndarray) -> float:
    """RMS level of a float block in dBFS (0 = full-scale square wave; silence -> -120)."""
    if block.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
    return max(20.0 * np.log10(rms + 1e-12), -120.0)


def pcm16_to_float(data: bytes, channels: int = 1) -> np.ndarray:
    """Little-endian 16-bit PCM bytes -> float32 mono -1..1 (channels averaged)."""
    x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        x = x[: x.size - x.size % channels].reshape(-1, channels).mean(axis=1)
    return x


def write_wav(path: Path | str, samples: np.ndarray, sample_rate_hz: int) -> Path:
    """Write float -1..1 samples as 16-bit mono PCM WAV (libsndfile), atomically (temp file then rename)."""
    import soundfile as sf

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767).astype(np.int16)
    try:
        sf.write(str(tmp), pcm, int(sample_rate_hz), subtype="PCM_16", format="WAV")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class Microphone(ABC):
    """An audio input. Use as a context manager or call ``close()``."""

    source_key: ClassVar[str]

    @abstractmethod
    def record(self, seconds: float, level_callback: LevelCallback | None = None) -> Recording:
        """Record ``seconds`` s; ``level_callback(dbfs)`` is called about every 50 ms."""

    def close(self) -> None:
        """Release the device."""

    def __enter__(self) -> Microphone:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PyAudioMicrophone(Microphone):
    """A PortAudio input chosen by a name substring (empty: system default), 16-bit mono."""

    source_key = "pyaudio"

    def __init__(self, config: AudioConfig) -> None:
        try:
            import pyaudio
        except ImportError as e:  # pragma: no cover - pinned dependency
            raise MicrophoneUnavailable(f"PyAudio is not installed ({e}); run scripts/setup") from e
        self._pa_mod = pyaudio
        try:
            with quiet_native_stderr():  # ALSA/JACK list every missing card on stderr
                self._pa = pyaudio.PyAudio()
        except OSError as e:
            raise MicrophoneUnavailable(f"the audio system did not start ({e}); check the sound drivers") from e
        self.rate = int(config.sample_rate_hz)
        try:
            self.device_index, self.device_name = self._find_device(config.device_name)
            self._pa.is_format_supported(self.rate, input_device=self.device_index, input_channels=1,
                                         input_format=pyaudio.paInt16)
        except ValueError as e:
            self.close()
            raise MicrophoneUnavailable(f"microphone '{self.device_name}' does not support {self.rate} Hz mono "
                                        f"16-bit ({e}); set audio.sample_rate_hz to 16000, 44100 or 48000") from e
        except MicrophoneUnavailable:
            self.close()
            raise

    def _find_device(self, name: str) -> tuple[int, str]:
        inputs = []
        for i in range(self._pa.get_device_count()):
            info = self._pa.get_device_info_by_index(i)
            if int(info.get("maxInputChannels", 0)) > 0:
                inputs.append((i, str(info.get("name", ""))))
        if name:
            for i, dev in inputs:
                if name.lower() in dev.lower():
                    return i, dev
            listed = ", ".join(d for _, d in inputs) or "none"
            raise MicrophoneUnavailable(f"no microphone whose name contains '{name}' "
                                        f"(input devices found: {listed}); check the USB cable or audio.device_name")
        try:
            info = self._pa.get_default_input_device_info()
        except OSError as e:
            raise MicrophoneUnavailable("no microphone found: plug in the USB microphone, "
                                        "or set audio.source = 'replay' for a demo") from e
        return int(info["index"]), str(info.get("name", ""))

    def record(self, seconds: float, level_callback: LevelCallback | None = None) -> Recording:
        block = max(int(self.rate * BLOCK_S), 64)
        n_total = int(round(seconds * self.rate))
        try:
            stream = self._pa.open(format=self._pa_mod.paInt16, channels=1, rate=self.rate, input=True,
                                   input_device_index=self.device_index, frames_per_buffer=block)
        except OSError as e:
            raise MicrophoneUnavailable(f"cannot open microphone '{self.device_name}': {e}") from e
        chunks: list[np.ndarray] = []
        got = 0
        try:
            while got < n_total:
                n = min(block, n_total - got)
                # An overflow drops a few samples; the recording goes on (quality gate judges it).
                x = pcm16_to_float(stream.read(n, exception_on_overflow=False))
                chunks.append(x)
                got += x.size
                if level_callback is not None:
                    level_callback(level_dbfs(x))
        except OSError as e:
            raise MicrophoneUnavailable(f"microphone '{self.device_name}' stopped delivering audio: {e}") from e
        finally:
            try:
                stream.stop_stream()
                stream.close()
            except OSError:
                pass  # the device is already gone; the error above says so
        samples = np.concatenate(chunks)[:n_total] if chunks else np.zeros(0, np.float32)
        return Recording(samples.astype(np.float32), self.rate)

    def close(self) -> None:
        pa, self._pa = getattr(self, "_pa", None), None
        if pa is not None:
            pa.terminate()


class WavReplayMicrophone(Microphone):
    """Replays WAV audio as if recorded. ``replay_path`` a file: one continuous stream, each
    ``record`` returns its next ``seconds`` (silence after the end); a folder: each
    ``record`` returns the next file (name order), cut to ``seconds``. ``realtime`` paces
    the level callbacks like a real microphone (for the UI demo)."""

    source_key = "replay"

    def __init__(self, config: AudioConfig, *, realtime: bool = False) -> None:
        path = config.replay_path
        if path is None:
            raise MicrophoneUnavailable("audio.source is 'replay' but audio.replay_path is not set")
        path = Path(path)
        if path.is_dir():
            self._files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".wav")
            if not self._files:
                raise MicrophoneUnavailable(f"no .wav files to replay in {path}")
            self._stream: tuple[np.ndarray, int] | None = None
        else:
            try:
                self._stream = read_wav(path)
            except AudioFileError as e:
                raise MicrophoneUnavailable(f"cannot replay: {e}") from e
            self._files = []
        self._pos = 0
        self.realtime = realtime

    def record(self, seconds: float, level_callback: LevelCallback | None = None) -> Recording:
        if self._stream is not None:
            x, sr = self._stream
            n = int(round(seconds * sr))
            out = np.zeros(n, dtype=np.float32)
            part = x[self._pos: self._pos + n]
            out[: part.size] = part
            self._pos += n
        else:
            if self._pos >= len(self._files):
                raise MicrophoneUnavailable("replay folder exhausted: no more recordings")
            try:
                x, sr = read_wav(self._files[self._pos])
            except AudioFileError as e:
                raise MicrophoneUnavailable(f"cannot replay: {e}") from e
            self._pos += 1
            out = x[: int(round(seconds * sr))]
        if level_callback is not None:
            block = max(int(sr * BLOCK_S), 1)
            for i in range(0, out.size, block):
                level_callback(level_dbfs(out[i:i + block]))
                if self.realtime:
                    time.sleep(BLOCK_S)
        return Recording(out, sr)


MICROPHONE_SOURCES: dict[str, type[Microphone]] = {
    cls.source_key: cls for cls in (PyAudioMicrophone, WavReplayMicrophone)
}


def open_microphone(config: AudioConfig) -> Microphone:
    """Open the source named by ``config.source``; raises MicrophoneUnavailable."""
    return source_class(MICROPHONE_SOURCES, config.source, MicrophoneUnavailable, "audio")(config)
