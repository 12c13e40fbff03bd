"""Analyzer speed: one pass over 1,000,000 evaluation points, and the cost of one update as the
history grows (1k, 100k, 1M points) -- it must stay flat.

An evaluation point is one row of val_loss, val_acc and train loss (three series), made from a
noisy training curve with a phase of overfitting, spikes and a NaN stretch, so detectors open and
close along the way.

    python -m benchmarks bench_analysis        # or: python benchmarks/bench_analysis.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Batch, Run

N = 1_000_000
GOAL_S = 1.0


def curves(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    period = 5_000.0  # the same story repeats: learn, overfit, recover (a restarted schedule)
    phase = t % period
    val_loss = (
        0.35 + 0.5 * np.exp(-phase / 400) + 1e-5 * np.maximum(phase - 2_000, 0) + rng.normal(0, 0.004, n)
    )
    val_acc = np.clip(0.62 + 0.3 * (1 - np.exp(-phase / 500)) + rng.normal(0, 0.003, n), 0, 1)
    train = 0.05 + 0.7 * np.exp(-phase / 700) + rng.normal(0, 0.004, n)
    spikes = rng.integers(0, n, max(1, n // 20_000))
    val_loss[spikes] *= 30
    nan_at = rng.integers(0, n, max(1, n // 100_000))
    for k in nan_at:
        val_loss[k : k + 3] = np.nan
    return {"val_loss": val_loss, "val_acc": val_acc, "loss": train, "epoch": t}


def make_run(c: dict[str, np.ndarray], lo: int, hi: int, run: Run | None = None) -> Run:
    run = run or Run("bench", "-", "jsonl")
    cols = {k: c[k][lo:hi] for k in ("val_loss", "val_acc", "loss")}
    run.add_batch(Batch(hi - lo, cols, {}, epoch=c["epoch"][lo:hi]))
    return run


def one_pass(c: dict[str, np.ndarray], n: int) -> tuple[float, Analyzer]:
    run = make_run(c, 0, n)
    a = Analyzer(run)
    t0 = time.perf_counter()
    a.update()
    return time.perf_counter() - t0, a


def per_update(c: dict[str, np.ndarray], history: int, reps: int = 200, step: int = 1) -> float:
    """Median seconds of update() after appending `step` points to a run of `history` points."""
    run = make_run(c, 0, history)
    a = Analyzer(run)
    a.update()
    times = []
    pos = history
    for _ in range(reps):
        make_run(c, pos, pos + step, run)
        pos += step
        t0 = time.perf_counter()
        a.update()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    c = curves(N + 10_000)
    best = min(one_pass(c, N)[0] for _ in range(5))  # best of 5: the machine is shared and noisy
    _, a = one_pass(c, N)
    kinds: dict[str, int] = {}
    for al in a.alerts:
        kinds[al.kind] = kinds.get(al.kind, 0) + 1
    print(
        f"one pass over {N:,} evaluation points (val_loss, val_acc, train loss): {best:.3f} s "
        f"({N / best / 1e6:.2f} M points/s, best of 5, load average {os.getloadavg()[0]:.1f}); "
        f"goal <= {GOAL_S:.1f} s: {'met' if best <= GOAL_S else 'NOT met'}"
    )
    print(
        f"  {len(a.alerts)} alerts ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
        f"{len(a.states)} state segments"
    )
    print("cost of one update() after appending 1 point (median of 200):")
    costs = {}
    for h in (1_000, 100_000, 1_000_000):
        costs[h] = per_update(c, h)
        print(f"  history {h:>9,}: {costs[h] * 1e6:8.0f} us")
    ratio = costs[1_000_000] / costs[1_000]
    print(f"  1M / 1k ratio {ratio:.2f} (flat means ~1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
