"""Sunnybrook-style and House-Brackmann estimates on hand-made measures."""
from __future__ import annotations

import pytest

from kiosk.face.symmetry import RegionSymmetry, SideVerdict, affected_side, symmetry_ratio
from kiosk.scoring import facial as F

COMPLETE = 0.6
CALM_REST = F.RestAsymmetry(0.5, 0.3, 0.8, 0.4)


def mov(name: str, right: float, left: float) -> RegionSymmetry:
    ratio, weaker, note = symmetry_ratio(right, left, 1.5)
    return RegionSymmetry(name, name, right, left, ratio, weaker, note)


def eye(name: str, right: float, left: float, fissure_mm: float = 10.0) -> RegionSymmetry:
    ratio, weaker, _ = symmetry_ratio(right, left, 1e-9)
    return RegionSymmetry(name, name, right * fissure_mm, left * fissure_mm, ratio, weaker, "",
                          right_closure=right, left_closure=left)


def regions(brow=(8.0, 8.0), gentle=(0.9, 0.9), tight=(0.95, 0.95), smile=(10.0, 10.0), snarl=(6.0, 6.0),
            pucker=(8.0, 8.0)) -> dict[str, RegionSymmetry]:
    return {"brow": mov("brow", *brow), "eye_gentle": eye("eye_gentle", *gentle),
            "eye_tight": eye("eye_tight", *tight), "smile": mov("smile", *smile),
            "snarl": mov("snarl", *snarl), "pucker": mov("pucker", *pucker)}


def no_synkinesis() -> list[F.SynkinesisInput]:
    return [F.SynkinesisInput("brow_raise", "mouth_movement_mm", 0.5, 0.4),
            F.SynkinesisInput("eye_close_gentle", "mouth_movement_mm", 0.3, 0.6),
            F.SynkinesisInput("smile", "fissure_narrowing_mm", 1.0, 0.9),
            F.SynkinesisInput("snarl", "fissure_narrowing_mm", 0.4, 0.5),
            F.SynkinesisInput("pucker", "fissure_narrowing_mm", 0.2, 0.1)]


def hb(regs, rest=CALM_REST):
    return F.house_brackmann(regs, rest, affected_side(regs), COMPLETE)


@pytest.mark.parametrize("score,grade", [(8, 1), (7, 2), (6, 3), (5, 3), (4, 4), (3, 4), (2, 5), (1, 5), (0, 6)])
def test_hb_1985_score_to_grade(score, grade):
    assert F.grade_from_score(score) == grade


def test_symmetric_face_is_grade_I_and_composite_100():
    regs = regions()
    h = hb(regs)
    assert (h.grade, h.roman, h.score_of_8, h.rules_applied) == (1, "I", 8, ())
    s = F.sunnybrook(regs, CALM_REST, no_synkinesis(), affected_side(regs))
    assert (s.resting, s.voluntary, s.synkinesis, s.composite) == (0, 100, 0, 100)
    assert F.severity_class(h.grade) == "normal"
    assert F.consistency(s.composite, h.grade)["status"] == "consistent"


def test_hb_sites_scaled_by_the_healthy_side():
    # brow moves half as far on the left, commissure a third: function (0.5 + 0.333) / 2 = 42 %
    h = hb(regions(brow=(8.0, 4.0), smile=(9.0, 3.0)))
    assert h.inputs["site_function"] == {"brow": 0.5, "commissure": 0.333}
    assert h.inputs["function_percent"] == pytest.approx(41.7)
    assert h.score_of_8 == 3 and h.grade == 4 and h.inputs["affected_side"] == "left"
    # a small mover with the same proportions scores the same
    small = hb(regions(brow=(4.0, 2.0), smile=(4.5, 1.5)))
    assert small.score_of_8 == 3


def test_incomplete_eye_closure_is_IV_or_worse():
    h = hb(regions(brow=(8.0, 7.6), smile=(10.0, 9.5), gentle=(0.9, 0.3), tight=(0.95, 0.4)))
    assert h.score_of_8 == 8
    assert h.grade == 4 and "eye closure incomplete: IV or worse" in h.rules_applied


