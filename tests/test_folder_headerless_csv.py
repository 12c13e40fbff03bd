"""A metrics CSV that lost its header row is said, not passed over.

A tester found `check` on a folder silently leaving out a Keras CSVLogger file whose header row was
gone (what copytruncate leaves behind): exit 0, nothing on stderr, the run missing. A numeric table
that is not a log (a confusion matrix) is still passed over quietly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.cli import main


def test_a_csv_without_its_header_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = softmax_regression(epochs=12, classes=3, seed=2)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    keras_csv(tmp_path / "a" / "log.csv", rows)
    whole = keras_csv(tmp_path / "b" / "full.csv", rows).read_text().splitlines(keepends=True)
    (tmp_path / "b" / "full.csv").unlink()
    (tmp_path / "b" / "log.csv").write_text("".join(whole[5:]))  # cut: the header and 4 epochs gone
    # a real confusion matrix of 3 classes beside it: numbers only, but no log
    labels = np.random.default_rng(0).integers(0, 3, 90)
    cm = np.zeros((3, 3), int)
    np.add.at(cm, (labels, (labels + (labels % 2)) % 3), 1)
    np.savetxt(tmp_path / "a" / "confusion.csv", cm, fmt="%d", delimiter=",")

    code = main(["check", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "a/log.csv" in out  # the readable run is still reported
    assert str(tmp_path / "b" / "log.csv") in err and "header" in err
    assert "confusion" not in err and "confusion" not in out

    assert main(["check", str(tmp_path / "b" / "log.csv")]) == 2
    assert "header row is gone" in capsys.readouterr().err
