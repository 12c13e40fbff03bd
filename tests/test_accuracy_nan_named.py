"""A NaN logged as an accuracy (an evaluation over an empty split: numpy's mean of nothing) is left
out of the analysis and named, never dropped unsaid (tester h19t: `"val_acc": NaN` at 2 of 40
evaluations gave no problem line and no alert), read whole or followed in pieces."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
from conftest import feed_in_chunks
from numpy_training import softmax_regression

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402


def _log(tmp_path: Path) -> Path:
    rows = softmax_regression(epochs=12, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        empty = float(np.mean(np.array([])))  # (what an evaluation over an empty split computes)
    path = tmp_path / "train.jsonl"
    with path.open("w") as f:
        for epoch, row in enumerate(rows):
            if epoch in (4, 9):
                row = {**row, "val_acc": empty}
            f.write(json.dumps({"epoch": epoch, **row}) + "\n")
    return path


def test_a_nan_accuracy_is_named_where_it_was_logged(tmp_path: Path) -> None:
    path = _log(tmp_path)
    assert "NaN" in path.read_text()
    doc = check_json([path], [])
    (run,) = doc["runs"]
    said = [p["message"] if isinstance(p, dict) else str(p) for p in run["problems"]]
    assert any("val_acc: NaN at epoch 4" in m for m in said), said
    assert any("val_acc: NaN at epoch 9" in m for m in said), said


def test_read_in_pieces_it_is_named_alike(tmp_path: Path) -> None:
    path = _log(tmp_path)
    for sizes in ([37], [1, 7, 300]):
        said = [p.message for r in feed_in_chunks(path, sizes) for p in r.problems if "NaN at" in p.message]
        assert len(said) == 2, (sizes, said)
        assert all("no accuracy was computed" in m for m in said)
