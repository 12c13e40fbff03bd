"""Tester 25's reading faults, each as a kind: a JSON-lines log whose first line is the script's
settings (`{"config": {...}}`) is the same run whether its file or its folder is named (F2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.cli import main


def _config_first(path: Path, config: dict[str, object]) -> Path:
    """A training script's JSON lines as they are usually written: its arguments dumped first,
    then one record per epoch (0-based, as `for epoch in range(n)` prints it)."""
    rows = softmax_regression(epochs=15, classes=3, seed=4)
    with path.open("w") as f:
        f.write(json.dumps({"config": config}) + "\n")
        for epoch, r in enumerate(rows):
            f.write(
                json.dumps(
                    {
                        "epoch": epoch,
                        "loss": r["train_loss"],
                        "val_loss": r["val_loss"],
                        "val_acc": r["val_acc"],
                    }
                )
                + "\n"
            )
    return path


@pytest.mark.parametrize(
    "config",
    [
        {"lr": 0.1, "model": "softmax", "epochs": 15},
        {"model": "softmax", "notes": "x" * 200_000},  # a config line longer than the sniffed head
    ],
)
def test_a_config_first_jsonl_is_the_same_run_named_or_in_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: dict[str, object]
) -> None:
    log = _config_first(tmp_path / "metrics.jsonl", config)
    assert main(["check", "--json", str(log)]) in (0, 1)
    named = json.loads(capsys.readouterr().out)
    assert main(["check", "--json", str(tmp_path)]) in (0, 1)
    out, err = capsys.readouterr()
    assert "skipped" not in err
    folder = json.loads(out)
    run, in_folder = named["runs"][0], folder["runs"]
    assert len(in_folder) == 1
    assert in_folder[0]["metrics"] == run["metrics"]
    # the settings line is no metric, and the run keeps its epochs 0..14
    assert set(run["metrics"]) == {"loss", "val_loss", "val_acc"}
    assert run["x_axis"] == "epoch" and run["metrics"]["val_acc"]["last_x"] == 14
