"""A per-step run reads the same whether its loop logs the step or the epoch as a fraction.

A plain loop that writes `{"epoch": 0.0064, "step": 8, "train_loss": ...}` every batch and the
validation as separate records evaluates several times an epoch; its training loss is per batch all
the same. On main the density of the training loss was counted per *epoch* from the epoch column,
1 point each until two whole epochs were logged, so a run of 1.6 epochs had every single batch judged
against the luckiest one ("loss-explosion" in its JSONL and not in the CSV of the same run, which
counted 10 batches per evaluation on the step axis). Now it is counted between evaluations, on
whichever axis both series share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_fixed import fixed_eval_run

from lossacc_tui.analysis import Analyzer


def _read(path: Path) -> tuple[list[str], int]:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    assert a.ctx is not None
    kinds = sorted({al.kind for al in a.alerts if al.severity in ("warning", "critical")})
    return kinds, a.ctx.train_window


@pytest.mark.parametrize("seed", [2, 3])
def test_fractional_epochs_and_steps_read_alike(tmp_path: Path, seed: int) -> None:
    rows, _ = fixed_eval_run(2000, seed=seed, classes=3, n_val=64, every=10, batch=4, lr=1.0, spread=4.0)
    per_epoch = 1250  # (5,000 training samples in 4-sample batches: 2,000 steps are 1.6 epochs)
    with (tmp_path / "train.jsonl").open("w") as f:
        for r in rows:
            epoch = round(r["step"] / per_epoch, 4)
            f.write(json.dumps({"epoch": epoch, "step": r["step"], "train_loss": r["train_loss"]}) + "\n")
            if "val_loss" in r:
                f.write(
                    json.dumps(
                        {
                            "epoch": epoch,
                            "step": r["step"],
                            "val_loss": r["val_loss"],
                            "val_acc": r["val_acc"],
                        }
                    )
                    + "\n"
                )
    cols = ("step", "train_loss", "val_loss", "val_acc")
    lines = [",".join(cols)] + [",".join(repr(r[c]) if c in r else "" for c in cols) for r in rows]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n")
    jsonl, csv = _read(tmp_path / "train.jsonl"), _read(tmp_path / "train.csv")
    assert jsonl == csv
    assert jsonl[1] == 10  # (ten batches per evaluation, on either axis)
    assert "loss-explosion" not in jsonl[0]
