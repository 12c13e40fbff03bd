"""The share of the loss that mistakes carry at least, and the bound that gives it.

A tester found (K = 3 given, a real overfitting run): "each costs at least ln 2 = 0.6931 nats, so
mistakes carry at least 60% of the loss (the floor (1 - a) ln 2 is 0.1109)": the 60 % was right, but
it comes from the K bound (a right answer costs at most ln K), while the ln 2 floor it credited gives
5 %. Every such sentence must name the bound whose arithmetic gives its figure."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.cli import main

# "(val_loss 5.67, val_acc 0.445) 55.5% of samples are wrong ... at least 72% of the loss"
SENTENCE = re.compile(
    r"\(val_loss ([0-9.]+), val_\w+ ([0-9.]+)\) ([0-9.]+)% of samples are wrong(.*?) ([0-9.]+)% of the loss",
    re.S,
)


def _overfit_3_classes(tmp_path: Path) -> Path:
    """Softmax regression on 3 weakly separated classes, 100 features and 40 training samples at a
    high learning rate: it memorises the training set and its held-out mistakes grow confident."""
    rows = softmax_regression(
        epochs=60, classes=3, seed=1, lr=2.0, features=100, n_train=40, n_val=200, spread=0.15
    )
    return keras_csv(tmp_path / "log.csv", rows)


def _sentences(
    path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> list[tuple[float, float, str, float]]:
    assert main(["check", str(path), "--json", *extra]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    text = " ".join(a["explanation"] for r in report["runs"] for a in r["alerts"])
    return [(float(m[1]), float(m[2]), m[4], float(m[5])) for m in SENTENCE.finditer(text)]


def _rounded_down(pct: float, share: float) -> bool:
    """Whether `pct` (percent) is the lower bound `share` (a fraction) rounded down to its last
    decimal (`quantities.least_share`: a bound is never rounded up)."""
    unit = 10.0 ** -(len(repr(pct).partition(".")[2]) if pct % 1 else 0)
    return pct <= 100 * share + 1e-9 and 100 * share - pct < unit + 1e-9


def test_the_k_bound_is_named_when_it_gives_the_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _sentences(_overfit_3_classes(tmp_path), capsys, "--classes", "3")
    assert found, "no alert of this overfitting run explains what its loss/accuracy pair forces"
    by_k = 0
    for loss, acc, words, pct in found:
        floor_share = (1 - acc) * math.log(2) / loss
        k_share = (loss - acc * math.log(3)) / loss
        assert _rounded_down(pct, max(floor_share, k_share)), (loss, acc, pct)
        if k_share > floor_share:
            by_k += 1
            assert "ln 3" in words and "right answer costs at most" in words, words
            assert "each costs at least ln 2" not in words, words
        else:
            assert "each costs at least ln 2" in words, words
    assert by_k, "this run's late evaluations are where the K bound binds: none was explained"


def test_without_k_only_the_ln2_floor_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _sentences(_overfit_3_classes(tmp_path), capsys)
    assert found
    for loss, acc, words, pct in found:
        assert _rounded_down(pct, (1 - acc) * math.log(2) / loss), (loss, acc, pct)
        assert "ln 3" not in words and "each costs at least ln 2" in words, words
