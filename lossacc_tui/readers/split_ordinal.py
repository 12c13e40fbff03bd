"""Runs of a file with no step and no epoch at all (readers/split.py): its rows are numbered in
order, from 0 in each run; a run begins only where the reader marks one (`Batch.starts`)."""

from __future__ import annotations

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.split_rows import cut_batch


class Ordinal:
    """Numbers the rows of such a file, batch after batch; `segments`: the runs begun so far."""

    def __init__(self) -> None:
        self.segments = 0
        self._next = 0.0  # the number of the next row of the run being read
        self._rows = 0  # rows seen so far

    def split(self, batch: Batch) -> list[tuple[int, Batch]]:
        """(run index, sub-batch) pairs, each row's number set as its step (the batch's `step` is
        replaced: the Splitter owns the batches it is given)."""
        boundary = np.zeros(batch.n, dtype=bool)
        for i in batch.starts:
            boundary[i] = i > 0 or self._rows > 0
        if self.segments == 0:
            self.segments = 1
        seg = self.segments - 1 + np.cumsum(boundary)
        self.segments = int(seg[-1]) + 1
        idx = np.arange(batch.n)
        since = idx - np.maximum.accumulate(np.where(boundary, idx, -1))  # rows since a start, or -1
        first = np.maximum.accumulate(boundary)
        batch.step = np.where(first, since, self._next + idx).astype(np.float64)
        self._next = float(batch.step[-1]) + 1
        self._rows += batch.n
        return cut_batch(batch, seg, np.ones(batch.n, dtype=bool))


__all__ = ["Ordinal"]