def test_complete_closure_with_effort_is_not_bumped():
    # gentle closure weak, forceful closure complete (HB III "closes completely with effort")
    h = hb(regions(brow=(8.0, 6.4), smile=(10.0, 7.5), gentle=(0.9, 0.5), tight=(0.95, 0.9)))
    assert not any("eye closure" in r for r in h.rules_applied)
    assert h.score_of_8 == 6 and h.grade == 2  # function (0.8 + 0.75) / 2 = 77.5 %: HB 1985 76-99 % = II


def test_no_forehead_movement_is_IV_or_worse():
    h = hb(regions(brow=(8.0, 0.4), smile=(10.0, 9.8)))
    assert "no forehead movement: IV or worse" in h.rules_applied and h.grade >= 4


def test_asymmetry_at_rest_is_V_or_worse():
    h = hb(regions(brow=(8.0, 3.0), smile=(10.0, 4.0)), rest=F.RestAsymmetry(0.5, 0.3, 4.2, 0.4))
    assert "asymmetric at rest: V or worse" in h.rules_applied and h.grade == 5


def test_rest_asymmetry_alone_does_not_make_a_moving_face_V():
    # HB II-IV have normal symmetry at rest: the rule separates IV from V, nothing else
    h = hb(regions(brow=(8.0, 6.0), smile=(10.0, 7.0)), rest=F.RestAsymmetry(0.5, 0.3, 4.2, 0.4))
    assert h.grade == 3 and not any("rest" in r for r in h.rules_applied)


def test_rest_items_count_only_on_the_affected_side():
    rest = F.RestAsymmetry(0.5, 0.3, 4.2, 0.4, nasolabial_diff_mm=3.0,
                           lower_side={"commissure": "right", "nasolabial": "right", "fissure": "none", "brow": "none"},
                           confidence={"commissure": 0.9, "nasolabial": 0.9, "fissure": 0.9, "brow": 0.9})
    assert F.resting_points(rest, "right") == {"eye": 0, "cheek": 1, "mouth": 1}
    assert F.resting_points(rest, "left") == {"eye": 0, "cheek": 0, "mouth": 0}
    assert F.resting_points(rest, "none") == {"eye": 0, "cheek": 1, "mouth": 1}
    unsure = F.RestAsymmetry(0.5, 0.3, 4.2, 0.4, 3.0, rest.lower_side, {**rest.confidence, "commissure": 0.1})
    assert F.resting_points(unsure, "right")["mouth"] == 0


def test_visible_asymmetry_is_at_least_II():
    h = hb(regions(gentle=(0.9, 0.4), tight=(0.95, 0.92)))
    assert h.score_of_8 == 8 and h.grade == 2 and "visible asymmetry found: II or worse" in h.rules_applied


def test_hb_unavailable_without_smile():
    regs = regions()
    del regs["smile"]
    h = hb(regs)
    assert h.grade is None and h.roman is None and "smile" in h.unavailable_reason


@pytest.mark.parametrize("ratio,points", [(0.1, 1), (0.3, 2), (0.6, 3), (0.8, 4), (0.95, 5)])
def test_voluntary_bands(ratio, points):
    assert F.voluntary_points(mov("smile", 10.0, 10.0 * ratio), "left") == points


def test_natural_asymmetry_is_complete_when_no_side_is_affected():
    assert F.voluntary_points(mov("smile", 10.0, 8.0), "none") == 5
    assert F.voluntary_points(mov("smile", 10.0, 7.0), "none") == 3


