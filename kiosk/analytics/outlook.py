"""Recovery outlook for clinicians: a saturating recovery curve fitted to one patient's composites.

An ESTIMATE for decision support, shown to clinicians only (never on the patient's sheet).

Model: ``c(t) = c_end - (c_end - c_start) * exp(-t / tau)`` with ``t`` in days since the
first kiosk session (the onset date is not recorded). No published recovery time constant
exists, so ``tau`` is fitted per patient over a log-spaced grid (5..400 days) and, for each
``tau``, ``c_end`` and ``c_start`` by least squares (the model is linear in them; ``c_end`` is held at
most 100, the top of the scale). The band is a
parametric bootstrap: the observations are perturbed by the residual spread (at least
``SIGMA_FLOOR`` composite points, so three points that the curve passes through exactly do
not give a falsely narrow band), refitted, and the 10th-90th percentiles (an 80 % interval)
of the projections are reported. Projections are clipped to the scale, 0..100.

The course is compared with published prognosis (Bell's palsy) and flagged when it lies below:

* Peitersen 2002 (2,500 palsies): 85 % show a first sign of recovery within 3 weeks -> flag
  when 3 weeks of follow-up show no rise of at least ``RISE_POINTS`` over the first session;
* Marsk et al. 2012 (829 patients): non-recovery = Sunnybrook < 70 at 12 months, predicted by
  the Sunnybrook score at 1 month with AUC 0.94 -> flag when the 12-month projection is
  below 70 (the upper end of the band below 70: "likely"; only the estimate: "possible");
* context, not a flag: incomplete palsy recovers fully in 94 %, complete palsy in about 60 %
  (Peitersen 2002, via secondary sources); "complete" here = a House-Brackmann VI estimate at
  the first session.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from kiosk.analytics.progress import SessionPoint

TAUS_DAYS = np.geomspace(5.0, 400.0, 64)
SIGMA_FLOOR = 4.0            # composite points: smallest spread assumed around the curve
N_BOOT = 300
BAND = (10.0, 90.0)          # percentiles: an 80 % interval
HORIZONS = ((3, 91), (6, 182), (12, 365))    # (months, days since the first session)
RISE_POINTS = 5.0            # a "first sign of recovery" on the composite (points)
FIRST_RECOVERY_DAYS = 21     # Peitersen 2002: 85 % within 3 weeks
NONRECOVERY_COMPOSITE = 70.0  # Marsk 2012: Sunnybrook < 70 at 12 months
MIN_POINTS, MIN_SPAN_DAYS = 3, 14
PLATEAU_MAX = 100.0          # the composite's ceiling
LABEL = "Estimate for clinicians (decision support, not a prognosis)"


@dataclass(frozen=True)
class Projection:
    months: int
    day: int                 # days since the first session
    estimate: float          # composite, 0..100
    low: float               # 80 % interval
    high: float


@dataclass(frozen=True)
class Outlook:
    status: str                                  # "ok" or why there is no fit ("too few sessions ...")
    days: tuple[float, ...]                      # observations: days since the first session
    values: tuple[float, ...]                    # composites
    c_start: float | None
    c_end: float | None                          # plateau of the fitted curve
    tau_days: float | None
    residual_sd: float | None
    curve: tuple[tuple[float, float, float, float], ...]   # (day, estimate, low, high) for drawing
    projections: tuple[Projection, ...]          # at 3, 6 and 12 months
    flags: tuple[str, ...]                       # course below published prognosis (clinician wording)
    context: tuple[str, ...]                     # published anchors that apply to this patient
    label: str = LABEL

    def at(self, months: int) -> Projection | None:
        return next((p for p in self.projections if p.months == months), None)

    def estimate_at(self, day: float) -> tuple[float, float, float] | None:
        """(estimate, low, high) at ``day`` since the first session, interpolated along the curve."""
        if not self.curve:
            return None
        xs = [c[0] for c in self.curve]
        return tuple(float(np.interp(day, xs, [c[i] for c in self.curve])) for i in (1, 2, 3))  # type: ignore


def _design(days: np.ndarray) -> np.ndarray:
    """Per tau, the 2 x n least-squares solver of ``y = a + b * exp(-t / tau)``; shape (taus, 2, n)."""
    e = np.exp(-days[None, :] / TAUS_DAYS[:, None])                     # (taus, n)
    x = np.stack([np.ones_like(e), e], axis=-1)                         # (taus, n, 2)
    return np.linalg.pinv(x)                                            # (taus, 2, n)


def _fit(days: np.ndarray, ys: np.ndarray, solver: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best tau per row of ``ys`` (rows, n): (a, b, tau index) arrays of length rows."""
    coef = np.einsum("tkn,rn->rtk", solver, ys)                          # (rows, taus, 2)
    e = np.exp(-days[None, :] / TAUS_DAYS[:, None])                     # (taus, n)
    # the plateau cannot exceed the scale: where it would, fix it at 100 and refit the start
    b_cap = ((ys[:, None, :] - PLATEAU_MAX) * e[None]).sum(-1) / (e ** 2).sum(-1)[None]
    over = coef[..., 0] > PLATEAU_MAX
    coef[..., 0] = np.where(over, PLATEAU_MAX, coef[..., 0])
    coef[..., 1] = np.where(over, b_cap, coef[..., 1])
    pred = coef[..., 0:1] + coef[..., 1:2] * e[None]                    # (rows, taus, n)
    sse = ((pred - ys[:, None, :]) ** 2).sum(-1)
    best = sse.argmin(axis=1)
    rows = np.arange(ys.shape[0])
    return coef[rows, best, 0], coef[rows, best, 1], best


