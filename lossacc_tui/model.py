"""The metric model used everywhere: a Run holds named Series of (x, value) points.

Readers produce `Batch`es (columnar blocks of records); a `Run` appends them to its `Series`,
whose storage is growable numpy arrays (amortised O(1) per appended point, no per-point objects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from lossacc_tui.roles import RoleMap, assign_roles, summed_losses

if TYPE_CHECKING:
    from lossacc_tui.readers.probe_sidecar import ProbeSidecar

Role = Literal["train_loss", "val_loss", "train_acc", "val_acc", "lr", "other"]
ROLES: tuple[Role, ...] = ("train_loss", "val_loss", "train_acc", "val_acc", "lr", "other")
ACC_ROLES: frozenset[str] = frozenset({"train_acc", "val_acc"})
XAxis = Literal["epoch", "step"]
#: What a loss series measures, when its format says: "cross-entropy" (mean negative log-likelihood in
#: nats: the analysis' bounds apply), "sum-of-terms" (a detection loss: box + cls + dfl, with a score
#: such as mAP50-95 in the accuracy role; cross-entropy reasoning does not apply), or "unknown" (the
#: format does not say; most logs).
LossKind = Literal["cross-entropy", "sum-of-terms", "unknown"]


class Growable:
    """A float64 array that grows by half its size when full: appending N values costs amortised
    O(1) each, and at most a third of the memory is slack.

    An empty Growable may borrow a large array instead of copying it (`extend(..., borrow=True)`:
    a backlog read at once, where the copy and its page faults cost as much as the parse). The
    borrowed array is never written: the first append copies it, and `writable()` does too."""

    __slots__ = ("_borrowed", "_buf", "_n")

    def __init__(self, capacity: int = 16) -> None:
        self._buf = np.empty(max(capacity, 1), dtype=np.float64)
        self._n = 0
        self._borrowed = False

    def __len__(self) -> int:
        return self._n

    def extend(self, values: np.ndarray | float, count: int | None = None, borrow: bool = False) -> None:
        """Append an array, or `count` copies of one value. With `borrow`, an empty Growable keeps a
        contiguous float64 array of at least `BORROW_MIN` values as it is (the caller must not change it)."""
        k = len(values) if count is None else count  # type: ignore[arg-type]
        if (
            borrow
            and self._n == 0
            and k >= BORROW_MIN
            and isinstance(values, np.ndarray)
            and values.dtype == np.float64
            and values.ndim == 1
            and values.flags.c_contiguous
        ):
            self._buf, self._n, self._borrowed = values, k, True
            return
        need = self._n + k
        if need > len(self._buf) or self._borrowed:
            cap = len(self._buf)
            cap = max(need, cap + cap // 2 + 1)  # a large batch (a backlog read at once): no slack
            buf = np.empty(cap, dtype=np.float64)
            buf[: self._n] = self._buf[: self._n]
            self._buf, self._borrowed = buf, False
        self._buf[self._n : need] = values
        self._n = need

    def view(self) -> np.ndarray:
        """The filled part (a view: do not keep it across appends, do not write it: `writable`)."""
        return self._buf[: self._n]

    def writable(self) -> np.ndarray:
        """The filled part, to change in place (a borrowed array is copied first)."""
        if self._borrowed:
            self._buf, self._borrowed = self._buf[: self._n].copy(), False
        return self._buf[: self._n]

    def nbytes(self) -> int:
        return self._buf.nbytes


#: Fewest values a Growable borrows rather than copies (smaller batches are cheap to copy).
BORROW_MIN = 4096


class LazyColumn:
    """An x column (step, epoch, wall time) that costs no memory until a value is known."""

    __slots__ = ("_arr", "_n")

    def __init__(self) -> None:
        self._arr: Growable | None = None
        self._n = 0

    def extend(self, values: np.ndarray | None, count: int, borrow: bool = False) -> None:
        """Append `count` x values (None: all unknown); `borrow` as in `Growable.extend`."""
        if self._arr is None:
            if values is None or np.isnan(values).all():
                self._n += count
                return
            self._arr = Growable(16 if borrow and not self._n else max(16, self._n + count))
            self._arr.extend(np.nan, self._n)
        if values is None:
            self._arr.extend(np.nan, count)
        else:
            self._arr.extend(values, borrow=borrow)

    def view(self) -> np.ndarray:
        return np.full(self._n, np.nan) if self._arr is None else self._arr.view()

    def known(self) -> np.ndarray | None:
        """The values, or None when none was ever given (without building a NaN column)."""
        return None if self._arr is None else self._arr.view()

    def nbytes(self) -> int:
        return 0 if self._arr is None else self._arr.nbytes()


@dataclass(slots=True)
class Problem:
    """Something in a log that could not be read; reading went on."""

    line: int | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message}


@dataclass(slots=True)
class Batch:
    """A columnar block of records, as readers emit them.

    `values[name]` holds one float64 per row; `present[name]` says which rows carry that metric
    (None: all rows). `step`/`epoch`/`time` are per-row x values, NaN where unknown.
    `starts` lists rows where the reader knows a new run begins (a new table, a new fit call).
    Arrays handed over in a Batch are never changed afterwards: a run may keep them as they are.
    """

    n: int
    values: dict[str, np.ndarray]
    present: dict[str, np.ndarray | None]
    step: np.ndarray | None = None
    epoch: np.ndarray | None = None
    time: np.ndarray | None = None
    line: np.ndarray | None = None
    starts: tuple[int, ...] = ()

    def take(self, rows: np.ndarray) -> Batch:
        """The sub-batch of the given row indices (sorted)."""

        def sub(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        return Batch(
            n=len(rows),
            values={k: v[rows] for k, v in self.values.items()},
            present={k: sub(p) for k, p in self.present.items()},
            step=sub(self.step),
            epoch=sub(self.epoch),
            time=sub(self.time),
            line=sub(self.line),
        )

    def mask(self, name: str) -> np.ndarray:
        p = self.present.get(name)
        return np.ones(self.n, dtype=bool) if p is None else p


class BatchBuilder:
    """Collects records one at a time (for line-oriented readers) and builds a Batch."""

    def __init__(self) -> None:
        self._rows: list[dict[str, float]] = []
        self._step: list[float] = []
        self._epoch: list[float] = []
        self._time: list[float] = []
        self._line: list[int] = []
        self._starts: list[int] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(
        self,
        values: dict[str, float],
        *,
        step: float | None = None,
        epoch: float | None = None,
        time: float | None = None,
        line: int = 0,
        new_run: bool = False,
    ) -> None:
        if new_run:
            self._starts.append(len(self._rows))
        self._rows.append(values)
        self._step.append(np.nan if step is None else step)
        self._epoch.append(np.nan if epoch is None else epoch)
        self._time.append(np.nan if time is None else time)
        self._line.append(line)

    def mark_new_run(self) -> None:
        """The next record begins a new run."""
        self._starts.append(len(self._rows))

    def build(self) -> Batch | None:
        """The collected rows as one Batch (None when empty); the builder is emptied."""
        rows = self._rows
        if not rows:
            return None
        n = len(rows)
        names: dict[str, None] = {}
        for r in rows:
            names.update(dict.fromkeys(r))
        values: dict[str, np.ndarray] = {}
        present: dict[str, np.ndarray | None] = {}
        for name in names:
            col = np.array([r.get(name, np.nan) for r in rows], dtype=np.float64)
            mask = np.fromiter((name in r for r in rows), dtype=bool, count=n)
            values[name] = col
            present[name] = None if mask.all() else mask

        def arr(xs: list[float]) -> np.ndarray | None:
            a = np.array(xs, dtype=np.float64)
            return None if np.isnan(a).all() else a

        batch = Batch(
            n=n,
            values=values,
            present=present,
            step=arr(self._step),
            epoch=arr(self._epoch),
            time=arr(self._time),
            line=np.array(self._line, dtype=np.int64),
            starts=tuple(s for s in self._starts if s < n),
        )
        self.__init__()  # type: ignore[misc]
        return batch


class Series:
    """One metric of one run: x (step, epoch, wall time) and values in growable arrays."""

    __slots__ = (
        "_epoch",
        "_pct_decided",
        "_step",
        "_time",
        "_value",
        "loss_kind",
        "name",
        "role",
        "scale",
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
        self.scale = 1.0  # 0.01 once an accuracy is found to be in percent
        self._pct_decided = False  # whether a value above 1 has settled `scale`
        self.loss_kind: LossKind = "unknown"  # set by readers whose format says (see LossKind)

    def __len__(self) -> int:
        return len(self._value)

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
        if self.role in ACC_ROLES:
            values = self._scaled(values)
        self._value.extend(values, borrow=borrow)

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Accuracy in percent (0-100) becomes a fraction, retroactively. Decided once, by the first
        finite value above 1 (at most 100: percent), so the answer does not depend on how the
        history was cut into batches."""
        if not self._pct_decided and len(values):
            above = np.flatnonzero(values > 1.0)  # NaN compares False
            above = above[np.isfinite(values[above])]
            if len(above):
                self._pct_decided = True
                if values[above[0]] <= 100.0:
                    self.scale = 0.01
                    self._value.writable()[:] *= 0.01
        return values * self.scale if self.scale != 1.0 else values

    def set_role(self, role: Role) -> None:
        if role == self.role:
            return
        was_acc, self.role = self.role in ACC_ROLES, role
        if role in ACC_ROLES and not was_acc:
            self._pct_decided = False
            self._value.writable()[:] = self._scaled(self._value.view().copy())
        elif was_acc and role not in ACC_ROLES:
            if self.scale != 1.0:
                self._value.writable()[:] /= self.scale
                self.scale = 1.0
            self._pct_decided = False

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

    def nbytes(self) -> int:
        return sum(g.nbytes() for g in (self._step, self._epoch, self._time, self._value))


