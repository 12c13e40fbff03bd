"""The summary pane's current state is the one the band and `check` show.

A tester found the view's summary saying "state since epoch 71: flat" while `check` said
"loss-worse-acc-better since epoch 15" and the band showed that to the end, with an overfitting
warning open: the summary took the trend timeline before it was made to agree with the alerts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.analysis import Analyzer
from lossacc_tui.cli import main


@pytest.mark.parametrize(
    ("seed", "epochs", "spread", "lr"),
    [(0, 100, 0.3, 0.5), (1, 60, 0.15, 2.0)],  # (two real overfitting runs: 50 samples, 100 features)
)
def test_summary_band_and_check_name_one_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int, epochs: int, spread: float, lr: float
) -> None:
    rows = softmax_regression(
        epochs=epochs, classes=2, seed=seed, lr=lr, features=100, n_train=50, n_val=300, spread=spread
    )
    path = keras_csv(tmp_path / "log.csv", rows)
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    assert any(x.kind == "overfitting" and x.active for x in a.alerts)
    band = a.states[-1]
    assert band.state in ("loss-worse-acc-better", "both-worse")  # (the open overfitting alert's loss)
    said = re.search(r"state since epoch (\d+): \*\*([a-z-]+)\*\*", a.summary())
    assert said is not None, a.summary()
    assert (said[2], float(said[1])) == (band.state, band.start)
    main(["check", str(path)])
    check = re.search(r"state: ([a-z-]+) since epoch (\d+)", capsys.readouterr().out)
    assert check is not None and (check[1], float(check[2])) == (band.state, band.start)
