"""Tester 27's reading faults in CSV and bytes, and in two logging libraries' prefixes, each read
from a file the real tool wrote (tests/data/tester27_reading/make.py): a CSV header that repeats
names (T6); a log that begins with a hole of NUL bytes, as a writer without O_APPEND leaves after
a `copytruncate` (T7); a European-locale CSV, `;` and decimal commas (T13); the console logs of
loguru's default format and Rich's RichHandler, wrapped at the console's width (T12)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from conftest import read_sources, snapshot, source_in_chunks
from test_follow import watch

from lossacc_tui.events import Problem as ProblemEvent
from lossacc_tui.model import Problem, Run

DATA = Path(__file__).resolve().parent / "data" / "tester27_reading"


def _read(path: Path, sizes: list[int] | None = None) -> tuple[Run, list[Problem]]:
    """The one run of a log and its problems, read whole (as `check` does) or, with `sizes`, in
    chunks of those sizes (cycled) as a follower hands them over."""
    src = read_sources(path)[0] if sizes is None else source_in_chunks(path, sizes)
    (run,) = src.runs
    return run, src.problems(run)


def _column(path: Path, index: int, delimiter: str = ",") -> list[float]:
    """Column `index` of a CSV as the csv module reads it (the numbers the file holds)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))[1:]
    return [float(r[index].replace(",", ".")) for r in rows]


# -- T6: a header that repeats names ------------------------------------------------------------


def test_a_header_that_repeats_names_reads_the_first_column_of_each() -> None:
    # `pd.concat([history, second], axis=1)`: the second frame's `loss`/`accuracy` are the
    # validation numbers again; they had overwritten the training loss and accuracy
    path = DATA / "dup_columns.csv"
    run, problems = _read(path)
    assert sorted(run.series) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert np.allclose(run.series["loss"].values, _column(path, 1))  # the training loss
    assert np.allclose(run.series["accuracy"].values, _column(path, 2))
    assert np.allclose(run.series["val_loss"].values, _column(path, 3))
    assert not np.allclose(run.series["loss"].values, run.series["val_loss"].values)
    (problem,) = problems
    assert problem.line == 1
    assert "loss (column 6, first in column 2)" in problem.message
    assert "accuracy (column 7, first in column 3)" in problem.message


@pytest.mark.parametrize("sizes", [[1], [7, 13], [40]])
def test_a_header_that_repeats_names_reads_the_same_in_any_chunks(sizes: list[int]) -> None:
    path = DATA / "dup_columns.csv"
    run, problems = _read(path, sizes)
    whole, whole_problems = _read(path)
    assert np.allclose(run.series["loss"].values, _column(path, 1))
    assert snapshot([run]) == snapshot([whole])
    assert problems == whole_problems


def test_a_large_table_with_repeated_names_reads_the_first_column_of_each(tmp_path: Path) -> None:
    # a backlog past 4 MB is parsed as one table (polars or the numpy parser): the same rule
    rows = [dict(zip(["loss", "accuracy", "val_loss", "val_accuracy"], r, strict=True)) for r in _history()]
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "loss", "accuracy"])
        for k in range(6000):
            for e, r in enumerate(rows):
                w.writerow([k * len(rows) + e, *r.values(), r["val_loss"], r["val_accuracy"]])
    assert path.stat().st_size > 4 << 20
    run, problems = _read(path)
    assert np.allclose(run.series["loss"].values[:12], [r["loss"] for r in rows])
    assert len(run.series["loss"].values) == 6000 * 12
    assert "loss (column 6" in problems[0].message


def _history() -> list[tuple[float, float, float, float]]:
    """The training run's numbers (loss, accuracy, val_loss, val_accuracy per epoch) as the CSV
    written by make.py holds them."""
    path = DATA / "dup_columns.csv"
    return list(zip(*(_column(path, i) for i in range(1, 5)), strict=True))


# -- T7: NUL bytes (a hole) -------------------------------------------------------------------

HOLES = ["nul_hole.log", "nul_hole.jsonl"]


