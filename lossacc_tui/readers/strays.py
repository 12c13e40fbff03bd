"""A stray record: one record whose x goes back into a run (a line a second process wrote late, a
copy pasted in) while the records after it carry on where the run was. Read one at a time it
looks like a resume from a checkpoint (readers/split.py rule 3), which would replace what the run
logged from that x on; so the Splitter decides only once the next record with an x has come:

- the next record's x is above the run's last x before the stray (the old sequence goes on): the
  record is a stray, kept out of the run, and a problem line says so (never a silent drop), in
  epochs with the step beside when the records split on their step carry an epoch (`said_at`: the
  run is shown by epoch then, and its messages name epochs);
- otherwise (the records after it go on from its x): a resume, as before.

Until that next record comes (the end of what a follower has read so far), the record and what
follows it are held back; the end of the file (`Splitter.flush`, `Source.finish`) decides a
record nothing follows as a resume. `concat` joins what was held to the next batch. A follower
whose writer pauses places what is held as that end would (`Splitter.settle`: as `check` reads
the file then); the next records decide as before, and when they read it otherwise (`placed`
differs) the follower reads the file again (lossacc_tui/settle.py).

A record with no x on the split axis (an evaluation `{"epoch": 8, "val_loss": ...}` in a log whose
other records carry a step) goes to the most recent run; it is a stray when its other x (its epoch)
goes back below what that run logged of the same metrics (`Lane.unplaced`) and the next record with
an x carries on above the run's last x, or nothing follows it (it cannot resume a run: it has no x
to resume from) (`unplaced`)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.split_rows import Lane, Rows


def concat(a: Batch, b: Batch) -> Batch:
    """The rows of `a` then of `b` as one batch (metrics missing from one side are absent on its
    rows; run starts kept, shifted)."""
    n = a.n + b.n
    names = list(dict.fromkeys([*a.values, *b.values]))
    values: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray | None] = {}
    for k in names:
        col = np.full(n, np.nan)
        mask = np.zeros(n, dtype=bool)
        for off, part in ((0, a), (a.n, b)):
            if k in part.values:
                col[off : off + part.n] = part.values[k]
                mask[off : off + part.n] = part.mask(k)
        values[k], present[k] = col, None if mask.all() else mask

    def cat(x: np.ndarray | None, y: np.ndarray | None, dtype: type = np.float64) -> np.ndarray | None:
        if x is None and y is None:
            return None
        fill = 0 if dtype is np.int64 else np.nan
        return np.concatenate(
            [np.full(a.n, fill, dtype) if x is None else x, np.full(b.n, fill, dtype) if y is None else y]
        )

    return Batch(
        n,
        values,
        present,
        cat(a.step, b.step),
        cat(a.epoch, b.epoch),
        cat(a.time, b.time),
        cat(a.line, b.line, np.int64),
        (*a.starts, *(s + a.n for s in b.starts)),
    )


#: line -> (run index, the x its run resumed at when the record begins a resumed part, else None), or
#: None for a record not placed (a stray, a duplicate): how the records of those lines were read
Placed = dict[int, tuple[int, float | None] | None]


def placed(pairs: list[tuple[int, Batch]], lines: np.ndarray) -> Placed:
    """How the records of `lines` were read in `split`'s pairs (`Placed`)."""
    out: Placed = dict.fromkeys((int(n) for n in lines), None)
    for seg, sub in pairs:
        if sub.line is None:
            continue
        for k, n in enumerate(sub.line.tolist()):
            if n in out:
                at = sub.resume[1] if sub.resume is not None and k == 0 else None
                out[n] = (seg, at)
    return out


def without_lines(pairs: list[tuple[int, Batch]], lines: Iterable[int]) -> list[tuple[int, Batch]]:
    """`split`'s pairs without the records of `lines` (placed before: `Splitter.settle`); a part
    whose first record goes is no longer where its run resumed (that was told with the record)."""
    gone = np.fromiter(lines, dtype=np.int64)
    out = []
    for seg, sub in pairs:
        if sub.line is None:
            out.append((seg, sub))
            continue
        keep = ~np.isin(sub.line, gone)
        if keep.all():
            out.append((seg, sub))
        elif keep.any():
            part = sub.take(np.flatnonzero(keep))
            part.resume = sub.resume if keep[0] else None
            part.reaxis = sub.reaxis
            out.append((seg, part))
    return out


def said_at(axis: str, x: float, epoch: float = math.nan) -> str:
    """A record's place for a message: `step 440`, or `epoch 10 (step 440)` when a record split on
    its step carries an epoch too (a run shown by epoch is read in epochs; the step is kept beside).

    >>> said_at("step", 440.0, 10.0), said_at("step", 440.0), said_at("epoch", 10.0, 10.0)
    ('epoch 10 (step 440)', 'step 440', 'epoch 10')
    """
    if axis == "step" and math.isfinite(epoch):
        return f"epoch {epoch:g} (step {x:g})"
    return f"{axis} {x:g}"


