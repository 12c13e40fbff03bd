"""Two step counters in one TensorBoard event file: per-step scalars at the global step and
per-epoch scalars at the epoch (`writer.add_scalar("loss/val", v, epoch)` beside
`writer.add_scalar("train/loss_step", loss, global_step)`, as many hand-written loops do). Read by
their steps alone, the epoch scalars go back to step 1 after the training reached step 24: a
restart, a second run. One SummaryWriter's file is one run, so such a tag is told by its own
counter and placed the way Lightning's CSVLogger places an epoch's row: at the global step it was
written at (the step of the per-step record before it), with its own step as its epoch.

A tag is on a counter of its own when one of its records
- lags far behind the step the other tags reached (at most half of it: a tag logged at the step
  before the others' is no other counter),
- while its own steps go on increasing (a restart or a resume sends a tag's own steps back), and
- it has logged fewer records than the tag that set that step (so a tag logged at a larger
  counter, e.g. samples seen, never demotes the per-step one).
From that record on the tag is an epoch tag (for the rest of the file).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.model import Batch


class StepCounters:
    """Applied to each Batch a TensorBoard reader builds (rows in file order, x = `step`)."""

    def __init__(self) -> None:
        self.epoch_tags: set[str] = set()
        self._cur = -math.inf  # the step the per-step tags reached (the last such row's)
        self._cur_count = 0  # records of the tag that set it, then
        self._last_own: dict[str, float] = {}  # tag -> its last own step
        self._count: dict[str, int] = {}  # tag -> its records so far

    def apply(self, batch: Batch) -> Batch:
        step = batch.step
        if step is None or not batch.n:
            return batch
        names = list(batch.values)
        masks = _Masks(batch)
        since = {k: 0 for k in names if k in self.epoch_tags}  # tag -> first row read as an epoch tag
        start = 0
        while True:
            is_e, before = self._rows(batch, masks, since)
            lag = ~is_e & (2 * step <= before) & (step < before)
            lag[:start] = False
            hits = np.flatnonzero(lag)
            if not len(hits):
                break
            r = int(hits[0])
            new = [k for k in names if k not in since and masks.at(k, r) and self._own_counter(k, r, batch)]
            if new and self._fewer(new, r, batch, masks, is_e):
                since.update(dict.fromkeys(new, r))
            else:
                start = r + 1
        self._end(batch, masks, is_e)
        if not is_e.any():
            return batch
        self.epoch_tags.update(since)
        out_step = step.copy()
        out_epoch = np.full(batch.n, np.nan) if batch.epoch is None else batch.epoch.copy()
        out_epoch[is_e] = step[is_e]
        out_step[is_e] = np.where(np.isfinite(before[is_e]), before[is_e], np.nan)
        return Batch(
            n=batch.n,
            values=batch.values,
            present=batch.present,
            step=out_step,
            epoch=out_epoch,
            time=batch.time,
            line=batch.line,
            starts=batch.starts,
        )

    def _rows(self, batch: Batch, masks: _Masks, since: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """(rows of epoch tags, the per-step tags' step before each row)."""
        assert batch.step is not None
        n = batch.n
        is_e = np.zeros(n, dtype=bool)
        idx = np.arange(n)
        for k, r in since.items():
            is_e |= masks[k] & (idx >= r)  # (epoch tags are few: their full masks are made)
        # the step of the last per-step row before each row (the state's before the first)
        marks = np.where(~is_e, idx, -1)
        last = np.maximum.accumulate(marks)
        prev = np.concatenate(([-1], last[:-1]))
        before = np.where(prev >= 0, batch.step[np.maximum(prev, 0)], self._cur)
        return is_e, before

    def _own_counter(self, k: str, r: int, batch: Batch) -> bool:
        """Do the tag's own steps increase at row r (its previous record below it)?"""
        assert batch.step is not None
        p = batch.present[k]
        rows = np.arange(r) if p is None else np.flatnonzero(p[:r])
        prev = batch.step[rows[-1]] if len(rows) else self._last_own.get(k, -math.inf)
        return bool(batch.step[r] > prev)

    def _fewer(self, tags: list[str], r: int, batch: Batch, masks: _Masks, is_e: np.ndarray) -> bool:
        """Have the tags logged fewer records than the tag that set the step they lag behind?"""
        setters = np.flatnonzero(~is_e[:r])
        if len(setters):
            s = int(setters[-1])
            ref = max(self._count.get(k, 0) + masks.count(k, s + 1) for k in batch.values if masks.at(k, s))
        else:
            ref = self._cur_count
        return all(self._count.get(k, 0) + masks.count(k, r) < ref for k in tags)

    def _end(self, batch: Batch, masks: _Masks, is_e: np.ndarray) -> None:
        assert batch.step is not None
        plain = np.flatnonzero(~is_e)
        for k in batch.values:
            last = masks.last(k)
            if last >= 0:
                self._last_own[k] = float(batch.step[last])
                self._count[k] = self._count.get(k, 0) + masks.count(k, batch.n)
        if len(plain):
            s = int(plain[-1])
            self._cur = float(batch.step[s])
            self._cur_count = max(self._count.get(k, 0) for k in batch.values if masks.at(k, s))


class _Masks:
    """The rows each tag is present in, without making a full mask for a tag present in all."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def __getitem__(self, k: str) -> np.ndarray:
        p = self.batch.present[k]
        return np.ones(self.batch.n, dtype=bool) if p is None else p

    def at(self, k: str, r: int) -> bool:
        p = self.batch.present[k]
        return p is None or bool(p[r])

    def count(self, k: str, upto: int) -> int:
        """Records of tag k in rows 0..upto-1."""
        p = self.batch.present[k]
        return upto if p is None else int(np.count_nonzero(p[:upto]))

    def last(self, k: str) -> int:
        """The tag's last row (-1: none)."""
        p = self.batch.present[k]
        if p is None:
            return self.batch.n - 1
        return self.batch.n - 1 - int(np.argmax(p[::-1])) if p.any() else -1
