"""A training loss that steps up at one evaluation while the validation accuracy falls there
(tester 20 T3): CF-ViT's real log, epoch 201, train_loss 4.50 -> 5.31 (x1.18 its best) and
test_384_acc1 77.6 -> 54.1, never recovering. `loss-explosion`'s step rule reports it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402
from tests.conftest import realworld  # noqa: E402


def alerts(path: Path, *extra: str) -> list[dict[str, Any]]:
    doc = check_json([path], list(extra))
    return [a for run in doc["runs"] for a in run["alerts"]]


@pytest.mark.parametrize("extra", [(), ("--map", "val_acc=test_384_acc1")])
def test_a_training_loss_step_with_the_accuracy_collapsing_at_it_is_a_warning(extra: tuple[str, ...]) -> None:
    log = realworld("jsonl/CF-ViT__output_log.txt")
    got = [a for a in alerts(log, *extra) if a["kind"] == "loss-explosion"]
    assert len(got) == 1, got
    a = got[0]
    e = a["evidence"]
    assert a["severity"] == "warning" and a["start"] == 201
    assert "train_loss" in a["title"] and "a step in one evaluation" in a["title"]
    assert e["step_loss_before"] == pytest.approx(4.503, abs=1e-3)
    assert e["peak_value"] == pytest.approx(5.313, abs=1e-3)
    before, after = 0.7757, 0.5407  # test_384_acc1 (read by default too: roles_numbered)
    assert e["step_acc_before"] == pytest.approx(before, abs=1e-4)
    assert e["step_acc_after"] == pytest.approx(after, abs=1e-4)
    assert "scheduled restart does not explain it" in a["explanation"]


def test_the_same_run_before_the_step_stays_quiet(tmp_path: Path) -> None:
    log = realworld("jsonl/CF-ViT__output_log.txt")
    part = tmp_path / "output_log.txt"
    part.write_text("".join(log.read_text().splitlines(keepends=True)[:201]))
    assert [a["kind"] for a in alerts(part) if a["severity"] != "info"] == []
