"""Joining the batches a reader made of the pieces of one large block (a backlog read at once and
parsed about 1 MB at a time), so a run receives one batch per stretch of same-column pieces."""

from __future__ import annotations

import numpy as np

from lossacc_tui.model import Batch


def join_batches(batches: list[Batch]) -> list[Batch]:
    """Consecutive batches of the same columns (names, x columns, which names have a `present`
    mask; no run start: what the column paths give for the pieces of one large block) joined into
    one, in order; the others as they are. A run keeps a large joined column without copying it
    (`model.Growable`), where it would grow its arrays piece by piece; the records are the same."""
    out: list[Batch] = []
    group: list[Batch] = []

    def shape(b: Batch) -> tuple[object, ...] | None:
        if b.starts or b.line is None:
            return None
        masks = tuple(p is None for p in b.present.values())
        return (tuple(b.values), masks, b.step is None, b.epoch is None, b.time is None)

    def flush() -> None:
        if len(group) == 1:
            out.append(group[0])
        elif group:
            out.append(_concat(group))
        group.clear()

    for b in batches:
        if group and (shape(b) is None or shape(b) != shape(group[0])):
            flush()
        if shape(b) is None:
            out.append(b)
        else:
            group.append(b)
    flush()
    return out


def _concat(group: list[Batch]) -> Batch:
    def cat(arrays: list[np.ndarray | None]) -> np.ndarray | None:
        return None if arrays[0] is None else np.concatenate(arrays)  # type: ignore[arg-type]

    first = group[0]
    return Batch(
        n=sum(b.n for b in group),
        values={k: np.concatenate([b.values[k] for b in group]) for k in first.values},
        present={k: cat([b.present[k] for b in group]) for k in first.values},
        step=cat([b.step for b in group]),
        epoch=cat([b.epoch for b in group]),
        time=cat([b.time for b in group]),
        line=cat([b.line for b in group]),
    )
