"""The demo logs raise the kinds their demo_logs/README.md entry describes, healthy runs raise
nothing above info, and every explanation paragraph carries the run's own numbers."""

from __future__ import annotations

import re

import pytest
from conftest import DEMO, read_runs

from lossacc_tui.analysis import Analyzer, Params, compare_runs

#: case -> (kinds that must be raised, other kinds allowed at warning or critical), from the README
CASES: dict[str, tuple[set[str], set[str]]] = {
    # val_loss min at 30 then up while val_accuracy rises; train loss 0.100: it is also overfitting,
    # and the flipped validation labels end up as confident mistakes (5.4 nats each)
    "loss_up_acc_up": ({"loss-up-acc-up", "overfitting"}, {"high-loss-good-acc"}),
    "loss_down_acc_down": ({"loss-down-acc-down"}, set()),
    "acc_flat_loss_down": ({"acc-flat-loss-down"}, set()),
    "val_loss_unstable": ({"val-loss-unstable"}, {"loss-explosion"}),
    # eval_loss 0.574 -> 1.263 while eval_accuracy 0.836 -> 0.879 and train loss -> 0.001
    "high_loss_good_acc": ({"high-loss-good-acc"}, {"loss-up-acc-up", "overfitting"}),
    "imbalanced": ({"acc-stuck"}, set()),  # with --majority 0.890, as the README states it
    "nan_run": ({"non-finite", "loss-explosion", "acc-stuck"}, set()),
    "long_run": ({"loss-up-acc-up", "overfitting"}, {"high-loss-good-acc", "acc-stuck"}),
    "healthy_keras": (set(), set()),
    "healthy_lightning": (set(), set()),
    "eight_runs": (set(), set()),  # each run alone is flat; together they disagree (below)
}
MAJORITY = {"imbalanced": 0.890}


def analyse(case: str) -> list[Analyzer]:
    params = Params(majority_rate=MAJORITY.get(case))
    out = []
    for run in read_runs(DEMO / case):
        a = Analyzer(run, params)
        a.update()
        out.append(a)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_demo_case_raises_its_kinds(case: str) -> None:
    must, allowed = CASES[case]
    for a in analyse(case):
        kinds = {x.kind for x in a.alerts}
        loud = {x.kind for x in a.alerts if x.severity != "info"}
        assert must <= kinds, f"{a.run.name}: missing {must - kinds}"
        assert loud <= must | allowed, f"{a.run.name}: unexpected {loud - must - allowed}"


@pytest.mark.parametrize("case", ["healthy_keras", "healthy_lightning"])
def test_healthy_runs_raise_nothing_above_info(case: str) -> None:
    for a in analyse(case):
        assert [x for x in a.alerts if x.severity != "info"] == []
        assert a.states and a.states[-1].state == "both-improving"


def test_eight_runs_disagree() -> None:
    runs = [a.run for a in analyse("eight_runs")]
    assert len(runs) == 8
    (alert,) = compare_runs(runs)
    assert alert.kind == "runs-disagree"
    e = alert.evidence
    assert e["loss_spread"] < 0.03 and e["acc_gap"] >= 0.05
    assert "0.693" in alert.explanation  # ln 2 for the samples near p = 0.5
    assert compare_runs(runs[:1]) == []


def test_readme_numbers_appear() -> None:
    """The numbers the demo README quotes are the ones the alerts carry."""
    (a,) = analyse("loss_up_acc_up")
    up = next(x for x in a.alerts if x.kind == "loss-up-acc-up")
    assert up.evidence["best_x"] == 30 and round(up.evidence["best_loss"], 3) == 0.534
    assert "0.7505" in up.explanation and "epoch 30" in up.explanation
    (a,) = analyse("nan_run")
    nan = next(x for x in a.alerts if x.kind == "non-finite" and "val_loss" in x.title)
    assert nan.start == 9 and nan.severity == "critical"
    (a,) = analyse("high_loss_good_acc")
    high = next(x for x in a.alerts if x.kind == "high-loss-good-acc")
    # K is not known for this run (its first evaluation is not at chance): no sentence uses ln K
    assert "number of classes is unknown" in high.explanation and "ln 3" not in high.explanation


NUMBER = re.compile(r"\d")


@pytest.mark.parametrize("case", [c for c, (must, _) in CASES.items() if must])
def test_every_paragraph_uses_the_runs_numbers(case: str) -> None:
    for a in analyse(case):
        for alert in a.alerts:
            paragraphs = [p for p in alert.explanation.split("\n\n") if p.strip()]
            assert len(paragraphs) >= 4, alert.title
            for p in paragraphs:
                assert NUMBER.search(p), f"{alert.kind}: paragraph without the run's numbers: {p[:80]}"


def test_worked_example_and_loss_quantities() -> None:
    (a,) = analyse("loss_down_acc_down")
    alert = next(x for x in a.alerts if x.kind == "loss-down-acc-down")
    text = alert.explanation
    assert "0.673" in text and "0.713" in text  # binary cross-entropy at p = 0.51 vs 0.49
    assert "(1 - a) ln 2" in text  # the floor
    # what the pair forces: a share of the loss on mistakes, and the range a mistake's cost can take
    assert "mistakes carry at least" in text and "nats on average (probability" in text
    summary = a.summary()
    assert "ln 2" in summary and "0.812" in summary
