"""A per-batch log with no step at all: `{"epoch": e, "loss": ...}` once per batch, many records at
each epoch, and one evaluation record `{"epoch": e, "val_loss": ...}` at the epoch's end. Read on
the epoch alone, every batch record of an epoch sits at one x, and the Splitter would read them as
as many writers sharing the file (one run per batch index, a false `runs-disagree`).

Writers sharing a file look the same one epoch at a time (each writes its record at the same
epoch), so the Splitter decides at the first record that repeats, at the top epoch, the metrics a
record there already logged (`verdict`), by looking at that epoch's records up to the next epoch:

- a set of metrics logged twice or more while another set is logged once (the evaluation, written
  once per epoch by one process; writers each write their own), or one set logged `MANY` times
  (more writers than that in one file, with no rank column, is not a case worth guessing for):
  per-batch records. From then on x is the fractional epoch by record order,

      x = epoch + k / max(B, k + 1),

  k the record's index among the records of its metric set in its epoch, B the most such records
  an epoch has had so far (the first epoch's count when it was complete at the decision): x rises
  within an epoch and stays below the next one, like readers/epoch_steps.py's reading of a step
  that restarts each epoch (Hugging Face's fractional epoch, with the record index for the step).
  Records of the other metric sets (the evaluation) keep their epoch.
- otherwise, or when a record in between goes back, has no epoch or begins a run: writers, read as
  before (and never asked again for this file).

Until that epoch's records show it (the end of what a follower has read so far), the record and
what follows are held back; at the end of the file, what was read decides.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.split_rows import Rows, keys_of

#: one set of metrics logged this many times at one epoch: per-batch records without waiting
MANY = 16


def verdict(
    batch: Batch, names: list[str], x: np.ndarray, i: int, top: Counter[frozenset[str]], final: bool
) -> tuple[frozenset[str], Counter[frozenset[str]]] | str | None:
    """Row i repeats at the top epoch `x[i]` metrics already logged there (`top`: the metric sets
    of the records placed at that epoch before this batch's row i, and how many of each). Returns
    (the metrics logged per batch, how many records of each metric set that epoch has had) for a
    per-batch log (module docstring), "hold" (undecided until more comes), or None (writers)."""
    xi = float(x[i])
    counts = Counter(top)
    for j in range(i, batch.n):
        xj = float(x[j])
        if xj > xi:
            return _decide(counts)
        if math.isnan(xj) or xj < xi or (j in batch.starts):
            return None
        keys = keys_of(batch, names, j)
        counts[keys] += 1
        if counts[keys] >= MANY:
            return frozenset().union(*(k for k, c in counts.items() if c >= 2)), counts
    return _decide(counts) if final else "hold"


def _decide(counts: Counter[frozenset[str]]) -> tuple[frozenset[str], Counter[frozenset[str]]] | None:
    repeated = [k for k, c in counts.items() if c >= 2]
    if not repeated:
        return None
    per_batch = frozenset().union(*repeated)
    once = [k for k, c in counts.items() if c == 1 and not k <= per_batch]
    return (per_batch, counts) if once else None


@dataclass(slots=True)
class _Count:
    """Where one metric set is: the epoch of its last record, its records so far in that epoch,
    the most records an epoch has had."""

    epoch: float = math.nan
    k: int = 0
    most: int = 0


class EpochCount:
    """The fractional epoch by record order of the records whose metrics are all per-batch ones
    (module docstring), once the Splitter decided at `epoch` (`verdict`'s answer, and `top`: the
    metric sets placed at that epoch before the row it decided at, and how many records of each)."""

    def __init__(
        self,
        metrics: frozenset[str],
        epoch: float,
        top: Counter[frozenset[str]],
        counts: Counter[frozenset[str]],
    ) -> None:
        self.metrics = metrics
        self._state = {keys: _Count(epoch, top.get(keys, 0), n) for keys, n in counts.items()}
        # (rows, their epoch, k, most) of each metric set in the batch last converted, for `commit`
        self._seen: dict[frozenset[str], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def convert(self, batch: Batch) -> tuple[Batch, np.ndarray]:
        """(the batch with each per-batch record's epoch moved to its fractional epoch; the x to
        place every record by: that epoch, NaN for the other records). Arrays are never changed in
        place. The state moves only at `commit`."""
        n = batch.n
        x = np.full(n, np.nan)
        self._seen = {}
        if batch.epoch is None:
            return batch, x
        ep = batch.epoch
        ok = ~np.isnan(ep)
        inside = [name for name in batch.values if name in self.metrics]
        for name in batch.values:  # a record with a metric not logged per batch is no batch record
            if name not in self.metrics:
                p = batch.present[name]
                ok &= np.zeros(n, dtype=bool) if p is None else ~p
        sig = np.zeros(n, dtype=np.int64)
        for bit, name in enumerate(inside[:62]):
            p = batch.present[name]
            sig |= (np.int64(1) << bit) if p is None else (p.astype(np.int64) << bit)
        ok &= sig != 0
        for s in np.unique(sig[ok]):
            rows = np.flatnonzero(ok & (sig == s))
            keys = frozenset(name for bit, name in enumerate(inside[:62]) if int(s) >> bit & 1)
            st = self._state.get(keys, _Count())
            e = ep[rows]
            new = np.ones(len(rows), dtype=bool)
            new[1:] = e[1:] != e[:-1]
            new[0] = e[0] != st.epoch
            idx = np.arange(len(rows))
            begun = np.maximum.accumulate(np.where(new, idx, -1))  # each row's epoch's first row
            k = np.where(begun >= 0, idx - begun, st.k + idx)
            most = np.maximum.accumulate(np.maximum(k + 1, st.most))
            x[rows] = e + k / most
            self._seen[keys] = (rows, e, k, most)
        epoch = np.where(ok, x, ep)
        out = Batch(n, batch.values, batch.present, batch.step, epoch, batch.time, batch.line, batch.starts)
        return out, x

    def commit(self, rows: int) -> None:
        """The first `rows` records of the batch `convert` was last given were placed (the others
        are held back, to be given again): each metric set's place moves to its last of them."""
        for keys, (r, e, k, most) in self._seen.items():
            last = int(np.searchsorted(r, rows)) - 1
            if last >= 0:
                self._state[keys] = _Count(float(e[last]), int(k[last]) + 1, int(most[last]))
        self._seen = {}


class PerBatchWatch:
    """The Splitter's watch, in a file split on the epoch, for the first record that repeats at the
    top epoch metrics a record there logged (module docstring)."""

    def __init__(self) -> None:
        self.writers = False  # the repeats were read as writers: never asked again
        self._top: Counter[frozenset[str]] = Counter()  # metric sets of the records at the top x
        self._top_x = math.nan

    def at(self, rows: Rows, i: int, top: float, floor: int, final: bool) -> EpochCount | str | None:
        """Row i (not above the top x `top` of the rows before it; rows before `floor` are of an
        earlier run): an `EpochCount` when it shows per-batch records (x is the fractional epoch
        from row i on), "hold" when that cannot be told yet, None otherwise."""
        xi = float(rows.x[i])
        if self.writers or i in rows.batch.starts or xi != top:  # (NaN too)
            return None
        counts = Counter(self._top) if self._top_x == xi else Counter()
        for j in np.flatnonzero((rows.x[floor:i] == xi) & rows.keep[floor:i]) + floor:
            counts[rows.keys(int(j))] += 1
        if rows.keys(i) not in counts:
            return None
        said = verdict(rows.batch, rows.names, rows.x, i, counts, final)
        if said is None:
            self.writers = True
            return None
        if isinstance(said, str):
            return said
        return EpochCount(said[0], xi, counts, said[1])

    def count_top(self, rows: Rows, end: int, top: float) -> None:
        """Rows before `end` were placed and `top` is the top x now: the metric sets of the
        records at it, counted."""
        if self._top_x != top:
            self._top, self._top_x = Counter(), top
        for j in np.flatnonzero((rows.x[:end] == top) & rows.keep[:end]):
            self._top[rows.keys(int(j))] += 1


__all__ = ["MANY", "EpochCount", "PerBatchWatch", "verdict"]
