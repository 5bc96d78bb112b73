"""Hypokinetic-speech measures as Parkinson's Measure records: real flite speech, monotone by Praat
manipulation, measured and turned into Measures with their references."""
from __future__ import annotations

import pytest

from kiosk.analytics.speech_measures import speech_measures, speech_reference
from kiosk.speech.prosody import NORMS, hypokinetic_summary, measure_prosody

SR = 16000


@pytest.fixture(scope="module")
def sentences():
    from kiosk.demo.prosody_speech import scale_pitch_variation
    from kiosk.demo.synthetic_speech import flite_speech
    x = flite_speech("Yesterday morning I walked to the market, bought some bread, and then I met my sister "
                     "for a cup of coffee.", "slt", SR)
    return measure_prosody(x, SR), measure_prosody(scale_pitch_variation(x, SR, 0.1).samples, SR)


def test_reference_is_typical_plus_minus_two_sd_with_direction_and_flags() -> None:
    r = speech_reference("f0_sd_st")
    n = NORMS["f0_sd_st"]
    assert (r.typical, r.low, r.high) == (n.typical, pytest.approx(n.typical - 2 * n.sd), pytest.approx(n.typical + 2 * n.sd))
    assert r.worse_when == "low" and r.provisional and "Rusz" in r.source
    assert speech_reference("ddk_rate_sps").provisional is False
    assert speech_reference("pause_ratio_pct").worse_when == "high"


def test_monotone_speech_is_outside_and_natural_speech_typical(sentences) -> None:
    natural, flat = sentences
    nat = {m.key: m for m in speech_measures(hypokinetic_summary(natural, None))}
    mono = {m.key: m for m in speech_measures(hypokinetic_summary(flat, None))}
    assert set(nat) == {f"speech.{k}" for k in NORMS}
    assert nat["speech.f0_sd_st"].value == pytest.approx(natural.f0_sd_st, abs=1e-3)
    assert nat["speech.f0_sd_st"].status == "typical" and nat["speech.f0_sd_st"].unit == "st"
    assert mono["speech.f0_sd_st"].value < 0.6 * nat["speech.f0_sd_st"].value
    assert mono["speech.f0_sd_st"].status == "outside"
    assert nat["speech.speech_rate_sps"].step == "sentence" and nat["speech.speech_rate_sps"].value > 2.0
    ddk = nat["speech.ddk_rate_sps"]          # no DDK given: not measured, and says where from
    assert ddk.value is None and ddk.status == "not_measured" and ddk.reason == "not measured in ddk_pataka"
    assert ddk.to_dict()["reference"]["low"] == pytest.approx(6.2 - 1.6)


def test_no_summary_gives_every_measure_not_measured_with_the_reason() -> None:
    ms = speech_measures(None, reason="speech engine not installed")
    assert len(ms) == len(NORMS) and all(m.value is None and m.reason == "speech engine not installed" for m in ms)
