"""Row-level helpers of the Splitter (readers/split.py): its open runs (`Lane`), recent records
(`Seen`) and the batch it is placing (`Rows`), the axis a file is split on, which metrics a row
carries, how far apart two records' values are, whether two are the same, the "plain ties" placed
in one vectorized step, and cutting a batch into its runs' sub-batches."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.epoch_steps import EpochSpan


@dataclass(slots=True)
class Lane:
    """One open run of the Splitter: where it is and what it has logged."""

    seg: int
    last_x: float
    last_used: int
    last_epoch: float = math.nan  # its last record's epoch, on a step axis (NaN: none): said in messages
    last_vals: dict[str, float] | None = None  # its last record's values (to tell writers apart)
    first_x: float = math.inf  # its lowest x (a record going back past it is no resume)
    gap: float = math.inf  # the last rise of its x from one record to the next (inf: none yet)
    keys: frozenset[str] = frozenset()  # every metric it has logged
    span: EpochSpan = field(default_factory=EpochSpan)  # its steps, while they share one epoch
    #: metric -> the highest other-axis x (the epoch, on a step axis) of its records placed with no
    #: x on the split axis (an evaluation with an epoch and no step): one going back is a stray
    unplaced: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Seen:
    """One of the last records placed (to drop duplicates)."""

    x: float
    keys: frozenset[str]
    values: dict[str, float]
    seg: int


@dataclass(slots=True)
class Rows:
    """The batch the Splitter is placing, row by row: its rows' x on the split axis (NaN: none), the
    run each was placed in so far (`seg`) and whether it is kept (`keep`: not a duplicate or a
    stray). `names`: the batch's metric names, in order."""

    batch: Batch
    names: list[str]
    x: np.ndarray
    seg: np.ndarray
    keep: np.ndarray

    def keys(self, i: int) -> frozenset[str]:
        """The metrics row i carries."""
        return keys_of(self.batch, self.names, i)

    def values(self, i: int, keys: frozenset[str]) -> dict[str, float]:
        """Row i's values of `keys`."""
        return {n: float(self.batch.values[n][i]) for n in keys}


def axis_of(batch: Batch) -> str:
    """The x a file's runs are split on, from its first batch: 'step', else 'epoch', else 'ordinal'."""
    if batch.step is not None and not np.isnan(batch.step).all():
        return "step"
    if batch.epoch is not None and not np.isnan(batch.epoch).all():
        return "epoch"
    return "ordinal"


def plain_ties(batch: Batch, x: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """Rows that repeat the x of the row before, in a group of equal x begun by a row above every x
    before it, whose metrics differ from every earlier row of the group, with no row of the group
    before them placed row by row: TensorBoard's one event per tag at each step, Lightning's
    validation row at the step of a training row. Row by row, each would continue the run of the
    row before (nothing to compare as a duplicate, no run taken at that x), so they are placed with
    it. Returns a boolean mask; all False when the metrics are too many for one int64 signature."""
    n, names = batch.n, list(batch.values)
    tie = np.zeros(n, dtype=bool)
    if n < 2 or len(names) > 62:
        return tie
    new = np.ones(n, dtype=bool)
    new[1:] = x[1:] != x[:-1]
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    # only the groups that hold a row placed row by row, and not begun by one (a start included)
    starts_slow = slow[first]
    if batch.starts:
        starts_slow[group[list(batch.starts)]] = True
    wanted = np.zeros(len(first), dtype=bool)
    wanted[group[slow]] = True
    wanted &= ~starts_slow
    rows = np.flatnonzero(wanted[group])
    if not len(rows):
        return tie
    sig = np.zeros(len(rows), dtype=np.int64)
    for k, name in enumerate(names):
        p = batch.present[name]
        sig |= (np.int64(1) << k) if p is None else (p[rows].astype(np.int64) << k)
    g = group[rows]
    order = np.lexsort((rows, sig, g))
    repeat = np.zeros(len(rows), dtype=bool)
    repeat[order[1:]] = (g[order[1:]] == g[order[:-1]]) & (sig[order[1:]] == sig[order[:-1]])
    cand = ~new[rows] & ~repeat & slow[rows]
    # after the first row of a group that stays row by row, the rest of the group does too
    stay = (slow[rows] & ~cand).astype(np.int64)
    before = np.cumsum(stay) - stay
    at_first = np.searchsorted(rows, first[g])  # each row's group's first row, within `rows`
    tie[rows] = cand & (before - before[at_first] == 0)
    return tie


def closest_lane(
    lanes: list[Lane],
    xi: float,
    has_same_keys_at_x: Callable[[Lane], bool],
    vals: dict[str, float] | None = None,
) -> Lane | None:
    """The open run an x continues: the closest last x at or below it (at it only when that run has
    no record with the same metrics at that x). Several at that same x (writers sharing the file,
    each at the same epoch): the one whose last values are closest to `vals`, else the most
    recently used."""
    best: list[Lane] = []
    for ln in lanes:
        if ln.last_x > xi or (ln.last_x == xi and has_same_keys_at_x(ln)):
            continue
        if not best or ln.last_x > best[0].last_x:
            best = [ln]
        elif ln.last_x == best[0].last_x:
            best.append(ln)
    if len(best) <= 1:
        return best[0] if best else None
    if vals:
        near = [(distance(ln.last_vals, vals), -ln.last_used, ln.seg) for ln in best]
        d, _, seg = min(near)
        if math.isfinite(d) and sum(1 for n in near if n[0] == d) == 1:
            return next(ln for ln in best if ln.seg == seg)
    return max(best, key=lambda ln: ln.last_used)


def keys_of(batch: Batch, names: list[str], i: int) -> frozenset[str]:
    """The metrics row i carries."""
    out = []
    for n in names:
        p = batch.present[n]
        if p is None or p[i]:
            out.append(n)
    return frozenset(out)


def distance(a: dict[str, float] | None, b: dict[str, float]) -> float:
    """How far apart two records' values are (mean relative difference over the metrics both
    carry; inf when they share none)."""
    if not a:
        return math.inf
    ds = [abs(a[k] - v) / (abs(a[k]) + abs(v) + 1e-12) for k, v in b.items() if k in a]
    ds = [d for d in ds if not math.isnan(d)]
    return sum(ds) / len(ds) if ds else math.inf


def same_values(a: dict[str, float], b: dict[str, float]) -> bool:
    return all(va == b[k] or (math.isnan(va) and math.isnan(b[k])) for k, va in a.items())


def cut_batch(
    batch: Batch, seg: np.ndarray, keep: np.ndarray, resumes: dict[int, float] | None = None
) -> list[tuple[int, Batch]]:
    """The batch cut where its run changes and where a run resumes (that sub-batch carries
    `resume`, its axis filled in by the caller)."""
    if keep.all() and (seg == seg[0]).all() and not resumes:
        return [(int(seg[0]), batch)]
    out: list[tuple[int, Batch]] = []
    bounds = np.flatnonzero(np.diff(seg)) + 1
    if resumes:
        bounds = np.unique(np.concatenate((bounds, [r for r in resumes if r > 0]))).astype(np.int64)
    for a, b in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [batch.n])), strict=True):
        rows = np.arange(a, b)[keep[a:b]]
        if len(rows):
            sub = batch.take(rows)
            if resumes and int(a) in resumes:
                sub.resume = ("", resumes[int(a)])
            out.append((int(seg[a]), sub))
    return out


__all__ = [
    "Lane",
    "Rows",
    "Seen",
    "axis_of",
    "closest_lane",
    "cut_batch",
    "distance",
    "keys_of",
    "plain_ties",
    "same_values",
]
