"""Rows that repeat the step of the row before with other metrics (TensorBoard's one event per tag,
Lightning's validation rows) are placed in the vectorized step: the runs, the rows kept and the
duplicates dropped are exactly those of placing every row one by one, for any batching."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.model import Batch
from lossacc_tui.readers import split
from lossacc_tui.readers.split import Splitter

NAMES = ["loss", "lr", "val_loss", "val_acc"]

# a record: (step delta: 0 repeats the step, negative goes back; which metrics; value seed; start?)
records = st.lists(
    st.tuples(
        st.sampled_from([0, 0, 0, 1, 1, 2, -1, -5]),
        st.integers(1, 15),
        st.integers(0, 3),
        st.sampled_from([False] * 9 + [True]),
    ),
    min_size=1,
    max_size=150,
)


def make(rows: list[tuple[int, int, int, bool]], lo: int, hi: int, steps: list[float]) -> Batch:
    part = rows[lo:hi]
    n = len(part)
    values, present = {}, {}
    for k, name in enumerate(NAMES):
        mask = np.array([bool(r[1] >> k & 1) for r in part])
        values[name] = np.array([float(r[2]) + k if m else np.nan for r, m in zip(part, mask, strict=True)])
        present[name] = None if mask.all() else mask
    starts = tuple(i for i, r in enumerate(part) if r[3])
    return Batch(n=n, values=values, present=present, step=np.array(steps[lo:hi]), starts=starts)


def place(rows: list[tuple[int, int, int, bool]], cuts: list[int], fast: bool) -> tuple[object, ...]:
    steps, s = [], 0.0
    for d, *_ in rows:
        s = max(0.0, s + d)
        steps.append(s)
    bounds = sorted({0, len(rows), *(c % (len(rows) + 1) for c in cuts)})
    sp = Splitter()
    out = []
    old, split.TIES_FAST = split.TIES_FAST, fast
    try:
        pieces = [sp.split(make(rows, lo, hi, steps)) for lo, hi in itertools.pairwise(bounds)]
        for piece in [*pieces, sp.flush()]:  # (the end: a record held back is placed)
            for seg, part in piece:
                out.append(
                    (
                        seg,
                        part.step.tolist(),
                        {k: np.nan_to_num(v, nan=-1).tolist() for k, v in part.values.items()},
                    )
                )
    finally:
        split.TIES_FAST = old
    merged: dict[int, list[object]] = {}
    for seg, st_, vals in out:
        merged.setdefault(seg, []).append((st_, vals))
    flat = {
        seg: ([x for p in parts for x in p[0]], {k: [v for p in parts for v in p[1][k]] for k in NAMES})
        for seg, parts in merged.items()
    }
    return tuple(sorted(flat.items())), sp.duplicates


@settings(max_examples=300, deadline=None)
@given(rows=records, cuts=st.lists(st.integers(0, 200), max_size=6))
def test_ties_placed_in_one_step_match_row_by_row(
    rows: list[tuple[int, int, int, bool]], cuts: list[int]
) -> None:
    assert place(rows, cuts, fast=True) == place(rows, cuts, fast=False)


def test_one_event_per_tag_stays_one_run_and_is_placed_without_the_row_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = 3000
    rows = [(1 if i % 2 == 0 else 0, 1 if i % 2 == 0 else 2, i % 4, False) for i in range(n)]
    calls = []
    real = Splitter._slow

    def counting(self: Splitter, *a: object) -> bool:
        calls.append(1)
        return real(self, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(Splitter, "_slow", counting)
    runs, dups = place(rows, [], fast=True)
    assert len(runs) == 1 and dups == 0 and len(runs[0][1][0]) == n
    assert len(calls) == 0
