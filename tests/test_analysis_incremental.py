"""Incremental analysis equals one-shot analysis: a real log fed through Source.feed in random
chunk sizes, with Analyzer.update() after every chunk, ends with the same alerts and states as
reading the whole file and calling update() once."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, realworld
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossacc_tui.analysis import Analyzer, Params
from lossacc_tui.model import Batch, Run
from lossacc_tui.source import discover

LOGS = [
    DEMO / "loss_up_acc_up" / "training.log",  # keras csv, 150 epochs, loss-up-acc-up + overfitting
    DEMO / "nan_run" / "stdout.txt",  # keras stdout: explosion, nan, acc-stuck
    DEMO
    / "eight_runs"
    / "run_5"
    / "lightning_logs"
    / "version_0"
    / "metrics.csv",  # val and train rows apart
    DEMO / "loss_down_acc_down" / "train_output.txt",  # free text
    DEMO / "val_loss_unstable" / "train_stdout.txt",  # fastai table
    DEMO / "imbalanced" / "training_log.jsonl",
]
PARAMS = Params(majority_rate=0.89)


def one_shot(path: Path, params: Params = PARAMS) -> list[tuple[str, list[dict], list[dict], str]]:
    (src,) = discover(path)
    src.read_all()
    out = []
    for run in src.runs:
        a = Analyzer(run, params)
        a.update()
        out.append(_snap(run, a))
    return out


def chunked(
    path: Path, sizes: list[int], params: Params = PARAMS
) -> list[tuple[str, list[dict], list[dict], str]]:
    (src,) = discover(path)
    data = path.read_bytes()
    analyzers: dict[int, Analyzer] = {}
    pos, k = 0, 0

    def update_all() -> None:
        for run in src.runs:
            analyzers.setdefault(id(run), Analyzer(run, params)).update()

    while pos < len(data):
        n = max(1, sizes[k % len(sizes)])
        src.feed(0, data[pos : pos + n])
        update_all()
        pos, k = pos + n, k + 1
    src.finish(0)
    update_all()
    return [_snap(run, analyzers[id(run)]) for run in src.runs]


def _snap(run: Run, a: Analyzer) -> tuple[str, list[dict], list[dict], str]:
    return (run.name, [x.to_dict() for x in a.alerts], [s.to_dict() for s in a.states], a.summary())


@pytest.mark.parametrize(
    "path", LOGS, ids=lambda p: p.parent.name if p.parent.name != "version_0" else "lightning"
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 4000), min_size=1, max_size=6))
def test_random_chunks_equal_one_shot(path: Path, sizes: list[int]) -> None:
    assert chunked(path, sizes) == one_shot(path)


@pytest.mark.parametrize(
    "rel",
    [
        "keras_csvlogger/Car-Prediction-CNN-Model__training.log",
        "fastai/fastai-sportsball-classifier__history.csv",
        # val-unlike-train's never-tracked rule carries state from chunk to chunk (tester 20 T2)
        "keras_stdout/Leukemia-Detection__training_log.txt",
    ],
)
def test_real_world_log_line_by_line(rel: str) -> None:
    path = realworld(rel)
    assert chunked(path, [37, 5, 211]) == one_shot(path)


def test_smoothing_keeps_chunks_equal() -> None:
    """TensorBoard-style smoothing before trends is a fixed-weight window too."""
    params = Params(smoothing=0.6)
    log = DEMO / "loss_up_acc_up" / "training.log"
    assert chunked(log, [333, 17, 1200], params) == one_shot(log, params)


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 60), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_point_batches_equal_one_shot(cuts: list[int], seed: int) -> None:
    """Synthetic runs with noise, spikes and NaN, appended in random batches."""
    rng = np.random.default_rng(seed)
    n = 240
    t = np.arange(n, dtype=float)
    val_loss = 0.3 + 0.5 * np.exp(-t / 30) + 0.002 * t * (t > 120) + rng.normal(0, 0.01, n)
    val_loss[rng.integers(0, n, 3)] *= 20
    val_loss[200:205] = np.nan
    val_acc = np.clip(0.6 + 0.3 * (1 - np.exp(-t / 40)) + rng.normal(0, 0.005, n), 0, 1)
    train = 0.8 * np.exp(-t / 50) + rng.normal(0, 0.01, n)

    def fill(run: Run, lo: int, hi: int) -> None:
        cols = {"val_loss": val_loss[lo:hi], "val_acc": val_acc[lo:hi], "loss": train[lo:hi]}
        run.add_batch(Batch(hi - lo, cols, {}, epoch=t[lo:hi]))

    whole = Run("r", "-", "jsonl")
    fill(whole, 0, n)
    a_whole = Analyzer(whole)
    a_whole.update()

    run = Run("r", "-", "jsonl")
    a = Analyzer(run)
    pos, k = 0, 0
    while pos < n:
        hi = min(n, pos + cuts[k % len(cuts)])
        fill(run, pos, hi)
        a.update()
        pos, k = hi, k + 1
    assert _snap(run, a) == _snap(whole, a_whole)


#: what a number slot prints when it has none (fmt(nan) "nan", fmt_x(nan) "?"); prose that is
#: about a NaN loss writes "NaN"
_NOT_A_NUMBER = re.compile(r"\bnan\b|[ (]\?(?=[ ),.]|$)")


@pytest.mark.parametrize(
    "path", [*LOGS[:3], realworld("keras_csvlogger/Car-Prediction-CNN-Model__training.log")]
)
def test_alerts_read_as_they_open_live_print_no_nan_or_question_mark(path: Path) -> None:
    """Following a log, each alert is read at the update that opens it (check --follow prints it
    then): its title, explanation and evidence must already hold numbers (a peak not seen yet
    printed "peak nan at epoch ?")."""
    (src,) = discover(path)
    data = path.read_bytes()
    analyzers: dict[int, Analyzer] = {}
    opened = 0
    for line in data.splitlines(keepends=True):
        src.feed(0, line)
        for run in src.runs:
            for what, alert in analyzers.setdefault(id(run), Analyzer(run, PARAMS)).update():
                if what != "opened" or not any(np.isfinite(v) for v in alert.evidence.values()):
                    continue
                opened += 1
                text = f"{alert.title}\n{alert.explanation}"
                bad = _NOT_A_NUMBER.search(text)
                assert not bad, (alert.kind, bad, text)
    assert opened


@pytest.mark.parametrize(
    "path",
    [
        realworld("keras_csvlogger/Car-Prediction-CNN-Model__training.log"),
        DEMO / "eight_runs" / "run_1" / "lightning_logs" / "version_0" / "metrics.csv",
    ],
    ids=["car-prediction", "eight_runs-run_1"],
)
def test_a_plateau_never_says_no_new_best_for_fewer_evaluations_than_its_patience(path: Path) -> None:
    # a best newer than the patience window, set by under plateau_min_delta, made the title say
    # "no new best for 7 evaluations" while its text said "Patience is 10 evaluations"
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    a = Analyzer(run, Params())
    a.update()
    plateaus = [x for x in a.alerts if x.kind == "plateau"]
    assert plateaus
    for x in plateaus:
        found = re.search(r"no new best for (\d+) evaluations", x.title)
        assert found is None or int(found.group(1)) >= Params().plateau_patience, x.title
