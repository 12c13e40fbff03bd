"""The tail rule of `overfitting`: the few evaluations after the validation loss's best that early
stopping leaves (its patience: 5-10 evaluations), judged on what each of them shows.

A run stopped by early stopping ends a patience after its best, too soon for the rise rules, which
wait for a rise beyond the noise measured since the best, to open (tester 23 F6: Keras'
EarlyStopping(restore_best_weights=True) on 30 % label noise, best val_loss at epoch 10 with 64
wrong of 540, then 79, 70, 77, 84, 100, 87, 111, 93 wrong and the training loss 0.991 -> 0.686: only
an info alert of another kind). The tail rule opens when, 3 or more evaluations after the best,
every one of them had more mistakes than the best (the loss is above its best at each by the best's
definition), the training loss fell (the caller's test), and the tail's mean is beyond the run's own
noise: its mean accuracy below the best's by `rise_z` binomial standard errors of the evaluation set
(its size as the accuracy's values reveal it), or its mean loss above the best by `rise_z` of the
loss's noise. Both are comparisons of a mean of k evaluations with one: the standard error is the
single evaluation's times sqrt(1 + 1/k)."""

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


@dataclass(frozen=True)
class Tail:
    """What the tail rule saw at one evaluation: `k` evaluations since the best (index `best_idx`),
    accuracy at the best and the tail's mean accuracy (fractions), the evaluation-set size `n` (None:
    unknown), the tail's mean loss and the best (nats), and how far each is beyond its noise (`z_acc`:
    binomial standard errors, NaN when n is unknown; `z_loss`: loss noise units, NaN when unmeasured)."""

    k: int
    best_idx: int
    acc_best: float
    acc_mean: float
    n: int | None
    loss_best: float
    loss_mean: float
    z_acc: float
    z_loss: float

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
        cand = worse & (k >= MIN_TAIL) & (run >= k) & train_fell
        if not cand.any():
            return out
        for t in np.flatnonzero(cand).tolist():
            i, b = int(idx[t]), int(bi[t])
            if ctx.x(acc, i) != ctx.x(series, i) or ctx.x(acc, b) != ctx.x(series, b):
                continue
            span = np.arange(b + 1, i + 1)
            ta, tl = _values(acc, span), _values(series, span)
            if not (np.isfinite(ta).all() and np.isfinite(tl).all()):
                continue
            kk = len(span)
            ab, am = float(a_best[t]), float(ta.mean())
            lb, lm = float(loss.best[t]), float(tl.mean())
            n = n_at(i) if n_at is not None else None
            z_acc = math.nan
            if n:
                q = (ab + am) / 2
                se = math.sqrt(max(q * (1 - q), 1.0 / n) / n * (1 + 1 / kk))
                z_acc = (ab - am) / se
            sig = float(loss.sig_prev[t]) if loss.sig_prev is not None else math.nan
            z_loss = (lm - lb) / (sig * math.sqrt(1 + 1 / kk)) if math.isfinite(sig) and sig > 0 else math.nan
            if not (z_acc >= p.rise_z or z_loss >= p.rise_z):
                continue
            out[t] = True
            self.last[t] = Tail(kk, b, ab, am, n, lb, lm, z_acc, z_loss)
        return out


def tail_how_sure(d: dict[str, float | int | None], unit: str, loss_name: str) -> str:
    """The "How sure" sentence of an alert the tail rule opened (`d`: `Tail.as_data`; `unit` 'epoch',
    `loss_name` the validation loss's name)."""
    k, n = int(d["k"] or 0), d["n"]
    ab, am = float(d["acc_best"] or 0.0), float(d["acc_mean"] or 0.0)
    lb, lm = float(d["loss_best"] or 0.0), float(d["loss_mean"] or 0.0)
    za, zl, z = (float(d[key]) if d[key] is not None else math.nan for key in ("z_acc", "z_loss", "z"))
    if isinstance(n, int) and n > 0:
        mistakes = (
            f"{round((1 - ab) * n)} of {n} samples wrong at the best, {(1 - am) * n:.1f} on average since "
            f"({za:.1f} binomial standard errors of a {n}-sample evaluation set)"
        )
    else:
        mistakes = (
            f"accuracy {fmt(ab)} at the best, {fmt(am)} on average since (the evaluation set's size is "
            "unknown)"
        )
    noise = f" ({zl:.1f} times its noise between evaluations)" if math.isfinite(zl) else " (noise unmeasured)"
    loss = f"{loss_name} {fmt(lm)} on average since against {fmt(lb)} at the best{noise}"
    bx = fmt_x(float(d["best_x"] or 0.0))
    beyond = [w for w, v in (("the mistakes", za), ("the loss", zl)) if v >= z]
    return (
        f"Little evidence: {count(k, 'evaluation')} since the best at {unit} {bx}, "
        "too few for the rules that measure a rise against the noise since the best (early stopping "
        f"ends a run this soon), but every one of them had more mistakes than the best: {mistakes}; {loss}. "
        f"It opened because the tail's mean is beyond the run's own noise ({z:g} standard errors of a mean "
        f"of {k} against one evaluation) in {' and '.join(beyond)}. "
    )
