"""The spontaneous-speech step's gate (docs/parkinson.md#protocol): at least 10 s of spoken time
(pauses excluded) in the 30 s window; too little speech is said as such, whatever else it is."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.demo.parkinson_patient import SR_HZ, passage_speech
from kiosk.demo.synthetic_speech import with_lead_in
from kiosk.speech.battery import check_step
from kiosk.speech.taskcheck import MESSAGES, MIN_SPONTANEOUS_SPEECH_S, check_spontaneous
from real_speech import real

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _window(parts: list[np.ndarray], sr: int, total_s: float = 31.0) -> np.ndarray:
    """Utterances with 0.6 s gaps after the 1 s lead-in, padded with quiet to the 31 s window."""
    gap = np.zeros(int(0.6 * sr), np.float32)
    x = np.concatenate([p for u in parts for p in (u, gap)])
    x = 0.3 * x / np.max(np.abs(x))
    return with_lead_in(x, sr, tail_s=max(total_s - 1.0 - x.size / sr, 0.0))


def test_flite_monologue_passes_with_its_spoken_time():
    x, _ = passage_speech(1.0)                      # the demo's "my morning" passage read by flite
    q = check_step("spontaneous", x, SR_HZ)
    assert q.ok, (q.code, q.message)
    ev = check_spontaneous(x[SR_HZ:], SR_HZ).evidence
    assert 15.0 < ev["spoken_s"] <= ev["speaking_time_s"] <= 29.0 and ev["syllables"] > 60


def test_real_read_speech_joined_passes_and_one_sentence_does_not():
    parts = [real(n)[0] for n in ("austen_0870", "austen_0880", "austen_0920")]     # 16 kHz, 16.1 s
    x = _window(parts, 16000)
    q = check_step("spontaneous", x, 16000)
    assert q.ok, (q.code, q.message)
    spoken = check_spontaneous(x[16000:], 16000).evidence["spoken_s"]
    assert MIN_SPONTANEOUS_SPEECH_S < spoken < 16.5

    one = _window([parts[1]], 16000)                   # 3 s of speech in a 31 s window
    q = check_step("spontaneous", one, 16000)
    assert not q.ok and q.code == "too_little_speech" and q.message == MESSAGES["too_little_speech"]
    assert 1.5 < check_spontaneous(one[16000:], 16000).evidence["spoken_s"] < MIN_SPONTANEOUS_SPEECH_S


def test_silence_still_says_check_the_microphone():
    q = check_step("spontaneous", np.zeros(31 * 16000, np.float32), 16000)
    assert not q.ok and q.code == "silent"
