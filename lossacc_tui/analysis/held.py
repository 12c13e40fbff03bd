"""The held level of a per-step series: the median (or the mean) of its last `window` values,
read at every `stride`-th point, and the lowest such level so far (its best).

A per-batch training loss is judged on where most of its batches stand, never on one batch against
the luckiest batch, nor on a mean that one batch carries: a 4-sample batch with one confidently
wrong sample costs 5-30 nats where the batches around it cost 0.001, so the mean of ten batches
jumps x1e6 above the lowest such mean of a long run while the median does not move. A divergence
moves most batches and stays, and moves the median. A loss whose confidently wrong samples grow
more frequent and costlier while most batches stay cheap (a high learning rate: the whole training
split's loss x20) moves the mean of a long window instead, an epoch's mean in the limit: the mean
over `LONG_MIN` batches, where one bad batch weighs 1/200.

The medians are taken at absolute point indices a with (a + 1) % stride == 0, so the values do not
depend on how the series arrives in chunks; between two such points the held level is the last one
read. Units: those of the series (nats for a loss).

>>> import numpy as np
>>> from lossacc_tui.model import Series
>>> s = Series("train_loss")
>>> y = np.r_[np.full(40, 0.01), 6.5, np.full(39, 0.01), np.full(40, 3.0)]
>>> s.extend(y, np.arange(120.0), None, None)
>>> held = HeldLevel(window=40, stride=5)
>>> level, best, best_idx = held.feed(s, np.arange(120))
>>> float(level[79]), float(level[119]), float(best[119])  # (one bad batch: no move; most: moved)
(0.01, 3.0, 0.01)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.model import Series

#: the fewest batches whose median a per-step loss is judged on: of 40 batches, half carry a
#: confidently wrong sample by chance once in 10,000 windows when one batch in five does (a
#: 4-sample batch at 95 % accuracy); of 10, once in 30 (numpy runs: tests/test_explosion_batches.py)
HELD_MIN = 40
#: the fewest batches whose mean a per-step loss is also judged on (see above)
LONG_MIN = 200
#: medians read per window length (stride = window // READS): the held level lags a divergence by
#: at most a window / READS points, and costs about READS x window / window = READS per point
READS = 8


class HeldLevel:
    """Incremental held level of one series (feed the chunks of its points in order)."""

    def __init__(
        self, window: int, stride: int | None = None, stat: str = "median", first: int | None = None
    ) -> None:
        self.stat = stat  # "median" or "mean"
        self.window = max(3, window)
        self.stride = max(1, stride if stride is not None else self.window // READS)
        #: the fewest points a read takes: before the series holds `window` points, a read covers
        #: all of them once it holds this many (`window`: full windows only)
        self.first = self.window if first is None else min(self.window, max(3, first))
        self.best = math.inf  # lowest median read so far
        self.best_idx = -1  # the point index it was read at
        self.last = math.nan  # the median read last (the held level until the next read)

    def feed(self, series: Series, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(held level, best held level so far, index of that best) per point of the chunk whose
        absolute point indices are `idx` (consecutive, increasing). A median needs at least half
        the window's values finite, else it is NaN (not read: the level holds its last value)."""
        m = len(idx)
        level, best, best_idx = np.full(m, np.nan), np.full(m, np.nan), np.full(m, -1, dtype=np.int64)
        if m == 0:
            return level, best, best_idx
        k0, st = int(idx[0]), self.stride
        first = k0 + (-(k0 + 1)) % st  # first absolute index with (a + 1) % stride == 0
        reads = np.arange(first, k0 + m, st, dtype=np.int64)
        meds = self._medians(series, reads)
        # the held level per point: the last read at or before it (or the one carried in)
        at = np.searchsorted(reads, np.asarray(idx, dtype=np.int64), side="right") - 1
        vals = np.concatenate([[self.last], meds])
        # carry forward the last finite read (a NaN read leaves the level as it was)
        pos = np.arange(len(vals))
        filled = vals[np.maximum.accumulate(np.where(np.isfinite(vals), pos, 0))]
        level[:] = filled[at + 1]
        # the running best over the finite reads, with the index it was read at (first on ties)
        cand = np.concatenate([[self.best], np.where(np.isfinite(meds), meds, np.inf)])
        bvals = np.minimum.accumulate(cand)
        new = np.concatenate([[True], bvals[1:] < bvals[:-1]])
        bidx = np.concatenate([[self.best_idx], reads])[np.maximum.accumulate(np.where(new, pos, 0))]
        best[:] = np.where(np.isfinite(bvals[at + 1]), bvals[at + 1], np.nan)
        best_idx[:] = bidx[at + 1]
        self.last = float(filled[-1])
        self.best, self.best_idx = float(bvals[-1]), int(bidx[-1])
        return level, best, best_idx

    def at(self, series: Series, i: int) -> float:
        """The held level at point i: the value read at the last read index at or before it (NaN
        when that read had fewer than half its values finite, or there is none). O(window)."""
        a = i - (i + 1) % self.stride
        return float(self._medians(series, np.array([a], dtype=np.int64))[0]) if a >= 0 else math.nan

    def count_at(self, series: Series, i: int) -> int:
        """How many points the held level at point i was read over: `window`, or fewer for a read
        near the start of the series (`first`)."""
        a = i - (i + 1) % self.stride
        return self.window if series.base or a + 1 >= self.window else max(0, a + 1)

    def _medians(self, series: Series, reads: np.ndarray) -> np.ndarray:
        """The median (or mean: `stat`) of the finite values among the `window` points ending at
        each absolute index in `reads` (NaN with fewer than half of them finite); at an index with
        fewer than `window` points up to it, over all of them once there are `first`."""
        out = np.full(len(reads), np.nan)
        if not len(reads):
            return out
        w, base = self.window, series.base
        raw = np.asarray(series.raw, dtype=float)
        lo = max(0, int(reads[0]) - w + 1 - base)
        seg = raw[lo : int(reads[-1]) + 1 - base]
        ends = reads + 1 - base - lo  # (exclusive ends in seg)
        full = ends >= w
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (all-NaN rows: NaN, as meant)
            if full.any():
                win = np.lib.stride_tricks.sliding_window_view(seg, w)[ends[full] - w]
                n_fin = np.isfinite(win).sum(axis=1)
                med = np.nanmedian(win, axis=1) if self.stat == "median" else np.nanmean(win, axis=1)
                out[full] = np.where(2 * n_fin >= w, med, np.nan)
            # the first reads of a series shorter than the window (a run that diverges into NaN
            # within 128 steps had no mean level at all: tester 15's diverge_nan in HF's per-step log)
            early = ~full & (reads + 1 >= self.first) if base == 0 else np.zeros(len(reads), dtype=bool)
            for j in np.flatnonzero(early):
                part = seg[: int(ends[j])]
                n_fin = int(np.isfinite(part).sum())
                if 2 * n_fin >= len(part):
                    out[j] = float(np.nanmedian(part) if self.stat == "median" else np.nanmean(part))
        return out


