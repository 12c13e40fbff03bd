"""The fixed cost of a small run's analysis (`bench_analysis` part 5): a 10-, 50-, 100- and 300-epoch
run analysed from scratch, beside `pandas.read_csv` of the same rows as a Keras CSV file; a healthy
300-epoch run fed an epoch at a time, as a live log grows (the CPU of each update: its median, mean,
99th percentile and largest); and a frozen run fed the same way (Adam at learning rate 0: every
logged value repeats, a plateau alert open whose text reads how far back they all repeat). Runs:
real numpy softmax regressions (`tests/numpy_training.py`) and a numpy MLP (`tests/numpy_adam.py`)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Batch, Run

NAMES = ("train_loss", "train_acc", "val_loss", "val_acc")


def small_run_cost(epochs: int = 10, reps: int = 200) -> tuple[float, float]:
    """Median CPU ms of analysing an `epochs`-epoch run from scratch (Analyzer made, update, alerts,
    band, summary), and of `pandas.read_csv` of the same rows as a Keras CSV file (the reference).
    From 50 epochs on the run trains on few samples with many noise features (it overfits: the
    validation loss turns up, as in most runs someone opens this tool for)."""
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    from numpy_training import keras_csv, softmax_regression

    extra = {} if epochs < 50 else {"n_train": 96, "features": 20}
    runs = [softmax_regression(epochs=epochs, seed=i, **extra) for i in range(20)]
    ours, ref = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(reps):
            rows_ = runs[i % len(runs)]
            run = Run("small", "-", "csv")
            run.add_batch(
                Batch(
                    epochs,
                    {k: np.array([r[k] for r in rows_]) for k in NAMES},
                    {},
                    epoch=np.arange(float(epochs)),
                )
            )
            c0 = time.thread_time()
            a = Analyzer(run)
            a.update()
            _ = (a.alerts, a.states, a.summary())
            ours.append(time.thread_time() - c0)
            path = keras_csv(Path(tmp) / "metrics.csv", rows_)
            c0 = time.thread_time()
            pd.read_csv(path)
            ref.append(time.thread_time() - c0)
    return statistics.median(ours) * 1e3, statistics.median(ref) * 1e3


def live_run_cost(epochs: int = 300, seeds: int = 3) -> tuple[float, float, float, float]:
    """CPU ms of each update (update, alerts, band, summary) of `seeds` healthy `epochs`-epoch runs fed
    one epoch at a time: (median, mean, 99th percentile, max)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    from numpy_training import softmax_regression

    took = []
    for seed in range(seeds):
        rows_ = softmax_regression(epochs=epochs, seed=seed)
        cols = {k: np.array([r[k] for r in rows_]) for k in NAMES}
        run = Run("live", "-", "csv")
        a = Analyzer(run)
        for e in range(epochs):
            run.add_batch(
                Batch(1, {k: v[e : e + 1] for k, v in cols.items()}, {}, epoch=np.array([float(e)]))
            )
            c0 = time.thread_time()
            a.update()
            _ = (a.alerts, a.states, a.summary())
            took.append(time.thread_time() - c0)
    ms = np.array(took) * 1e3
    return float(np.median(ms)), float(ms.mean()), float(np.percentile(ms, 99)), float(ms.max())


def frozen_run_cost(epochs: int = 300) -> tuple[float, float, float, float]:
    """CPU ms of each update (update, alerts, band, summary) of a frozen run (a numpy MLP trained by
    Adam at learning rate 0: no step changes the model) fed one epoch at a time: (median, mean,
    99th percentile, max)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    from numpy_adam import adam_mlp_run

    rows_, _ = adam_mlp_run(
        seed=1, classes=2, majority=0.8, lr=0.0, n_train=192, epochs=epochs, label_noise=0.0, wd=0.0
    )
    names = [k for k in rows_[0] if k != "epoch"]
    cols = {k: np.array([r[k] for r in rows_]) for k in names}
    ep = np.array([r["epoch"] for r in rows_], dtype=np.float64)
    run = Run("frozen", "-", "csv")
    a = Analyzer(run)
    took = []
    for e in range(len(ep)):
        run.add_batch(Batch(1, {k: v[e : e + 1] for k, v in cols.items()}, {}, epoch=ep[e : e + 1]))
        c0 = time.thread_time()
        a.update()
        _ = (a.alerts, a.states, a.summary())
        took.append(time.thread_time() - c0)
    ms = np.array(took) * 1e3
    return float(np.median(ms)), float(ms.mean()), float(np.percentile(ms, 99)), float(ms.max())
