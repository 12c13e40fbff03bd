"""The bulk path (polars for a large CSV backlog) reads every log exactly as the
incremental path does: same runs, series, roles, values, x, times and problems, for the same bytes
cut into the same chunks, whatever the chunking, and whether the backlog is read at once or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.readers import bulk
from lossacc_tui.source import discover
from tests.conftest import REPO
from tests.readers_compare import Snapshot, float_texts, full_snapshot, read, structured_logs

pytest.importorskip("polars")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Force the bulk path on every block (no size thresholds; a block past 4 KB counts as a
    large one, read whole or in pieces of 4 KB) and count the blocks it took."""
    count = {"csv": 0}
    real_csv = bulk.csv_values

    def csv_values(*a: object) -> object:
        res = real_csv(*a)  # type: ignore[arg-type]
        count["csv"] += res is not None
        return res

    monkeypatch.setattr(bulk, "BULK_MIN", 0)
    monkeypatch.setattr(bulk, "BULK_BLOCK", 0)
    monkeypatch.setattr(bulk, "PIECE", 4096)
    monkeypatch.setattr(bulk, "csv_values", csv_values)
    yield count


def incremental(path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]) -> Snapshot:
    """The same bytes in the same chunks (and the same pieces of a large block) without polars."""
    with monkeypatch.context() as m:
        m.setattr(bulk, "ENABLED", False)
        return full_snapshot(read(path, sizes))


