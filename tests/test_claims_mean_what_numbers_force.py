"""What an alert's claim id and strength assert is what the logged numbers force, and its words say
what the values do (tester 20, T4 and T6):

- `fewer-mistakes` / `more-mistakes` is `follows` only when the net count moved beyond twice the
  accuracy's own noise over the span; within it, `possible`, and the sentence says it may be no trend
  (tester 19's Lightning run: 5 of 750 samples as `fewer-mistakes (follows)` while 80-166 predictions
  flipped at each evaluation).
- high-loss-good-acc does not call an accuracy good that is 3 points above the majority-class rate
  the user gave (tester 20's torch run: 0.729 at a rate of 0.697, 91.7 % of predictions class 0)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params

DATA = Path(__file__).parent / "data"


def _mistake_claims(path: Path) -> list:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return [c for al in a.alerts for c in al.claims if c.id in ("fewer-mistakes", "more-mistakes")]


def test_a_net_count_within_the_accuracys_noise_is_not_said_to_follow() -> None:
    claims = _mistake_claims(DATA / "tester19_plimb5" / "metrics.csv")
    assert claims  # (the case under test: overfitting and loss-up-acc-up, epoch 3 to 29)
    for c in claims:
        moved = abs(c.evidence["acc_end"] - c.evidence["acc_start"])
        noise = c.evidence["noise"]
        if c.strength == "follows":
            assert moved > 2 * noise, c.text
            assert "within" not in c.text and "trend" not in c.text, c.text
        else:
            assert c.strength == "possible", c
            assert (
                re.search(r"within [\d.]+ points, twice|too few evaluations", c.text)
                and "not be a trend" in c.text
            ), c.text
    # 5 of the 750 samples while predictions cross by the hundred: never a `follows`
    five = [c for c in claims if "5 fewer of the 750" in c.text]
    assert five and all(c.strength == "possible" for c in five)


def test_an_accuracy_near_the_majority_rate_is_not_called_good() -> None:
    (run,) = read_runs(DATA / "tester20_imb4col" / "log.jsonl")
    a = Analyzer(run, Params(n_classes=4, majority_rate=0.697))
    a.update()
    (high,) = [al for al in a.alerts if al.kind == "high-loss-good-acc"]
    text = " ".join(high.explanation.replace("*", "").split())
    assert "at good accuracy" not in text and "(above 0.625)" not in text, text
    assert "not a good accuracy" in text and "majority-class rate 0.697 you gave" in text, text
    # what the numbers do force stays: a loss above ln 4 that right answers alone cannot reach
    # (per sample, the mistakes carried 91 % of it)
    (carry,) = [c for c in high.claims if c.id == "mistakes-carry-loss"]
    assert carry.strength == "follows" and high.severity == "warning"
