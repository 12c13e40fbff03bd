"""The state band of a short run says what its few evaluations allow from the third on (tester 23 F7:
a 6-epoch HF Trainer fine-tune read "warming-up" for the whole run while its accuracy held at the
majority share, 50/60, for 3 epochs with the loss still, then climbed to 56/60 as the loss halved).

The logs are the frameworks' own files (`data/tester23_hf`: the Trainer's trainer_state.json;
`data/tester17_finetune`: Keras' CSVLogger); the per-sample truth is the testers'."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params
from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data"


def _band(path: Path) -> list[tuple[str, float, float]]:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return [(s.state, s.start, s.end) for s in a.states]


def test_a_short_fine_tune_reads_its_held_start_and_its_climb() -> None:
    truth = json.loads((DATA / "tester23_hf" / "truth.json").read_text())
    ep = {e["epoch"]: e for e in truth["epochs"]}
    # the truth: one class predicted for every sample at epochs 1-3, the loss within 0.5 %; then the
    # model learned: fewer wrong and the loss down by a half
    assert all(ep[e]["pred_share_max"] == 1.0 for e in (1, 2, 3))
    assert abs(ep[3]["val_loss"] / ep[1]["val_loss"] - 1) < 0.005
    assert ep[4]["n_wrong"] < ep[3]["n_wrong"] and ep[5]["val_loss"] < 0.5 * ep[3]["val_loss"]
    band = _band(DATA / "tester23_hf" / "trainer_state.json")
    state_at = {x: s for s, a, b in band for x in ep if a <= x <= b}
    assert state_at[3] == "flat"  # (accuracy held exactly, the loss within 2 %: neither moved)
    assert all(state_at[x] == "both-improving" for x in (4, 5, 6)), band
    assert [s for s, _, _ in band].count("warming-up") <= 1 and band[0][2] < 3


def test_checks_state_line_of_the_fine_tune_says_it_improved(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["check", str(DATA / "tester23_hf" / "trainer_state.json")])
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith("state:")]
    assert "state: both-improving since epoch 4" in line, line


def test_a_short_run_still_converging_reads_improving_from_its_third_evaluation() -> None:
    # tester 17's 5-epoch Keras fine-tune: val_loss falls 25 % an epoch, accuracy climbs 0.58 -> 0.90
    band = _band(DATA / "tester17_finetune" / "training.log")
    assert band[-1][0] == "both-improving" and band[-1][1] == 2.0, band


def _held_start(params: Params | None = None) -> list:
    (run,) = read_runs(DATA / "tester23_hf" / "trainer_state.json")
    a = Analyzer(run, params)
    a.update()
    return [al for al in a.alerts if al.kind == "acc-held-start"]


def test_a_held_accuracy_at_the_start_is_read_as_a_possible_one_class_predictor() -> None:
    truth = json.loads((DATA / "tester23_hf" / "truth.json").read_text())
    held = [e["epoch"] for e in truth["epochs"] if e["pred_share_max"] == 1.0]
    (al,) = _held_start()
    assert al.severity == "info"
    assert (al.start, al.end) == (float(min(held)), float(max(held)))  # (the truth's one-class epochs)
    (c,) = [c for c in al.claims if c.id == "one-class-predictor"]
    assert c.strength == "possible"  # (the truth holds it, but the log alone cannot decide)
    assert "--majority" in c.others and "predicted-class counts" in c.others  # (what decides)
    # the share of the largest class, given, allows it (the truth: 50/60)
    (al,) = _held_start(Params.from_mapping({"majority-rate": truth["majority_rate"]}))
    assert [c.strength for c in al.claims if c.id == "one-class-predictor"] == ["possible"]
    # ... and a largest class too small for 0.8333 rules it out
    (al,) = _held_start(Params.from_mapping({"majority-rate": 0.5}))
    assert [c.id for c in al.claims] == []


def test_a_short_run_whose_accuracy_climbs_from_the_start_has_no_held_start() -> None:
    (run,) = read_runs(DATA / "tester17_finetune" / "training.log")
    a = Analyzer(run)
    a.update()
    assert [al.kind for al in a.alerts if al.kind == "acc-held-start"] == []
