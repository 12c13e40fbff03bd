"""`val-degrading` on a run trained with mixup (tester h19t, a real torch run: tests/data/h19t_mixup):
its training loss is flat because mixed targets floor it, not because the model stands still (104-136
of the 2,000 validation predictions change class at every evaluation, the probe beside the log). The
alert had stated "training is flat, so the model is hardly changing" as fact and favoured data drift.
Now the floored-objective reading is `likely` (training loss above the validation loss, training
accuracy below the validation accuracy: the same mark `overfitting` reads), "the model hardly
changed" is a `possible` reading, and the probe's flips refute it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data" / "h19t_mixup"


def _degrading(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    assert main(["check", "--json", str(path)]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    (alert,) = [a for a in run["alerts"] if a["kind"] == "val-degrading"]
    return alert


def test_mixup_run_reads_as_overfitting_under_a_floored_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"  # the log alone, no probe beside it
    shutil.copy(DATA / "log.jsonl", log)
    alert = _degrading(capsys, log)
    got = {c["id"]: c["strength"] for c in alert["claims"]}
    assert got["floored-objective"] == "likely"
    assert got["model-hardly-changed"] == "possible" and got["split-unlike-training"] == "possible"
    text = " ".join(alert["explanation"].split())
    assert "so the model is hardly changing" not in text and "so the model hardly changed" not in text
    assert "(0.7991 > 0.5885) and the training accuracy 0.43 below the validation accuracy 0.8075" in text
    why = text.split("Why.")[1].split("What to check next.")[0]
    assert "mixup" in why and why.index("mixup") < why.index("The other reading")


def test_the_probes_flips_refute_a_model_that_hardly_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"  # the log with the run's probe sidecar (stored as .txt: not a JSON-lines log)
    run.mkdir()
    shutil.copy(DATA / "log.jsonl", run / "log.jsonl")
    shutil.copy(DATA / "lossacc_probe.jsonl.txt", run / "lossacc_probe.jsonl")
    alert = _degrading(capsys, run)
    (claim,) = [c for c in alert["claims"] if c["id"] == "model-hardly-changed"]
    assert claim["strength"] == "refuted"
    assert "136 of its 2000 samples changed class since the evaluation before" in claim["text"]
