"""msgspec's typed decode of a block of JSON lines (readers/jsonl_columns.py `typed`), and numpy's
skeleton table (`skeleton_table`), give exactly the
records the per-line path gives: same runs, series, values, x and problems, on every real JSONL log
and on generated lines with bad ones spliced in, whatever the chunking; a block it cannot read
exactly (an unknown key, a string, a bad line) takes the per-line path, so nothing is dropped."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.readers import bulk, jsonl, jsonl_backlog
from lossacc_tui.source import discover
from tests.readers_compare import JSON_BAD, Snapshot, float_texts, full_snapshot, read, structured_logs


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> dict[str, int]:
    """Count the blocks `jsonl.<name>` (a column path) read, under the key "typed"; for "typed",
    the pieces of a large backlog the typed decode read (`jsonl_backlog.typed_table`) too."""
    count = {"typed": 0}

    def counter(module: object, attr: str) -> None:
        real = getattr(module, attr)

        def counted(*a: object) -> object:
            res = real(*a)
            count["typed"] += res is not None
            return res

        monkeypatch.setattr(module, attr, counted)

    counter(jsonl, name)
    if name == "typed":
        counter(jsonl_backlog, "typed_table")
    return count


@pytest.fixture(params=["typed", "skeleton_table"])
def typed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """A column path on every block it can read (no polars, no few-lines or small-log rule): msgspec's
    typed decode, or numpy's skeleton table (what a log's first 4 MB take); the blocks it read."""
    monkeypatch.setattr(bulk, "ENABLED", False)
    monkeypatch.setattr(bulk, "SMALL_BLOCK", 0)
    monkeypatch.setattr(jsonl, "TYPED_AFTER", 0)
    monkeypatch.setattr(jsonl, "TYPED", request.param == "typed")
    yield counting(monkeypatch, request.param)


def per_line(path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]) -> Snapshot:
    """The same bytes in the same chunks, every line through orjson one by one (every block counts
    as a few lines)."""
    with monkeypatch.context() as m:
        m.setattr(bulk, "SMALL_BLOCK", 1 << 30)
        return full_snapshot(read(path, sizes))


def test_real_jsonl_logs_read_the_same_with_the_typed_decode(
    typed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = structured_logs()
    if not logs:
        pytest.skip("no real-world logs beside the repo")
    rng = np.random.default_rng(0)
    for path in logs:
        for sizes in ([1 << 20], rng.integers(2000, 20000, 3).tolist()):
            assert full_snapshot(read(path, sizes)) == per_line(path, monkeypatch, sizes), (path, sizes)
    assert typed["typed"] > 0  # the typed decode did read real files


@pytest.mark.parametrize("seed", range(4))
def test_generated_jsonl_with_bad_lines_reads_the_same_typed(
    seed: int, tmp_path: Path, typed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """float32/float64 reprs, %g, %e, ints; some lines without a key, with a null, with the keys in
    another order; with odd seeds, bad lines spliced in; CR LF line ends with seed 2; with seed 3,
    lines with no number."""
    rng = np.random.default_rng(seed)
    n = 2000
    nums = np.array(float_texts(rng, n * 2), dtype=object).reshape(n, 2)
    lines = [f'{{"step": {i}, "loss": {a}, "acc": {b}}}' for i, (a, b) in enumerate(nums.tolist())]
    for at in rng.integers(1, n, 20).tolist():
        odd = [
            f'{{"step": {at}, "loss": 0.5}}',
            f'{{"acc": 0.25, "step": {at}}}',
            f'{{"acc": null, "step": {at}}}',
        ]
        odd += ["{}", '{"acc": null}'] if seed == 3 else []  # (lines with no number: no record)
        lines[at] = odd[rng.integers(0, len(odd))]
    for at in rng.integers(0, n, 3 if seed % 2 else 0).tolist():
        lines[at] = JSON_BAD[rng.integers(0, len(JSON_BAD))]
    path = tmp_path / "log.jsonl"
    end = "\r\n" if seed == 2 else "\n"  # (a log written on Windows)
    path.write_bytes((end.join(lines) + end).encode())
    for sizes in ([1 << 20], rng.integers(1000, 30000, 4).tolist(), rng.integers(300, 3000, 4).tolist()):
        assert full_snapshot(read(path, sizes)) == per_line(path, monkeypatch, sizes), sizes
    assert typed["typed"] > 0


def test_every_bad_json_line_gives_the_same_problem_typed(
    tmp_path: Path, typed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [f'{{"step": {i}, "loss": 0.{i + 1}, "acc": 0.{9 - i}}}' for i in range(9)]
    for k, bad in enumerate(JSON_BAD):
        path = tmp_path / f"log{k}.jsonl"
        path.write_text("\n".join([*good[:4], bad, *good[4:]]) + "\n")
        assert full_snapshot(read(path, [1 << 20])) == per_line(path, monkeypatch, [1 << 20]), bad


def test_a_malformed_line_in_a_large_block_is_a_problem_and_the_rest_is_read(
    tmp_path: Path, typed: dict[str, int]
) -> None:
    lines = [f'{{"step": {i}, "loss": {1 / (i + 1)!r}}}' for i in range(500)]
    lines[250] = '{"step": 250, "loss": 0.5'  # cut short
    lines[300] = '{"step": 300, "loss": 0.5, "note": "warmup done"}'  # a string: not a metric
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    (src,) = discover(path)
    src.feed(0, path.read_bytes())
    src.finish(0)
    (run,) = src.runs
    assert [(p.line, p.message.split(":")[0]) for p in src.problems(run)] == [(251, "not a JSON object")]
    loss = run.series["loss"]
    assert len(loss) == 499 and loss.steps[299] == 300 and loss.values[299] == 0.5
    assert "note" not in run.series
    assert typed["typed"] == 0  # (that block took the per-line path)


SMALL_LOG_PROBE = """
import runpy, sys
sys.argv = ["lossacc-tui", "check", sys.argv[1]]
try:
    runpy.run_module("lossacc_tui", run_name="__main__")
