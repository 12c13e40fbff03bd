"""A CSV whose header is written again inside it (pandas' `df.to_csv(path, mode="a")` writes the
header on every call; a CSV logger restarted writes it anew) is not a new run by itself: rows that
continue, or resume from a checkpoint's epoch, are ONE run with the resume rule of the CSV append
path (the re-logged epochs replaced, a problem line says so); rows starting again from the first
epoch are a restart, a run of their own, as before. A header with other columns still begins a new
run. Data: a numpy MLP's training (numpy_epoch_steps), written by pandas itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_epoch_steps import per_epoch_records

from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover, open_file

pd = pytest.importorskip("pandas")


def _write(path: Path, parts: list[list[dict[str, float]]], index: bool) -> Path:
    for rows in parts:  # one to_csv per training process, as a script appending its history does
        pd.DataFrame(rows).to_csv(path, mode="a", index=index)
    return path


@pytest.mark.parametrize("index", [False, True])
def test_a_resume_appended_by_pandas_is_one_run_with_the_relogged_epochs_replaced(
    tmp_path: Path, index: bool
) -> None:
    first, saved = per_epoch_records(range(30))
    resumed, _ = per_epoch_records(range(20, 40), saved[19], lr=0.1)  # the job resumed at a lower lr
    path = _write(tmp_path / "history.csv", [first, resumed], index)
    assert path.read_text().count("val_loss") == 2  # (pandas wrote its header twice)
    (run,) = read_finished(discover(path)).runs
    val = run.series["val_loss"]
    assert list(val.epochs) == list(range(40))
    want = [r["val_loss"] for r in first[:20]] + [r["val_loss"] for r in resumed]
    assert np.allclose(val.values, want)
    (note,) = [p.message for p in run.problems if "read as a resume" in p.message]
    assert "epoch went back to 20" in note and "epochs 20-29" in note


def test_a_restart_from_the_first_epoch_after_the_header_again_is_a_run_of_its_own(tmp_path: Path) -> None:
    first, _ = per_epoch_records(range(30))
    again, _ = per_epoch_records(range(40), seed=1)
    path = _write(tmp_path / "history.csv", [first, again], index=False)
    runs = read_finished(discover(path)).runs
    assert [len(r.series["val_loss"]) for r in runs] == [30, 40]
    assert not any("read as a resume" in p.message for r in runs for p in r.problems)


def test_a_header_with_other_columns_still_begins_a_new_run(tmp_path: Path) -> None:
    first, saved = per_epoch_records(range(10))
    more, _ = per_epoch_records(range(10, 20), saved[9])
    path = tmp_path / "history.csv"
    pd.DataFrame(first).to_csv(path, mode="a", index=False)
    pd.DataFrame(more).drop(columns=["accuracy"]).to_csv(path, mode="a", index=False)
    runs = read_finished(discover(path)).runs
    assert [len(r.series["val_loss"]) for r in runs] == [10, 10]


@pytest.mark.parametrize("chunk", [61, 700])
def test_read_as_it_grows_the_header_again_gives_the_same_run(tmp_path: Path, chunk: int) -> None:
    first, saved = per_epoch_records(range(30))
    resumed, _ = per_epoch_records(range(20, 40), saved[19], lr=0.1)
    path = _write(tmp_path / "history.csv", [first, resumed], index=False)
    (want,) = read_finished(discover(path)).runs
    src = open_file(path, "history")
    assert src is not None
    data = path.read_bytes()
    for a in range(0, len(data), chunk):
        src.feed(0, data[a : a + chunk])
    src.finish(0)
    (got,) = src.runs
    for name, s in want.series.items():
        assert np.array_equal(got.series[name].epochs, s.epochs)
        assert np.array_equal(got.series[name].values, s.values)
