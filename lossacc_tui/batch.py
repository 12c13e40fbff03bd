"""What readers hand over: `Batch`es (columnar blocks of records), built row by row by a
`BatchBuilder`, and the `Problem`s met on the way (a line that could not be read; reading went on).

A `Run` (lossacc_tui/model.py) appends batches to its series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    #: (axis, x): this batch resumes its run at x ('step' or 'epoch'): the run's points from x on
    #: are replaced by the ones from here (readers/split.py rule 3; set by the splitter only)
    resume: tuple[str, float] | None = None
    #: (lo, steps per epoch): the run's step restarts each epoch, so its x is now the fractional
    #: epoch: the points it holds move there before this batch's (readers/epoch_steps.py; set by
    #: the splitter only). On a batch `Run.reaxis` returns: those points, on the new x.
    reaxis: tuple[float, float] | None = None

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
