"""Real human speech recordings shipped by Debian packages (installed by scripts/setup; nothing downloaded).

- ``pocketsphinx-testdata``: LibriVox audiobook clips (Jane Austen, *Sense and Sensibility*, read
  speech, public domain; 16 kHz mono, speech from the first sample) and a card-game utterance
  (CMU, BSD-2), each with its transcript in the package.
- ``alsa-utils``: "Front center" and "Rear right", one speaker, F0 about 190..200 Hz (48 kHz mono,
  speech at once; GPL-2).

Each file is pinned by sha256: a different file is refused instead of changing the numbers.
Test and validation data only (tests/, scripts/validate_speech.py); the kiosk never needs them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PS = Path("/usr/share/pocketsphinx/test/data")
ALSA = Path("/usr/share/sounds/alsa")


@dataclass(frozen=True)
class RealRecording:
    name: str
    path: Path
    sha256: str
    text: str
    package: str


RECORDINGS = {r.name: r for r in (
    RealRecording("austen_0870", PS / "librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
                  "b0557cf95c974d930577e58e46b7f068c432a6e3afcc286563d88922b2a5315c",
                  "and mister john dashwood had then leisure to consider how much there might be prudently "
                  "in his power to do for them", "pocketsphinx-testdata"),
    RealRecording("austen_0880", PS / "librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
                  "fbec491ef00ee734a67f0ee318e98c51c157b479e1629ff4f4426861ecac0414",
                  "he was not an ill disposed young man", "pocketsphinx-testdata"),
    RealRecording("austen_0920", PS / "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
                  "40882414ef4cc51f3ff7a63bad0c8c87e7f595ffeb8209fbf756c8ebc5c28a59",
                  "had he married a more a amiable woman he might have been made still more respectable "
                  "than he was", "pocketsphinx-testdata"),
    RealRecording("cards_005", PS / "cards/005.wav",
                  "090f18f5f76cf8b2b43cd9e6b07823f4685a4742d9a36cd98b174a6586c18cf9",
                  "eight of spades four of clubs seven of hearts", "pocketsphinx-testdata"),
    RealRecording("front_center", ALSA / "Front_Center.wav",
                  "0d61518bcd3f13b0c709a5298e939caf698b80d31d71d50475365ee0e5536cc9", "front center", "alsa-utils"),
    RealRecording("rear_right", ALSA / "Rear_Right.wav",
                  "12828d125f692faa75c7445d52125dcc2c36f82c4f7a3ef49b8ae6afd74ada9d", "rear right", "alsa-utils"),
)}


class RealRecordingMissing(RuntimeError):
    """A pinned recording is not installed, or is not the pinned file."""


@lru_cache(maxsize=None)
def read_real(name: str) -> tuple[np.ndarray, int]:
    """(float32 mono samples -1..1, rate Hz) of a pinned real recording."""
    from kiosk.capture.media import read_wav

    r = RECORDINGS[name]
    if not r.path.is_file():
        raise RealRecordingMissing(f"{r.path} missing: install the Debian package {r.package} (scripts/setup)")
    digest = hashlib.sha256(r.path.read_bytes()).hexdigest()
    if digest != r.sha256:
        raise RealRecordingMissing(f"{r.path} is not the pinned recording (sha256 {digest[:12]}...)")
    return read_wav(r.path)