class HeldRule:
    """The two held levels of a per-step loss, and the rule `loss-explosion` reads on them: the
    median of max(`HELD_MIN`, per_eval) batches (most batches moved) and the mean of
    max(`LONG_MIN`, 4 x per_eval) batches (the loss as an epoch's mean counts it), each against its
    own best: `factor` times it and `min_abs` above it. Index 0 is the median, 1 the mean."""

    STATS = ("median", "mean")

    def __init__(self, per_eval: int, factor: float, min_abs: float) -> None:
        self.levels = (
            HeldLevel(max(HELD_MIN, per_eval)),
            HeldLevel(max(LONG_MIN, 4 * per_eval), stat="mean", first=max(HELD_MIN, per_eval)),
        )
        self.factor, self.min_abs = factor, min_abs

    def feed(self, series: Series, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(up, calm, level, best, best_idx) per point of the chunk: `up` (bool, shape (m,)) where
        either level stands that high, `calm` where both are back within sqrt(factor) of their
        best; level, best (float) and best_idx (int) are shaped (2, m), one row per statistic."""
        rows = [h.feed(series, idx) for h in self.levels]
        level = np.stack([r[0] for r in rows])
        best = np.stack([r[1] for r in rows])
        best_idx = np.stack([r[2] for r in rows])
        with quiet(invalid="ignore", over="ignore"):
            thr = np.fmax(self.factor * best, best + self.min_abs)
            up = (np.isfinite(level) & (best > 0) & (level >= thr)).any(axis=0)
            calm = (~np.isfinite(level) | (level < math.sqrt(self.factor) * best)).all(axis=0)
            calm &= np.isfinite(level).any(axis=0)
        return up, calm, level, best, best_idx

    def up_at(self, level: np.ndarray, best: np.ndarray) -> int:
        """Which statistic stands high at one point (0: the median, else 1), given its column of
        `level` and `best` (shape (2,))."""
        with quiet(invalid="ignore", over="ignore"):
            thr = np.fmax(self.factor * best, best + self.min_abs)
            return 0 if bool(np.isfinite(level[0]) and best[0] > 0 and level[0] >= thr[0]) else 1
