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
- one set of metrics only (no evaluation record) logged 2 to `MANY` - 1 times at each epoch: a
  short per-batch log and writers sharing the file look alike by count, so the values of `LOOK`
  epochs tell (`_by_values`). Read per batch, each record continues the one written before it;
  read as writers, each record continues its writer's record of the epoch before. Writers when,
  for every metric, the median step from one record to the next is more than `APART` times the
  median step from record k of an epoch to record k of the next (writers in a fixed order), or
  the median gap between an epoch's sorted values is more than `RANK_APART` times how far the
  k-th smallest moves to the next epoch (writers in any order): curves apart by more than an
  epoch moves them, as two trainings with other settings are. And writers, as before, unless
  every following epoch has as many records as the first (a row written twice, or a restart,
  repeats at one epoch only). Otherwise per-batch; when that was not clear (for some metric the
  step from record to record is not smaller than the one from epoch to epoch: batch noise, or
  writers of one training such as DDP ranks, for which one run is the right reading too) a
  problem line says which reading was taken and how to get the other. On numpy MLP trainings
  (tests/numpy_epoch_steps.py; 2-12 batches an epoch, three learning rates, four seeds) each of
  60 per-batch logs read as one run (20 with the note); of 18 files that 2 or 3 trainings with
  other settings wrote into, 17 read as their trainings and 1 as one run with the note.
- otherwise, or when a record in between goes back, has no epoch or begins a run: writers, read as
  before (and never asked again for this file).

Until that epoch's records show it (the end of what a follower has read so far), the record and
what follows are held back; at the end of the file, what was read decides. A record at the top
epoch whose record before it is at a lower epoch repeats nothing at one epoch (an epoch's batch
records follow one another): a run resumed or restarted in the same file climbing back up to
where the first run ended (tester h19t: its last record was held for a next that never came). It
is read as writers' are, at once.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.split_rows import Rows, keys_of

#: one set of metrics logged this many times at one epoch: per-batch records without waiting
MANY = 16
#: writers only when the step from record to record is more than this many times the step from
#: record k of one epoch to record k of the next (module docstring)
APART = 2.0
#: writers also when, for every metric, the median gap between the sorted values of one epoch is
#: more than this many times how far the k-th smallest moves to the next epoch (writers in no
#: fixed order: DDP ranks); on the numpy trainings of the module docstring no per-batch log passes
#: either rule
RANK_APART = 1.5
#: how many epochs' records `_by_values` looks at (the first, at which it decides, and the next)
LOOK = 4

#: (the metrics logged per batch, how many records of each metric set that epoch has had, a
#: problem line saying the reading when it was not clear, or None)
PerBatch = tuple[frozenset[str], Counter[frozenset[str]], str | None]


def verdict(
    batch: Batch,
    names: list[str],
    x: np.ndarray,
    i: int,
    top: Counter[frozenset[str]],
    final: bool,
    prior: list[dict[str, float]] | None = None,
) -> PerBatch | str | None:
    """Row i repeats at the top epoch `x[i]` metrics already logged there (`top`: the metric sets
    of the records placed at that epoch before this batch's row i, and how many of each; `prior`:
    those records' values, in order, where known). Returns
    a `PerBatch` for a per-batch log (module docstring), "hold" (undecided until more comes), or
    None (writers)."""
    xi = float(x[i])
    counts = Counter(top)
    for j in range(i, batch.n):
        xj = float(x[j])
        if xj > xi:
            said = _decide(counts)
            if said is None and len(counts) == 1:
                return _by_values(batch, names, x, i, j, counts, final, prior or [])
            return said
        if math.isnan(xj) or xj < xi or (j in batch.starts):
            return None
        keys = keys_of(batch, names, j)
        counts[keys] += 1
        if counts[keys] >= MANY:
            return frozenset().union(*(k for k, c in counts.items() if c >= 2)), counts, None
    return _decide(counts) if final else "hold"


def _by_values(
    batch: Batch,
    names: list[str],
    x: np.ndarray,
    i: int,
    j: int,
    counts: Counter[frozenset[str]],
    final: bool,
    prior: list[dict[str, float]],
) -> PerBatch | str | None:
    """One metric set, logged `counts` times at the epoch `x[i]` (`prior`: the values of its
    records before row i), row j the first of the next epoch: per-batch or writers by the values
    of up to `LOOK` epochs (module docstring), "hold" while they are not all read. Writers are
    told as soon as two epochs show it (a follower holds their records back no longer); per-batch
    records only at `LOOK` epochs, or at the end of the file."""
    ((keys, c),) = counts.items()
    epochs = [np.arange(i, j)]
    start = j
    while len(epochs) < LOOK and start < batch.n:
        xe, end = float(x[start]), start
        while end < batch.n and float(x[end]) == xe:
            if end in batch.starts or keys_of(batch, names, end) != keys:
                return None
            end += 1
        if end == batch.n and not final:
            return "hold"
        if end < batch.n and not float(x[end]) > xe:  # (goes back, or no epoch)
            return None
        epochs.append(np.arange(start, end))
        start = end
        if len(epochs[-1]) == c and _writers(_apart(batch, keys, i, j, epochs, c, prior)):
            return None
    if len(epochs) < LOOK and not final:
        return "hold"
    # a batch count repeats every epoch; a row written twice or a restart repeats at one epoch only
    full = [len(e) == c for e in epochs[1:]]
    trailing = start == batch.n  # (final here: the file's last epoch may be cut short)
    if not any(full) or not all(full[:-1] if trailing else full) or len(epochs[-1]) > c:
        return None
    by_order, by_rank = _apart(batch, keys, i, j, epochs, c, prior)
    if _writers((by_order, by_rank)):
        return None
    note = None
    if not by_order or any(s >= w for s, w in by_order):
        note = (
            f"{c} records of {', '.join(sorted(keys))} at each epoch, with no step, evaluation or "
            f"rank column: read as one run logged {c} times an epoch (x = epoch + k/{c}); if they "
            f"are {c} trainings writing to one file, give each a file of its own or a `rank` column"
        )
    return keys, counts, note