except SystemExit:
    pass
print("MSGSPEC:", "msgspec" in sys.modules)
"""


def test_a_small_jsonl_log_is_read_without_importing_msgspec(tmp_path: Path) -> None:
    """msgspec's import (about 40 ms) would cost a small log more than its typed decode saves."""
    path = tmp_path / "log.jsonl"
    path.write_text("".join(f'{{"step": {i}, "loss": {1 / (i + 1)!r}, "acc": 0.5}}\n' for i in range(500)))
    res = subprocess.run(
        [sys.executable, "-c", SMALL_LOG_PROBE, str(path)], capture_output=True, text=True, timeout=120
    )
    assert "loss" in res.stdout, res.stderr  # check read and reported the run
    assert res.stdout.rsplit("MSGSPEC:", 1)[1].split() == ["False"]


def test_a_log_past_its_first_megabytes_is_read_by_the_typed_decode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "ENABLED", False)
    monkeypatch.setattr(jsonl, "TYPED_AFTER", 1 << 20)  # (4 MB in the product; the same rule)
    count = counting(monkeypatch, "typed")
    rng = np.random.default_rng(3)
    loss = rng.random(30_000).tolist()
    path = tmp_path / "log.jsonl"
    path.write_text("".join(f'{{"step": {i}, "loss": {v!r}, "lr": 0.001}}\n' for i, v in enumerate(loss)))
    assert path.stat().st_size > 1 << 20
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    assert count["typed"] > 0
    assert run.series["loss"].values.tolist() == loss and len(run.series["lr"]) == 30_000


def spliced_log(path: Path, seed: int, n: int = 6000) -> None:
    """Lines of 3 numbers (float32/float64 reprs, %g, %e, ints) in long clean stretches, with a few odd
    lines (a key missing, a null, keys in another order, NaN/Infinity, a line with no number) and
    bad ones spliced in at random places."""
    rng = np.random.default_rng(seed)
    nums = np.array(float_texts(rng, n * 2), dtype=object).reshape(n, 2)
    lines = [f'{{"step": {i}, "loss": {a}, "acc": {b}}}' for i, (a, b) in enumerate(nums.tolist())]
    odd = [
        '{{"step": {at}, "loss": 0.5}}',
        '{{"acc": 0.25, "step": {at}}}',
        '{{"step": {at}, "loss": null, "acc": 0.5}}',
        '{{"step": {at}, "loss": NaN, "acc": Infinity}}',
        '{{"acc": null}}',
        *(b.replace("{", "{{").replace("}", "}}").replace('"step": 1,', '"step": {at},') for b in JSON_BAD),
    ]
    # (an odd line at its own step: one at an earlier step would go back into the run, which reads
    # as a resume from a checkpoint, readers/split.py rule 3, and replace what the run logged since)
    for at in rng.integers(1, n, 6).tolist():
        lines[at] = odd[rng.integers(0, len(odd))].format(at=at)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(3))