def _after_hole(path: Path) -> tuple[int, list[float]]:
    """(the NUL bytes a log begins with, the training losses of the lines after them)."""
    data = path.read_bytes()
    text = data.lstrip(b"\0").decode()
    losses = (
        [float(w.split()[0].rstrip(",")) for w in text.split('"loss": ')[1:]]
        if path.suffix == ".jsonl"
        else [float(ln.split()[3]) for ln in text.splitlines()]
    )
    return len(data) - len(data.lstrip(b"\0")), losses


@pytest.mark.parametrize("name", HOLES)
def test_a_log_that_begins_with_a_hole_is_read_and_the_hole_is_told(name: str) -> None:
    path = DATA / name
    nuls, losses = _after_hole(path)
    run, problems = _read(path)
    assert run.series["loss"].values.tolist() == losses  # epochs 6..11, no NUL in a name or value
    assert list(run.series["loss"].epochs) == [6, 7, 8, 9, 10, 11]
    assert all("\0" not in n for n in run.series)
    assert [(p.line, p.message) for p in problems] == [(1, f"{nuls} NUL bytes (a hole in the file) left out")]


@pytest.mark.parametrize("sizes", [[1], [100], [3, 500], [4096]])
@pytest.mark.parametrize("name", HOLES)
def test_a_hole_read_in_any_chunks_is_read_and_told_once(name: str, sizes: list[int]) -> None:
    path = DATA / name
    run, problems = _read(path, sizes)
    whole, whole_problems = _read(path)
    assert snapshot([run]) == snapshot([whole])
    assert problems == whole_problems and len(problems) == 1


@pytest.mark.parametrize("name", HOLES)
def test_a_followed_log_that_begins_with_a_hole_agrees_with_the_whole_file_read(
    tmp_path: Path, stop_all, name: str
) -> None:  # type: ignore[no-untyped-def]
    data = (DATA / name).read_bytes()
    nuls, losses = _after_hole(DATA / name)
    cut = data.index(b"\n", data.index(b"\n", nuls) + 1) + 1  # the hole and two lines so far
    path = tmp_path / name
    path.write_bytes(data[:cut])
    m, c = watch(path)
    stop_all(m)
    c.wait(lambda: len(c.values(str(path), "loss")) == 2)
    with path.open("ab") as f:
        f.write(data[cut:])
    c.wait(lambda: len(c.values(str(path), "loss")) == len(losses))
    assert c.values(str(path), "loss") == losses
    told = [e.message for e in c.events if isinstance(e, ProblemEvent)]
    assert told == [p.message for p in _read(DATA / name)[1]]
    assert told == [f"{nuls} NUL bytes (a hole in the file) left out"]


# -- T13: decimal commas ----------------------------------------------------------------------

DECIMAL_NOTE = "decimal commas read as decimal points"


def test_a_semicolon_csv_with_decimal_commas_is_read_with_a_note() -> None:
    # pandas `to_csv(sep=";", decimal=",")`: it had been no training log at all
    path = DATA / "decimal_comma.csv"
    run, problems = _read(path)
    assert np.allclose(run.series["loss"].values, _column(path, 1, ";"))
    assert np.allclose(run.series["val_accuracy"].values, _column(path, 4, ";"))
    assert list(run.series["loss"].epochs) == list(range(1, 13))
    (note,) = problems
    assert note.message.startswith(DECIMAL_NOTE) and "';'" in note.message


@pytest.mark.parametrize("sizes", [[1], [7, 13], [45]])
def test_decimal_commas_read_the_same_in_any_chunks(sizes: list[int]) -> None:
    # [1] and [45]: the header arrives alone, the rows decide later
    path = DATA / "decimal_comma.csv"
    run, problems = _read(path, sizes)
    whole, whole_problems = _read(path)
    assert np.allclose(run.series["loss"].values, _column(path, 1, ";"))
    assert snapshot([run]) == snapshot([whole])
    assert problems == whole_problems


