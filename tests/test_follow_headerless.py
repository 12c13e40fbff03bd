"""A CSV log cut by logrotate's `copytruncate` before the tool was started: its header row went
with the copy (`log.csv.1`) and the log holds rows only. Its columns are named from the header of
the copy beside it (as many columns), a recorded problem says so, and the live half is read: by
`check` on the folder or on the file, and by a follower started after the cut, which reads the
rows the writer goes on appending. Real runs from numpy training (tests/numpy_training.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression
from test_follow import watch

from lossacc_tui.cli import main
from lossacc_tui.events import Problem, Status


def rotated(folder: Path, cut: int, epochs: int = 12) -> list[str]:
    """A Keras CSVLogger log of a real run, copied to `log.csv.1` and cut after `cut` epochs, the
    writer having gone on to the end; returns the whole log's lines."""
    folder.mkdir(exist_ok=True)
    whole = keras_csv(folder / "whole", softmax_regression(epochs=epochs, classes=3, seed=4))
    lines = whole.read_text().splitlines(keepends=True)
    whole.unlink()
    (folder / "log.csv.1").write_text("".join(lines[: cut + 1]))
    (folder / "log.csv").write_text("".join(lines[cut + 1 :]))
    return lines


def test_check_on_the_folder_reads_the_live_half_with_the_copy_s_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = rotated(tmp_path / "run", cut=4)
    code = main(["check", "--json", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code == 0, err
    runs = {r["name"]: r for r in json.loads(out)["runs"]}
    assert set(runs) == {"run/log.csv"}  # one run: the copy is its earlier part (source.with_copies)
    live = runs["run/log.csv"]
    assert live["metrics"]["loss"]["count"] == len(lines) - 1  # the copy's rows, then the live half's
    assert live["metrics"]["loss"]["first"] == pytest.approx(float(lines[1].split(",")[1]))
    notes = [p["message"] for p in live["problems"]]
    assert any("named from the header of log.csv.1" in n for n in notes), notes


def test_check_on_the_file_alone_reads_it_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rotated(tmp_path, cut=6)
    assert main(["check", str(tmp_path / "log.csv")]) == 0
    out = capsys.readouterr().out
    assert "5 columns are named from the header of log.csv.1" in out


def test_a_copy_with_other_columns_lends_no_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another table's copy (other columns) beside the log: the log is still named headerless."""
    rotated(tmp_path, cut=4)
    (tmp_path / "log.csv.1").write_text("epoch,loss\n0,0.9\n1,0.8\n")
    assert main(["check", str(tmp_path / "log.csv")]) == 2
    assert "header row is gone" in capsys.readouterr().err


@pytest.mark.parametrize("written", [0, 7])
def test_a_follower_started_after_the_cut_reads_the_live_rows_as_they_come(
    tmp_path: Path, stop_all, written: int
) -> None:  # type: ignore[no-untyped-def]
    """`written`: rows the writer had appended since the cut when the follower started (0: the log
    is still empty, and its format is told once rows come)."""
    lines = rotated(tmp_path, cut=4, epochs=20)
    p = tmp_path / "log.csv"
    p.write_text("".join(lines[5 : 5 + written]))
    m, c = watch(p)
    stop_all(m)
    if written:
        c.wait(lambda: sum(r.points for r in m.runs) == written * 4)
    else:
        c.wait(lambda: "waiting" in c.states(p))
    with open(p, "a", encoding="utf-8") as f:
        f.writelines(lines[5 + written : 12])
    c.wait(lambda: sum(r.points for r in m.runs) == 7 * 4)
    with open(p, "a", encoding="utf-8") as f:  # and goes on
        f.writelines(lines[12:])
    c.wait(lambda: sum(r.points for r in m.runs) == (len(lines) - 5) * 4)
    assert [r.name for r in m.runs] == [str(p)]
    assert list(m.runs[0].series["loss"].values) == pytest.approx(
        [float(ln.split(",")[1]) for ln in lines[5:]]
    )
    said = [e.message for e in c.events if isinstance(e, Problem)]
    assert any("named from the header of log.csv.1" in s for s in said), said
    assert not any(isinstance(e, Status) and e.state == "error" for e in c.events)
    assert os.path.exists(tmp_path / "log.csv.1")
