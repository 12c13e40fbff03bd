"""The base of the detectors on the joint (loss, accuracy) stream of one split (the kinds: `loss_up`,
`loss_down`, `acc_flat`, `level`, `unstable`).

Hooks get `loss` (LossFeatures) and `acc` (AccFeatures) of the same evaluations; the pair adds
`acc_at_best` (accuracy level where the loss had its best) and `loss_at_abest` (loss level where
accuracy had its best level).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.converging import Converging, converging_reading
from lossacc_tui.analysis.detectors.base import (
    Detector,
    names,
    value,
)
from lossacc_tui.analysis.detectors.train_join import train_at
from lossacc_tui.analysis.features import LossFeatures
from lossacc_tui.analysis.quantities import loss_per_mistake


def new_best(loss: LossFeatures) -> np.ndarray | None:
    """True where the raw loss reaches a new running minimum (strictly below every earlier value):
    an alert saying the loss has risen above its best is contradicted there."""
    if loss.best_idx is None:
        return None
    return (loss.best_idx == loss.idx) & (loss.idx > 0) & np.isfinite(loss.y)


class PairDetector(Detector):
    """Stores the usual loss/accuracy numbers at a point; subclasses add their own."""

    def pair_numbers(self, i: int, prefix: str) -> dict[str, float]:
        loss, acc = value(self.ctx.loss, i), value(self.ctx.acc, i)
        return {
            f"{prefix}_x": self.ctx.x(self.series, i),
            f"{prefix}_loss": loss,
            f"{prefix}_acc": acc,
            f"{prefix}_loss_per_mistake": loss_per_mistake(loss, acc),
        }

    def acc_best(self, i: int) -> dict[str, float]:
        """The highest accuracy of the run up to point i and its x. Kept as a running maximum, so the
        live alert re-rendered after each new point costs the new points only; a closed alert's
        older point is scanned once (its text is then kept)."""
        acc = self.ctx.acc
        none = {"acc_best": math.nan, "acc_best_x": math.nan}
        if acc is None or i < 0:
            return none
        n = min(i + 1, len(acc))
        seen, best, k = getattr(self, "_amax", (0, -math.inf, -1))
        if n >= seen:
            seen = max(seen, acc.base)  # (the oldest points folded, `--keep`: from the first kept)
            v = acc.raw[seen - acc.base : n - acc.base]
            fin = np.isfinite(v)
            if fin.any():
                j = int(np.argmax(np.where(fin, v, -np.inf)))
                if v[j] > best:
                    best, k = float(v[j]), seen + j
            self._amax = (n, best, k)
        else:  # (`values` keeps each folded block's highest point: exact)
            v = acc.values[: acc.kept_before(n)]
            fin = np.isfinite(v)
            if not fin.any():
                return none
            p = int(np.argmax(np.where(fin, v, -np.inf)))
            best, k = float(v[p]), acc.absolute(p)
        return none if k < 0 else {"acc_best": best, "acc_best_x": self.ctx.x(acc, k)}

    def loss_low_before(self, i: int) -> float:
        """The lowest finite loss (nats) of the points before point i; NaN when there is none. Kept
        as a running minimum like `acc_best`, so an open alert re-rendered after each new point
        costs the new points only; an older point (a closed alert's text) is scanned once."""
        loss = self.ctx.loss
        if loss is None or i <= 0:
            return math.nan
        seen, low = getattr(self, "_lowmemo", (0, math.inf))
        if i >= seen:
            start = max(seen, loss.base)  # (the oldest points folded, `--keep`: from the first kept)
            v = loss.raw[max(0, start - loss.base) : max(0, i - loss.base)]
            fin = v[np.isfinite(v)]
            if len(fin):
                low = min(low, float(fin.min()))
            self._lowmemo = (i, low)
        else:  # (`values` keeps each folded block's lowest point: exact)
            v = loss.values[: loss.kept_before(i)]
            fin = v[np.isfinite(v)]
            low = float(fin.min()) if len(fin) else math.inf
        return low if math.isfinite(low) else math.nan

    def converging(self, i: int, loss: float, acc: float) -> Converging:
        """The reading a still-converging run favours at point i (`converging.converging_reading`):
        the loss's lowest before i and the training loss at i beside the pair (nats, fraction)."""
        return converging_reading(
            loss, acc, self.loss_low_before(i), self.train_at(i), self.ctx.classes.k, names(self.ctx)
        )

    def train_at(self, i: int) -> float:
        """The training loss at this series' point i (nats): the value logged there, or for a per-step
        training loss its mean over about an evaluation's worth of batches (`train_join.train_at`), as
        an epoch-mean log of the same run says: one batch of a diverging run had read 101.7 nats
        where the epoch's mean was 55.3, and a training loss "above the validation loss" then
        demoted the same swing to a warning in one format only (tester 15's `diverge`)."""
        if self.ctx.train is None:
            return math.nan
        x = self.ctx.x(self.series, i)
        return train_at(self.ctx.train, self.ctx.axis, x, self.ctx.train_window)