def test_a_large_csv_with_decimal_commas_is_read_by_the_bulk_path_the_same(tmp_path: Path) -> None:
    # the file's own rows again and again (epochs renumbered) past 4 MB: parsed as one table
    header, *rows = (DATA / "decimal_comma.csv").read_text().splitlines()
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write(header + "\n")
        for k in range(20000):
            for e, row in enumerate(rows):
                f.write(f"{k * len(rows) + e + 1};{row.split(';', 1)[1]}\n")
    assert path.stat().st_size > 4 << 20
    run, problems = _read(path)
    assert len(run.series["loss"].values) == 20000 * len(rows)
    assert np.allclose(run.series["loss"].values[-12:], _column(DATA / "decimal_comma.csv", 1, ";"))
    assert [p.message.startswith(DECIMAL_NOTE) for p in problems] == [True]


@pytest.mark.parametrize("name", ["quoted_commas.csv", "points_semicolon.csv"])
def test_csvs_whose_commas_are_no_decimal_marks_read_as_written(name: str) -> None:
    # a `,` CSV whose quoted status cells hold commas (it had been no training log: the sniffer
    # split the quoted cell), and a `;` CSV with decimal points: no note, the numbers as written
    path = DATA / name
    delim = ";" if "semicolon" in name else ","
    run, problems = _read(path)
    assert problems == []
    for i, metric in enumerate(["loss", "accuracy", "val_loss", "val_accuracy"], start=1):
        assert run.series[metric].values.tolist() == _column(path, i, delim)


def test_thousands_commas_beside_decimal_points_are_no_decimal_commas() -> None:
    # a TSV whose samples-seen column is printed `1,437`: the points of its losses tell that its
    # commas group thousands (they had been read as `1.437`, with the note)
    path = DATA / "thousands.tsv"
    run, problems = _read(path)
    assert not any(p.message.startswith(DECIMAL_NOTE) for p in problems)
    assert "samples" not in run.series
    assert run.series["loss"].values.tolist() == _column(path, 1, "\t")


# -- T12: loguru's and Rich's prefixes --------------------------------------------------------

LOGGED = {"loss": 1, "acc": 2, "val_loss": 3, "val_acc": 4}  # name printed -> column of the history


def _printed(run: Run) -> None:
    """The run holds the four printed metrics, at epochs 1..12, with the history's numbers as the
    script printed them (4 decimals), and nothing else."""
    assert sorted(run.series) == sorted(LOGGED)
    for name, col in LOGGED.items():
        assert list(run.series[name].epochs) == list(range(1, 13)), name
        want = [round(v, 4) for v in _column(DATA / "dup_columns.csv", col)]
        assert np.allclose(run.series[name].values, want, atol=1e-9), name


@pytest.mark.parametrize("name", ["loguru.log", "rich.log"])
def test_loguru_and_rich_logs_read_the_printed_metrics_and_no_prefix(name: str) -> None:
    # loguru's `__main__:train_loop:NNN - ` had become a metric `train_loop` = NNN; Rich's
    # right-aligned `make.py:NNN` a metric, and the values it wrapped lost their names
    run, problems = _read(DATA / name)
    _printed(run)
    assert problems == []


def _pieces(data: bytes, cuts: list[int]) -> Run:
    """The run of `data` (rich.log's bytes) fed to its Source in the pieces cut at `cuts`."""
    import shutil
    import tempfile

    from lossacc_tui.source import discover

    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "rich.log"
        path.write_bytes(data)
        (src,) = discover(path)
        for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True):
            src.feed(0, data[a:b])
        src.finish(0)
        (run,) = src.runs
        return run
    finally:
        shutil.rmtree(folder)


def test_a_rich_log_read_as_written_or_cut_anywhere_in_its_lines_reads_the_same() -> None:
    data = (DATA / "rich.log").read_bytes()
    lines = data.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(ln) for ln in lines])[:-1]
    records = [int(p) for p, ln in zip(starts, lines, strict=True) if not ln.startswith(b" " * 29)][1:]
    _printed(_pieces(data, records))  # one write per record, as RichHandler's console writes them
    _printed(_pieces(data, [p + 5 for p in starts[1:]]))  # cut inside every line (1 MB reads)
    _printed(_pieces(data, list(range(7, len(data), 61))))
