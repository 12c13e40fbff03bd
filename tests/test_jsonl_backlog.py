"""The cold read of a JSON-lines backlog handed over at once (readers/jsonl_backlog.py: msgspec in
pieces, one batch per stretch of clean pieces) gives exactly the per-line reader's runs, series,
values, x, line numbers and problems: on every real JSONL log beside the repo and in tests/data
(strings and printed tensors as numbers among them), and on a hostile log written here (NaN and
Infinity tokens, keys missing, nested objects, bytes that are not UTF-8, blank and cut lines, keys
that differ in a digit), read whole or cut in the middle of a line the way a follower meets a live
log (the unfinished line waits for the rest, never read twice or lost)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.readers import bulk, jsonl, jsonl_backlog
from lossacc_tui.source import discover
from tests.conftest import REPO
from tests.readers_compare import Snapshot, float_texts, full_snapshot, read, structured_logs


@pytest.fixture
def backlog(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Any block past 2 KB is a backlog read in 2 KB pieces by msgspec (no small-log rule); counts
    the pieces the typed decode read."""
    count = {"pieces": 0}
    real = jsonl_backlog.typed_table

    def counted(*a: object) -> object:
        res = real(*a)  # type: ignore[arg-type]
        count["pieces"] += res is not None
        return res

    monkeypatch.setattr(bulk, "PIECE", 2048)
    monkeypatch.setattr(bulk, "SMALL_BLOCK", 2)
    monkeypatch.setattr(jsonl, "TYPED_AFTER", 0)
    monkeypatch.setattr(jsonl_backlog, "typed_table", counted)
    yield count


def per_line(path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]) -> Snapshot:
    """The same bytes in the same reads, every line through orjson one by one (a run's scale is
    judged on what each read brings, so the reads are the same)."""
    with monkeypatch.context() as m:
        m.setattr(bulk, "SMALL_BLOCK", 1 << 30)
        return full_snapshot(read(path, sizes))


