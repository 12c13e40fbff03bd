"""A config that names the class count with a bare upper-case `K` (tester 10's and 12's
`config.json`: `{"K": 10, "n_train": 300, ...}`) gives K, where nothing else in the file gives a k
another meaning; beside `top_k`, `k_fold`, `n_neighbors`, a lower-case `k` or nested in a model's
settings it is not read (a wrong K turns chance-level readings on with false numbers). What a user
sees: the chance reading of a run whose validation labels are shuffled (a real numpy training),
which needs K, and the `classes` claim naming where K came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.classes import classes_from_files

ROWS = smoothed_run(classes=5, eps=0.0, seed=0, shuffle_val_labels=True)


def _kinds(tmp_path: Path, config: str, name: str = "config.json") -> tuple[set[str], Analyzer]:
    classes_from_files.cache_clear()
    (tmp_path / name).write_text(config)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", ROWS))
    a = Analyzer(run)
    a.update()
    return {al.kind for al in a.alerts}, a


@pytest.mark.parametrize(
    ("config", "name"),
    [
        (json.dumps({"K": 5, "n_train": 300, "lr": 0.01, "seed": 0}), "config.json"),
        ("K: 5\nlr: 0.01\n", "hparams.yaml"),
    ],
    ids=["json", "yaml"],
)
def test_a_bare_K_names_the_classes_and_the_chance_reading_follows(
    tmp_path: Path, config: str, name: str
) -> None:
    kinds, a = _kinds(tmp_path, config, name)
    assert "val-at-chance" in kinds
    (al,) = [al for al in a.alerts if al.kind == "val-at-chance"]
    assert "1/5" in al.title
    claims = [c for x in a.alerts for c in x.claims if c.id == "classes"]
    assert claims and all(c.value == 5 for c in claims)
    assert "K: 5 in " + name in classes_from_files(str(tmp_path / "log.csv")).basis  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "config",
    [
        {"K": 5, "top_k": 3},
        {"K": 5, "k_fold": 5},
        {"K": 5, "n_neighbors": 7},
        {"K": 5, "k": 3},
        {"model": {"K": 5}},  # nested: a kernel size as often as not
        {"k": 5},  # lower case: top-k, kNN, k-fold
        {"K": 5, "num_classes": 10},  # two class counts that disagree: none
    ],
    ids=["top_k", "k_fold", "neighbors", "lower-k-beside", "nested", "lower-only", "disagree"],
)
def test_a_K_another_key_makes_ambiguous_is_not_read(tmp_path: Path, config: dict[str, object]) -> None:
    kinds, _ = _kinds(tmp_path, json.dumps(config))
    assert classes_from_files(str(tmp_path / "log.csv")) is None
    assert "val-at-chance" not in kinds
