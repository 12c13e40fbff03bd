"""A long healthy per-step run raises no rise warning and the band never says its loss got worse,
while a run that overfits still warns (issue #9: noise at scale). Each alert kind and the band are
asked after every evaluation, so on thousands of evaluations a rule that is wrong once in a few
thousand asks cries wolf; they now decide over the span they claim, in a noise pooled over many
evaluations, with thresholds for how often they ask (`analysis/span_trend.py`). Data: real numpy
trainings by minibatch SGD, evaluated after every step (`benchmarks.bench_analysis.train`: a fresh
64-sample validation batch each step; `tests/numpy_sgd.py`: one small fixed validation set)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from numpy_sgd import sgd_run, write_csv  # noqa: E402

from benchmarks.bench_analysis import feed, train  # noqa: E402
from benchmarks.truth.score import check_json  # noqa: E402
from lossacc_tui.analysis import Analyzer  # noqa: E402
from lossacc_tui.model import Run  # noqa: E402

WORSE = ("loss-worse-acc-better", "both-worse")


def test_a_long_healthy_per_step_run_raises_no_rise_and_the_band_no_loss_worse() -> None:
    # logistic regression by minibatch SGD on fresh data, validated on a fresh 64-sample batch at
    # each of 4,000 steps: it cannot overfit; its validation loss only falls and then wobbles
    # (on main: `overfitting`, `loss-up-acc-up` warnings and hundreds of "loss worse" segments)
    cols = train(4000, seed=1, val_batch=64, lr=0.2)
    run = Run("sgd", "-", "csv")
    feed(run, {**cols, "step": np.arange(4000, dtype=np.float64)}, 0, 4000)
    a = Analyzer(run)
    a.update()
    loud = [(x.kind, x.title) for x in a.alerts if x.severity != "info"]
    assert loud == [], loud
    worse = [(s.state, s.start, s.end) for s in a.states if s.state in WORSE]
    assert worse == [], worse


def test_overfitting_on_a_per_step_run_is_still_caught_soon_after_its_best(tmp_path: Path) -> None:
    # 60 training samples, 60 features (56 pure noise), reused without regularisation: the training
    # loss goes to 0 and the validation loss turns up from its best and keeps rising
    run = sgd_run(600, seed=2, overfit=True, features=60)
    best = int(run["val_loss"].argmin())
    assert run["val_loss"][-1] > 1.2 * run["val_loss"][best]  # (it must overfit to mean anything)
    (res,) = check_json([write_csv(tmp_path / "over.csv", run)])["runs"]
    opened = [a["start"] for a in res["alerts"] if a["kind"] == "overfitting" and a["severity"] == "warning"]
    assert opened and min(opened) <= best + 60, (best, [(a["kind"], a["title"]) for a in res["alerts"]])