def cuts(path: Path) -> list[list[int]]:
    """Chunkings: the whole file at once, and a first read that ends inside a line (what a follower
    meets when it opens a log being written), then the rest."""
    size = path.stat().st_size
    data = path.read_bytes()
    mid = data.find(b"\n", size * 3 // 5) + 5  # (5 bytes into a line)
    return [[size + 1], [mid, size]] if 0 < mid < size else [[size + 1]]


def jsonl_files() -> list[Path]:
    """Real JSON-lines logs: beside the repo (`structured_logs`) and in tests/data."""
    data = sorted(p for p in (REPO / "tests" / "data").rglob("*.jsonl"))
    return [*structured_logs(), *data]


def test_every_real_jsonl_log_reads_the_same_as_a_backlog(
    backlog: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = jsonl_files()
    assert files  # (tests/data has some even without the shared logs)
    for path in files:
        for sizes in cuts(path):
            assert full_snapshot(read(path, sizes)) == per_line(path, monkeypatch, sizes), (path, sizes)
    assert backlog["pieces"] > 10  # the typed decode did read real files


def hostile_log(path: Path, seed: int) -> int:
    """Long clean stretches of 3 numbers a line written by json.dumps, with odd lines spliced in;
    the last line cut short (no newline). Returns the number of lines."""
    rng = np.random.default_rng(seed)
    n = 1500
    nums = np.array(float_texts(rng, n * 2), dtype=object).reshape(n, 2)
    lines = [f'{{"step": {i}, "loss": {a}, "acc": {b}}}'.encode() for i, (a, b) in enumerate(nums.tolist())]
    odd = [
        json.dumps({"step": 0, "loss": "0.25", "acc": 0.5}),  # a number written as a string
        json.dumps({"step": 0, "loss": "tensor(0.2500)", "acc": 0.5}),  # a printed tensor
        json.dumps({"step": 0, "loss": float("nan"), "acc": float("inf")}),  # NaN, Infinity tokens
        json.dumps({"step": 0, "loss": -float("inf")}),
        json.dumps({"step": 0, "acc": 0.5}),  # a key missing
        json.dumps({"step": 0, "loss": None, "acc": 0.5}),  # a null
        json.dumps({"step": 0, "val": {"loss": 0.5, "acc": 0.75}}),  # nested
        json.dumps({"step": 0, "loss1": 0.5, "acc": 0.75}),  # a key one digit off
        json.dumps({"step": 0, "phase": "eval", "loss": 0.5, "acc": 0.75}),  # a tag
        json.dumps({"step": 0, "global_step": 7, "loss": 0.5}),  # a second step key
        json.dumps({"step": 0, "val_loss": 0.5, "val_acc": 0.75}),  # an evaluation line
        "",  # a blank line
        "{}",
        '{"step": 0, "loss": 0.5, "acc"',  # cut
    ]
    for at in rng.integers(1, n, 12).tolist():
        lines[at] = odd[rng.integers(0, len(odd))].replace('"step": 0', f'"step": {at}').encode()
    at = int(rng.integers(1, n))
    lines[at] = f'{{"step": {at}, "lo\xffss": 0.5, "acc": 0.5}}'.encode("latin-1")  # not UTF-8
    path.write_bytes(b"\n".join(lines)[:-7])  # (a last line the writer has not finished)
    return n


@pytest.mark.parametrize("seed", range(3))
def test_a_hostile_backlog_reads_the_same_as_line_by_line(
    seed: int, tmp_path: Path, backlog: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.jsonl"
    n = hostile_log(path, seed)
    for sizes in cuts(path):
        reference = per_line(path, monkeypatch, sizes)
        assert full_snapshot(read(path, sizes)) == reference, sizes
    points = sum(run[2] for run in reference)  # (no line lost or read twice)
    assert 2 * n - 60 < points < 2 * n + 30
    assert backlog["pieces"] > 10


def test_evaluation_lines_among_training_lines_read_the_same_as_line_by_line(
    tmp_path: Path, backlog: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A training line a step and an evaluation line with other keys every 25 steps, as a training
    loop writes them with json.dumps: the typed decode reads every piece (keys found on later lines
    join the first line's), and gives the per-line reader's runs, series and values."""
    rng = np.random.default_rng(5)
    lines = []
    for i in range(4000):
        lines.append(json.dumps({"step": i, "loss": float(rng.random()), "lr": 1e-3 * (1 - i / 4000)}))
        if i % 25 == 24:
            lines.append(json.dumps({"step": i, "epoch": i // 250, "val_loss": float(rng.random())}))
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    for sizes in cuts(path):
        assert full_snapshot(read(path, sizes)) == per_line(path, monkeypatch, sizes), sizes
    by_line: list[int] = []
    real = jsonl.JsonlReader._per_line
    monkeypatch.setattr(
        jsonl.JsonlReader, "_per_line", lambda self, b, k: by_line.append(k) or real(self, b, k)
    )
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    assert len(run.series["loss"]) == 4000 and len(run.series["val_loss"]) == 160
    assert backlog["pieces"] > 100 and by_line == []  # (no piece read line by line)


def test_the_first_read_of_a_live_log_leaves_its_unfinished_line_for_the_follower(
    tmp_path: Path, backlog: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log opened while it is written: the backlog read stops at the last newline; the line being
    written is read once its end comes, not before and not twice."""
    path = tmp_path / "log.jsonl"
    rows = [f'{{"step": {i}, "loss": {1 / (i + 1)!r}}}\n' for i in range(3000)]
    text = "".join(rows)
    cut = len(text) - len(rows[-1]) // 2  # the writer is in the middle of the last line
    path.write_text(text[:cut])
    (src,) = discover(path)
    src.feed(0, path.read_bytes())
    assert src.runs[0].points == 2999 and backlog["pieces"] > 10
    src.feed(0, text[cut:].encode())  # the rest of the line arrives
    (run,) = src.runs
    assert run.points == 3000
    assert run.series["loss"].values.tolist() == [1 / (i + 1) for i in range(3000)]
    assert run.series["loss"].steps.tolist() == list(range(3000))


def test_lines_whose_keys_differ_in_a_digit_are_two_series(tmp_path: Path) -> None:
    """Two evaluation sets logged on alternate lines (`val_loss_0`, `val_loss_1`) in a small log (read
    by numpy's skeleton table, whose line shape has no digits): two series, each with its values."""
    path = tmp_path / "log.jsonl"
    rng = np.random.default_rng(0)
    vals = rng.random((100, 2)).round(4)
    path.write_text(
        "".join(f'{{"epoch": {e}, "val_loss_{k}": {vals[e, k]}}}\n' for e in range(100) for k in range(2))
    )
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    assert run.series["val_loss_0"].values.tolist() == vals[:, 0].tolist()
    assert run.series["val_loss_1"].values.tolist() == vals[:, 1].tolist()


def test_series_logged_on_the_same_lines_keep_one_copy_of_their_steps(
    tmp_path: Path, backlog: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training keys on every training line and evaluation keys on every 20th line, as a loop
    writes them with json.dumps: the run keeps one step and one epoch array for each set of lines
    (memory: 16 bytes a record, not 16 a value), with the per-line reader's values."""
    rng = np.random.default_rng(7)
    lines = []
    for i in range(6000):
        lines.append(json.dumps({"step": i, "epoch": i / 1000, "loss": float(rng.random()), "lr": 1e-3}))
        if i % 20 == 19:
            lines.append(
                json.dumps({"step": i, "epoch": i / 1000, "val_loss": float(rng.random()), "val_acc": 0.5})
            )
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    s = run.series
    assert len(s["loss"]) == 6000 and len(s["val_acc"]) == 300 and backlog["pieces"] > 100
    assert s["loss"].steps.tolist() == list(range(6000))
    assert np.shares_memory(s["loss"].steps, s["lr"].steps)
    assert np.shares_memory(s["loss"].epochs, s["lr"].epochs)
    assert not np.shares_memory(s["loss"].steps, s["val_loss"].steps)
    size = [path.stat().st_size + 1]
    assert full_snapshot(read(path, size)) == per_line(path, monkeypatch, size)
