"""runs-disagree compares runs of one experiment, told from what is logged: a folder of unrelated
experiments laid out like a sweep (each run folder holding the same `log.jsonl`: tester 19's
`runs/dropout`, `runs/mixup`, `runs/ls`, ...; tester 17's Keras runs) was ranked as one sweep and
warned about. Run names that differ by a setting and similar lengths make a sweep (claim
`one-experiment` likely, a warning as before); one of the two is a guess (compared at info, the claim
`possible`, and what it assumed); neither, no comparison.

The runs are real numpy training (tests/numpy_smoothing.py): one network trained on the same data
with plain cross-entropy and with label smoothing 0.2; the smoothed run ends with the lower
validation loss but the lower accuracy, which runs-disagree reports when it compares them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_smoothing import smoothed_run

from lossacc_tui.cli import main

KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def _folder(root: Path, runs: dict[str, tuple[float, int]]) -> Path:
    """One run folder per name, each with the loop's `log.jsonl`: (label smoothing, epochs)."""
    for name, (eps, epochs) in runs.items():
        rows = smoothed_run(classes=4, eps=eps, epochs=epochs, n_train=200, n_val=300, sep=0.8, seed=1)
        (root / name).mkdir(parents=True)
        lines = [json.dumps({"epoch": e, **{k: r[k] for k in KEYS}}) for e, r in enumerate(rows)]
        (root / name / "log.jsonl").write_text("\n".join(lines) + "\n")
    return root


def _comparisons(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict]:
    assert main(["check", "--json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)["comparisons"]


def test_unrelated_experiments_laid_out_like_a_sweep_are_not_ranked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # named for what each is, not for a setting, and one trained twice as long as the other
    root = _folder(tmp_path / "runs", {"plain": (0.0, 20), "smoothed": (0.2, 40)})
    assert _comparisons(capsys, root) == []


def test_a_sweep_named_by_its_setting_is_ranked_as_one_experiment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _folder(tmp_path / "sweep", {"eps0.0": (0.0, 20), "eps0.2": (0.2, 20)})
    (c,) = _comparisons(capsys, root)
    assert c["kind"] == "runs-disagree" and c["severity"] == "warning"
    (claim,) = c["claims"]
    assert (claim["id"], claim["strength"]) == ("one-experiment", "likely")
    text = " ".join(c["explanation"].split())
    assert "names that differ by a setting (eps0.0, eps0.2); one length (20 epochs)" in text


def test_runs_whose_names_say_no_setting_are_compared_as_a_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _folder(tmp_path / "runs", {"plain": (0.0, 20), "smoothed": (0.2, 20)})
    (c,) = _comparisons(capsys, root)
    assert c["severity"] == "info"  # never a warning on a guess that the runs are one experiment
    (claim,) = c["claims"]
    assert (claim["id"], claim["strength"]) == ("one-experiment", "possible")
    text = " ".join(c["explanation"].split())
    assert "Assumed: runs of one experiment, though their names (plain, smoothed) say no setting" in text
    assert "the same evaluation set size (300 samples" in text


def test_a_sweep_whose_runs_stopped_apart_is_compared_as_a_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _folder(tmp_path / "sweep", {"eps0.0": (0.0, 20), "eps0.2": (0.2, 40)})
    (c,) = _comparisons(capsys, root)
    assert c["severity"] == "info"
    assert [(k["id"], k["strength"]) for k in c["claims"]] == [("one-experiment", "possible")]
    text = " ".join(c["explanation"].split())
    assert "Assumed: runs of one sweep that stopped at different points (20 to 40 epochs" in text
