"""The floor of a validation loss that is itself label-smoothed cross-entropy, and rises judged above it.

Under label smoothing eps with K classes a sample's target puts 1 - eps + eps/K on its class and eps/K
on each other one; cross-entropy against it is H(eps, K) + KL(target || p) >= H(eps, K) nats
(`smoothing.smoothed_floor`: 0.500 for eps 0.1, K 10), reached by a perfect model. Many loops log the
same criterion for validation as for training (`CrossEntropyLoss(label_smoothing=0.1)` used for both),
so the validation loss sits on that floor: a rise of 3.9 % of a loss whose floor is half of it is a rise
of about 8 % of the part a model can change. The rise rules (`overfitting`, `loss-up-acc-up`) judge their
relative thresholds (`rise_rel`, `steady_rise_rel`) on that part (`above_floor`) where the floor is
known; rules measured in the loss's own noise are unchanged (a shift moves no difference).

The floor is known (`floors`, per evaluation, from what is logged up to it):

- ``follows``: eps and K from the run's configuration (`smoothing_config`, `classes`: given or a
  config file) give H(eps, K), and the validation loss never went below it (a loss of that criterion
  cannot; one that did is plain cross-entropy, floor 0);
- ``likely``: K known, the training loss levelled off (`smoothing.FLAT_REL` over 2 x `half`
  evaluations) at T >= `smoothing.FLAT_MIN` nats with every training sample right, T names an eps in
  `smoothing.EPS_RANGE` (T = H(eps, K), `smoothing.eps_for_floor`), and the validation loss never went
  below T: the floor is T.

Nothing else counts: with K unknown a training loss levelled off above 0 may as well be dropout or a
regulariser that the validation loss does not carry, and judging its rise above that level would make
every rise look larger than it is.

>>> round(excess_share(1.04, 1.0, 0.5), 3)
0.08
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lossacc_tui.analysis.claims import Claim, Strength
from lossacc_tui.analysis.detectors.base import Ctx, lookup
from lossacc_tui.analysis.detectors.smoothing import (
    EPS_RANGE,
    FITS_ALL,
    FLAT_MIN,
    FLAT_REL,
    eps_for_floor,
    smoothed_floor,
)
from lossacc_tui.analysis.detectors.train_acc import train_acc_at
from lossacc_tui.analysis.features import LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.analysis.span_trend import SpanFit
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series

#: how far (relative) below the floor the validation loss may have been and still count as never below
#: it (the float rounding of a logged value)
BELOW_TOL = 1e-6


@dataclass(frozen=True)
class Floor:
    """The floor of the validation loss at one evaluation: nats (> 0), how sure, and its origin."""

    nats: float
    strength: Strength  # 'follows' (eps and K from configuration) or 'likely' (the training floor)
    eps: float  # the smoothing factor that gives it
    k: int
    train_loss: float  # nats: the training level it was read from ('likely'); NaN for 'follows'
    basis: str  # where eps was read ('follows'), else ""


def excess_share(now: float, best: float, floor: float) -> float:
    """The rise from `best` to `now` (nats) as a fraction of the part of `best` above `floor`."""
    return (now - best) / (best - floor) if best > floor else math.nan


def _config_floor(ctx: Ctx) -> Floor | None:
    """H(eps, K) with eps and K both from the run's configuration or --classes, else None."""
    cfg, k = ctx.smoothing_config, ctx.classes.k
    if cfg is None or k is None or ctx.classes.source not in ("given", "config") or not cfg.eps > 0:
        return None
    return Floor(smoothed_floor(cfg.eps, k), "follows", cfg.eps, k, math.nan, cfg.basis)


