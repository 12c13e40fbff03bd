"""The tail rule of `overfitting`: the few evaluations after the validation loss's best that early
stopping leaves (its patience: 5-10 evaluations), judged on what each of them shows.

A run stopped by early stopping ends a patience after its best, too soon for the rise rules, which
wait for a rise beyond the noise measured since the best, to open (tester 23 F6: Keras'
EarlyStopping(restore_best_weights=True) on 30 % label noise, best val_loss at epoch 10 with 64
wrong of 540, then 79, 70, 77, 84, 100, 87, 111, 93 wrong and the training loss 0.991 -> 0.686: only
an info alert of another kind). The tail rule opens when, 3 or more evaluations after the best,
every one of them had more mistakes than the best (the loss is above its best at each by the best's
definition), the training loss fell (the caller's test), and the tail's mean is beyond the run's own
noise: its mean accuracy below the mean of as many evaluations before the best (3 at least) by
`rise_z` binomial standard errors of the evaluation set (its size as the accuracy's values reveal it),
or, where that size is unknown, its mean loss above theirs by `rise_z` of the loss's noise (the
standard error of a difference of means of k and k' evaluations: the single evaluation's times
sqrt(1/k + 1/k')). Not against the best: the best loss of many noisy evaluations is a lucky one, and
its accuracy with it, so that every evaluation after it is worse by regression to the mean alone (a
healthy SGD run scored on a random 64-sample batch opened three times against the best, once against
a mean that held the best)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.features import LossFeatures
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import count, fmt, fmt_x
from lossacc_tui.model import Series

#: evaluations after the best the tail rule needs (each with more mistakes than the best)
MIN_TAIL = 3
#: ... and at most this many `noise_window`s of them (early stopping's patience is 5-10 evaluations)
MAX_TAIL_WINDOWS = 2


@dataclass(frozen=True)
class Tail:
    """What the tail rule saw at one evaluation: `k` evaluations since the best (index `best_idx`),
    accuracy at the best and the tail's mean accuracy (fractions), the evaluation-set size `n` (None:
    unknown), the best and the tail's mean loss (nats), the means over the `k_before` evaluations
    before the best (`acc_before`, `loss_before`), and how far the tail's means are beyond
    those in noise (`z_acc`: binomial standard errors, NaN when n is unknown; `z_loss`: loss noise
    units, NaN when unmeasured)."""

    k: int
    best_idx: int
    acc_best: float
    acc_mean: float
    n: int | None
    loss_best: float
    loss_mean: float
    z_acc: float
    z_loss: float
    k_before: int
    acc_before: float
    loss_before: float

    def as_data(self, best_x: float, z: float) -> dict[str, float | int | None]:
        """The reading as an alert's data (`tail_how_sure` reads it), with the best's x and the bar z."""
        return {
            "k": self.k,
            "best_x": best_x,
            "acc_best": self.acc_best,
            "acc_mean": self.acc_mean,
            "n": self.n,
            "loss_best": self.loss_best,
            "loss_mean": self.loss_mean,
            "z_acc": self.z_acc,
            "z_loss": self.z_loss,
            "z": z,
            "k_before": self.k_before,
            "acc_before": self.acc_before,
            "loss_before": self.loss_before,
        }


def _values(series: Series, idx: np.ndarray) -> np.ndarray:
    """The raw values of `series` at indices `idx` (NaN out of range)."""
    out = np.full(len(idx), np.nan)
    j = idx - series.base
    ok = (j >= 0) & (idx < len(series))
    out[ok] = series.raw[j[ok]]
    for t in np.flatnonzero((j < 0) & (idx >= 0)).tolist():
        out[t] = series.value_at(int(idx[t]))
    return out


class TailRun:
    """The tail rule over a stream of chunks (module docstring). `feed` returns where it holds;
    `last` is the reading at each point where it held (by chunk position), for the text."""

    def __init__(self) -> None:
        self._carry = 0  # evaluations in a row, to the last chunk's end, with fewer right than their best
        self.last: dict[int, Tail] = {}

    def skip(self) -> None:
        """A chunk where the loss never stood above its best: every point a best, no tail."""
        self._carry = 0
        self.last = {}

    def feed(
        self,
        loss: LossFeatures,
        ctx: Ctx,
        series: Series,
        train_fell: np.ndarray,
        n_at: Callable[[int], int | None] | None,
        p: Params,
    ) -> np.ndarray:
        """Boolean per point of the chunk: the tail rule holds there. `loss` the validation loss's
        features (y as logged, best, best_idx, sig_prev), `series` its series (the rule holds only for
        `ctx.loss`, read with `ctx.acc` where that was logged at the same x), `train_fell` where the
        training loss fell since the best beyond its noise, `n_at` the evaluation-set size by point."""
        m = len(loss.y)
        acc = ctx.acc if series is ctx.loss else None
        self.last = {}
        out = np.zeros(m, dtype=bool)
        if acc is None or m == 0:
            self._carry = 0
            return out
        idx, bi = loss.idx, loss.best_idx
        a_now, a_best = _values(acc, idx), _values(acc, bi)
        with quiet(invalid="ignore"):
            worse = (a_now < a_best) & (idx > bi)
        pos = np.arange(m)
        last_not = np.maximum.accumulate(np.where(~worse, pos, -1))
        run = pos - last_not
        run[last_not < 0] += self._carry
        self._carry = int(run[-1])
        k = idx - bi
        # (a short tail only: past MAX_TAIL_WINDOWS noise windows the rules that measure the noise since
        # the best have their points, and each reading here costs O(k))
        cand = worse & (k >= MIN_TAIL) & (k <= MAX_TAIL_WINDOWS * p.noise_window) & (run >= k) & train_fell
        if not cand.any():
            return out
        for t in np.flatnonzero(cand).tolist():
            i, b = int(idx[t]), int(bi[t])
            if ctx.x(acc, i) != ctx.x(series, i) or ctx.x(acc, b) != ctx.x(series, b):
                continue
            span, before = np.arange(b + 1, i + 1), np.arange(max(0, b - (i - b)), b)
            ta, tl = _values(acc, span), _values(series, span)
            pa, pl = _values(acc, before), _values(series, before)
            if len(before) < MIN_TAIL or not all(np.isfinite(v).all() for v in (ta, tl, pa, pl)):
                continue
            kk, kb = len(span), len(before)
            am, lm, pam, plm = float(ta.mean()), float(tl.mean()), float(pa.mean()), float(pl.mean())
            # (against the level before the best, not the best: the best loss of many noisy
            # evaluations is a lucky one, and so is its accuracy where the two move together; every
            # evaluation after it is then worse by regression to the mean alone)
            n = n_at(i) if n_at is not None else None
            z_acc = math.nan
            if n:
                q = (pam + am) / 2
                se = math.sqrt(max(q * (1 - q), 1.0 / n) / n * (1 / kk + 1 / kb))
                z_acc = (pam - am) / se
            sig = float(loss.sig_prev[t]) if loss.sig_prev is not None else math.nan
            scale = sig * math.sqrt(1 / kk + 1 / kb)
            z_loss = (lm - plm) / scale if math.isfinite(sig) and sig > 0 else math.nan
            # (the mistakes decide where the evaluation set's size is known: a loss noise read from
            # the few second differences of a short run can be half the true one)
            if not (z_acc >= p.rise_z if n else z_loss >= p.rise_z):
                continue
            out[t] = True
            lb = float(loss.best[t])
            self.last[t] = Tail(kk, b, float(a_best[t]), am, n, lb, lm, z_acc, z_loss, kb, pam, plm)
        return out


def tail_how_sure(d: dict[str, float | int | None], unit: str, loss_name: str) -> str:
    """The "How sure" sentence of an alert the tail rule opened (`d`: `Tail.as_data`; `unit` 'epoch',
    `loss_name` the validation loss's name)."""
    k, n = int(d["k"] or 0), d["n"]
    ab, am = float(d["acc_best"] or 0.0), float(d["acc_mean"] or 0.0)
    lb, lm = float(d["loss_best"] or 0.0), float(d["loss_mean"] or 0.0)
    za, zl, z = (float(d[key]) if d[key] is not None else math.nan for key in ("z_acc", "z_loss", "z"))
    kb, pa, pl = int(d["k_before"] or 0), float(d["acc_before"] or 0.0), float(d["loss_before"] or 0.0)
    if isinstance(n, int) and n > 0:
        mistakes = (
            f"{round((1 - ab) * n)} of {n} samples wrong at the best, {(1 - pa) * n:.1f} on average over the "
            f"{kb} evaluations before it and {(1 - am) * n:.1f} since ({za:.1f} binomial standard errors of "
            f"a {n}-sample evaluation set)"
        )
    else:
        mistakes = (
            f"accuracy {fmt(ab)} at the best, {fmt(pa)} on average over the {kb} evaluations before it and "
            f"{fmt(am)} since (the evaluation set's size is unknown)"
        )
    loss = f"{loss_name} {fmt(lm)} on average since, above its best {fmt(lb)} at each"
    if not (isinstance(n, int) and n > 0):
        loss += (
            f", against {fmt(pl)} on average before the best ({zl:.1f} times its noise)"
            if math.isfinite(zl)
            else ""
        )
    bx = fmt_x(float(d["best_x"] or 0.0))
    beyond = [w for w, v in (("the mistakes", za), ("the loss", zl)) if v >= z]
    return (
        f"Little evidence: it opened {count(k, 'evaluation')} after the best at {unit} {bx}, "
        "too few for the rules that measure a rise against the noise since the best (early stopping "
        f"ends a run this soon), but every one of them had more mistakes than the best: {mistakes}; {loss}. "
        f"It opened because that tail was beyond the run's own noise in {' and '.join(beyond)} ({z:g} "
        f"standard errors of the difference between the mean of the {k} evaluations since the best and "
        f"of the {kb} before it). "
    )
