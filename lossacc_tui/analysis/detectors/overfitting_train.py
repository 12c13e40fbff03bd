"""The training side of `overfitting` (detectors/overfitting.py): the training loss read at the
validation points (its level and the value a text quotes), its lowest level since the validation
best, and whether it has risen from there beyond its noise (both losses worse: a divergence, which
the alert lets go of)."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.detectors.train_join import train_at, train_level
from lossacc_tui.analysis.detectors.train_rose import min_since_best, noise_before_rows, rose_from_low
from lossacc_tui.analysis.params import Params
from lossacc_tui.model import Series


class TrainSide:
    """Mixin of `Overfitting`: its state of the training loss (set up in `Overfitting.__init__`)."""

    ctx: Ctx
    p: Params
    train: Series
    best_idx: int
    _raw: np.ndarray  # the training loss at the rows being judged (`_train_raw`)
    _tail: np.ndarray  # `_raw` of the last `noise_window` rows before this chunk
    _tlow: np.ndarray  # per row: the training loss's lowest level since the validation best
    _tbest: np.ndarray  # per row: the index of the validation best
    _tidx: np.ndarray  # the rows' own indices
    _tlow_carry: float

    def _train_low(self, bi: np.ndarray, idx: np.ndarray, lvl: np.ndarray) -> None:
        """Keep, per row of this chunk (validation best index `bi` per row, the rows' indices
        `idx`), the lowest training level `lvl` (`_train_level`, a mean of `half` values or more)
        since the validation best (`train_rose.min_since_best`): the lowest single value of a
        noisy series since a best many evaluations back is its luckiest one, which a later value
        exceeds by noise alone. Called before `best_idx` moves on."""
        self._tlow = min_since_best(lvl, bi, self.best_idx, self._tlow_carry)
        self._tlow_carry = float(self._tlow[-1]) if len(self._tlow) else self._tlow_carry
        self._tbest, self._tidx = bi, idx

    def _train_level(self, xs: np.ndarray, idx: np.ndarray, width: int | None = None) -> np.ndarray:
        """`train_join.train_level` of this run's training loss at the validation points (xs, idx):
        over `half` values (or `Ctx.train_window`, when larger; or `width`)."""
        return train_level(
            self.train, self.ctx.axis, xs, idx, width or max(self.p.half, self.ctx.train_window)
        )

    def _train_at(self, x: float) -> float:
        """`train_join.train_at`: the training loss the text quotes at x (NaN: none)."""
        return train_at(self.train, self.ctx.axis, x, self.ctx.train_window)

    def _rose(self, y: np.ndarray, best: np.ndarray) -> np.ndarray:
        """Per row: `train_rose.rose_from_low` of the training loss now (`_raw`) against its lowest
        level since the validation best (`_tlow`), beside the validation loss's rise y - best
        (nats); all False when the rows' training values are not known (a chunk judged without
        them)."""
        n = len(y)
        if len(self._raw) != n or len(self._tlow) != n or len(self._tbest) != n:
            return np.zeros(n, dtype=bool)
        # (the noise bar only where the cheap tests pass: most rows of a noisy per-step log, so
        # it is measured for all of them in whole-array passes, not one call per row)
        rise = y - best
        rose = rose_from_low(self._raw, self._tlow, 0.0, rise, self.p.rise_z)  # (MIN_FACTOR)
        js = np.flatnonzero(rose)
        if len(js) == 0:
            return rose
        hist = np.concatenate([self._tail, self._raw])  # (the rows before this chunk, then its own)
        rows = len(self._tail) + js
        best_rows = rows - (self._tidx[js] - self._tbest[js]).astype(np.int64)
        sig = noise_before_rows(hist, rows, best_rows, self.p.noise_window)
        rose[js] = rose_from_low(self._raw[js], self._tlow[js], sig, rise[js], self.p.rise_z)
        return rose