def _epoch(batch: Batch, i: int) -> float:
    return math.nan if batch.epoch is None else float(batch.epoch[i])


def verdict(
    batch: Batch, x: np.ndarray, i: int, last: tuple[float, float], final: bool, axis: str
) -> tuple[int | None, str] | str | None:
    """Row i of `batch` goes back into a run whose last record is at `last` (its x, and its epoch
    when the split axis is the step: NaN when none): (its line, the problem) when it is a stray (the
    next row with an x carries on above that x); "hold" when no row with an x follows it in the
    batch and more may come (`final` False); None: a resume."""
    after = np.flatnonzero(~np.isnan(x[i + 1 :]))
    if not len(after):
        return None if final else "hold"
    j = i + 1 + int(after[0])
    if j in batch.starts or not float(x[j]) > last[0]:
        return None
    line = None if batch.line is None else int(batch.line[i])
    # (said with the epochs too where the records carry them: the run may be shown by epoch)
    known = all(math.isfinite(e) for e in (_epoch(batch, i), _epoch(batch, j), last[1]))
    here, there = (
        said_at(axis, float(v), _epoch(batch, k) if known else math.nan) for v, k in ((x[i], i), (x[j], j))
    )
    back = said_at(axis, last[0], last[1] if known else math.nan)
    return line, (
        f"{here} goes back into the run at {back}, and the next record carries on at {there}: a stray record "
        "(not a resume), kept out"
    )


def verdict_unplaced(
    batch: Batch, x: np.ndarray, i: int, lane_last: float, final: bool, axis: str, back: str
) -> tuple[int | None, str] | str | None:
    """Row i has no x on the split axis (`axis`), only on the other one (an evaluation with an
    epoch and no step), and goes back there below what its run logged of the same metrics
    (`back` says how): (its line, the problem) when it is a stray: the next row with an x carries on
    above `lane_last`, the run's last x, or no row follows it at the end of the file (it cannot
    resume a run: it has no x to resume from); "hold" when no row with an x follows it in the batch
    and more may come; None when the next row goes back too (a new run may begin there)."""
    after = np.flatnonzero(~np.isnan(x[i + 1 :]))
    line = None if batch.line is None else int(batch.line[i])
    if not len(after):
        if not final:
            return "hold"
        return line, f"{back}, and nothing follows it: a stray record, kept out"
    j = i + 1 + int(after[0])
    if j in batch.starts or not float(x[j]) > lane_last:
        return None
    there = said_at(axis, float(x[j]), _epoch(batch, j))
    return line, f"{back}, and the next record carries on at {there}: a stray record, kept out"


def other_x(batch: Batch, i: int) -> tuple[str, float] | None:
    """Row i's x on the axis other than the split one, for a row with no x on the split axis:
    ('epoch', e) when it has an epoch, else ('step', s); None when it has neither."""
    for axis, col in (("epoch", batch.epoch), ("step", batch.step)):
        if col is not None and not math.isnan(float(col[i])):
            return axis, float(col[i])
    return None


def unplaced(
    rows: Rows, i: int, lane: Lane | None, final: bool, axis: str
) -> tuple[int | None, str] | str | None:
    """Row i has no x on the split `axis` and would go to `lane`, the most recent run: (its line,
    the problem) when it is a stray (module docstring), "hold" when that cannot be told yet, None
    when it is placed as before."""
    other = other_x(rows.batch, i)
    if other is None or lane is None:
        return None
    held = rows.keys(i)
    keys = [n for n in rows.names if n in held]
    on, v = other
    last = max((lane.unplaced.get(f"{on}:{k}", -math.inf) for k in keys), default=-math.inf)
    if not v < last:
        return None
    back = f"{on} {v:g} ({', '.join(keys)}) goes back: this run logged them up to {on} {last:g}"
    return verdict_unplaced(rows.batch, rows.x, i, lane.last_x, final, axis, back)


def note_unplaced(rows: Rows, i: int, lane: Lane) -> None:
    """Row i, with no x on the split axis, was placed in `lane`: its other x is remembered for its
    metrics (`Lane.unplaced`)."""
    other = other_x(rows.batch, i)
    if other is not None:
        for k in rows.keys(i):
            key = f"{other[0]}:{k}"
            lane.unplaced[key] = max(lane.unplaced.get(key, -math.inf), other[1])


__all__ = [
    "Placed",
    "concat",
    "note_unplaced",
    "other_x",
    "placed",
    "said_at",
    "unplaced",
    "verdict",
    "verdict_unplaced",
    "without_lines",
]