def _predict(a: np.ndarray, b: np.ndarray, k: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.clip(a[:, None] + b[:, None] * np.exp(-day[None, :] / TAUS_DAYS[k][:, None]), 0.0, 100.0)


def recovery_outlook(points: Sequence[SessionPoint], *, seed: int = 0) -> Outlook:
    """Fit, band, projections and prognosis flags for a patient's course (points sorted by time)."""
    pts = [p for p in points if p.composite is not None]
    days = np.array([(p.at - pts[0].at).total_seconds() / 86400 for p in pts]) if pts else np.zeros(0)
    ys = np.array([p.composite for p in pts], dtype=float)
    context = _context(points)
    flags = _first_recovery_flag(days, ys) + _relapse_flag(ys)
    if len(pts) < MIN_POINTS or days[-1] < MIN_SPAN_DAYS:
        why = (f"too few sessions for a fit (needs {MIN_POINTS} with a composite over at least "
               f"{MIN_SPAN_DAYS} days; has {len(pts)})")
        return Outlook(why, tuple(days), tuple(ys), None, None, None, None, (), (), flags, context)
    solver = _design(days)
    a, b, k = _fit(days, ys[None, :], solver)
    fitted = _predict(a, b, k, days)[0]
    dof = max(len(ys) - 3, 1)
    sd = float(np.sqrt(((fitted - ys) ** 2).sum() / dof))
    rng = np.random.default_rng(seed)
    boot = fitted[None, :] + rng.normal(0.0, max(sd, SIGMA_FLOOR), (N_BOOT, len(ys)))
    ba, bb, bk = _fit(days, boot, solver)
    grid = np.unique(np.concatenate([np.linspace(0, max(HORIZONS[-1][1], days[-1]), 80),
                                     [d for _, d in HORIZONS]]))
    est = _predict(a, b, k, grid)[0]
    lo, hi = np.percentile(_predict(ba, bb, bk, grid), BAND, axis=0)
    curve = tuple((float(g), float(e), float(low), float(h)) for g, e, low, h in zip(grid, est, lo, hi))
    proj = tuple(Projection(m, d, *(float(v[np.searchsorted(grid, d)]) for v in (est, lo, hi)))
                 for m, d in HORIZONS)
    year = proj[-1]
    if year.high < NONRECOVERY_COMPOSITE:
        flags += (f"Projected composite at 12 months {year.estimate:.0f} ({year.low:.0f}–{year.high:.0f}): "
                  f"likely below {NONRECOVERY_COMPOSITE:.0f}, the non-recovery threshold of Marsk 2012.",)
    elif year.estimate < NONRECOVERY_COMPOSITE:
        flags += (f"Projected composite at 12 months {year.estimate:.0f} ({year.low:.0f}–{year.high:.0f}): "
                  f"possibly below {NONRECOVERY_COMPOSITE:.0f}, the non-recovery threshold of Marsk 2012.",)
    c_end = float(np.clip(a[0], 0, 100))
    return Outlook("ok", tuple(days), tuple(ys), float(a[0] + b[0]), c_end, float(TAUS_DAYS[k[0]]), sd, curve,
                   proj, flags, context)


def _first_recovery_flag(days: np.ndarray, ys: np.ndarray) -> tuple[str, ...]:
    """Peitersen 2002: 85 % show a first recovery within 3 weeks."""
    if len(ys) < 2 or days[-1] < FIRST_RECOVERY_DAYS:
        return ()
    if ys.max() - ys[0] >= RISE_POINTS:
        return ()
    return (f"No rise of {RISE_POINTS:.0f} composite points in {days[-1]:.0f} days since the first session: "
            "85 % of Bell's palsies show a first recovery within 3 weeks (Peitersen 2002).",)


def _relapse_flag(ys: np.ndarray) -> tuple[str, ...]:
    """A clear drop at the end (kiosk.analytics.feedback's rule): the recovery curve does not describe it."""
    from kiosk.analytics.feedback import DROP_POINTS
    if len(ys) < 2 or ys[:-1].max() - ys[-1] < DROP_POINTS:
        return ()
    return (f"The last composite is {ys[:-1].max() - ys[-1]:.0f} points below the best earlier one: not a recovery "
            "course, so the fitted curve and its projections describe it poorly. Examine clinically.",)


def _context(points: Sequence[SessionPoint]) -> tuple[str, ...]:
    out = ["At about 1 month the Sunnybrook score predicts non-recovery (Sunnybrook < 70 at 12 months) with "
           "AUC 0.94 (Marsk 2012, 829 patients); read the 1-month composite with that in mind."]
    first = next((p for p in points if p.hb_grade is not None), None)
    if first is not None:
        if first.hb_grade == 6:
            out.append("First session: complete palsy (House-Brackmann VI estimate): about 60 % of complete "
                       "palsies recover fully (Peitersen 2002).")
        else:
            out.append("First session: incomplete palsy (House-Brackmann estimate below VI): 94 % of incomplete "
                       "palsies recover fully (Peitersen 2002).")
    out.append("Times count from the first kiosk session; the onset date is not recorded.")
    return tuple(out)
