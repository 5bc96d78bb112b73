"""eFACE-style item scores (automated estimate; 100 = balanced).

Per item: ratio = affected / healthy x 100, score = 100 - |100 - ratio|, clipped to 0..100
(the scoring of the public auto-eFACE code [AutoSrc]; docs/metrics.md#eface-style-items).

* Static (rest frame): brow height, palpebral fissure, commissure distance from the
  lower-lip centre.  Subscore = mean of the available items.
* Dynamic: brow-raise excursion, gentle and tight eye-closure fractions, smile excursion.
  Subscore = mean of the available items.
* Synkinesis (ocular): palpebral fissure during smile and pucker, affected / healthy; the
  lower of the two item scores (auto-eFACE uses the smaller ratio).

No total is given: the weighting of the published total (dynamic x 2) is not confirmed
for this item set (see docs/metrics.md#eface-style-items).  The
affected side is the detected one; when none was detected, the side that moves less
overall (sign of the movement vote) is used and ``affected_side_assumed`` says so.

References: Banks CA et al., Plast Reconstr Surg 2015;136:223e; Miller MQ et al., Plast
Reconstr Surg 2021;147:467 (auto-eFACE); [AutoSrc] github.com/dguari1/Auto-eFace.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class EFaceEstimate:
    """Subscores 0..100 (None when no item was available) and the item scores."""

    static: float | None
    dynamic: float | None
    synkinesis: float | None
    items: dict[str, float | None]
    affected_side: str
    affected_side_assumed: bool
    inputs: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 1)  # noqa: E731
        return {"static": r(self.static), "dynamic": r(self.dynamic), "synkinesis": r(self.synkinesis),
                "items": {k: r(v) for k, v in self.items.items()}, "affected_side": self.affected_side,
                "affected_side_assumed": self.affected_side_assumed, "inputs": self.inputs,
                "what_it_is": "automated eFACE-style balance items (100 = balanced), not a clinician eFACE"}


def item_score(affected: float | None, healthy: float | None) -> float | None:
    """100 - |100 - 100 * affected / healthy|, clipped to 0..100; None if not measurable."""
    if affected is None or healthy is None or not healthy > 0:
        return None
    return float(np.clip(100.0 - abs(100.0 - 100.0 * max(affected, 0.0) / healthy), 0.0, 100.0))


def _mean(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return float(np.mean(got)) if got else None


def eface(static: dict[str, tuple[float, float]], dynamic: dict[str, tuple[float, float]],
          ocular: dict[str, tuple[float, float]], affected_side: str, vote: float = 0.0) -> EFaceEstimate:
    """eFACE-style estimate from (right, left) pairs per item.

    static: rest-frame values (mm); dynamic: movements (mm or closure fraction);
    ocular: palpebral fissure (mm) at the smile and pucker peaks.  affected_side: "left",
    "right" or "none" (then the sign of ``vote``, + = left weaker, picks the side).
    """
    assumed = affected_side not in ("left", "right")
    side = ("left" if vote > 0 else "right") if assumed else affected_side
    pick = (lambda p: (p[1], p[0])) if side == "left" else (lambda p: (p[0], p[1]))  # (affected, healthy)
    st = {f"static_{k}": item_score(*pick(v)) for k, v in static.items()}
    dy = {f"dynamic_{k}": item_score(*pick(v)) for k, v in dynamic.items()}
    oc = {f"synkinesis_ocular_{k}": item_score(*pick(v)) for k, v in ocular.items()}
    oc_scores = [v for v in oc.values() if v is not None]
    inputs = {"right_left_pairs": {"static": static, "dynamic": dynamic, "ocular": ocular}}
    return EFaceEstimate(_mean(list(st.values())), _mean(list(dy.values())), min(oc_scores) if oc_scores else None,
                         {**st, **dy, **oc}, side, assumed, inputs)
