"""The bundled demo logs: every case is found in its framework's format, with the roles it needs."""

from __future__ import annotations

import pytest
from conftest import DEMO, read_sources

CASES = {
    "loss_up_acc_up": "keras-csv",
    "loss_down_acc_down": "text-kv",
    "acc_flat_loss_down": "text-kv",
    "val_loss_unstable": "fastai-table",
    "high_loss_good_acc": "hf-trainer-state",
    "imbalanced": "jsonl",
    "nan_run": "keras-stdout",
    "eight_runs": "lightning-csv",
    "long_run": "mlflow",
    "healthy_keras": "keras-stdout",
    "healthy_lightning": "lightning-csv",
}


@pytest.mark.parametrize(("case", "fmt"), list(CASES.items()))
def test_demo_case_is_read_in_its_format(case: str, fmt: str) -> None:
    sources = read_sources(DEMO / case)
    assert fmt in {s.format for s in sources}
    for src in sources:
        for run in src.runs:
            assert src.problems(run) == []
            assert run.by_role("val_loss") is not None and run.by_role("val_acc") is not None


def test_eight_runs_are_eight_runs() -> None:
    assert len(read_sources(DEMO / "eight_runs")) == 8


def test_demo_folder_stays_small() -> None:
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 2_000_000
