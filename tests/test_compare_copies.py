"""`runs-disagree` compares a sweep whose run folders each hold one run in several formats (a loop
writing JSONL, a printed log and TensorBoard at once): the sweep's runs are compared, each once;
the copies of one run in its folder are one run, never ranked against each other. Before, cohorts
grouped runs by folder, so each run folder was a cohort of its own copies and the sweep was never
compared (tester 19 F3: runs/sweep, runs/ls).

The runs are real numpy training (tests/numpy_smoothing.py): one network trained with and without
label smoothing on the same data; the smoothed run ends with the lower validation loss but the
lower accuracy, which is what runs-disagree reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_smoothing import smoothed_run
from test_readers_formats import write_events

from lossacc_tui.cli import main

KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")
TAGS = {
    "Loss/train": "train_loss",
    "Accuracy/train": "train_acc",
    "Loss/val": "val_loss",
    "Accuracy/val": "val_acc",
}


def _sweep(root: Path) -> list[str]:
    """Two run folders (label smoothing 0 and 0.2), each with log.jsonl, print.log and tb/."""
    names = []
    for eps in (0.0, 0.2):
        rows = smoothed_run(classes=4, eps=eps, epochs=20, n_train=200, n_val=300, sep=0.8, seed=1)
        d = root / f"eps{eps}"
        d.mkdir(parents=True)
        records = [{"epoch": e, **{k: r[k] for k in KEYS}} for e, r in enumerate(rows)]
        (d / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        lines = [f"epoch {e} | " + " | ".join(f"{k} {r[k]:.4f}" for k in KEYS) for e, r in enumerate(rows)]
        (d / "print.log").write_text("\n".join(lines) + "\n")
        write_events(d / "tb", rows, TAGS)
        names.append(d.name)
    return names


def test_a_sweep_whose_run_folders_hold_copies_is_compared_once_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = _sweep(tmp_path / "sweep")
    assert main(["check", "--json", str(tmp_path / "sweep")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"]) == 6  # (every copy is still read and checked on its own)
    (alert,) = doc["comparisons"]  # one comparison of the sweep, not one per format, none of copies
    assert alert["kind"] == "runs-disagree"
    named = [f for f in folders if f"{f}/" in alert["title"]]
    assert named == folders  # the two runs of the sweep, each once
    assert "2 runs compared" in alert["explanation"]
