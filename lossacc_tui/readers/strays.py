"""A stray record: one record whose x goes back into a run (a line a second process wrote late, a
copy pasted in) while the records after it carry on where the run was. Read one at a time it
looks like a resume from a checkpoint (readers/split.py rule 3), which would replace what the run
logged from that x on; so the Splitter decides only once the next record with an x has come:

- the next record's x is above the run's last x before the stray (the old sequence goes on): the
  record is a stray, kept out of the run, and a problem line says so (never a silent drop);
- otherwise (the records after it go on from its x): a resume, as before.

Until that next record comes (the end of what a follower has read so far), the record and what
follows it are held back; the end of the file (`Splitter.flush`, `Source.finish`) decides a
record nothing follows as a resume. `concat` joins what was held to the next batch."""

from __future__ import annotations

import numpy as np

from lossacc_tui.model import Batch


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


def verdict(
    batch: Batch, x: np.ndarray, i: int, last: float, final: bool, axis: str
) -> tuple[int | None, str] | str | None:
    """Row i of `batch` goes back into a run whose last x is `last`: (its line, the problem) when
    it is a stray (the next row with an x carries on above `last`); "hold" when no row with an x
    follows it in the batch and more may come (`final` False); None: a resume."""
    after = np.flatnonzero(~np.isnan(x[i + 1 :]))
    if not len(after):
        return None if final else "hold"
    j = i + 1 + int(after[0])
    if j in batch.starts or not float(x[j]) > last:
        return None
    line = None if batch.line is None else int(batch.line[i])
    return line, (
        f"{axis} {float(x[i]):g} goes back into the run at {axis} {last:g}, and the next record carries "
        f"on at {axis} {float(x[j]):g}: a stray record (not a resume), kept out"
    )


def verdict_unplaced(
    batch: Batch, x: np.ndarray, i: int, lane_last: float, final: bool, axis: str, other: str, back: str
) -> tuple[int | None, str] | str | None:
    """Row i has no x on the split axis (`axis`), only on the `other` one (an evaluation with an
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
    return line, f"{back}, and the next record carries on at {axis} {float(x[j]):g}: a stray record, kept out"


__all__ = ["concat", "verdict", "verdict_unplaced"]
