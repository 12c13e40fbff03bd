"""The testers' check set (benchmarks/truth/testers: runs written by testers 22 and 23 with their own
per-sample facts) loads, and every validation evaluation the tool reads from each log has its facts
row at the same x, with the same loss (so a claim is judged on the evaluation it speaks of)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.truth.claims import Truth
from benchmarks.truth.testers import TESTERS, judge_tester
from tests.conftest import read_runs


def _facts(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "facts.jsonl").read_text().splitlines() if x.strip()]


def test_every_tester_run_has_facts_for_each_evaluation_it_logs() -> None:
    folders = sorted(p.parent for p in TESTERS.glob("*/run.json"))
    assert len(folders) >= 25
    assert {json.loads((f / "run.json").read_text())["tester"] for f in folders} == {22, 23}
    for folder in folders:
        meta = json.loads((folder / "run.json").read_text())
        rows = _facts(folder)
        (run,) = read_runs(folder / meta["log"])
        val = run.by_role("val_loss")
        assert val is not None, folder.name
        truth = Truth(rows, {"k": meta["k"]}, 0, run.x_axis)
        logged: dict[float, list[float]] = {}
        for x, v in zip(val.x(run.x_axis), val.values, strict=True):
            logged.setdefault(float(x), []).append(float(v))
        assert len(logged) == len(rows), folder.name  # one facts row per evaluation, none missing
        for x, values in logged.items():
            row = truth.at(x)
            assert row is not None and truth._key(row) == x, (folder.name, x)
            assert row["n_wrong"] is not None and row["accuracy"] is not None, (folder.name, x)
            # printed logs round to 4 decimals; a restore line re-reports an earlier model at the same x
            assert any(abs(v - row["loss"]) <= 6e-4 * max(1.0, row["loss"]) for v in values), (folder.name, x)


def test_a_claim_on_a_fact_the_tester_did_not_compute_is_unjudged() -> None:
    folder = TESTERS / "t22-binary-thresh"  # tester 22 recorded no majority rate
    truth = Truth(_facts(folder), {"k": 2}, 0, "epoch")
    verdict, why = judge_tester(
        {"id": "at-majority-rate", "strength": "likely", "start": 11, "end": 17}, truth
    )
    assert verdict is None and "majority_rate" in why
    verdict, why = judge_tester(
        {"id": "one-class-predictor", "strength": "likely", "start": 11, "end": 17}, truth
    )
    assert verdict is False and "pred_majority_share" in why
