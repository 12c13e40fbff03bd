"""Nothing lost silently: a file with no record, a file that falls apart into one-point runs, and
the same data twice each give a problem; `check` exits 2 when an accepted file gave no data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REALWORLD, read_sources
from numpy_training import softmax_regression


def _csv(path: Path, rows: list[dict[str, float]]) -> None:
    keys = list(rows[0])
    path.write_text("epoch," + ",".join(keys) + "\n" + "".join(
        f"{e}," + ",".join(repr(r[k]) for k in keys) + "\n" for e, r in enumerate(rows)
    ))  # fmt: skip


def test_a_file_that_yields_no_record_says_so_and_check_exits_2(tmp_path: Path) -> None:
    p = tmp_path / "training.log"
    p.write_text("epoch,loss,val_loss\n")  # a CSVLogger that wrote its header and then died
    (src,) = read_sources(p)
    (problem,) = src.problems(src.runs[0])
    assert "no record read from training.log" in problem.message and "--format" in problem.message
    proc = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(p)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "no record found" in proc.stderr


def test_the_same_data_twice_in_a_folder_is_reported(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=6)
    _csv(tmp_path / "history.csv", rows)
    shutil.copy(tmp_path / "history.csv", tmp_path / "history_copy.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    assert "the same numbers as" in proc.stdout and "history.csv" in proc.stdout


def test_a_file_falling_apart_into_one_point_runs_is_reported(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=12)
    p = tmp_path / "metrics.csv"  # an export written newest first: the step goes back at every row
    p.write_text("step,loss,val_loss\n" + "".join(
        f"{11 - i},{r['train_loss']},{r['val_loss']}\n" for i, r in enumerate(reversed(rows))
    ))  # fmt: skip
    (src,) = read_sources(p)
    assert len(src.runs) >= 5
    messages = [pr.message for r in src.runs for pr in src.problems(r)]
    assert any("split into" in m and "runs" in m for m in messages)


def test_a_well_read_file_has_no_such_problem() -> None:
    p = REALWORLD / "keras_csvlogger" / "CatClassifier__training.log"
    if not p.exists():
        import pytest

        pytest.skip("real-world logs not present")
    (src,) = read_sources(p)
    # (its epochs start again at 0 on line 4, a second `fit` of the same model: read as a second run
    # and said so, the one line this file gets; no audit problem)
    said = [pr.message for r in src.runs for pr in src.problems(r)]
    assert len(said) == 1 and said[0].startswith("a new run begins here"), said
