"""A validation accuracy that never left chance while training learns (tester h19t's HF Trainer run,
tests/data/h19t_hf_chance: eval_accuracy 0.482-0.538 at all 30 evaluations, K = 2, the training loss
0.69 -> 0.43, eval_loss 0.69 -> 1.04) got only `overfitting` and `plateau`, each advising to keep the
checkpoint at epoch 3 (accuracy 0.536, at chance). `val-at-chance`'s never-left-chance path now says
so from the first evaluation, with the readings it allows, and the checkpoint advice says that no
checkpoint of the run beats a uniform guess on validation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data" / "h19t_hf_chance"


def _alerts(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict[str, dict]:
    assert main(["check", "--json", *extra, str(path)]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    return {a["kind"]: a for a in run["alerts"]}


def test_a_validation_accuracy_at_chance_for_the_whole_run_is_the_headline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alerts = _alerts(capsys, DATA)
    va = alerts["val-at-chance"]
    assert va["severity"] == "warning" and va["start"] == 1  # the run from its first evaluation
    claims = {c["id"]: c for c in va["claims"]}
    # K is inferred (likely), so the chance level it is judged against is as sure as that
    assert claims["chance-throughout"]["strength"] == "likely"
    assert claims["labels-unrelated"]["strength"] == "possible"
    text = " ".join(va["explanation"].split())
    assert "all 30 evaluations 0.482-0.538, within 0.038 of 1/2" in text
    for reading in ("memorised", "do not match training's", "too few training samples"):
        assert reading in text
    # the checkpoint the other alerts name is said to be at chance, not kept as a useful model
    for kind in ("overfitting", "plateau"):
        advice = " ".join(alerts[kind]["explanation"].split()).split("What to check next.")[1]
        assert "is at chance, as at every evaluation of this run" in advice
        assert "no checkpoint of this run beats a uniform guess on validation" in advice


def test_with_k_given_the_chance_level_follows(capsys: pytest.CaptureFixture[str]) -> None:
    va = _alerts(capsys, DATA, "--classes", "2")["val-at-chance"]
    claims = {c["id"]: c["strength"] for c in va["claims"]}
    assert claims["chance-throughout"] == "follows"


def test_the_band_grows_with_the_evaluations_and_needs_k() -> None:
    from lossacc_tui.analysis.chance_run import at_chance_throughout, through_z

    assert through_z(10) < through_z(30) < through_z(1000)
    # 30 evaluations of a 500-sample set at 1/2: within 3.6 s.e. (0.080) counts as chance
    vals = np.full(30, 0.5)
    vals[3] = 0.575
    assert at_chance_throughout(vals, 2, 500) is not None
    vals[3] = 0.59
    assert at_chance_throughout(vals, 2, 500) is None  # one evaluation beyond the band left chance
    assert at_chance_throughout(np.full(9, 0.5), 2, 500) is None  # too few evaluations
    assert at_chance_throughout(np.full(30, 0.5), None, 500) is None  # no K, nothing said


def test_fed_in_chunks_the_never_left_chance_path_equals_one_shot(tmp_path: Path) -> None:
    """The path carries running aggregates from chunk to chunk: a live log gets what `check` gets.
    The HF run's own numbers as a CSV a loop would print (one row per evaluation, the training
    loss logged last before it)."""
    from test_analysis_incremental import chunked, one_shot

    from lossacc_tui.analysis import Params

    hist = json.loads((DATA / "trainer_state.json").read_text())["log_history"]
    rows, train = ["epoch,train_loss,val_loss,val_acc"], None
    for h in hist:
        train = h.get("loss", train)
        if "eval_loss" in h:
            rows.append(f"{h['epoch']:g},{train},{h['eval_loss']},{h['eval_accuracy']}")
    log = tmp_path / "metrics.csv"
    log.write_text("\n".join(rows) + "\n")
    params = Params(n_classes=2)
    once = one_shot(log, params)
    assert any(a["kind"] == "val-at-chance" for a in once[0][1])
    for sizes in ([37, 5, 211], [64], [1, 300]):
        assert chunked(log, sizes, params) == once
