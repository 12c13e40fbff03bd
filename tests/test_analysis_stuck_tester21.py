"""acc-stuck's majority readings on tester 21's real torch and Lightning runs (issue #9, session 14;
tests/data/tester21_stuck/README.md says how they were made).

- A BCE with pos_weight on a 70/10 validation split held 69/80 for ten epochs while predicting the
  minority class for 19 of the 80 samples: it was a warning with `at-majority-rate (likely)` ("0.8625
  is the share of the most frequent class", a share it took from the stuck accuracy itself) and
  `one-class-predictor (likely)`. Its training accuracy (0.98-0.99) leaves a training minority under
  a tenth of the validation one, which a one-class model cannot score on splits of like shares: now
  information, and (session 16) no base-rate reading while the loss still falls beyond its noise
  through the base-rate cost (What happened says why and what decides). A real collapse
  (every sample class 0 at the majority share) stays a warning with both readings `likely`.
- `--majority 0.875` (the true share) changed nothing: the claim still said 0.8625 was the majority
  share, one sample of 80 away from what the user said. Now the rate given decides.
- A Lightning log evaluating inside epochs printed numpy's "Mean of empty slice" on stderr."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.params import Params

DATA = Path(__file__).parent / "data" / "tester21_stuck"
READINGS = ("at-majority-rate", "one-class-predictor")


def _truth(name: str) -> list[dict[str, float]]:
    text = (DATA / f"{name}_truth.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _stuck(path: Path, params: Params | None = None) -> list[Alert]:
    (run,) = read_runs(path)
    a = Analyzer(run, params)
    a.update()
    return [al for al in a.alerts if al.kind == "acc-stuck"]


def test_a_weighted_bce_holding_its_boundary_is_not_read_as_a_majority_collapse() -> None:
    truth = _truth("bcepw_imb_s1")
    # the premise: 69/80 held at epochs 8-16, the majority 70/80, no sample flipping, and 19 of 80
    # predicted as the minority class; the collapse run: every sample one class at the majority share
    held = [t for t in truth if 8 <= t["epoch"] <= 16]
    assert all(t["acc"] == 0.8625 and t["majority_share"] == 0.875 for t in held)
    assert all(t["flips"] == 0 and t["top_pred_share"] <= 0.7625 + 1e-9 for t in held)
    late = [t for t in _truth("collapse_lr") if t["epoch"] >= 12]
    assert all(t["top_pred_share"] == 1.0 and t["acc"] == t["majority_share"] for t in late)

    alerts = _stuck(DATA / "bcepw_imb_s1.jsonl")
    assert alerts
    for al in alerts:
        assert al.severity == "info", al.title
        for c in al.claims:
            assert not (c.id in READINGS and c.strength in ("likely", "follows")), c
    # no base-rate reading at all (a possible one-class claim here was false: 19 of 80 predicted as
    # the minority): the loss still falls beyond its noise through the base-rate cost, which a boundary
    # held while the model grows surer does too, and What happened says so
    assert all(c.id not in READINGS for al in alerts for c in al.claims), [al.claims for al in alerts]
    assert any("neither reading is stated" in al.explanation for al in alerts)

    (al,) = _stuck(DATA / "collapse_lr.jsonl")
    assert al.severity == "warning"
    assert {c.id: c.strength for c in al.claims if c.id in READINGS} == dict.fromkeys(READINGS, "likely")


def test_the_majority_rate_given_decides_whether_the_accuracy_is_at_it(tmp_path: Path) -> None:
    # the same run as its loop would log it without a training accuracy (nothing but the validation
    # side to read): 69/80 held is not the 70/80 the user gives, one sample of 80 apart
    log = tmp_path / "train.jsonl"
    rows = [json.loads(line) for line in (DATA / "bcepw_imb_s1.jsonl").read_text().splitlines()]
    log.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "train_acc"}) + "\n" for r in rows))
    alerts = _stuck(log, Params(majority_rate=0.875))
    assert alerts
    for al in alerts:
        assert al.severity == "info", al.title
        # (no one-class reading either: the run predicts the minority for 19 of 80 samples, and the
        # loss still falls through the base-rate cost; the rate given is named, not asked for)
        assert all(c.id not in READINGS for c in al.claims), al.claims
        assert "the majority-class rate you gave is 0.875" in al.explanation
        assert "neither reading is stated" in al.explanation
        assert "--majority RATE" not in al.explanation  # (it was given)
    # the rate it does score, given, is a follows (and nothing is read the other way)
    alerts = _stuck(log, Params(majority_rate=0.8625))
    assert any(c.id == "at-majority-rate" and c.strength == "follows" for al in alerts for c in al.claims)


def test_a_lightning_log_evaluating_inside_epochs_leaks_no_numpy_warning() -> None:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        (run,) = read_runs(DATA / "lt_bce_vci")
        a = Analyzer(run)
        a.update()
    assert a.alerts is not None
    assert [str(w.message) for w in got if issubclass(w.category, RuntimeWarning)] == []


def test_a_near_one_class_model_at_a_flat_accuracy_gets_the_one_class_reading_named() -> None:
    # tester 21's fault 10: plain CE at lr 5e-5 on imbalanced digits; from epoch 14 to 49 87-98 % of
    # the 113 samples are predicted as class 0 (56 of them are) at accuracy 0.513-0.566. The only
    # alert was acc-flat-loss-down with `underconfident (possible)`: no one-class reading at all
    truth = _truth("ce_slow_imb_s2")
    late = [t for t in truth if 14 <= t["epoch"] <= 49]
    assert all(t["top_pred_share"] >= 0.86 and t["top_pred_class"] == 0 for t in late)
    assert all(0.5 <= t["acc"] <= 0.57 for t in late) and late[0]["majority_share"] < 0.5
    (run,) = read_runs(DATA / "ce_slow_imb_s2.jsonl")
    a = Analyzer(run)
    a.update()
    got = [(al.kind, c) for al in a.alerts for c in al.claims if c.id == "one-class-predictor"]
    assert [(k, c.strength) for k, c in got] == [("acc-flat-loss-down", "possible")], got
    (_, claim) = got[0]
    # what in the numbers allows it, and what decides
    assert "0.0177" in claim.text and "2.3063" in claim.text
    assert "predicted-class counts" in claim.others
