"""A step that counts within each epoch: `{"epoch": e, "step": 0..400}` (a custom PyTorch loop's
`batch_idx`, `iter` or `batch` logged beside its epoch), the step going back to its first value at
every new epoch. Read on the step, one such run would be cut into one run per epoch; read on the
epoch, the records of one epoch would all sit at one x. So once a run's step goes back while its
epoch goes on to a new value (the first new epoch shows it; a first epoch alone cannot), its x is
the fractional epoch

    x = epoch + (step - lo) / steps_per_epoch,   steps_per_epoch = hi - lo + gap,

lo and hi the lowest and highest step seen (running, over every epoch so far), gap the least step
increment of the first epoch (1 when it logged one step). x stays below the next epoch and rises
within an epoch even when a later epoch runs longer than the first (steps_per_epoch only grows).
Records without a step (an evaluation at the epoch's end) keep their epoch. The same reading as
Hugging Face's fractional `epoch` (completed epochs + steps done / steps per epoch).

`EpochSpan` watches one run's records until that decision (only while they all share one epoch:
a step that ran on across epochs is a global step); `EpochAxis` gives the fractional epoch of
every record after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Batch


@dataclass(slots=True)
class EpochSpan:
    """The steps of one run's first epoch, while they all share one epoch value."""

    lo: float = math.inf
    hi: float = -math.inf
    gap: float = math.inf
    last_step: float = math.nan
    epoch: float = math.nan  # the one epoch its records with a step have had (NaN: none yet)
    one_epoch: bool = True  # False once a record had no epoch or another epoch: never per-epoch

    def track(self, step: np.ndarray, epoch: np.ndarray | None) -> None:
        """Records (in order) placed in the run: `step` their x, `epoch` theirs (None: none)."""
        if not self.one_epoch:
            return
        ok = ~np.isnan(step)
        if not ok.any():
            return
        if epoch is None:
            self.one_epoch = False
            return
        s, e = step[ok], epoch[ok]
        first = e[0] if math.isnan(self.epoch) else self.epoch
        if np.isnan(e).any() or (e != first).any():
            self.one_epoch = False
            return
        self.epoch = float(first)
        seq = s if math.isnan(self.last_step) else np.concatenate(([self.last_step], s))
        d = np.diff(seq)
        d = d[d > 0]
        if len(d):
            self.gap = min(self.gap, float(d.min()))
        self.lo = min(self.lo, float(s.min()))
        self.hi = max(self.hi, float(s.max()))
        self.last_step = float(s[-1])

    def restarts_at(self, step: float, epoch: float) -> bool:
        """Whether a record at (step, epoch) begins the next epoch of this run: its epoch is above
        the one its steps so far had, and its step went back (or stayed)."""
        return (
            self.one_epoch
            and not math.isnan(self.epoch)
            and not math.isnan(epoch)
            and epoch > self.epoch
            and step <= self.last_step
        )


class EpochAxis:
    """The fractional epoch of records once a run's step restarts each epoch (module docstring)."""

    def __init__(self, span: EpochSpan) -> None:
        self.lo = span.lo
        self.hi = span.hi
        self.gap = span.gap if math.isfinite(span.gap) else 1.0
        self._seen: tuple[np.ndarray, np.ndarray] | None = None  # running (lo, hi) of the last batch

    @property
    def per_epoch(self) -> float:
        """Steps per epoch as known now (hi - lo + gap)."""
        return self.hi - self.lo + self.gap

    def commit(self, rows: int) -> None:
        """The first `rows` records of the batch `convert` was last given were placed (the others
        are held back, to be given again): lo and hi take in their steps only."""
        if self._seen is not None and rows > 0:
            self.lo, self.hi = float(self._seen[0][rows - 1]), float(self._seen[1][rows - 1])
        self._seen = None

    def convert(self, batch: Batch) -> tuple[Batch, np.ndarray]:
        """(the batch with each record that has both a step and an epoch moved to its fractional
        epoch, its step dropped; the x to place every record by: that epoch, NaN for records
        without a step or an epoch). The batch's arrays are never changed: new ones are made. lo and hi
        change only at `commit`."""
        n = batch.n
        if batch.step is None or batch.epoch is None:
            return batch, np.full(n, np.nan)
        s, e = batch.step, batch.epoch
        both = ~np.isnan(s) & ~np.isnan(e)
        if not both.any():
            return batch, np.full(n, np.nan)
        lo = np.minimum.accumulate(np.concatenate(([self.lo], np.where(both, s, np.inf))))[1:]
        hi = np.maximum.accumulate(np.concatenate(([self.hi], np.where(both, s, -np.inf))))[1:]
        self._seen = (lo, hi)
        x = np.where(both, e + (s - lo) / (hi - lo + self.gap), np.nan)
        step = np.where(both, np.nan, s)
        out = Batch(
            n,
            batch.values,
            batch.present,
            None if np.isnan(step).all() else step,
            np.where(both, x, e),
            batch.time,
            batch.line,
            batch.starts,
        )
        return out, x


__all__ = ["EpochAxis", "EpochSpan"]
