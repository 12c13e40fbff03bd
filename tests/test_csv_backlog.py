"""The cold read of a large CSV backlog (readers/csv_backlog.py): Lightning's sparse metrics.csv
parsed into one column-major table gives exactly what reading it 1 MB at a time gives (runs,
series, values, x, line numbers, problems), a bad row is still a problem, and the rows after the
piece that holds it go back to the table; `fastnum.parse_numeric_columns` reads exactly what
`parse_numeric_rows` reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.readers import bulk, csv_backlog, fastnum
from lossacc_tui.readers.fastnum import parse_numeric_columns, parse_numeric_rows
from lossacc_tui.source import discover
from tests.numpy_batches import batch_eval_run
from tests.readers_compare import full_snapshot, read


def lightning_csv(path: Path, steps: int, every: int = 50) -> list[str]:
    """A per-step logistic regression trained by numpy, logged the way Lightning's CSVLogger writes
    `self.log(..., on_step=True)` and validation every `every` steps: one metric a row, the other
    cells empty, float32 values as Lightning prints them. Returns the lines (header first)."""
    run = batch_eval_run(steps, seed=3)
    f32 = {k: v.astype(np.float32).tolist() for k, v in run.items()}
    lines = ["epoch,step,train_loss_step,val_acc,val_loss\n"]
    for s in range(steps):
        epoch = s // 1000
        lines.append(f"{epoch},{s},{f32['train_loss'][s]!r},,\n")
        if s % every == every - 1:
            lines.append(f"{epoch},{s},,{f32['val_acc'][s]!r},{f32['val_loss'][s]!r}\n")
    path.write_text("".join(lines))
    return lines


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A block past 4 KB is a backlog (read at once), parsed 16 KB at a time; yields the rows each
    call of the column path parsed."""
    rows: list[int] = []
    real = csv_backlog.parse_numeric_columns

    def counted(*a: object) -> object:
        res = real(*a)  # type: ignore[arg-type]
        rows.append(res[0].shape[1])
        return res

    monkeypatch.setattr(bulk, "PIECE", 4096)
    monkeypatch.setattr(bulk, "BULK_BLOCK", 0)
    monkeypatch.setattr(fastnum, "_BLOCK", 16384)
    monkeypatch.setattr(fastnum, "_PIECE", 4096)
    monkeypatch.setattr(csv_backlog, "parse_numeric_columns", counted)
    yield rows


def test_a_sparse_backlog_with_a_bad_row_reads_as_in_1_mb_reads(
    tmp_path: Path, small_pieces: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "metrics.csv"
    lines = lightning_csv(path, 6000)
    bad = len(lines) // 3
    lines[bad] = lines[bad].replace(",,", ",nan?,", 1)  # a cell that is no number
    path.write_text("".join(lines))
    size = path.stat().st_size
    got = full_snapshot(read(path, [size + 1]))
    with monkeypatch.context() as m:  # the same bytes, 1 MB reads, each parsed piece by piece
        m.setattr(bulk, "PIECE", 1 << 20)
        m.setattr(bulk, "ENABLED", False)
        assert got == full_snapshot(read(path, [size + 1]))
    ((_, _, points, _, _, problems),) = got
    assert [p[0] for p in problems] == [bad + 1]  # (the file's line number)
    assert points == 6000 + 2 * 120  # every value (the bad cell is none)
    assert len(small_pieces) >= 2 and sum(small_pieces) > len(lines) - 800  # the table goes on after it


def test_the_loss_and_x_of_a_sparse_backlog_are_the_rows_it_was_logged_on(
    tmp_path: Path, small_pieces: list[int]
) -> None:
    path = tmp_path / "metrics.csv"
    lightning_csv(path, 5000, every=100)
    run = batch_eval_run(5000, seed=3)
    (r,) = read(path, [path.stat().st_size + 1]).runs
    loss, val = r.series["train_loss_step"], r.series["val_loss"]
    assert loss.values.tolist() == run["train_loss"].astype(np.float32).tolist()
    assert loss.steps.tolist() == list(range(5000))
    assert val.steps.tolist() == list(range(99, 5000, 100))
    assert val.values.tolist() == run["val_loss"][99::100].astype(np.float32).tolist()
    assert sum(small_pieces) == 5050


@pytest.mark.parametrize(
    "bad", [b"", b"1,2\n", b"1,x,3\n", b"1,2,3,4\n", b"1,,2e\n", b"\n", b"1\r\n"], ids=repr
)
def test_parse_numeric_columns_reads_what_parse_numeric_rows_reads(
    bad: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same values and cells up to the first piece that holds a bad line, none after it."""
    monkeypatch.setattr(fastnum, "_BLOCK", 2048)
    monkeypatch.setattr(fastnum, "_PIECE", 512)
    rng = np.random.default_rng(0)
    rows = [
        ",".join(repr(float(v)) if rng.random() < 0.6 else "" for v in rng.standard_normal(3)) + "\n"
        for _ in range(600)
    ]
    head = "".join(rows[:400]).encode()
    text = head + bad + "".join(rows[400:]).encode()
    values, present, end = parse_numeric_columns(text, 3)
    expect = parse_numeric_rows(text[:end], 3)
    assert expect is not None and all(c.flags.c_contiguous for c in values) and present.shape == values.shape
    assert np.array_equal(values.T, expect[0], equal_nan=True) and np.array_equal(present.T, expect[1])
    if bad:  # (a blank line too: with 3 columns the parser reads no line of one cell)
        assert len(head) - 2600 < end <= len(head)  # (stops at the piece that holds it)
        assert parse_numeric_rows(text[end : text.find(b"\n", len(head) + 2600) + 1], 3) is None
    else:
        assert end == len(text)


def test_a_sparse_log_opened_while_written_reads_its_last_row_once_it_ends(
    tmp_path: Path, small_pieces: list[int]
) -> None:
    """The backlog read stops at the last newline; the row being written is read when its end
    comes (by the follower's next read), once."""
    path = tmp_path / "metrics.csv"
    lines = lightning_csv(path, 3000)
    whole = full_snapshot(read(path, [path.stat().st_size + 1]))
    text = "".join(lines).encode()
    cut = len(text) - len(lines[-1]) // 2  # the writer is in the middle of the last row
    (src,) = discover(path)
    src.feed(0, text[:cut])  # (its first read: what was there when it opened the log)
    assert src.runs[0].points == 3000 + 2 * 60 - 2 and sum(small_pieces) >= 2900
    src.feed(0, text[cut:])
    src.finish(0)
    assert full_snapshot(src) == whole
