"""Nested folders of JSON-lines logs (tester h19k item 2): `runs/exp1/seed0/metrics.jsonl`, ...,
at any depth and under any of the JSON-lines names. Pointing at `runs/` finds every run, each named
by its folder path, none merged and none dropped; two seeded runs that wrote the very same numbers
are both kept, and the line that says so states no guess as fact (it said "not a second training",
which a rerun with the same seed is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.cli import main

LOGS = {
    "exp1/seed0/metrics.jsonl": (0, 0.1),
    "exp1/seed1/metrics.jsonl": (1, 0.1),
    "exp2/seed0/metrics.jsonl": (0, 0.3),
    "exp2/seed1/log.jsonl": (1, 0.3),
    "exp3/seed2/train.ndjson": (2, 0.3),
    "exp3/ablation/no_aug/deep/er/metrics.jsonl": (3, 0.3),
    "exp1_rerun/seed0/metrics.jsonl": (0, 0.1),  # the very numbers of exp1/seed0
    "metrics.jsonl": (5, 0.2),
}


def test_every_nested_run_is_found_and_named_by_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "runs"
    for rel, (seed, lr) in LOGS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        recs = softmax_regression(epochs=10, seed=seed, lr=lr)
        path.write_text("".join(json.dumps({"epoch": e, **r}) + "\n" for e, r in enumerate(recs)))
    assert main(["check", "--json", str(root)]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert sorted(r["name"] for r in runs) == sorted(f"runs/{rel}" for rel in LOGS)
    assert all(r["metrics"]["val_loss"]["count"] == 10 for r in runs)
    said = [p["message"] for r in runs for p in r["problems"]]
    (twice,) = [m for m in said if "the same numbers as" in m]
    assert "runs/exp1/seed0/metrics.jsonl" in twice and "not a second training" not in twice, twice
