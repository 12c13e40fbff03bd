"""Evaluations whose (loss, accuracy) pair cannot be cross-entropy and accuracy of the same
predictions, and a view of the loss that keeps them out of bests and trends.

Two rules, both per evaluation (no trend window, so they work from the first evaluation):

- **below the floor** (`follows`): loss < (1 - a) ln 2 (see `evidence.below_floor`);
- **pinned at chance** (`likely`): accuracy within 15 % of 1/K (K known, or the K that 1/a rounds
  to, K >= 3) while the loss is below half of ln K. Cross-entropy allows it only if nearly every
  sample sits just below the threshold, a few tenths on its true class and never on top, which a
  model that learns does not produce; a metric that reads the labels differently from the loss
  (sparse vs one-hot) does. With K not known this is a guess: two classes allow the same pair (a
  model predicting one class with mild confidence on a split whose majority is the other), so a
  guessed K counts only when the training pair is pinned too (`corroborated`): a model cannot stay
  at chance on its own training data while its training cross-entropy falls far below ln K.

>>> import numpy as np
>>> inconsistent(np.array([1.19e-07, 0.46]), np.array([0.119, 0.88]), None).tolist()
[1, 0]
>>> inconsistent(np.array([0.7688]), np.array([0.0851]), None).tolist()
[2]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lossacc_tui.analysis.evidence import FLOOR_ABS_SLACK, FLOOR_REL_SLACK
from lossacc_tui.analysis.npcalls import nonzero1
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.model import Series

LN2 = math.log(2.0)


def inconsistent(loss: np.ndarray, acc: np.ndarray, k: int | None) -> np.ndarray:
    """Per evaluation: 0 consistent (or unknown), 1 below the cross-entropy floor, 2 accuracy pinned
    at chance while the loss is far below ln K. Shapes (n,) -> (n,) int8.

    Cost: two passes over the arrays; each rule's remaining tests run only on the evaluations its
    first test leaves (the floor's on those below it, chance's on accuracies near 1/K), with the
    same arithmetic on each value as over the whole array."""
    out = np.zeros(len(loss), dtype=np.int8)
    with quiet(invalid="ignore", divide="ignore"):
        if k is not None:
            near = nonzero1(np.abs(acc * float(k) - 1.0) <= 0.15) if k >= 2 else np.zeros(0, np.int64)
        else:  # (1/a rounds to K >= 3 only where a < 0.4)
            near = nonzero1((acc > 0) & (acc <= 0.4))
        if len(near):
            lo, ac = loss[near], acc[near]
            ok = np.isfinite(lo) & np.isfinite(ac) & (ac >= 0) & (ac <= 1)
            kk = np.full(len(ac), float(k)) if k is not None else np.rint(1.0 / np.where(ac > 0, ac, np.nan))
            usable = ok & (kk >= (2 if k is not None else 3))
            pinned = usable & (np.abs(ac * kk - 1.0) <= 0.15) & (lo < 0.5 * np.log(np.where(usable, kk, 2.0)))
            out[near[pinned]] = 2
        below = nonzero1(loss < (1.0 - acc) * LN2 * (1 - FLOOR_REL_SLACK) - FLOOR_ABS_SLACK)
        if len(below):
            lo, ac = loss[below], acc[below]
            ok = np.isfinite(lo) & np.isfinite(ac) & (ac >= 0) & (ac <= 1)
            out[below[ok]] = 1
    return out


def kept_out(loss: np.ndarray, acc: np.ndarray, k: int | None, guess_ok: bool) -> np.ndarray:
    """Which evaluations (aligned arrays, shape (n,)) `ConsistentLoss` keeps out of bests and trends:
    those below the floor, and those pinned at chance when K is known or a guessed K counts
    (`guess_ok`). Shape (n,) bool."""
    code = inconsistent(loss, acc, k)
    return (code == 1) | ((code == 2) & (k is not None or guess_ok))  # type: ignore[no-any-return]


def corroborates(train: np.ndarray, train_acc: np.ndarray) -> bool:
    """Whether some training evaluation (aligned arrays, shape (n,)) is inconsistent too (below the
    floor, or pinned at the chance of the K its accuracy rounds to): what makes a guessed K's chance
    rule more than a guess."""
    return bool((inconsistent(train, train_acc, None) > 0).any())


class ConsistentLoss:
    """The loss series as the trend tracks see it: an evaluation whose pair with the accuracy of the
    same index is inconsistent takes the previous consistent value, or NaN when there is none (a
    glitched evaluation must not become the best checkpoint or a trend's baseline). Everything else
    is the series itself.

    Amortised O(1) per new point; judged once, when both the loss and the accuracy of an index are
    known (later accuracies cannot change an index already handed to a track).
    """

    def __init__(self, loss: Series, acc: Series, k: int | None, guess_ok: bool = True) -> None:
        """`guess_ok`: with K not known, whether the chance rule (rule 2) of a guessed K counts
        (`corroborated`); below the floor (rule 1) always does."""
        self._loss, self._acc, self._k, self._guess_ok = loss, acc, k, guess_ok
        self._buf = np.empty(0)
        self._b = 0  # absolute index of _buf[0]
        self._n = 0
        self.masked = 0  # evaluations replaced so far

    def _sync(self) -> None:
        n = len(self._loss)
        if n <= self._n:
            return
        lb, ab = self._loss.base, self._acc.base  # (0 unless the oldest points were folded)
        if lb > self._b:  # the loss' oldest points were folded: so are ours
            drop = min(lb, self._n) - self._b
            self._buf = self._buf[drop:].copy()
            self._b += drop
            if self._n < lb:
                self._b = self._n = lb
        if len(self._buf) < n - self._b:
            buf = np.empty(max(16, (n - self._b) * 3 // 2))
            buf[: self._n - self._b] = self._buf[: self._n - self._b]
            self._buf = buf
        new = self._loss.raw[self._n - lb : n - lb].astype(np.float64, copy=True)
        m = min(n, len(self._acc)) - self._n
        if m > 0 and self._n >= ab:
            bad = kept_out(new[:m], self._acc.raw[self._n - ab : self._n - ab + m], self._k, self._guess_ok)
            if bad.any():
                prev = self._buf[self._n - 1 - self._b] if self._n > self._b else math.nan
                for j in np.flatnonzero(bad):
                    # (the value before was replaced already when it was bad too; with no finite
                    # one before it, the evaluation is left out: NaN, never kept as it was)
                    before = new[j - 1] if j > 0 else prev
                    new[j] = before if math.isfinite(before) else math.nan
                    self.masked += 1
        self._buf[self._n - self._b : n - self._b] = new
        self._n = n

    @property
    def rule(self) -> tuple[int | None, bool]:
        """(K, guess_ok) as `kept_out` takes them: what this view keeps out of the loss."""
        return self._k, self._guess_ok

    @property
    def raw(self) -> np.ndarray:
        """The values from the loss' `base` on (all of them unless its oldest points were folded)."""
        self._sync()
        return self._buf[self._loss.base - self._b : self._n - self._b]

    @property
    def values(self) -> np.ndarray:
        return self.raw

    def __len__(self) -> int:
        return len(self._loss)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loss, name)
