"""Speech Clarity Score and MSII on hand-made measure sets."""
from __future__ import annotations

import pytest

from kiosk.scoring.speech import (CLARITY_WEIGHTS, MSII_WEIGHTS, NORMS, clarity_score, impairment,
                                  motor_speech_impairment_index)

TYPICAL = {k: n.typical for k, n in NORMS.items()}


def _worse(fraction: float) -> dict[str, float]:
    """Every measure moved ``fraction`` x 4 SD in its bad direction."""
    out = {}
    for k, n in NORMS.items():
        step = 4 * n.sd * fraction
        out[k] = n.typical - step if n.worse_when == "low" else n.typical + step
    return out


def test_weights_sum_to_one():
    assert sum(MSII_WEIGHTS.values()) == pytest.approx(1.0)
    assert sum(CLARITY_WEIGHTS.values()) == pytest.approx(1.0)


def test_typical_speaker_scores_best():
    assert clarity_score(TYPICAL).value == 100
    assert motor_speech_impairment_index(TYPICAL).value == 0


def test_scores_monotone_in_impairment():
    clarity = [clarity_score(_worse(f)).value for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    msii = [motor_speech_impairment_index(_worse(f)).value for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert clarity == [100, 75, 50, 25, 0]
    assert msii == [0, 25, 50, 75, 100]


@pytest.mark.parametrize("key", sorted(MSII_WEIGHTS))
def test_worsening_one_measure_never_improves_scores(key):
    base = _worse(0.2)
    worse = dict(base)
    n = NORMS[key]
    worse[key] = base[key] - 2 * n.sd if n.worse_when == "low" else base[key] + 2 * n.sd
    assert motor_speech_impairment_index(worse).value > motor_speech_impairment_index(base).value
    assert clarity_score(worse).value <= clarity_score(base).value


def test_lip_weakness_hits_clarity_more_than_voice_problems():
    lips = dict(TYPICAL, bilabial_accuracy_pct=50.0, pa_ta_ratio=0.7)
    voice = dict(TYPICAL, jitter_local_pct=2.0, shimmer_local_pct=7.0, cpps_db=11.0)
    assert clarity_score(lips).value < clarity_score(voice).value == 100
    assert motor_speech_impairment_index(voice).value > 0


def test_published_thresholds_sit_at_z_2():
    assert impairment(1.04, NORMS["jitter_local_pct"])[0] == pytest.approx(2.0)
    assert impairment(3.81, NORMS["shimmer_local_pct"])[0] == pytest.approx(2.0)
    assert impairment(10.0, NORMS["mpt_s"])[0] == pytest.approx(2.0)
    assert impairment(14.45, NORMS["cpps_db"])[0] == pytest.approx(2.0)
    assert impairment(5.4, NORMS["pataka_rate_sps"])[0] == pytest.approx(1.0)


def test_every_input_and_weight_is_shown():
    s = motor_speech_impairment_index(_worse(0.5))
    d = s.to_dict()
    assert "not specific to facial palsy" in d["meaning"]
    assert {i["key"] for i in d["items"]} == set(MSII_WEIGHTS)
    item = next(i for i in d["items"] if i["key"] == "pataka_rate_sps")
    assert item["value"] == pytest.approx(6.2 - 1.6) and item["weight"] == 0.10 and item["z_bad"] == pytest.approx(2.0)
    assert sum(i["contribution"] for i in d["items"]) * 100 == pytest.approx(s.value, abs=0.6)


def test_missing_measures_renormalize_or_withhold_the_score():
    partial = dict(TYPICAL)
    for k in ("mpt_s", "jitter_local_pct", "shimmer_local_pct", "cpps_db"):
        partial[k] = None
    s = motor_speech_impairment_index(partial)
    assert s.value == 0 and s.coverage_pct == pytest.approx(75.0)
    only_voice = {k: TYPICAL[k] for k in ("mpt_s", "jitter_local_pct")}
    none = clarity_score(only_voice)
    assert none.value is None and "too few measures" in none.reason and "bilabial_accuracy_pct" in none.reason
