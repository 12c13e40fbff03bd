"""A binary run scored on a validation split with the other majority: its validation accuracy sits
at 0.31-0.42 and its loss passes ln 3 on its way up to 2.4, so 1/accuracy names K = 3. With K not
known, nothing may rest on that guess (a tester found "val_accuracy 0.421 ~ 1/3 and val_loss 2.43
~ ln 3: not learning", a `likely` at-chance claim, on these runs); with K given, acc-at-chance's
title and claim never put a loss far above ln K at ln K."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_shift import split_unlike_training

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params


@pytest.mark.parametrize(("n_train", "epochs", "signal"), [(60, 300, 0.3), (100, 200, 0.1), (200, 100, 0.1)])
def test_a_class_count_guessed_from_one_split_names_no_chance_level(
    tmp_path: Path, n_train: int, epochs: int, signal: float
) -> None:
    path = split_unlike_training(tmp_path / "log.csv", n_train, epochs, signal)
    (run,) = read_runs(path)
    val_acc = np.array([float(v) for v in (ln.split(",")[4] for ln in path.read_text().split()[1:])])
    assert 0.25 < val_acc[10:].mean() < 0.45  # (the premise: 1/accuracy rounds to 3 on a binary run)
    a = Analyzer(run)
    a.update()
    assert not [al for al in a.alerts if al.kind == "acc-at-chance"]
    for al in a.alerts:
        for c in al.claims:
            assert c.id != "at-chance" and not (c.id == "classes" and c.strength in ("likely", "follows")), (
                al.title
            )
            assert "1/3" not in c.text and "ln 3" not in c.text, c.text
        assert "1/3" not in al.title and "ln 3" not in al.title


def test_the_title_never_puts_a_loss_far_above_ln_k_at_ln_k(tmp_path: Path) -> None:
    (run,) = read_runs(split_unlike_training(tmp_path / "log.csv"))
    a = Analyzer(run, Params(n_classes=3))  # (K given, even if wrong: the chance reading may open)
    a.update()
    chance = [al for al in a.alerts if al.kind == "acc-at-chance"]
    assert chance  # (the premise: the chance reading opens)
    for al in chance:
        k = int(al.evidence["k"])
        loss = al.evidence["loss_now"]
        if loss > 1.05 * math.log(k):
            assert f"~ ln {k}" not in al.title and f"above ln {k}" in al.title
            assert f"about ln {k}" not in al.explanation
        if loss < 0.95 * math.log(k):
            assert "above ln" not in al.title
