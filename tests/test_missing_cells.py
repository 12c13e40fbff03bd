"""A CSV cell a writer marks as having no value (Keras' CSVLogger writes `NA` for the validation
metrics of an epoch without an evaluation, `validation_freq=2`; R and pandas' `na_rep` write `NA`
or `N/A`; a Python loop formatting a missing value writes `None`) is read as "no point there", as
a blank cell is: no problem per such row, read whole or line by line as a live writer adds them,
and a cell that is really not a number is still a problem. (Tester 19 F5: 7 problems on a 14-epoch
Keras run, a `problem` event every other epoch when followed.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover

EPOCHS = 14


def _every_second_eval(path: Path, mark: str) -> Path:
    """A real run's epochs written as Keras' CSVLogger writes them with `validation_freq=2`: its
    keys sorted, the validation cells of an epoch without an evaluation set to `mark`
    (csv.DictWriter's restval, as CSVLogger's `logs.get(key, "NA")`)."""
    rows = softmax_regression(epochs=EPOCHS, features=6, n_train=200)
    buf = io.StringIO()
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    out = csv.DictWriter(buf, fieldnames=["epoch", *keys], restval=mark, lineterminator="\n")
    out.writeheader()
    for e, r in enumerate(rows):
        row = {"epoch": e, "accuracy": r["train_acc"], "loss": r["train_loss"]}
        if (e + 1) % 2 == 0:  # Keras evaluates after epochs 2, 4, ... (1-based)
            row |= {"val_accuracy": r["val_acc"], "val_loss": r["val_loss"]}
        out.writerow(row)
    path.write_text(buf.getvalue())
    return path


@pytest.mark.parametrize("mark", ["NA", "N/A", "None", ""])
@pytest.mark.parametrize("chunk", [1 << 20, 37], ids=["whole", "live"])
def test_a_missing_value_mark_is_no_point_and_no_problem(tmp_path: Path, mark: str, chunk: int) -> None:
    log = _every_second_eval(tmp_path / "training.log", mark)
    assert log.read_text().splitlines()[1].endswith(f",{mark},{mark}")
    [src] = discover(log)
    feed = read_finished([src], analyze=False, chunk_size=chunk)
    [run] = src.runs
    assert src.problems(run) == []
    counts = {s.name: len(s) for s in run.series.values()}
    assert counts == {
        "accuracy": EPOCHS,
        "loss": EPOCHS,
        "val_accuracy": EPOCHS // 2,
        "val_loss": EPOCHS // 2,
    }
    assert feed.sources == [src]


def test_a_cell_that_is_not_a_number_is_still_a_problem(tmp_path: Path) -> None:
    log = _every_second_eval(tmp_path / "training.log", "NA")
    lines = log.read_text().splitlines()
    lines[4] = lines[4].replace(lines[4].split(",")[3], "0.9x")  # (a corrupted evaluation cell)
    log.write_text("\n".join(lines) + "\n")
    [src] = discover(log)
    read_finished([src], analyze=False)
    [problem] = src.problems(src.runs[0])
    assert problem.line == 5 and "val_accuracy" in problem.message