Apart = tuple[list[tuple[float, float]], list[tuple[float, float]]]


def _apart(
    batch: Batch,
    keys: frozenset[str],
    i: int,
    j: int,
    epochs: list[np.ndarray],
    c: int,
    prior: list[dict[str, float]],
) -> Apart:
    """Per metric of `keys`: (median step from record to record, median step from record k of an
    epoch to record k of the next), and (median gap between an epoch's sorted values, median move
    of the k-th smallest to the next epoch) over the whole epochs (module docstring). `epochs`:
    the rows of each epoch, the first from row i to j; `prior`: the first epoch's values before i."""
    whole_first = len(prior) + j - i == c  # the first epoch's values are all known
    by_order, by_rank = [], []
    for name in sorted(keys):
        v = batch.values[name]
        first = np.array([d.get(name, math.nan) for d in prior] + list(v[i:j]))
        if not whole_first:
            first = first[len(prior) :]  # (its place in the epoch: `c - len(first)` on)
        vals = [first, *(v[e] for e in epochs[1:])]
        same = []  # record k of each epoch to record k of the next
        for e, (a, b) in enumerate(itertools.pairwise(vals)):
            off = c - len(a) if e == 0 else 0  # the in-epoch index of a's first record
            k = np.arange(off, min(off + len(a), len(b)))
            if len(k):
                same.append(np.abs(b[k] - a[k - off]))
        step = np.abs(np.diff(np.concatenate(vals)))
        s = np.concatenate(same) if same else np.empty(0)
        s, step = s[np.isfinite(s)], step[np.isfinite(step)]
        if len(s) and len(step):
            by_order.append((float(np.median(step)), float(np.median(s))))
        whole = [np.sort(a) for a in vals if len(a) == c]
        if len(whole) >= 2:
            srt = np.stack(whole)
            gap, move = np.diff(srt, axis=1).ravel(), np.abs(np.diff(srt, axis=0)).ravel()
            gap, move = gap[np.isfinite(gap)], move[np.isfinite(move)]
            if len(gap) and len(move):
                by_rank.append((float(np.median(gap)), float(np.median(move))))
    return by_order, by_rank


def _writers(apart: Apart) -> bool:
    """Whether the values run apart as writers' curves do (module docstring)."""
    by_order, by_rank = apart
    if by_order and all(s > APART * w for s, w in by_order):
        return True
    return bool(by_rank) and all(g > RANK_APART * m for g, m in by_rank)


def _decide(counts: Counter[frozenset[str]]) -> PerBatch | None:
    repeated = [k for k, c in counts.items() if c >= 2]
    if not repeated:
        return None
    per_batch = frozenset().union(*repeated)
    once = [k for k, c in counts.items() if c == 1 and not k <= per_batch]
    return (per_batch, counts, None) if once else None


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
        self._top_values: list[dict[str, float]] = []  # their values, in order (the first MANY)
        self._top_x = math.nan
        self.note: str | None = None  # the reading, when the values did not make it clear (caller takes)

    def at(
        self, rows: Rows, i: int, top: float, floor: int, final: bool, last: float = math.nan
    ) -> EpochCount | str | None:
        """Row i (not above the top x `top` of the rows before it; rows before `floor` are of an
        earlier run; `last`: the x of the last record placed before this batch that has one, NaN:
        none): an `EpochCount` when it shows per-batch records (x is the fractional epoch from row
        i on), "hold" when that cannot be told yet, None otherwise."""
        xi = float(rows.x[i])
        if self.writers or i in rows.batch.starts or xi != top:  # (NaN too)
            return None
        j = i - 1
        while j >= 0 and math.isnan(float(rows.x[j])):
            j -= 1
        if (float(rows.x[j]) if j >= 0 else last) < xi:  # climbing back up to it (module docstring)
            self.writers = True
            return None
        counts = Counter(self._top) if self._top_x == xi else Counter()
        prior = list(self._top_values) if self._top_x == xi else []
        for j in np.flatnonzero((rows.x[floor:i] == xi) & rows.keep[floor:i]) + floor:
            keys = rows.keys(int(j))
            counts[keys] += 1
            prior.append(rows.values(int(j), keys))
        if rows.keys(i) not in counts:
            return None
        said = verdict(rows.batch, rows.names, rows.x, i, counts, final, prior)
        if said is None:
            self.writers = True
            return None
        if isinstance(said, str):
            return said
        self.note = said[2]
        return EpochCount(said[0], xi, counts, said[1])

    def count_top(self, rows: Rows, end: int, top: float) -> None:
        """Rows before `end` were placed and `top` is the top x now: the metric sets of the
        records at it, counted."""
        if self._top_x != top:
            self._top, self._top_x, self._top_values = Counter(), top, []
        for j in np.flatnonzero((rows.x[:end] == top) & rows.keep[:end]):
            keys = rows.keys(int(j))
            self._top[keys] += 1
            if len(self._top_values) < MANY:
                self._top_values.append(rows.values(int(j), keys))


__all__ = ["APART", "MANY", "EpochCount", "PerBatch", "PerBatchWatch", "verdict"]
