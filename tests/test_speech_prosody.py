"""Hypokinetic-speech measures (kiosk.speech.prosody) against known truth (issue 17, item 4)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from kiosk.demo.prosody_speech import monopitch_validation, scale_pitch_variation
from kiosk.speech.prosody import (NORMS, drop_octave_errors, f0_sd_semitones, hypokinetic_summary, measure_prosody,
                                  monoloudness, pauses, timing)
from real_speech import real
from speech_fixtures import CLEAN, SR, flite

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.mark.parametrize("voice", ["rms", "slt"])
def test_monopitch_within_0_3_st_of_praat_manipulated_truth(voice):
    """F0 contour scaled by Praat's manipulation, monotone (0) to exaggerated (1.5)."""
    rows = monopitch_validation({voice: (flite(CLEAN, voice), SR)}, (0.0, 0.5, 1.0, 1.5))
    errors = [abs(r.error_st) for r in rows]
    assert max(errors) <= 0.3, [(r.factor, r.true_f0_sd_st, r.measured_f0_sd_st) for r in rows]
    measured = [r.measured_f0_sd_st for r in rows]
    assert measured == sorted(measured) and measured[0] < 0.2


def test_monopitch_on_real_read_speech():
    from kiosk.speech.battery import to_analysis_rate

    clips = {name: (to_analysis_rate(*real(name)), 16000) for name in ("austen_0870", "austen_0880")}
    rows = monopitch_validation(clips, (0.0, 0.5, 1.0, 1.5))
    assert max(abs(r.error_st) for r in rows) <= 0.3, rows


def test_semitone_sd_of_known_contours():
    f = 100.0 * 2 ** (np.array([-2.0, 0.0, 2.0, 0.0]) / 12)   # +- 2 st around 100 Hz
    sd, mean = f0_sd_semitones(np.concatenate([f, [0.0, 0.0]]))
    assert sd == pytest.approx(np.std([-2, 0, 2, 0]), abs=1e-9)
    assert f0_sd_semitones(np.array([0.0, 120.0])) == (None, None)
    assert f0_sd_semitones(200.0 * f)[0] == pytest.approx(sd)   # independent of voice height


def test_octave_jumps_are_dropped_but_intonation_kept():
    glide = 100.0 * 2 ** (np.linspace(0, 4, 60) / 12)         # a 4 st rise over 0.6 s
    broken = glide.copy()
    broken[30] /= 2                                           # one halving error
    cleaned = drop_octave_errors(broken)
    assert cleaned[30] == 0.0 and np.array_equal(cleaned[:30], glide[:30])
    assert np.array_equal(drop_octave_errors(glide), glide)


def test_monotone_speech_has_low_pitch_variation():
    x = flite(CLEAN, "awb")
    mono = scale_pitch_variation(x, SR, 0.0).samples
    lively = scale_pitch_variation(x, SR, 1.5).samples
    assert measure_prosody(mono, SR).f0_sd_st < 0.3 < 2.5 < measure_prosody(lively, SR).f0_sd_st


@pytest.mark.parametrize("louder_half", [0, 1])
def test_monoloudness_follows_a_known_level_step(louder_half):
    """One half 10 dB louder: the SD is that of the original contour plus the step over the speech
    frames; raising the half that was already louder widens the spread (frames that fall 25 dB
    below the loudest then leave the speech frames, so less than the step alone would)."""
    from kiosk.speech.prosody import intensity_contour, speech_frames

    x = flite(CLEAN, "rms").astype(np.float64) * 0.2
    mid = x.size // 2
    part = slice(0, mid) if louder_half == 0 else slice(mid, None)
    stepped = x.copy()
    stepped[part] *= 10 ** (10 / 20)
    t, db = intensity_contour(x, SR)
    in_part = (t < mid / SR) if louder_half == 0 else (t >= mid / SR)
    db_stepped = db + 10.0 * in_part
    truth = float(np.std(db_stepped[speech_frames(db_stepped)]))
    measured = monoloudness(stepped, SR).intensity_sd_db
    assert measured == pytest.approx(truth, abs=0.5)
    base = monoloudness(x, SR).intensity_sd_db
    first_louder = np.mean(db[speech_frames(db) & (t < mid / SR)]) > np.mean(db[speech_frames(db) & (t >= mid / SR)])
    if first_louder == (louder_half == 0):
        assert measured > base + 0.5


def test_pause_ratio_and_speech_rate_with_an_inserted_pause():
    x = flite(CLEAN, "rms")
    rng = np.random.default_rng(0)
    pause = rng.normal(0, 1e-4, int(0.6 * SR)).astype(np.float32)
    half = x.size // 2
    half += int(np.argmin(np.abs(x[half: half + 3200])))      # cut near a quiet sample
    y = np.concatenate([x[:half], pause, x[half:]])
    t0, t1 = timing(x, SR), timing(y, SR)
    assert t1.pause_ratio_pct - t0.pause_ratio_pct == pytest.approx(100 * 0.6 / t1.speaking_time_s, abs=3.0)
    assert t1.n_pauses == t0.n_pauses + 1
    assert t1.articulation_rate_sps == pytest.approx(t0.articulation_rate_sps, rel=0.1)
    assert t1.speech_rate_sps < t0.speech_rate_sps
    assert 3.0 < t0.speech_rate_sps < 6.5   # 10 syllables in ~2 s of flite speech


def test_pauses_between_first_and_last_speech_frame():
    speech = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0], bool)
    assert pauses(speech, 0.1, 0.25) == [(4, 7)]


def test_summary_has_norms_sources_and_provisional_flags():
    from kiosk.speech.ddk import ddk_from_nuclei

    p = measure_prosody(flite(CLEAN, "rms"), SR)
    d = json.loads(json.dumps(hypokinetic_summary(p, ddk_from_nuclei(np.arange(13) / 6.0))))
    m = d["measures"]
    assert set(m) == set(NORMS)
    assert m["ddk_rate_sps"]["value"] == pytest.approx(6.0) and m["ddk_cv_pct"]["value"] == pytest.approx(0.0)
    assert m["f0_sd_st"]["unit"] == "st" and "Rusz" in m["f0_sd_st"]["source"] and m["f0_sd_st"]["provisional"]
    assert m["f0_sd_st"]["z_bad"] == pytest.approx((NORMS["f0_sd_st"].typical - p.f0_sd_st) / NORMS["f0_sd_st"].sd,
                                                   abs=0.01)
    assert "not a diagnosis" in d["note"]


def test_battery_reports_prosody_under_its_own_key():
    from speech_fixtures import patient

    from kiosk.speech.battery import assess_speech

    audio, truth = patient(0.0)
    d = json.loads(json.dumps(assess_speech({k: (v, SR) for k, v in audio.items()}).to_dict()))
    assert {"voice", "ddk", "intelligibility", "clarity_score", "msii", "inputs", "steps", "note"} <= set(d)
    pr = d["prosody"]["measures"]
    assert pr["ddk_rate_sps"]["value"] == pytest.approx(truth.rates_sps["pataka"], rel=0.1)
    assert 0.3 < pr["f0_sd_st"]["value"] < 5.0 and pr["speech_rate_sps"]["value"] > 2.0
    only_vowel = assess_speech({"vowel": (audio["vowel"], SR)}).to_dict()
    assert only_vowel["prosody"] is None
