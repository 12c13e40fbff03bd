"""One metric's points: `Series` (x and value columns in growable numpy arrays) and, for a run
followed with a cap (`--keep N`), the folding of its oldest points into per-block min/max points.

Indices. Every point has an *absolute index* (0 for the first point ever appended, counting on);
`len(series)` is the number of points appended. Without a cap, `values` holds every point and a
point's position in it is its absolute index. With a cap, `fold(keep)` replaces the oldest points by
the lowest and the highest point of each block (both real points, with their x): `values` and the x
columns then hold those folded points first (`n_folded` of them, their absolute indices in
`folded_index`), then every point from absolute index `base` on (`raw`). The plots, the best
markers and the last values read `values` (an exact min/max envelope of the folded part); the
analysis reads `raw` at absolute indices (`base` on) and `value_at`/`x_at` for an older point.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from lossacc_tui.growable import Growable, LazyColumn  # (re-exported: the model and tests import them here)
from lossacc_tui.percent import PercentScale
from lossacc_tui.roles import accuracy_named

Role = Literal["train_loss", "val_loss", "train_acc", "val_acc", "lr", "other"]
ROLES: tuple[Role, ...] = ("train_loss", "val_loss", "train_acc", "val_acc", "lr", "other")
ACC_ROLES: frozenset[str] = frozenset({"train_acc", "val_acc"})
XAxis = Literal["epoch", "step"]
#: What a loss series measures, when its format says: "cross-entropy" (mean negative log-likelihood in
#: nats: the analysis' bounds apply), "sum-of-terms" (a detection loss: box + cls + dfl, with a score
#: such as mAP50-95 in the accuracy role; cross-entropy reasoning does not apply), or "unknown" (the
#: format does not say; most logs).
LossKind = Literal["cross-entropy", "sum-of-terms", "unknown"]

#: Blocks a fold makes of the points it folds (each keeps 2 points): `keep // FOLD_BLOCKS` points a block.
FOLD_BLOCKS = 256


class Series:
    """One metric of one run: x (step, epoch, wall time) and values in growable arrays (the module
    docstring says how indices work once the oldest points are folded)."""

    __slots__ = (
        "_acc_named",
        "_base",
        "_epoch",
        "_folded_idx",
        "_pct",
        "_step",
        "_time",
        "_total",
        "_value",
        "eval_size",
        "generation",
        "loss_kind",
        "name",
        "role",
        "source_name",
    )

    def __init__(self, name: str, source_name: str | None = None) -> None:
        self.name = name
        self.source_name = source_name or name
        self.role: Role = "other"
        self._step = LazyColumn()
        self._epoch = LazyColumn()
        self._time = LazyColumn()
        self._value = Growable()
        # an accuracy in percent becomes a fraction (lossacc_tui/percent.py)
        self._pct = PercentScale()
        # a top-k accuracy beside the top-1 one (`accuracy/top5`) is in the same unit: scaled alike
        self._acc_named = accuracy_named(name)
        self.loss_kind: LossKind = "unknown"  # set by readers whose format says (see LossKind)
        #: the number of samples each of its values was measured on, where the log prints it (the
        #: PyTorch example's `Accuracy: 9846/10000`); None: not known (the analysis may still reveal it
        #: from an accuracy's values, analysis/resolution.py). An accuracy's sampling noise is then
        #: sqrt(a (1 - a) / eval_size) (binomial standard error, a fraction).
        self.eval_size: int | None = None
        self._total = 0  # points appended
        self._base = 0  # absolute index of the first point not folded
        self._folded_idx = np.empty(0, dtype=np.int64)  # absolute index of each folded point
        #: counts the folds: a cache built on `values` positions is stale when it changed
        self.generation = 0

    def __len__(self) -> int:
        return self._total

    def freeze_into(self, other: Series | None = None) -> Series:
        """A snapshot of this series as it is now (`other`, updated in place, or a new Series):
        it shares the arrays (`Growable.frozen`: no copy, O(1)), so another thread may read it
        while points are appended here. Only its scale is kept of the percent decision."""
        m = other if other is not None else Series(self.name, self.source_name)
        m.name, m.source_name, m.role, m.loss_kind = self.name, self.source_name, self.role, self.loss_kind
        m.eval_size = self.eval_size
        m._acc_named, m._total, m._base = self._acc_named, self._total, self._base
        m.generation = self.generation
        m._folded_idx = self._folded_idx  # (a fold makes a new index array: this one never changes)
        m._value, m._step, m._epoch, m._time = (
            self._value.frozen(),
            self._step.frozen(),
            self._epoch.frozen(),
            self._time.frozen(),
        )
        m._pct.scale = self._pct.scale
        return m

    def extend(
        self,
        values: np.ndarray,
        step: np.ndarray | None,
        epoch: np.ndarray | None,
        time: np.ndarray | None,
        borrow: bool = False,
    ) -> None:
        """Append points; with `borrow` an empty series may keep the arrays given (a backlog read
        at once) instead of copying them: the caller must not change them afterwards."""
        n = len(values)
        self._step.extend(step, n, borrow)
        self._epoch.extend(epoch, n, borrow)
        self._time.extend(time, n, borrow)
        if self.role in ACC_ROLES or self._acc_named:
            values = self._scaled(values)
        self._value.extend(values, borrow=borrow)
        self._total += n

    @property
    def scale(self) -> float:
        """1, or 0.01 while an accuracy's values come in percent."""
        return self._pct.scale

    @property
    def unit_notes(self) -> list[str]:
        """Changes of unit found in an accuracy series (one problem line each; the caller takes them)."""
        return self._pct.notes

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Accuracy in percent (0-100) becomes a fraction, retroactively (lossacc_tui/percent.py)."""
        return self._pct.apply(values, self, self.name)

    def follow_percent(self, why: str) -> None:
        """Read this accuracy in percent because a series beside it says so (`top_k_unit`)."""
        self._pct.follow(self, self.name, why)

    def writable_values(self) -> np.ndarray:
        """The kept values, writable in place (percent.py rescales them when the unit decision changes)."""
        return self._value.writable()

    def where(self, i: int) -> str:
        """Absolute point i as a reader finds it in the log: "epoch 7", "step 1200", else "value 9"
        (also for a point whose x is stored and its value not yet)."""
        nf = len(self._folded_idx)
        p = nf + i - self._base if i >= self._base else self.position(i)
        for axis in ("epoch", "step"):
            col = self.x_or_none(axis)
            if p is not None and col is not None and 0 <= p < len(col) and math.isfinite(col[p]):
                return f"{axis} {float(col[p]):g}"
        return f"value {i + 1}"

    def set_role(self, role: Role) -> None:
        if role == self.role:
            return
        was_acc, self.role = self.role in ACC_ROLES or self._acc_named, role
        now_acc = role in ACC_ROLES or self._acc_named
        if now_acc and not was_acc:
            self._pct.reset()
            self._value.writable()[:] = self._scaled(self._value.view().copy())
        elif was_acc and not now_acc:
            if self.scale != 1.0:
                self._value.writable()[:] /= self.scale
            self._pct.reset()

    # -- what is kept: the folded points, then every point from `base` on -------------------------
    @property
    def values(self) -> np.ndarray:
        return self._value.view()

    @property
    def steps(self) -> np.ndarray:
        return self._step.view()

    @property
    def epochs(self) -> np.ndarray:
        return self._epoch.view()

    @property
    def times(self) -> np.ndarray:
        return self._time.view()

    def x(self, axis: XAxis) -> np.ndarray:
        return self.epochs if axis == "epoch" else self.steps

    def x_or_none(self, axis: str) -> np.ndarray | None:
        """x values on an axis, or None when this series never had any there (costs nothing)."""
        return (self._epoch if axis == "epoch" else self._step).known()

    # -- absolute indices (the analysis) ----------------------------------------------------------
    @property
    def base(self) -> int:
        """Absolute index of the first point not folded (0 until a fold)."""
        return self._base

    @property
    def n_folded(self) -> int:
        """How many folded points `values` begins with."""
        return len(self._folded_idx)

    @property
    def folded_index(self) -> np.ndarray:
        """Absolute index of each folded point (ascending)."""
        return self._folded_idx

    @property
    def raw(self) -> np.ndarray:
        """Every point from absolute index `base` on (all of them until a fold)."""
        return self._value.view()[len(self._folded_idx) :]

    def raw_x(self, axis: str) -> np.ndarray | None:
        """`x_or_none(axis)` of the points from `base` on."""
        col = self.x_or_none(axis)
        return None if col is None else col[len(self._folded_idx) :]

    def position(self, i: int) -> int | None:
        """Where absolute point i is in `values` (None: out of range, or folded away)."""
        if i < 0 or i >= self._total:
            return None
        if i >= self._base:
            return len(self._folded_idx) + i - self._base
        k = int(np.searchsorted(self._folded_idx, i))
        return k if k < len(self._folded_idx) and self._folded_idx[k] == i else None

    def kept_before(self, i: int) -> int:
        """How many points of `values` have an absolute index below i."""
        nf = len(self._folded_idx)
        if i >= self._base:
            return min(len(self._value), nf + i - self._base)
        return int(np.searchsorted(self._folded_idx, i))

    def absolute(self, p: int) -> int:
        """The absolute index of the point at position p of `values`."""
        nf = len(self._folded_idx)
        return int(self._folded_idx[p]) if p < nf else self._base + p - nf

    def value_at(self, i: int) -> float:
        """The value of absolute point i; NaN out of range or folded away (a folded block keeps
        only its lowest and highest point, which a running best always is)."""
        p = self.position(i)
        return math.nan if p is None else float(self._value.view()[p])

    def x_at(self, axis: str, i: int) -> float:
        """x of absolute point i on `axis` (NaN when unknown). A point folded away gets the x
        interpolated between the kept points around it (exact for evenly spaced steps/epochs)."""
        col = self.x_or_none(axis)
        if col is None or i < 0 or i >= self._total:
            return math.nan
        p = self.position(i)
        if p is not None:
            return float(col[p])
        nf = len(self._folded_idx)
        anchors = np.append(self._folded_idx, self._base).astype(np.float64)
        return float(np.interp(i, anchors, col[: nf + 1]))

    # -- the cap ----------------------------------------------------------------------------------
    def fold(self, keep: int) -> bool:
        """Keep memory bounded: once more than 2 * `keep` points are unfolded, fold all but the
        last `keep` of them into blocks of `keep // FOLD_BLOCKS` points, each kept as its lowest
        and its highest point (in their order; NaN counts as neither), and merge neighbouring
        folded blocks two by two while there are more than `keep` folded points. The first point
        ever is always kept (first). Afterwards
        `values` holds at most 3 * `keep` points. Amortised O(1) per appended point. Returns
        whether anything was folded."""
        nf = len(self._folded_idx)
        v = self._value.view()
        raw_n = len(v) - nf
        block = max(1, keep // FOLD_BLOCKS)
        f = raw_n - keep
        f -= f % block
        if raw_n <= 2 * keep or f <= 0:
            return False
        starts = np.arange(nf, nf + f, block)
        pos = _extremes(v[nf : nf + f].reshape(-1, block)) + starts[:, None]
        # the first point ever stays first (what x before the first block is interpolated from)
        first = np.zeros(1, dtype=np.int64)
        reps = (
            np.concatenate([first, np.arange(1, nf), pos.ravel()])
            if nf
            else np.concatenate([first, pos.ravel()])
        )
        absolute = np.concatenate([first, self._folded_idx[1:], self._base + pos.ravel() - nf])
        while len(reps) > keep:
            m = (len(reps) - 1) // 4 * 4
            groups = reps[1 : m + 1].reshape(-1, 4)
            pick = _extremes(v[groups])
            rows = np.arange(len(groups))[:, None]
            absolute = np.concatenate(
                [first, absolute[1 : m + 1].reshape(-1, 4)[rows, pick].ravel(), absolute[m + 1 :]]
            )
            reps = np.concatenate([first, groups[rows, pick].ravel(), reps[m + 1 :]])
        rows = np.concatenate([reps, np.arange(nf + f, len(v))])
        cap = len(reps) + 2 * keep + 1  # room until the next fold
        self._value = Growable.of(v[rows], cap)
        self._step = self._step.select(rows, cap)
        self._epoch = self._epoch.select(rows, cap)
        self._time = self._time.select(rows, cap)
        self._folded_idx = absolute.astype(np.int64)
        self._base += f
        self.generation += 1
        return True

    def nbytes(self) -> int:
        cols = (self._step, self._epoch, self._time, self._value)
        return sum(g.nbytes() for g in cols) + self._folded_idx.nbytes


def _extremes(blocks: np.ndarray) -> np.ndarray:
    """Per row of `blocks` (rows, k): the column of its lowest and of its highest value, in column
    order, shape (rows, 2). NaN is neither (an all-NaN row gives its first column twice)."""
    nan = np.isnan(blocks)
    lo = np.where(nan, np.inf, blocks).argmin(axis=1)
    hi = np.where(nan, -np.inf, blocks).argmax(axis=1)
    return np.stack([np.minimum(lo, hi), np.maximum(lo, hi)], axis=1)


__all__ = ["ACC_ROLES", "ROLES", "Growable", "LazyColumn", "LossKind", "Role", "Series", "XAxis"]
