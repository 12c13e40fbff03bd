"""`loss-down-acc-down` on a loss that rose (tester h19t's real torch run, tests/data/h19t_smooth03:
10 classes, CrossEntropyLoss(label_smoothing=0.3), val_acc 0.842 -> 0.812 while the smoothed val_loss
went 1.4671 -> 1.5223, +3.8 %, beside an open `overfitting`). It was titled "while val_loss rose"
under a kind that says the loss held or improved, its text said "held (+3.8%)", and its Why named only
a prior shift (the facts: none; plain cross-entropy rose 0.758 -> 0.836). Its span now ends where the
loss level rose past the bar it opened on (beyond its noise), its title agrees with the kind, and the
label-smoothing reading `overfitting` names is among its readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data" / "h19t_smooth03"


def _run(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["check", "--json", str(DATA / "log.jsonl")]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    return run["alerts"]


def test_facts_say_no_prior_shift_and_a_rising_plain_loss() -> None:
    facts = {f["epoch"]: f for f in map(json.loads, (DATA / "facts.jsonl.txt").read_text().splitlines())}
    assert facts[79]["ce"] > facts[9]["ce"] + 0.05  # plain cross-entropy rose: overfitting
    assert max(f["pred_major_share"] for f in facts.values()) < 0.15  # no class took over


def test_a_fall_on_a_risen_loss_is_not_loss_down_acc_down(capsys: pytest.CaptureFixture[str]) -> None:
    alerts = _run(capsys)
    kinds = {a["kind"]: a for a in alerts}
    assert kinds["overfitting"]["active"]  # the rise with more mistakes is overfitting's
    for a in alerts:
        if a["kind"] != "loss-down-acc-down":
            continue
        assert " rose " not in a["title"]  # the kind says the loss held or improved
        assert not a["active"] and a["end"] < 79  # it ends where the loss rose past its bar
        claims = {c["id"]: c for c in a["claims"]}
        assert "label-smoothing" in claims  # the floored objective, named as overfitting names it
        assert "label smoothing" in " ".join(a["explanation"].split())
