"""Intelligibility of the lip-loaded sentence with pocketsphinx 5 (bundled en-US model).

Two passes over the same 16 kHz audio, both offline with the models inside the
pocketsphinx wheel (nothing is downloaded):

1. forced alignment of the known sentence: where each expected phone is, hence the
   speaking rate (syllables of the sentence over the aligned speech time, syll/s);
2. free phone recognition with the phone language model: what was actually heard.

Whether the recording holds the sentence at all is the ``alignment_fit``: the log score of
the alignment's first pass minus that of free phone recognition (pocketsphinx path scores,
natural log). A reading of the sentence, even slurred, scores about 0 or above; other words
score far below, or do not align. ``aligned_coverage`` is the share of the speech frames that
fall inside the aligned sentence: 1.0 for a reading of it, far less when the sentence was
squeezed into part of a longer text (docs/speech.md#task-checks).

The expected phone string (CMU dictionary) and the recognized one are aligned by
minimum edit distance (as in phone-error-rate scoring); a phone counts as recognized
when it is matched to the same phone. Bilabials (P B M) are counted separately,
because facial weakness blurs them first.

Limits: the acoustic model is trained on typical adult American English, so accents
and voices unlike its training data lower the accuracy too; the numbers compare a
patient with their own earlier sessions far better than with other people.
Reference: Huggins-Daines et al. (2006) ICASSP (PocketSphinx).
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from kiosk.protocol.steps import SENTENCE

if TYPE_CHECKING:
    from kiosk.speech.prosody import Prosody

TARGET_SENTENCE = SENTENCE
BILABIALS = frozenset({"P", "B", "M"})
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
NON_SPEECH = frozenset({"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+NOISE+", "+UM+", "+UH+", "<sil>", "<s>", "</s>"})
SAMPLE_RATE_HZ = 16000
FRAME_S = 0.01
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Intelligibility:
    """Sentence measures: accuracies in % of expected phones, speaking rate in syll/s."""

    phone_accuracy_pct: float | None
    bilabial_accuracy_pct: float | None
    speaking_rate_sps: float | None
    expected_phones: tuple[str, ...]
    recognized_phones: tuple[str, ...]
    matched: tuple[bool, ...]  # per expected phone
    alignment_fit: float | None = None  # ln score(alignment) - ln score(free phones); None: no alignment
    aligned_coverage: float | None = None  # fraction (0..1) of the speech frames inside the aligned sentence
    prosody: Prosody | None = None      # pitch, loudness and timing of the same reading (set by the battery)

    def to_dict(self) -> dict[str, object]:
        r = lambda v: None if v is None else round(float(v), 2)  # noqa: E731
        return {"phone_accuracy_pct": r(self.phone_accuracy_pct), "bilabial_accuracy_pct": r(self.bilabial_accuracy_pct),
                "speaking_rate_sps": r(self.speaking_rate_sps), "expected_phones": " ".join(self.expected_phones),
                "recognized_phones": " ".join(self.recognized_phones), "alignment_fit": r(self.alignment_fit),
                "aligned_coverage": r(self.aligned_coverage)}


def _model_dir() -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), "en-us")


def _cmudict_entries(words: frozenset[str]) -> list[str]:
    """Lines of the bundled CMU dictionary for ``words``, alternate pronunciations included."""
    with open(os.path.join(_model_dir(), "cmudict-en-us.dict"), encoding="utf-8") as f:
        return [line for line in f if line.split(" ", 1)[0].split("(", 1)[0] in words]


@lru_cache(maxsize=1)
def _phone_decoder():
    """Free phone recognition: acoustic model + phone language model only (no word dictionary,
    no word LM: pocketsphinx would otherwise load the 3 MB CMU dictionary, ~23 MB resident)."""
    from pocketsphinx import Decoder

    m = _model_dir()
    return Decoder(hmm=os.path.join(m, "en-us"), allphone=os.path.join(m, "en-us-phone.lm.bin"), dict=None,
                   lm=None, lw=2.0, pip=0.3, beam=1e-20, pbeam=1e-20, loglevel="FATAL")


@lru_cache(maxsize=1)
def _align_decoder(words: frozenset[str]):
    """Forced alignment of sentences made of ``words``: a dictionary of just those words (all
    their CMU pronunciations) and no word LM. The full dictionary and the default en-US word LM
    cost ~85 MB resident and give the same alignment (only the sentence's words are searched)."""
    import tempfile

    from pocketsphinx import Decoder

    m = _model_dir()
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-dict-") as tmp:
            path = os.path.join(tmp, "sentence.dict")
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(_cmudict_entries(words))
            return Decoder(hmm=os.path.join(m, "en-us"), dict=path, lm=None, loglevel="FATAL")
    except OSError as e:      # full disk or no temp folder: the step fails with this message
        raise RuntimeError(f"could not write the sentence's pronunciation dictionary ({e})") from e


def _decoder_for(text: str):
    """The alignment decoder for ``text`` (cached for the last word set; the kiosk's is fixed)."""
    return _align_decoder(frozenset(normalize_text(text).split()))


def load_models(text: str = TARGET_SENTENCE) -> None:
    """Load both decoders now (seconds on first use), so the first measurement does not wait."""
    with _LOCK:
        _phone_decoder()
        _decoder_for(text)


def _fresh_front_end(dec) -> None:
    """Start the decoder's front end afresh (~0.1 ms).

    Cached decoders carry front-end state from one utterance into the next (the noise estimate
    of ``remove_noise`` and the cepstral mean), so a result would depend on what was decoded
    before it (the previous patient, or batch vs step-by-step order). Re-initialising it before
    each recording makes every result a function of its recording only. Call with ``_LOCK`` held."""
    dec.reinit_feat()


def normalize_text(text: str) -> str:
    """Lower-case words without punctuation, as the CMU dictionary spells them."""
    return " ".join(re.findall(r"[a-z']+", text.lower()))


def expected_phones(text: str = TARGET_SENTENCE) -> tuple[str, ...]:
    """Dictionary phones (CMU, stress removed) of ``text``; KeyError names a missing word."""
    phones: list[str] = []
    with _LOCK:
        dec = _decoder_for(text)
        prons = [(word, dec.lookup_word(word)) for word in normalize_text(text).split()]
    for word, pron in prons:
        if pron is None:
            raise KeyError(f"word not in the pocketsphinx dictionary: {word!r}")
        phones.extend(pron.split())
    return tuple(phones)


def to_pcm16(x: np.ndarray, sr: int) -> bytes:
    """Float samples at ``sr`` Hz -> 16 kHz mono 16-bit little-endian PCM bytes."""
    from scipy.signal import resample_poly

    y = np.asarray(x, dtype=np.float64).ravel()
    if sr != SAMPLE_RATE_HZ:
        g = np.gcd(int(sr), SAMPLE_RATE_HZ)
        y = resample_poly(y, SAMPLE_RATE_HZ // g, int(sr) // g)
    return (np.clip(y, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def recognize_phones(pcm: bytes) -> list[tuple[str, int, int]]:
    """Free phone recognition: (phone, start frame, end frame), 10 ms frames, non-speech removed."""
    return _recognize(pcm)[0]


def _recognize(pcm: bytes) -> tuple[list[tuple[str, int, int]], float | None]:
    """Free phone recognition: (phones as ``recognize_phones``, ln path score or None)."""
    with _LOCK:
        dec = _phone_decoder()
        _fresh_front_end(dec)
        dec.start_utt()
        dec.process_raw(pcm, full_utt=True)
        dec.end_utt()
        segs = [(s.word, s.start_frame, s.end_frame) for s in dec.seg()]
        score = _log_score(dec.hyp())
    return [s for s in segs if s[0] not in NON_SPEECH], score


def _log_score(hyp) -> float | None:
    """Natural log of a hypothesis's path score (pocketsphinx gives it as a probability)."""
    return None if hyp is None or not hyp.score > 0 else float(np.log(hyp.score))


def align_phones(pcm: bytes, text: str = TARGET_SENTENCE) -> list[tuple[str, int, int]] | None:
    """Forced alignment of ``text``: (phone, start frame, duration frames); None if it fails."""
    return _align(pcm, text)[0]


def _align(pcm: bytes, text: str) -> tuple[list[tuple[str, int, int]] | None, float | None]:
    """Forced alignment: (phones as ``align_phones``, ln score of the word-level first pass or None)."""
    with _LOCK:
        dec = _decoder_for(text)
        _fresh_front_end(dec)
        score = None
        try:
            dec.set_align_text(normalize_text(text))
            for second_pass in (False, True):
                if second_pass:
                    score = _log_score(dec.hyp())
                    dec.set_alignment()
                dec.start_utt()
                dec.process_raw(pcm, full_utt=True)
                dec.end_utt()
            alignment = dec.get_alignment()
        except RuntimeError:
            return None, score
        if alignment is None:
            return None, score
        out = [(ph.name, ph.start, ph.duration) for word in alignment for ph in word]
    return [p for p in out if p[0] not in NON_SPEECH] or None, score


def match_phones(expected: list[str] | tuple[str, ...], recognized: list[str] | tuple[str, ...]) -> list[bool]:
    """Minimum-edit-distance alignment; True for each expected phone matched to the same phone."""
    n, m = len(expected), len(recognized)
    cost = np.zeros((n + 1, m + 1), dtype=np.int32)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = cost[i - 1, j - 1] + (0 if expected[i - 1] == recognized[j - 1] else 1)
            cost[i, j] = min(sub, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    matched = [False] * n
    i, j = n, m
    while i > 0 and j > 0:
        same = expected[i - 1] == recognized[j - 1]
        if cost[i, j] == cost[i - 1, j - 1] + (0 if same else 1):
            matched[i - 1] = same
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return matched


def measure_intelligibility(x: np.ndarray, sr: int, text: str = TARGET_SENTENCE) -> Intelligibility:
    """Phone and bilabial accuracy (%) and speaking rate (syll/s) of a spoken ``text``.

    ``x``: float samples at ``sr`` Hz, lead-in removed (denoised is fine).
    """
    pcm = to_pcm16(x, sr)
    expected = expected_phones(text)
    phones, free_score = _recognize(pcm)
    recognized = tuple(p for p, _, _ in phones)
    matched = match_phones(expected, recognized)
    bil = [mt for ph, mt in zip(expected, matched) if ph in BILABIALS]
    aligned, align_score = _align(pcm, text)
    fit = align_score - free_score if aligned and align_score is not None and free_score is not None else None
    rate = coverage = None
    if aligned:
        span_s = (aligned[-1][1] + aligned[-1][2] - aligned[0][1]) * FRAME_S
        coverage = speech_coverage(x, sr, aligned[0][1] * FRAME_S, aligned[0][1] * FRAME_S + span_s)
        n_syll = sum(ph in VOWELS for ph in expected)
        rate = n_syll / span_s if span_s > 0 else None
    return Intelligibility(
        phone_accuracy_pct=100.0 * sum(matched) / len(expected) if expected else None,
        bilabial_accuracy_pct=100.0 * sum(bil) / len(bil) if bil else None,
        speaking_rate_sps=rate, expected_phones=expected, recognized_phones=recognized,
        matched=tuple(matched), alignment_fit=fit, aligned_coverage=coverage,
    )


def speech_coverage(x: np.ndarray, sr: int, t0_s: float, t1_s: float) -> float | None:
    """Fraction (0..1) of the speech frames of ``x`` (kiosk.speech.prosody.speech_frames of the
    250..2000 Hz intensity, 5 ms) that lie within ``t0_s``..``t1_s``; None without speech frames."""
    from kiosk.speech.ddk import HOP_S, intensity_contour_db
    from kiosk.speech.prosody import speech_frames

    db = intensity_contour_db(x, sr)
    t = np.arange(db.size) * HOP_S
    ts = t[speech_frames(db)]
    return float(np.mean((ts >= t0_s) & (ts <= t1_s))) if ts.size else None
