"""overfitting's short-run rule (two evaluations well above the best, before the validation loss's
noise can be measured) does not take a rise that is falling back for a model fitting its noise.

The truth corpus's Lightning run `collapse-k2-lightning/s1` (tune split; Adam at lr 0.3 on 85/15
binary data, per-sample facts beside the log) logged val_loss 0.078 -> 0.228 -> 0.139 at epochs 1-3
while the epoch means of the training loss fell 0.114 -> 0.100 -> 0.093: an `overfitting` warning
opened at epochs 2-3. The training set's own loss at the epochs' ends had risen (0.062 -> 0.091 ->
0.074): nothing was fitting better, and the network collapsed to the majority class a few epochs on.
A second evaluation that came down by more than it still stands above the best is no rise that
holds. The short overfitting runs of the same corpus still warn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossacc_tui.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "benchmarks" / "truth" / "corpus"


def _alerts(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict]:
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    return [a for r in doc["runs"] for a in r["alerts"]]


def _truth(folder: Path, split: str) -> dict[int, dict]:
    rows = [json.loads(line) for line in (folder / "truth.jsonl").read_text().splitlines()]
    return {r["epoch"]: r for r in rows if r["split"] == split}


def test_a_rise_falling_back_at_lr_0_3_is_no_overfitting(capsys: pytest.CaptureFixture[str]) -> None:
    folder = CORPUS / "collapse-k2-lightning" / "s1"
    val, train = _truth(folder / "version_0", "val"), _truth(folder / "version_0", "train")
    # (what the run shows: the val loss rose and fell most of the way back, and the training set's
    # own loss at the epochs' ends did not fall below its value at the validation best, epoch 1)
    assert val[2]["loss"] > 2 * val[1]["loss"] and val[3]["loss"] - val[1]["loss"] < (
        val[2]["loss"] - val[3]["loss"]
    )
    assert min(train[2]["loss"], train[3]["loss"]) > train[1]["loss"]
    found = _alerts(capsys, folder / "version_0" / "metrics.csv")
    assert [a["title"] for a in found if a["kind"] == "overfitting"] == []


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_short_overfitting_runs_still_warn(capsys: pytest.CaptureFixture[str], seed: int) -> None:
    # 5-epoch plain-loop fine-tune-like runs on 60 training samples, those whose per-sample truth
    # shows overfitting (labels.json)
    folder = CORPUS / "short-overfit-torch" / f"s{seed}"
    if "overfitting" not in json.loads((folder / "labels.json").read_text())["phenomena"]:
        pytest.skip("this seed's truth shows no overfitting")
    found = _alerts(capsys, folder / "train.jsonl")
    kinds = {a["kind"] for a in found if a["severity"] in ("warning", "critical")}
    assert kinds & {"overfitting", "loss-up-acc-up"}
