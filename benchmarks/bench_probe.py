"""Probe cost: `Probe.log` on an evaluation of 50,000 samples x 1,000 classes and of 10,000 x 10,
against the forward pass of a small model over the same samples, timed in the same run (the
reference), so the ratio is honest on a busy machine. Also the probe's peak extra memory.

The model is a two-layer MLP (256 -> 512 -> 1000, and 32 -> 64 -> 10), in torch when installed
(its CPU build) and in numpy always; a real evaluation pass (data loading, a real network) costs
more than this, so the ratio printed is an upper bound of the probe's share.

    python -m benchmarks bench_probe        # or: python benchmarks/bench_probe.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from lossacc_tui.probe import Probe

GOAL_SHARE = 0.05  # of the evaluation pass
GOAL_SMALL_S = 0.100  # 10,000 x 10, "well under"
REPEAT = 3


def best_and_median(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def mlp_numpy(x: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return np.maximum(x @ w1, 0) @ w2


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def case(n: int, k: int, d: int, h: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d)).astype(np.float32)
    w1 = (rng.normal(size=(d, h)) / np.sqrt(d)).astype(np.float32)
    w2 = (rng.normal(size=(h, k)) / np.sqrt(h)).astype(np.float32)
    logits = mlp_numpy(x, w1, w2)
    labels = rng.integers(0, k, n)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    out: dict[str, float] = {}
    out["numpy forward"], _ = best_and_median(lambda: mlp_numpy(x, w1, w2))
    out["numpy softmax"], _ = best_and_median(lambda: softmax(logits))
    try:
        import torch

        torch.set_grad_enabled(False)
        net = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, k)).eval()
        tx = torch.from_numpy(x)
        out["torch forward"], _ = best_and_median(lambda: net(tx))
        tlogits = torch.from_numpy(logits)
    except ImportError:
        tlogits = None
    with tempfile.TemporaryDirectory() as tmp:
        probe = Probe(tmp)
        probe.log(epoch=0, logits=logits, labels=labels)  # warm; the next ones count flips too
        epoch = iter(range(1, 1000))
        out["probe (logits)"], out["probe (logits) median"] = best_and_median(
            lambda: probe.log(epoch=next(epoch), logits=logits, labels=labels)
        )
        out["probe (probs)"], out["probe (probs) median"] = best_and_median(
            lambda: probe.log(epoch=next(epoch), probs=probs, labels=labels)
        )
        if tlogits is not None:
            out["probe (torch logits)"], out["probe (torch logits) median"] = best_and_median(
                lambda: probe.log(epoch=next(epoch), logits=tlogits, labels=labels)
            )
        tracemalloc.start()
        probe.log(epoch=next(epoch), logits=logits, labels=labels)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["peak MB"] = peak / 2**20
        out["input MB"] = logits.nbytes / 2**20
        assert probe.skipped == 0
    return out


def report(name: str, r: dict[str, float], small: bool) -> None:
    print(f"{name}: input {r['input MB']:.1f} MB of float32 logits")
    refs = [k for k in ("torch forward", "numpy forward") if k in r]
    for key in [*refs, "numpy softmax"]:
        print(f"  reference {key:<22} {1000 * r[key]:9.1f} ms")
    ref_key = min(refs, key=r.__getitem__)  # the faster forward pass: the stricter ratio
    for key in ("probe (logits)", "probe (probs)", "probe (torch logits)"):
        if key in r:
            share = r[key] / r[ref_key]
            print(
                f"  {key:<22} {1000 * r[key]:9.1f} ms (median {1000 * r[key + ' median']:.1f})"
                f"  = {100 * share:5.1f} % of the {ref_key} (goal < {100 * GOAL_SHARE:.0f} %),"
                f" {r[key] / r['numpy softmax']:.2f} x one softmax"
            )
    if small:
        ok = r["probe (logits)"] < GOAL_SMALL_S
        print(f"  probe on 10,000 x 10: {1000 * r['probe (logits)']:.1f} ms (goal well under 100 ms: {ok})")
    print(f"  probe peak extra memory: {r['peak MB']:.1f} MB (O(n) kept + one block of rows)")


if __name__ == "__main__":
    report("50,000 x 1,000", case(50_000, 1_000, 256, 512), small=False)
    report("10,000 x 10", case(10_000, 10, 32, 64), small=True)
