"""The Splitter: restarts become new runs, duplicates go, and batching never changes the outcome."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.model import Batch
from lossacc_tui.readers.split import Splitter


def batch(xs: list[float], losses: list[float], axis: str = "epoch", starts: tuple[int, ...] = ()) -> Batch:
    x = np.array(xs, dtype=float)
    b = Batch(
        n=len(xs), values={"loss": np.array(losses, dtype=float)}, present={"loss": None}, starts=starts
    )
    setattr(b, axis, x)
    return b


def run_all(batches: list[Batch], axis: str = "epoch") -> list[tuple[int, list[float], list[float]]]:
    sp = Splitter()
    out: dict[int, tuple[list[float], list[float]]] = {}
    for b in [*batches, None]:  # (None: the end, where a record held back is placed)
        for seg, part in sp.split(b) if b is not None else sp.flush():
            xs, vs = out.setdefault(seg, ([], []))
            xs += list(getattr(part, axis))
            vs += list(part.values["loss"])
    return [(k, xs, vs) for k, (xs, vs) in sorted(out.items())]


def test_epoch_going_back_starts_a_new_run() -> None:
    got = run_all([batch([0, 1, 2, 0, 1], [0.9, 0.8, 0.7, 0.95, 0.85])])
    assert got == [(0, [0, 1, 2], [0.9, 0.8, 0.7]), (1, [0, 1], [0.95, 0.85])]


def test_a_row_written_twice_is_dropped() -> None:
    got = run_all([batch([0, 1, 1, 2], [0.9, 0.8, 0.8, 0.7])])
    assert got == [(0, [0, 1, 2], [0.9, 0.8, 0.7])]


def test_two_writers_of_the_same_steps_give_two_clean_curves_not_a_zigzag() -> None:
    xs = [10, 10, 20, 30, 20, 40, 30, 40]
    vals = [1.0, 1.001, 0.9, 0.8, 0.9004, 0.7, 0.8003, 0.7]
    got = run_all([batch(xs, vals, axis="step")], axis="step")
    assert len(got) == 2
    for _, steps, _ in got:
        assert steps == sorted(set(steps))  # each run strictly increasing
    assert sum(len(s) for _, s, _ in got) == 7  # the exact copy of (40, 0.7) is dropped


def test_a_finished_run_is_never_continued_by_a_later_restart() -> None:
    first = list(range(100))
    again = list(range(120))
    got = run_all([batch(first + again, [1.0] * 100 + [2.0] * 120)])
    assert [len(xs) for _, xs, _ in got] == [100, 120]
    assert got[1][2] == [2.0] * 120


def test_reader_marked_start_is_a_new_run_even_when_x_goes_up() -> None:
    got = run_all([batch([1, 2, 3, 4], [0.9, 0.8, 0.7, 0.6], starts=(2,))])
    assert [seg for seg, _, _ in got] == [0, 1] and got[1][1] == [3, 4]


def test_no_x_at_all_numbers_the_rows() -> None:
    b = Batch(n=3, values={"loss": np.array([3.0, 2.0, 1.0])}, present={"loss": None})
    ((seg, part),) = Splitter().split(b)
    assert seg == 0 and list(part.step) == [0, 1, 2]


records = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from([0.1, 0.2, 0.5, 1.0, 2.0])), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(rows=records, cuts=st.lists(st.integers(1, 60), max_size=8))
def test_any_batching_gives_the_same_runs(rows: list[tuple[int, float]], cuts: list[int]) -> None:
    xs = [float(x) for x, _ in rows]
    vs = [v for _, v in rows]
    whole = run_all([batch(xs, vs)])
    parts, pos = [], 0
    for c in cuts:
        if pos >= len(xs):
            break
        parts.append(batch(xs[pos : pos + c], vs[pos : pos + c]))
        pos += c
    if pos < len(xs):
        parts.append(batch(xs[pos:], vs[pos:]))
    assert run_all(parts) == whole
