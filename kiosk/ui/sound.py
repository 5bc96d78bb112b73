"""Spoken prompts and soft tones through the kiosk's speaker (pygame's mixer).

The WAVs are made once, offline, at setup (``scripts/make_prompts``, called by
``scripts/setup``): the ``spoken`` text of every step of every protocol (kiosk.protocol.steps) through
espeak-ng (flite as fallback), silence trimmed with sox, plus two soft tones synthesized
here. Nothing is downloaded or synthesized at run time. Files: ``<prompt_dir>/<step>.wav``,
``tone_start.wav`` and ``tone_end.wav`` (``ui.prompt_dir``, git-ignored).

The start tone plays ``TONE_LEAD_S`` before the capture window opens and is over before it
does, so it never reaches a speech recording; a spoken prompt still playing then is stopped.
The end tone plays when the window closes. Volume: ``ui.volume`` (0..100; 0 = silent).
"""
from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE_HZ = 22050
TONE_LEAD_S = 0.4            # start tone this long before the capture opens
TONES = {"tone_start": (660.0, 0.15), "tone_end": (440.0, 0.25)}   # (Hz, s): rising then lower, soft
TONE_DBFS = -20.0
VOICE_RATE_WPM = 165


def prompt_file(prompt_dir: Path, name: str) -> Path:
    """Where the WAV of a step (or a tone: tone_start, tone_end) lives."""
    return Path(prompt_dir) / f"{name}.wav"


def tone(freq_hz: float, seconds: float, dbfs: float = TONE_DBFS, sr: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A soft sine tone (int16) with raised-cosine fade in and out (20 ms), at ``dbfs`` peak."""
    t = np.arange(int(seconds * sr)) / sr
    x = np.sin(2 * np.pi * freq_hz * t) * 10 ** (dbfs / 20)
    ramp = int(0.02 * sr)
    env = np.ones_like(x)
    env[:ramp] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp))
    env[-ramp:] = env[:ramp][::-1]
    return np.round(x * env * 32767).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, sr: int = SAMPLE_RATE_HZ) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def synthesize(text: str, out: Path) -> Path:
    """``text`` spoken into ``out`` (mono 22.05 kHz 16-bit): espeak-ng, else flite; silence trimmed by sox."""
    raw = out.with_suffix(".raw.wav")
    out.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which("espeak-ng"):
        cmd = ["espeak-ng", "-v", "en-gb", "-s", str(VOICE_RATE_WPM), "-w", str(raw), text]
    elif shutil.which("flite"):
        cmd = ["flite", "-t", text, "-o", str(raw)]
    else:
        raise RuntimeError("neither espeak-ng nor flite is installed: run scripts/setup")
    subprocess.run(cmd, check=True, capture_output=True)
    if shutil.which("sox") is None:
        raise RuntimeError("sox is not installed: run scripts/setup")
    subprocess.run(["sox", str(raw), "-r", str(SAMPLE_RATE_HZ), "-c", "1", "-b", "16", str(out),
                    "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
                    "gain", "-n", "-3"], check=True, capture_output=True)
    raw.unlink(missing_ok=True)
    return out


def protocol_steps() -> list[Any]:
    """Every step of every protocol once (kiosk.protocol.steps.PROTOCOLS), in protocol order."""
    from kiosk.protocol.steps import PROTOCOLS, step_spec
    names = dict.fromkeys(n for steps in PROTOCOLS.values() for n in steps)
    return [step_spec(n) for n in names]


def make_prompts(prompt_dir: Path, steps: Any = None, *, force: bool = False) -> list[Path]:
    """Write every step's prompt and the two tones into ``prompt_dir``; existing files are kept
    unless ``force`` or their text changed (the text is kept next to each WAV). Returns the WAVs."""
    made = []
    for name, (hz, s) in TONES.items():
        made.append(write_wav(prompt_file(prompt_dir, name), tone(hz, s)))
    for spec in steps or protocol_steps():
        wav = prompt_file(prompt_dir, spec.name)
        txt = wav.with_suffix(".txt")
        if force or not wav.is_file() or not txt.is_file() or txt.read_text() != spec.spoken:
            synthesize(spec.spoken, wav)
            txt.write_text(spec.spoken)
        made.append(wav)
    return made


@dataclass
class Speaker:
    """Plays prompt and tone WAVs through pygame's mixer. Without a mixer (no sound device) or
    without a WAV it stays silent and says why once in ``problem``; the session goes on."""

    prompt_dir: Path
    volume: int = 70                      # 0..100
    played: list[str] = field(default_factory=list)    # names the mixer was asked to play
    problem: str = ""
    _sounds: dict[str, Any] = field(default_factory=dict)
    _mixer: Any = None

    def _ready(self) -> bool:
        if self._mixer is not None:
            return True
        if self.problem:
            return False
        import pygame
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=SAMPLE_RATE_HZ, size=-16, channels=1)
        except pygame.error as e:
            self.problem = f"no sound output ({e}); prompts are written only"
            return False
        self._mixer = pygame.mixer
        return True

    def play(self, name: str) -> bool:
        """Play ``<prompt_dir>/<name>.wav`` at the set volume; False when silent (volume 0, no file, no mixer)."""
        if self.volume <= 0 or not self._ready():
            return False
        snd = self._sounds.get(name)
        if snd is None:
            path = prompt_file(self.prompt_dir, name)
            if not path.is_file():
                self.problem = f"prompt {path.name} missing: run scripts/make_prompts"
                return False
            snd = self._sounds[name] = self._mixer.Sound(str(path))
        snd.set_volume(self.volume / 100)
        snd.play()
        self.played.append(name)
        return True

    def stop(self) -> None:
        """Silence everything now (before a speech recording opens)."""
        if self._mixer is not None:
            self._mixer.stop()

    def busy(self) -> bool:
        return bool(self._mixer is not None and self._mixer.get_busy())