def test_a_large_block_read_in_pieces_and_joined_gives_the_per_line_records(
    seed: int, tmp_path: Path, typed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog handed over at once is decoded in pieces whose columns are joined into one batch per
    stretch of clean pieces (`join_batches`); pieces with odd or bad lines between them take the
    per-line path: the records, x, line numbers and problems are the per-line path's, whatever the
    chunking."""
    monkeypatch.setattr(bulk, "PIECE", 4096)  # (1 MB in the product) many pieces, some with odd lines
    path = tmp_path / "log.jsonl"
    spliced_log(path, seed)
    rng = np.random.default_rng(seed)
    small = rng.integers(500, 3000, 4).tolist()  # (every block under a piece: nothing cut or joined)
    reference = per_line(path, monkeypatch, small)
    for sizes in ([1 << 30], rng.integers(20_000, 120_000, 3).tolist()):
        assert full_snapshot(read(path, sizes)) == reference, sizes
    assert typed["typed"] > 2


def test_read_all_hands_a_large_backlog_to_msgspec_in_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without polars, `check` reads a backlog past `TYPED_AFTER` in one read, decoded by msgspec in
    pieces joined into few batches; the runs are those of the same file read 1 MB at a time line by
    line."""
    monkeypatch.setattr(bulk, "ENABLED", False)
    monkeypatch.setattr(bulk, "PIECE", 4096)
    monkeypatch.setattr(jsonl, "TYPED_AFTER", 50_000)  # (4 MB in the product; the file is ~200 KB)
    path = tmp_path / "log.jsonl"
    spliced_log(path, 5)
    reads: list[int] = []
    (src,) = discover(path)
    real_feed = src.feed
    monkeypatch.setattr(src, "feed", lambda i, chunk: reads.append(len(chunk)) or real_feed(i, chunk))
    batches: list[int] = []
    src.read_all(on_parts=lambda _i, parts: batches.append(len(parts)))
    assert reads == [path.stat().st_size]
    with monkeypatch.context() as m:  # every line through orjson, read 1 MB at a time
        m.setattr(bulk, "SMALL_BLOCK", 1 << 30)
        m.setattr(jsonl, "TYPED", False)
        m.setattr(bulk, "PIECE", 1 << 20)  # (the file is one block, not cut or joined)
        (plain,) = discover(path)
        plain.read_all()
    assert full_snapshot(src) == full_snapshot(plain)
    assert sum(r.points for r in src.runs) > 10_000
    assert sum(batches) < path.stat().st_size // 4096 // 2  # pieces joined (about 50 pieces)


@pytest.mark.parametrize("nlines", [1, 15, 16, 3000])
def test_keys_of_every_length_and_null_values_read_as_the_per_line_path_reads_them(
    nlines: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines as `json.dumps` writes them with keys of 1 to 300 bytes, not all ASCII, 18 of them,
    then the same lines with a null here and there: the typed decode's columns (read from the
    objects packed by msgspec, or one value at a time when a null is among them) hold the per-line
    path's values."""
    import json

    from lossacc_tui.readers import struct_columns

    keys = ["step", "l", "k" * 31, "k" * 32, "v" * 255, "w" * 300, "précision", "损失"] + [
        f"m{i}" for i in range(10)
    ]
    rng = np.random.default_rng(nlines)
    rows = rng.standard_normal((nlines, len(keys))) * 10.0 ** rng.integers(-5, 5, (nlines, len(keys)))
    rows[:, 0] = np.arange(nlines)
    packed = []
    real = struct_columns.struct_columns
    monkeypatch.setattr(jsonl_backlog, "PIECE", 1 << 16)
    monkeypatch.setattr(bulk, "SMALL_BLOCK", 0)
    monkeypatch.setattr(jsonl, "TYPED_AFTER", 0)
    for nulls in (False, True):
        if not nulls:  # (read from the packed objects, not one value at a time)
            monkeypatch.setattr("lossacc_tui.readers.struct_columns.chain", None)
        else:
            monkeypatch.undo()
            monkeypatch.setattr(jsonl_backlog, "PIECE", 1 << 16)
            monkeypatch.setattr(bulk, "SMALL_BLOCK", 0)
            monkeypatch.setattr(jsonl, "TYPED_AFTER", 0)
        lines = [dict(zip(keys, r.tolist(), strict=True)) for r in rows]
        if nulls:
            for d in lines[::7]:
                d["l"] = None
        path = tmp_path / f"log{nulls}.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in lines))
        monkeypatch.setattr(
            "lossacc_tui.readers.jsonl_columns.struct_columns",
            lambda r, k: packed.append(len(r)) or real(r, k),
        )
        got = full_snapshot(read(path, [path.stat().st_size + 1]))
        assert packed, "the typed decode read no block"
        assert got == per_line(path, monkeypatch, [path.stat().st_size + 1])
        ((_, _, points, _, _, problems),) = got
        assert not problems and points == nlines * (len(keys) - 1) - (nulls * len(lines[::7]))


def test_more_than_65535_objects_at_once_give_the_values_one_at_a_time_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A block past 65,535 lines (MessagePack's 32-bit array header), with and without a null
    (without one, read from the packed objects, not one value at a time)."""
    from itertools import chain

    from msgspec.structs import astuple

    from lossacc_tui.readers.jsonl_columns import _decoder
    from lossacc_tui.readers.struct_columns import struct_columns

    keys = ["step", "loss"]
    vals = np.random.default_rng(3).random(70_000).tolist()
    for null in ("", '"loss": null'):
        text = "".join(f'{{"step": {i}, "loss": {v!r}}}\n' for i, v in enumerate(vals))
        if null:
            text = text.replace(f'"loss": {vals[5]!r}', null, 1)
        rows = _decoder(tuple(keys)).decode_lines(text.encode())
        one_at_a_time = np.fromiter(chain.from_iterable(map(astuple, rows)), np.float64).reshape(-1, 2).T
        with monkeypatch.context() as m:
            if not null:
                m.setattr("lossacc_tui.readers.struct_columns.chain", None)  # (fails if used)
            got = struct_columns(rows, keys)
        assert got.shape == (2, 70_000) and np.array_equal(got, one_at_a_time, equal_nan=True)
        assert np.isnan(got[1, 5]) == bool(null)