@dataclass
class Run:
    """One training run: the series read from one source (or one part of a file that holds several)."""

    name: str
    path: str
    format: str
    series: dict[str, Series] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    role_map: RoleMap | None = None
    role_hints: dict[str, str] = field(default_factory=dict)
    points: int = 0
    first_line: int | None = None
    _epoch_gap: bool = False  # a point without an epoch was added: the x axis is the step
    #: per-sample facts written beside the log by lossacc_tui.probe (None: no sidecar found)
    probe: ProbeSidecar | None = None
    #: the run's parameters where its store keeps them per run (MLflow's database and server)
    params: dict[str, str] = field(default_factory=dict)

    def add_batch(
        self,
        batch: Batch,
        source_names: dict[str, str] | None = None,
        loss_kinds: dict[str, LossKind] | None = None,
    ) -> None:
        """Append every present value of the batch to its series (new series get roles).
        `source_names` names the source of a series a reader derived (`1-error_rate`); `loss_kinds`
        says what a loss series measures where the reader's format says so."""
        new = self._new_names(batch)
        for name in new:
            self.series[name] = Series(name, (source_names or {}).get(name))
            if loss_kinds and name in loss_kinds:
                self.series[name].loss_kind = loss_kinds[name]
        if new:
            self._assign_roles()
        if not self._epoch_gap:
            for p in batch.present.values():
                ep = batch.epoch if p is None or batch.epoch is None else batch.epoch[p]
                if ep is None or np.isnan(ep).any():
                    self._epoch_gap = True
                    break
        for name, vals in batch.values.items():
            p = batch.present.get(name)
            s = self.series.get(name)
            if s is None:
                continue  # no value in this batch: the series begins with its first value
            if p is None:
                s.extend(vals, batch.step, batch.epoch, batch.time, borrow=True)
                self.points += batch.n
            else:
                rows = np.flatnonzero(p)
                if len(rows):
                    s.extend(
                        vals[rows],
                        None if batch.step is None else batch.step[rows],
                        None if batch.epoch is None else batch.epoch[rows],
                        None if batch.time is None else batch.time[rows],
                        borrow=True,
                    )
                    self.points += len(rows)

    def _new_names(self, batch: Batch) -> list[str]:
        """The batch's names that have no series yet and a value in it, in the order of their first
        value (the column order among names first seen on one row), so series are made in the same
        order however the history was cut into batches."""
        first: dict[str, int] = {}
        for name in batch.values:
            if name not in self.series:
                p = batch.present.get(name)
                if p is None:
                    first[name] = 0
                elif p.any():
                    first[name] = int(p.argmax())
        return sorted(first, key=first.__getitem__)

    def clear(self) -> None:
        """Forget every point (the log is being read again from its start)."""
        self.series.clear()
        self.points = 0
        self._epoch_gap = False

    def _assign_roles(self) -> None:
        roles = assign_roles(list(self.series), self.role_map, self.role_hints)
        for name, s in self.series.items():
            s.set_role(roles[name])  # type: ignore[arg-type]
        for name in summed_losses(list(self.series)):  # a total of named terms: a detection loss
            if self.series[name].loss_kind == "unknown":
                self.series[name].loss_kind = "sum-of-terms"

    def by_role(self, role: Role) -> Series | None:
        for s in self.series.values():
            if s.role == role and len(s):
                return s
        return None

    @property
    def loss_kind(self) -> LossKind:
        """What the run's training loss measures (its train_loss series' `loss_kind`)."""
        s = self.by_role("train_loss") or self.by_role("val_loss")
        return "unknown" if s is None else s.loss_kind

    @property
    def x_axis(self) -> XAxis:
        """'epoch' when every point carries an epoch, otherwise 'step' (kept up to date as points
        arrive, so asking costs nothing)."""
        return "step" if self._epoch_gap or not self.points else "epoch"

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.series.values())