def test_sunnybrook_composite_arithmetic():
    regs = regions(brow=(8.0, 3.0), gentle=(0.9, 0.3), smile=(10.0, 5.0), snarl=(6.0, 5.0), pucker=(8.0, 1.2))
    syn = no_synkinesis()
    syn[2] = F.SynkinesisInput("smile", "fissure_narrowing_mm", 0.5, 0.5 + 0.8 + 2 * 0.77)  # 2 points on the left
    rest = F.RestAsymmetry(0.5, 2.5, 3.5, 4.5)  # eye 1, cheek 2, mouth 1
    s = F.sunnybrook(regs, rest, syn, affected_side(regs))
    assert s.inputs["voluntary_items_1_5"] == {"brow": 2, "eye_gentle": 2, "smile": 3, "snarl": 4, "pucker": 1}
    assert s.inputs["resting_items"] == {"eye": 1, "cheek": 2, "mouth": 1}
    assert (s.voluntary, s.resting, s.synkinesis) == (48, 20, 2)
    assert s.composite == 48 - 20 - 2 and s.inputs["synkinesis_side"] == "left"


def test_synkinesis_points_and_dead_band():
    item = F.SynkinesisInput("pucker", "fissure_narrowing_mm", 0.2, 0.2 + 0.8 + 3.4)
    assert F.synkinesis_points(item, "left") == 3
    assert F.synkinesis_points(item, "right") == 0
    small = F.SynkinesisInput("smile", "fissure_narrowing_mm", 0.0, 0.7)
    assert F.synkinesis_points(small, "left") == 0


def test_sunnybrook_unavailable_when_a_step_is_missing():
    regs = regions()
    del regs["snarl"]
    s = F.sunnybrook(regs, CALM_REST, no_synkinesis()[:4], affected_side(regs))
    assert s.composite is None and s.voluntary is None
    assert "snarl" in s.unavailable_reason and "synkinesis" in s.unavailable_reason


def test_consistency_with_kanerva_ranges():
    assert F.consistency(80, 2)["status"] == "consistent"
    assert F.consistency(95, 2)["status"] == "borderline"
    bad = F.consistency(30, 2)
    assert bad["status"] == "inconsistent" and bad["expected_range"] == [71, 90] and "Kanerva" in bad["note"]
    assert F.consistency(None, 3)["status"] == "unavailable"


def test_severity_classes():
    assert [F.severity_class(g) for g in range(1, 7)] == [
        "normal", "mild", "moderate", "moderately severe", "severe", "total"]
    assert F.severity_class(None) is None


def test_side_verdict_none_gives_synkinesis_side_from_the_data():
    items = [F.SynkinesisInput("smile", "fissure_narrowing_mm", 3.0, 0.0)]
    s = F.sunnybrook(regions(), CALM_REST, items, SideVerdict("none", 0.9, 0.95, 0.0, (), ()))
    assert s.inputs["synkinesis_side"] == "right" and s.inputs["synkinesis_items_0_3"]["smile"] == 3


def test_eface_items_and_subscores():
    from kiosk.scoring.eface import eface, item_score

    assert item_score(5.0, 10.0) == 50.0 and item_score(12.0, 10.0) == 80.0 and item_score(30.0, 10.0) == 0.0
    assert item_score(3.0, 0.0) is None
    e = eface(static={"brow_height": (20.0, 18.0), "palpebral_fissure": (10.0, 10.0)},
              dynamic={"brow": (8.0, 2.0), "smile": (10.0, 5.0)},
              ocular={"smile": (10.0, 7.0), "pucker": (10.0, 9.0)}, affected_side="left")
    assert e.items == {"static_brow_height": 90.0, "static_palpebral_fissure": 100.0, "dynamic_brow": 25.0,
                       "dynamic_smile": 50.0, "synkinesis_ocular_smile": 70.0, "synkinesis_ocular_pucker": 90.0}
    assert (e.static, e.dynamic, e.synkinesis) == (95.0, 37.5, 70.0) and not e.affected_side_assumed
    # no side detected: the vote's sign picks it, and the result says it was assumed
    e2 = eface({"brow_height": (18.0, 20.0)}, {}, {}, "none", vote=-0.2)
    assert e2.affected_side == "right" and e2.affected_side_assumed and e2.static == 90.0 and e2.dynamic is None
