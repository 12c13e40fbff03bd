"""`runs-disagree` compares a sweep's runs, never unrelated experiments: runs of one folder group,
one x axis and the same metric names (check ranked a demo's `eight_runs/run_5` against
`acc_flat_loss_down/train.log` and quoted `x 599`, the step axis of `long_run`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, realworld

from lossacc_tui.cli import main

DEMO = REPO / "demo_logs"


def test_a_folder_of_experiments_compares_only_the_sweep_in_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", str(DEMO)]) == 0
    comparisons = json.loads(capsys.readouterr().out)["comparisons"]
    runs = len([p for p in (DEMO / "eight_runs").iterdir() if p.is_dir()])
    assert comparisons, "the eight runs of one sweep disagree (their own demo says so)"
    for c in comparisons:
        assert c["title"].startswith(f"{runs} runs") and "599" not in c["title"]
    assert main(["check", str(DEMO)]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if "runs-disagree:" in ln]
    assert "(epoch " in line  # the runs' shared axis, not "x 29"


def test_runs_on_a_step_axis_are_not_ranked_with_runs_on_epochs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i, src in enumerate((DEMO / "eight_runs" / "run_1", DEMO / "long_run")):  # epochs; steps
        shutil.copytree(src, tmp_path / f"exp_{i}")
    assert main(["check", "--json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["comparisons"] == []


def _comparisons(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict]:
    assert main(["check", "--json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)["comparisons"]


def test_a_folder_of_unrelated_projects_is_never_ranked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tester 9 fault 6: real logs of a 6-class car model and a 2-class cat classifier kept in one
    folder were ranked against each other. Logs named as different projects are not a sweep."""
    for name in ("Car-Prediction-CNN-Model__training.log", "CatClassifier__training.log"):
        shutil.copy(realworld(f"keras_csvlogger/{name}"), tmp_path / name)
    assert _comparisons(capsys, tmp_path) == []


def test_a_sweep_layout_of_different_data_sets_is_not_ranked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same two logs placed as a sweep's run folders: their accuracies reveal evaluation sets of
    different sizes (3728 and 190 samples): two data sets, not one task."""
    for i, name in enumerate(("Car-Prediction-CNN-Model__training.log", "CatClassifier__training.log")):
        (tmp_path / f"lr_{i}").mkdir()
        shutil.copy(realworld(f"keras_csvlogger/{name}"), tmp_path / f"lr_{i}" / "training.log")
    assert _comparisons(capsys, tmp_path) == []


def test_the_alert_says_what_made_the_runs_comparable(capsys: pytest.CaptureFixture[str]) -> None:
    (c,) = _comparisons(capsys, DEMO / "eight_runs")
    assert "runs of one experiment: names that differ by a setting (run_1, run_2" in c["explanation"]
    assert "one length (30 epochs)" in c["explanation"].replace("\n", " ")
    assert "the same metric names (val_loss, val_acc)" in c["explanation"].replace("\n", " ")
    assert "evaluation set size (400 samples" in c["explanation"].replace("\n", " ")
