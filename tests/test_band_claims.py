"""The state band never contradicts an alert's own `more-mistakes` claim about accuracy.

A tester saw the band read "loss-worse-acc-better" beside an open overfitting warning whose
`more-mistakes` claim follows from the numbers (validation accuracy fell beyond its noise since the
best epoch): the band made the loss agree with the alert but kept its own local accuracy trend.
The runs are real softmax-regression trainings in numpy that overfit (few samples, many features)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.analysis import Analyzer
from lossacc_tui.cli import main

RISING = ("overfitting", "loss-up-acc-up")


@pytest.mark.parametrize(
    ("seed", "classes", "features", "n_train", "spread", "lr"),
    [(0, 2, 100, 50, 0.3, 0.5), (1, 3, 60, 60, 0.4, 1.0), (1, 4, 80, 80, 0.3, 1.0), (2, 2, 40, 60, 0.5, 0.5)],
)
def test_band_reads_accuracy_worse_where_the_alert_says_more_mistakes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    seed: int,
    classes: int,
    features: int,
    n_train: int,
    spread: float,
    lr: float,
) -> None:
    rows = softmax_regression(
        epochs=60,
        classes=classes,
        seed=seed,
        lr=lr,
        features=features,
        n_train=n_train,
        n_val=300,
        spread=spread,
    )
    path = keras_csv(tmp_path / "log.csv", rows)
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    said_fewer = [al for al in a.alerts if al.kind in RISING and al.active]
    # (its net count of mistakes went up: `follows` beyond twice its noise, `possible` within it; the
    # band reads accuracy-worse either way, never accuracy-better against the alert's own numbers)
    more = [c for al in said_fewer for c in al.claims if c.id == "more-mistakes"]
    assert more, "this run's accuracy fell under an open rise alert"
    # the accuracy really fell over the claim's span (the claim is arithmetic on the log)
    acc = {r_i: r["val_acc"] for r_i, r in enumerate(rows)}
    assert acc[int(more[0].end)] < acc[int(more[0].start)]
    band = a.states[-1]
    assert band.state == "both-worse", band
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "state: both-worse" in out
    assert "loss-worse-acc-better" not in out.split("[")[0]  # (the summary's state line)


def test_band_keeps_accuracy_better_when_the_alert_says_fewer_mistakes(tmp_path: Path) -> None:
    """The other side: an overfitting run whose accuracy held or rose keeps its band's
    accuracy part (no claim of more mistakes turns it)."""
    rows = softmax_regression(
        epochs=60, classes=2, seed=1, lr=2.0, features=100, n_train=50, n_val=300, spread=0.15
    )
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    rising = [al for al in a.alerts if al.kind in RISING and al.active]
    assert rising
    if any(c.id == "more-mistakes" and c.strength == "follows" for al in rising for c in al.claims):
        pytest.fail("this run was chosen for an accuracy that did not fall beyond noise")
    assert a.states[-1].state == "loss-worse-acc-better"