def floors(ctx: Ctx, x: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The validation loss's floor (nats; 0 where none is known) at each evaluation x, whose running
    best (the lowest validation loss up to it, nats) is `best`. Shapes (n,)."""
    out = np.zeros(len(x))
    if ctx.split != "validation" or ctx.train is None or len(x) == 0:
        return out
    with quiet(invalid="ignore"):
        cfg = _config_floor(ctx)
        if cfg is not None:
            return np.where(best >= cfg.nats * (1 - BELOW_TOL), cfg.nats, 0.0)
        t = _trained_floor(ctx, x)
        ok = np.isfinite(t) & (best >= t * (1 - BELOW_TOL))
    return np.where(ok, t, 0.0)


def _trained_floor(ctx: Ctx, x: np.ndarray) -> np.ndarray:
    """The training loss at each x where it names a smoothing floor (K known, levelled off at training
    accuracy >= FITS_ALL, at least FLAT_MIN nats, an eps in EPS_RANGE), else NaN. Shapes (n,)."""
    k, train = ctx.classes.k, ctx.train
    nan = np.full(len(x), np.nan)
    if k is None or train is None or ctx.train_acc is None:
        return nan
    t = lookup(train, ctx.axis, x)
    before = _before(train, ctx.axis, x, 2 * ctx.params.half)
    ta = train_acc_at(ctx, x)
    with quiet(invalid="ignore"):
        ok = (ta >= FITS_ALL) & (t >= FLAT_MIN) & (np.abs(before - t) <= FLAT_REL * np.abs(before))
        # (H(eps, K) rises with eps up to (K - 1)/K: a level names an eps in EPS_RANGE exactly when it
        # lies between the floors of the range's ends)
        ok &= (t >= smoothed_floor(EPS_RANGE[0], k)) & (t <= smoothed_floor(EPS_RANGE[1], k))
    return np.where(ok, t, np.nan)


def _before(series: Series, axis: str, x: np.ndarray, back: int) -> np.ndarray:
    """The value `back` points before the last one at or before each x (NaN where none)."""
    out = np.full(len(x), np.nan)
    col = x_column(series, axis)
    if col is None:
        return out
    j = np.searchsorted(col, x, side="right") - 1 - back
    ok = j >= 0
    out[ok] = series.raw[j[ok]]
    return out


def floor_at(ctx: Ctx, series: Series, i: int, x: float) -> Floor | None:
    """The floor (`floors`) of the validation loss `series` at its point i (x on the log's axis), with
    how it was found, or None."""
    lo = series.raw[: max(0, i + 1 - series.base)]
    lo = lo[np.isfinite(lo)]
    if not len(lo):
        return None
    best = float(lo.min())
    f = float(floors(ctx, np.array([x]), np.array([best]))[0])
    if not f > 0:
        return None
    cfg = _config_floor(ctx)
    if cfg is not None:
        return cfg
    k = ctx.classes.k or 0
    return Floor(f, "likely", eps_for_floor(f, k), k, f, "")


def above_floor(loss: LossFeatures, fit: SpanFit, floor: np.ndarray) -> tuple[LossFeatures, SpanFit]:
    """The features and span fit of the part of the loss above `floor` (nats per point): y, best, the
    level, the best level and the span's recent mean less the floor. Unchanged (the same objects) where
    no floor is known anywhere in the chunk."""
    if not (floor > 0).any():
        return loss, fit
    shifted = replace(
        loss,
        y=loss.y - floor,
        lvl=loss.lvl - floor,
        lbest=loss.lbest - floor,
        best=None if loss.best is None else loss.best - floor,
    )
    return shifted, replace(fit, recent=fit.recent - floor)


def floor_claim(
    f: Floor, best: float, now: float, x0: float, x1: float, names: tuple[str, str, str]
) -> Claim:
    """The `loss-floor` claim: the rise from `best` (at x0) to `now` (at x1, nats) is judged above
    the floor `f`, and how the floor was found."""
    lname, _, unit = names
    if f.strength == "follows":
        how = (
            f"the smoothed cross-entropy of a perfect model, H(eps, K) = {fmt(f.nats)} nats for eps = "
            f"{fmt(f.eps, 3)} ({f.basis}) and K = {f.k}; {lname} never went below it, as a loss of that "
            "criterion cannot"
        )
        others = (
            "If the validation loop logs plain cross-entropy instead (floor 0), a validation loss that "
            "stays above this floor is a coincidence of the task's difficulty; the loop's criterion decides"
        )
    else:
        how = (
            f"the training loss levelled off at {fmt(f.train_loss)} nats with every training sample right, "
            f"the floor H(eps, K) of smoothing eps = {fmt(f.eps, 2)} with K = {f.k} classes, and {lname} "
            "never went below it: it reads as the same smoothed criterion"
        )
        others = (
            "Another reading: the validation loss is plain cross-entropy (floor 0) and the training "
            "objective carries a term it does not (dropout, a regulariser); the recipe's label-smoothing "
            "setting and the validation loop's criterion decide"
        )
    share = excess_share(now, best, f.nats)
    rel = (now - best) / best if best > 0 else math.nan
    text = f"{lname}'s rise is judged on its part above a floor of {fmt(f.nats)} nats: {how}"
    if math.isfinite(rel) and math.isfinite(share):
        text += (
            f". From {unit} {fmt_x(x0)} to {fmt_x(x1)} it went {fmt(best)} -> {fmt(now)}, {rel:+.1%} of "
            f"its value and {share:+.1%} of its part above the floor"
        )
    ev = {"floor": f.nats, "eps": f.eps, "k": float(f.k), "rise_rel": rel, "rise_above_floor": share}
    return Claim("loss-floor", f.strength, x0, x1, text, value=f.nats, evidence=ev, others=others)
