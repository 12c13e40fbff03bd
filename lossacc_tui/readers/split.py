"""One file can hold several runs. The Splitter finds where a run restarts and drops duplicates.

Rules, applied to every record in order (on the step when the source has one, else the epoch):
1. A record that matches one of the last `WINDOW` records with the same x (same metrics, values
   equal to `REL_TOL`) is a duplicate and is dropped: a logger that wrote a row twice, or two
   processes that both wrote every step.
2. Otherwise a record whose x goes back is a restart: a new run begins (`file#2`, ...). So does a
   record the reader marks as the start of a run (a new table header, a new `model.fit`).
3. When every record of a run so far has the same x (Keras CSVLogger with `model.fit` called once per
   epoch writes epoch 0 every time), row order becomes the x axis.

Records whose x is larger than every x before are kept without any of these checks, in one
vectorized step; the per-record path runs only for the others.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from lossacc_tui.model import Batch

WINDOW = 64
REL_TOL = 0.1

_Row = tuple[float, frozenset[str], dict[str, float]]


class Splitter:
    def __init__(self) -> None:
        self.segment = 0
        self.axis: str | None = None  # 'step' | 'epoch' | 'ordinal', fixed by the first batch
        self._max_x = -math.inf  # largest x ever seen in this source
        self._seg_last = -math.inf
        self._seg_first = math.nan
        self._seg_first_keys: frozenset[str] = frozenset()
        self._seg_rows = 0
        self._seg_constant = True
        self._ordinal = False
        self._ordinal_next = 0.0
        self._window: deque[_Row] = deque(maxlen=WINDOW)
        self.duplicates = 0
        self.restarts = 0

    def split(self, batch: Batch) -> list[tuple[int, Batch]]:
        """(segment index, sub-batch) pairs in order; duplicates removed."""
        if batch.n == 0:
            return []
        if self.axis is None:
            if batch.step is not None and not np.isnan(batch.step).all():
                self.axis = "step"
            elif batch.epoch is not None and not np.isnan(batch.epoch).all():
                self.axis = "epoch"
            else:
                self.axis = "ordinal"
        if self.axis == "ordinal":
            return self._split_ordinal(batch)
        col = batch.step if self.axis == "step" else batch.epoch
        x = np.full(batch.n, np.nan) if col is None else col.copy()
        valid = ~np.isnan(x)
        prev_max = np.maximum.accumulate(np.concatenate(([self._max_x], np.where(valid, x, -np.inf))))
        slow = valid & (x <= prev_max[:-1])
        if batch.starts:
            slow[list(batch.starts)] = True
        seg = np.full(batch.n, self.segment, dtype=np.int64)
        keep = np.ones(batch.n, dtype=bool)
        slow_rows = np.flatnonzero(slow)
        if len(slow_rows) == 0 and not self._ordinal:
            self._advance_fast(batch, x, valid, 0, batch.n)
        else:
            names = list(batch.values)
            start = 0
            for i in slow_rows:
                self._advance_fast(batch, x, valid, start, i)
                seg[start:i] = self.segment
                keep[i], new_x = self._slow_row(batch, names, x, i, int(i) in batch.starts)
                x[i] = new_x
                seg[i] = self.segment
                start = i + 1
            self._advance_fast(batch, x, valid, start, batch.n)
            seg[start:] = self.segment
        self._max_x = max(self._max_x, float(prev_max[-1]))
        self._remember(batch, x, max(0, batch.n - WINDOW), batch.n)
        if self.axis == "step":
            batch.step = x
        else:
            batch.epoch = x
        return self._cut(batch, seg, keep)

    def _advance_fast(self, batch: Batch, x: np.ndarray, valid: np.ndarray, a: int, b: int) -> None:
        """Rows a..b-1 are kept as they are in the current segment (or renumbered if ordinal)."""
        if b <= a:
            return
        if self._ordinal:
            x[a:b] = self._ordinal_next + np.arange(b - a)
            self._ordinal_next += b - a
            self._seg_rows += b - a
            return
        xs = x[a:b][valid[a:b]]
        if len(xs):
            if self._seg_rows == 0:
                self._seg_first = float(xs[0])
                self._seg_first_keys = _keys(batch, list(batch.values), a + int(np.argmax(valid[a:b])))
            if self._seg_constant and (xs != self._seg_first).any():
                self._seg_constant = False
            self._seg_last = float(xs[-1])
        self._seg_rows += b - a

    def _slow_row(
        self, batch: Batch, names: list[str], x: np.ndarray, i: int, marked: bool
    ) -> tuple[bool, float]:
        xi = float(x[i])
        keys = _keys(batch, names, i)
        vals = {n: float(batch.values[n][i]) for n in keys}
        if marked and self._seg_rows:
            self._new_segment()
        elif not math.isnan(xi):
            if self._is_duplicate(batch, names, x, i, xi, keys, vals):
                self.duplicates += 1
                return False, xi
            if xi < self._seg_last and not self._ordinal:
                self._new_segment()
            elif (
                xi == self._seg_last
                and self._seg_constant
                and self._seg_rows > 0
                and keys == self._seg_first_keys
                and not self._ordinal
            ):
                self._ordinal = True
                self._ordinal_next = self._seg_first + self._seg_rows
        if self._seg_rows == 0:
            self._seg_first, self._seg_first_keys = xi, keys
            self._seg_constant = True
        if self._ordinal:
            xi = self._ordinal_next
            self._ordinal_next += 1
        elif not math.isnan(xi):
            self._seg_constant = self._seg_constant and xi == self._seg_first
            self._seg_last = xi
        self._seg_rows += 1
        return True, xi

    def _is_duplicate(
        self,
        batch: Batch,
        names: list[str],
        x: np.ndarray,
        i: int,
        xi: float,
        keys: frozenset[str],
        vals: dict[str, float],
    ) -> bool:
        lo = max(0, i - WINDOW)
        for j in np.flatnonzero(batch_x_equal(batch, self.axis, lo, i, xi)) + lo:
            jkeys = _keys(batch, names, int(j))
            if jkeys == keys and all(self._close(vals[n], float(batch.values[n][j])) for n in keys):
                return True
        older = WINDOW - (i - lo)
        if older > 0:
            for wx, wkeys, wvals in list(self._window)[-older:]:
                if wx == xi and wkeys == keys and all(self._close(vals[n], wvals[n]) for n in keys):
                    return True
        return False

    def _close(self, a: float, b: float) -> bool:
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True
        return not self._ordinal and abs(a - b) <= REL_TOL * max(abs(a), abs(b))

    def _new_segment(self) -> None:
        self.segment += 1
        self.restarts += 1
        self._seg_rows = 0
        self._seg_last = -math.inf
        self._seg_constant = True
        self._ordinal = False

    def _remember(self, batch: Batch, x: np.ndarray, a: int, b: int) -> None:
        """Keep the last rows (by their raw x) for duplicate checks across batches."""
        raw = batch.step if self.axis == "step" else batch.epoch
        names = list(batch.values)
        for j in range(a, b):
            keys = _keys(batch, names, j)
            rx = float(raw[j]) if raw is not None else math.nan
            self._window.append((rx, keys, {n: float(batch.values[n][j]) for n in keys}))

    def _split_ordinal(self, batch: Batch) -> list[tuple[int, Batch]]:
        """No step or epoch at all: rows are numbered; exact repeats of the previous row are dropped."""
        seg = np.full(batch.n, self.segment, dtype=np.int64)
        keep = np.ones(batch.n, dtype=bool)
        for i in batch.starts:
            if i > 0 or self._seg_rows:
                self.segment += 1
                self.restarts += 1
                seg[i:] = self.segment
        batch.step = self._ordinal_next + np.arange(batch.n, dtype=np.float64)
        self._ordinal_next += batch.n
        self._seg_rows += batch.n
        return self._cut(batch, seg, keep)

    @staticmethod
    def _cut(batch: Batch, seg: np.ndarray, keep: np.ndarray) -> list[tuple[int, Batch]]:
        if keep.all() and seg[0] == seg[-1]:
            return [(int(seg[0]), batch)]
        out: list[tuple[int, Batch]] = []
        bounds = np.flatnonzero(np.diff(seg)) + 1
        for a, b in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [batch.n])), strict=True):
            rows = np.arange(a, b)[keep[a:b]]
            if len(rows):
                out.append((int(seg[a]), batch.take(rows)))
        return out


def batch_x_equal(batch: Batch, axis: str | None, lo: int, hi: int, xi: float) -> np.ndarray:
    raw = batch.step if axis == "step" else batch.epoch
    if raw is None:
        return np.zeros(hi - lo, dtype=bool)
    return raw[lo:hi] == xi


def _keys(batch: Batch, names: list[str], i: int) -> frozenset[str]:
    """The metrics row i carries."""
    out = []
    for n in names:
        p = batch.present[n]
        if p is None or p[i]:
            out.append(n)
    return frozenset(out)
