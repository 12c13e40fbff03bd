"""A loss falling at flat accuracy on binary classifiers (one sigmoid output with BCE, as tester 22
wrote them): `underconfident` and `mistakes-carry-loss` are rival readings of that fall, nearly
exclusive with two classes, and the tool states one with the other named rather than two claims of
which one is false (acc_flat.one_reading).

Logs: the truth corpus's session-16 binary families (benchmarks/truth/binary16.py: breast cancer, one
sigmoid output, Adam 1e-3, no training accuracy logged), real PyTorch runs with the per-sample facts
of every evaluation beside them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402

CORPUS = REPO / "benchmarks" / "truth" / "corpus"


def _val_facts(folder: Path) -> dict[float, dict]:
    rows = [json.loads(x) for x in (folder / "truth.jsonl").read_text().splitlines()]
    return {float(r["epoch"]): r for r in rows if r["split"] == "val"}


def test_a_binary_run_is_not_told_its_mistakes_may_carry_a_loss_its_right_answers_carry() -> None:
    folded = 0
    for seed in (6, 9):
        folder = CORPUS / "bce-cancer-torch" / f"s{seed}"
        facts = _val_facts(folder)
        doc = check_json([folder / "train.log"])
        flats = [a for run in doc["runs"] for a in run["alerts"] if a["kind"] == "acc-flat-loss-down"]
        assert flats, seed
        for a in flats:
            for c in a["claims"]:
                if c["id"] == "mistakes-carry-loss":
                    # (a mistakes reading stated as a claim holds: the facts' share at its end)
                    assert facts[float(c["end"])]["wrong_loss_share"] > 0.5, (seed, c["text"])
            ids = {c["id"] for c in a["claims"]}
            if ids == {"underconfident"}:
                # the fall's other reading is still said, with its numbers, as the rival
                folded += 1
                assert "In that reading" in a["explanation"], seed
                assert "samples that are wrong may carry most of the loss" in a["explanation"], seed
    assert folded >= 2