def test_real_csv_logs_read_the_same_with_the_bulk_path(
    calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = [*structured_logs(csv=True), *sorted((REPO / "tests" / "data").rglob("*.csv"))]
    rng = np.random.default_rng(1)
    for path in logs:
        for sizes in ([1 << 20], rng.integers(100, 4096, 7).tolist()):  # tiny chunks: the test below
            assert full_snapshot(read(path, sizes)) == incremental(path, monkeypatch, sizes), (path, sizes)
    assert calls["csv"] > 0  # the bulk path did read real files


CSV_BAD = [
    "1,2",  # a short row
    "1,2,3,4,5,6",  # a long row
    "1,abc,3,4",  # text in a cell
    '1,"0.5",3,4',  # a quoted number
    "1,nan,inf,-inf",
    "",  # a blank line
    "1, 0.5,3,4",  # a space
    "1,83%,3,4",
    "1,,,",  # only empty cells
    ",,,",
    "1,.,3,4",
    "1,1e5,-,4",
    "1,1e,3,4",
    "epoch,loss,acc,lr",  # the header again: a new run
    "1,0x10,3,4",
    "1,1_000,3,4",
    "1;2;3;4",
]


@pytest.mark.parametrize("seed", range(4))
def test_generated_csv_with_bad_lines_reads_the_same(
    seed: int, tmp_path: Path, calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keras-shaped rows (some cells empty, as a Lightning file has them) with bad lines spliced in."""
    rng = np.random.default_rng(seed)
    n = 1500
    nums = np.array(float_texts(rng, n * 3), dtype=object).reshape(n, 3)
    if seed % 3 == 1:
        nums[rng.random((n, 3)) < 0.3] = ""
    lines = ["epoch,loss,acc,lr"] + [f"{i},{a},{b},{c}" for i, (a, b, c) in enumerate(nums.tolist())]
    for at in rng.integers(1, n, 3 if seed % 2 else 0).tolist():
        lines[at] = CSV_BAD[rng.integers(0, len(CSV_BAD))]
    path = tmp_path / "training.csv"
    path.write_text("\n".join(lines) + "\n")
    for sizes in ([1 << 20], rng.integers(1000, 30000, 5).tolist(), rng.integers(1, 97, 3).tolist()):
        assert full_snapshot(read(path, sizes)) == incremental(path, monkeypatch, sizes), sizes
    assert calls["csv"] > 0


def test_every_bad_csv_line_alone_reads_the_same(
    tmp_path: Path, calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [f"{i},0.{i + 1},0.{9 - i},1e-3" for i in range(9)]
    for k, bad in enumerate(CSV_BAD):
        path = tmp_path / f"log{k}.csv"
        path.write_text("\n".join(["epoch,loss,acc,lr", *good[:4], bad, *good[4:]]) + "\n")
        assert full_snapshot(read(path, [1 << 20])) == incremental(path, monkeypatch, [1 << 20]), bad
        assert full_snapshot(read(path, [7])) == incremental(path, monkeypatch, [7]), bad


def test_read_all_takes_the_backlog_in_one_read(
    tmp_path: Path, calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` hands the reader the whole file at once, polars reads it in one call, and the runs
    are those of the file read 1 MB at a time without polars; without polars installed the backlog
    is read the usual way and nothing changes."""
    rng = np.random.default_rng(7)
    n = 5000
    a, b = float_texts(rng, n), float_texts(rng, n)
    path = tmp_path / "training.csv"
    path.write_text(
        "".join(["step,loss,acc\n", *(f"{i},{x},{y}\n" for i, x, y in zip(range(n), a, b, strict=True))])
    )
    monkeypatch.setattr(bulk, "PIECE", 4096)  # "large": a block past 4 KB (the file is ~150 KB)
    monkeypatch.setattr(bulk, "BULK_BLOCK", 2000)  # the first 1,000 bytes take the usual path
    (src,) = discover(path)
    src.read_all(chunk_size=1000)  # the reader asks for larger reads than this
    assert calls["csv"] == 1  # the whole file, one call
    with monkeypatch.context() as m:
        m.setattr(bulk, "ENABLED", False)
        (plain,) = discover(path)
        plain.read_all(chunk_size=1000)
    assert full_snapshot(src) == full_snapshot(plain)
    assert src.runs[0].points == 2 * n
    with monkeypatch.context() as m:  # polars not installed
        m.setitem(__import__("sys").modules, "polars", None)
        m.setattr(bulk, "_tried", False)
        m.setattr(bulk, "_polars", None)
        assert bulk.backlog_chunk(1 << 30) is None
        (missing,) = discover(path)
        missing.read_all(chunk_size=1000)
        assert full_snapshot(missing) == full_snapshot(plain)
    assert calls["csv"] == 1


@pytest.mark.parametrize("seed", range(3))
def test_a_large_csv_block_in_joined_pieces_reads_as_small_reads(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog handed over at once is parsed in pieces whose batches are joined per stretch of
    same-column pieces (`join.join_batches`); Lightning-shaped sparse rows (a train row a step, a
    validation and an epoch row an epoch), bad lines spliced in: the runs, series, x, line numbers
    and problems are those of the file fed in small reads, where no block is cut into pieces."""
    monkeypatch.setattr(bulk, "ENABLED", False)
    rng = np.random.default_rng(seed)
    n = 4000
    a, b, c = (float_texts(rng, n) for _ in range(3))
    # (random floats in every column: the last is no accuracy, whose unit is decided from its values)
    lines = ["epoch,step,train_loss_step,val_loss,val_grad_norm"]
    for i in range(n):
        epoch, k = divmod(i, 100)
        lines.append(
            f"{epoch},{i},,{b[i]},{c[i]}"
            if k == 98
            else f"{epoch},{i},,,{c[i]}"
            if k == 99
            else f"{epoch},{i},{a[i]},,"
        )
    for at in rng.integers(1, n, 2 * seed).tolist():
        lines[at] = CSV_BAD[rng.integers(0, len(CSV_BAD))]
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(lines) + "\n")
    small = rng.integers(500, 3000, 4).tolist()  # (every block under a piece: nothing to join)
    with monkeypatch.context() as m:
        m.setattr(bulk, "PIECE", 1 << 20)
        reference = full_snapshot(read(path, small))
    monkeypatch.setattr(bulk, "PIECE", 4096)  # (1 MB in the product; the file is ~150 KB)
    joined = read(path, [1 << 30])
    assert full_snapshot(joined) == reference
    if seed == 0:  # (no bad line: every value read, two on a validation row)
        assert sum(r.points for r in joined.runs) == n + n // 100


def test_without_polars_a_large_sparse_backlog_is_read_at_once_into_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without polars (the `fast` extra), `check` still hands the reader a large backlog in one
    read, and the numpy parser reads it into one table of columns the run keeps: a Lightning
    metrics.csv (a train row a step, a validation row an epoch) with a bad line two thirds in.
    The table stops at the bad line's piece, whose problem the per-line path records; the runs,
    series, x, line numbers and problems are those of the file fed in small reads."""
    from lossacc_tui.logsource import Source
    from lossacc_tui.readers import csv_backlog, fastnum

    rng = np.random.default_rng(3)
    n = 3000
    a, b = float_texts(rng, n), float_texts(rng, n)
    lines = ["epoch,step,train_loss_step,val_loss"]
    lines += [f"{i // 100},{i},,{b[i]}" if i % 100 == 99 else f"{i // 100},{i},{a[i]}," for i in range(n)]
    lines[2000] = "20,1999,abc,"
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(lines) + "\n")
    reference = full_snapshot(read(path, [997]))
    monkeypatch.setitem(__import__("sys").modules, "polars", None)
    monkeypatch.setattr(bulk, "_tried", False)
    monkeypatch.setattr(bulk, "_polars", None)
    monkeypatch.setattr(csv_backlog, "COLUMNS_AFTER", 2000)  # (4 MB in the product; the file is ~90 KB)
    monkeypatch.setattr(bulk, "PIECE", 4096)
    monkeypatch.setattr(fastnum, "_COLUMN_PIECE", 8192)
    feeds, tables = [], []
    real_feed, real_columns = Source.feed, fastnum.parse_numeric_columns

    def feed(self: Source, index: int, chunk: bytes) -> object:
        feeds.append(len(chunk))
        return real_feed(self, index, chunk)

    def columns(*args: object) -> object:
        res = real_columns(*args)  # type: ignore[arg-type]
        tables.append(res)
        return res

    monkeypatch.setattr(Source, "feed", feed)
    monkeypatch.setattr(csv_backlog, "parse_numeric_columns", columns)
    (src,) = discover(path)
    src.read_all(chunk_size=1000)
    assert feeds == [path.stat().st_size]  # one read, where 1,000-byte reads were asked for
    ((values, _present, end),) = tables
    assert 1000 < len(values) < 1999  # the table: the lines before the bad line's piece
    assert end < path.read_bytes().index(b"abc")
    assert full_snapshot(src) == reference
    assert [p.line for p in src.problems(src.runs[0])] == [2001]
