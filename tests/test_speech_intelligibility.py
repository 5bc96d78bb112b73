"""Intelligibility with pocketsphinx on Debian flite speech (voices rms, awb, slt)."""
from __future__ import annotations

import pytest

from kiosk.speech.intelligibility import (BILABIALS, expected_phones, match_phones, measure_intelligibility,
                                          to_pcm16)
from speech_fixtures import CLEAN, SR, TONGUE, flite, lowpass

VOICES = ("rms", "awb", "slt")
# lowest accepted (phone %, bilabial %) of the clear sentence: the en-US acoustic model hears the
# female slt voice worse (66.7 %, 55.6 % here; it passed 70/75 only after other recordings had
# been decoded in the same process, when results still depended on decoding order)
CLEAR_FLOOR_PCT = {"rms": (70.0, 75.0), "awb": (70.0, 75.0), "slt": (60.0, 50.0)}


@pytest.mark.parametrize("voice", VOICES)
def test_clear_sentence_scores_high(voice):
    r = measure_intelligibility(flite(CLEAN, voice), SR)
    phone_floor, bilabial_floor = CLEAR_FLOOR_PCT[voice]
    assert r.phone_accuracy_pct >= phone_floor, r.recognized_phones
    assert r.bilabial_accuracy_pct >= bilabial_floor, r.recognized_phones
    assert 2.5 < r.speaking_rate_sps < 7.0  # 10 syllables in 2..3 s of flite speech


@pytest.mark.parametrize("voice", VOICES)
def test_tongue_sounds_for_lip_sounds_lower_bilabial_accuracy(voice):
    clean = measure_intelligibility(flite(CLEAN, voice), SR)
    swapped = measure_intelligibility(flite(TONGUE, voice), SR)
    assert swapped.bilabial_accuracy_pct <= clean.bilabial_accuracy_pct - 40.0
    assert swapped.phone_accuracy_pct < clean.phone_accuracy_pct


@pytest.mark.parametrize("voice", VOICES)
def test_low_passed_slurred_audio_lowers_accuracy(voice):
    clean = measure_intelligibility(flite(CLEAN, voice), SR)
    muffled = measure_intelligibility(lowpass(flite(CLEAN, voice), 1000.0), SR)
    assert muffled.bilabial_accuracy_pct < clean.bilabial_accuracy_pct
    assert muffled.phone_accuracy_pct <= clean.phone_accuracy_pct - 20.0


def test_resampled_input_gives_same_phones():
    x = flite(CLEAN, "rms")
    from scipy.signal import resample_poly

    at48 = resample_poly(x, 3, 1)
    assert to_pcm16(at48, 48000).__len__() == pytest.approx(2 * x.size, abs=4)
    assert measure_intelligibility(at48, 48000).recognized_phones == measure_intelligibility(x, SR).recognized_phones


def test_result_does_not_depend_on_what_was_decoded_before():
    slt, rms = flite(CLEAN, "slt"), flite(TONGUE, "rms")
    first = measure_intelligibility(slt, SR)
    measure_intelligibility(rms, SR)
    again = measure_intelligibility(slt, SR)
    assert again == first


def test_expected_phones_of_target_sentence():
    ph = expected_phones()
    assert ph[:5] == ("B", "AA", "B", "M", "EY")
    assert sum(p in BILABIALS for p in ph) == 9
    with pytest.raises(KeyError, match="xqzzy"):
        expected_phones("bob xqzzy")


def test_match_phones_edit_alignment():
    assert match_phones(["B", "AA", "B"], ["B", "AA", "B"]) == [True, True, True]
    assert match_phones(["B", "AA", "B"], ["D", "AA", "B"]) == [False, True, True]
    assert match_phones(["B", "AA", "B"], ["AA", "B"]) == [False, True, True]
    assert match_phones(["B", "AA", "B"], []) == [False, False, False]
    assert match_phones(["M", "AE", "P"], ["M", "EH", "EH", "P"]) == [True, False, True]


def test_decoders_hold_only_what_they_use():
    """Memory (docs/architecture.md#memory-and-latency): no word LM, no full CMU dictionary in either decoder."""
    from kiosk.speech.intelligibility import _decoder_for, _phone_decoder, load_models

    load_models()
    phone, align = _phone_decoder(), _decoder_for(CLEAN)
    assert phone.config["dict"] is None and phone.config["lm"] is None
    assert align.config["lm"] is None
    assert align.lookup_word("paris") == "P EH R IH S"          # the sentence's words, from cmudict
    assert align.lookup_word("parish") is None                  # the rest of the dictionary is not loaded
    assert align.lookup_word("paris(2)") == "P AE R IH S"       # alternate pronunciations kept


def test_unwritable_temp_folder_fails_the_step_with_a_message(monkeypatch, tmp_path):
    import tempfile

    from kiosk.speech import intelligibility as intel
    from kiosk.speech.battery import analyse_step
    from kiosk.demo.synthetic_speech import with_lead_in

    x = flite(CLEAN, "rms")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent"))
    intel._align_decoder.cache_clear()
    try:
        status, result = analyse_step("sentence", with_lead_in(x), SR)
    finally:
        monkeypatch.undo()
        intel._align_decoder.cache_clear()
    assert result is None and status.status == "failed"
    assert "pronunciation dictionary" in status.reason
    assert measure_intelligibility(x, SR).phone_accuracy_pct >= 70.0   # recovers
