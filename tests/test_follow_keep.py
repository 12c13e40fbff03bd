"""`--keep N`: a run followed with a cap keeps at most about 3N points per metric (the oldest folded
into per-block min/max points), and a user sees the same run: the same number of points, the same
last values, the same lowest and highest values, the same alerts as without the cap. Through the
real follower (a writer process appending a real numpy training's per-step log); waits on state
(every point read and analysed, told by the monitor's events), never on time.

(A closed alert's quoted numbers are computed when first read: the training loss it quotes at a
step the cap has since folded away is no longer there to quote, and whether it was read before the
fold depends on when the analysis passes ran. So closed alerts are compared as a user's list shows
them, kind, severity, span and title; open ones whole.)"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson
import pytest
from test_follow import Collector

from lossacc_tui.feed import Feed
from lossacc_tui.monitor import Monitor
from lossacc_tui.options import KEEP_MIN
from lossacc_tui.series import Series

HERE = Path(__file__).parent
STEPS = 8_000
KEEP = 2_000  # (the command line asks for at least KEEP_MIN; the fold itself takes any cap)


def sgd_log(path: Path, steps: int, seed: int = 0) -> None:
    """A real per-step training log: numpy softmax regression, one SGD step a line (the batch's loss
    and accuracy), the held-out loss and accuracy every 50th step (as bench_soak's writer)."""
    rng = np.random.default_rng(seed)
    k, d = 10, 16
    centers = rng.normal(0, 0.6, size=(k, d))
    w, b = np.zeros((d, k)), np.zeros(k)
    yv = rng.integers(0, k, 500)
    xv = centers[yv] + rng.normal(0, 1.0, (500, d))

    def stats(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        z = x @ w + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean()), float((p.argmax(1) == y).mean()), p

    ys = rng.integers(0, k, (steps, 32))
    xs = centers[ys] + rng.normal(0, 1.0, (steps, 32, d))
    rows = np.arange(32)
    lines = []
    for i in range(steps):
        loss, acc, p = stats(xs[i], ys[i])
        p[rows, ys[i]] -= 1
        w -= 0.05 * xs[i].T @ p / 32
        b -= 0.05 * p.mean(0)
        rec = {"step": i, "loss": round(loss, 6), "accuracy": round(acc, 4)}
        if i % 50 == 49:
            vl, va, _ = stats(xv, yv)
            rec |= {"val_loss": round(vl, 6), "val_accuracy": round(va, 4)}
        lines.append(orjson.dumps(rec))
    path.write_bytes(b"\n".join(lines) + b"\n")


def seen(feed: Feed) -> dict[str, object]:
    """What a user sees of each run: points per metric, last value, lowest and highest, alerts
    (an open one whole; a closed one as its row: kind, severity, span, title)."""
    with feed.lock:
        out: dict[str, object] = {}
        for r in feed.runs:
            out[r.name] = {
                "series": {
                    n: (len(s), float(s.values[-1]), float(np.nanmin(s.values)), float(np.nanmax(s.values)))
                    for n, s in r.series.items()
                },
                "alerts": [
                    a.to_dict() if a.active else (a.kind, a.severity, a.start, a.end, a.title)
                    for a in feed.alerts(r)
                ],
            }
        return out


def settled(feed: Feed, events: Collector, points: int, timeout: float = 120.0) -> None:
    """Until every point is read and analysed: looked at after each of the feed's events (the
    feed's lock is not taken under the collector's, which the feed's thread takes under its own),
    and every half second for an analysis that ends telling nothing new."""
    deadline = time.monotonic() + timeout
    while True:
        with events.cond:
            told = len(events.events)
        with feed.lock:
            if max((r.points for r in feed.runs), default=0) >= points and not feed.analysis_pending:
                return
        left = deadline - time.monotonic()
        assert left > 0, "not settled"
        with events.cond:
            events.cond.wait_for(lambda n=told: len(events.events) > n, timeout=min(left, 0.5))


def test_fold_keeps_envelope_and_indices() -> None:
    """Series.fold on a real training's losses: the kept points are real points at their own x; the
    lowest and highest value survive; every point from `base` on is there as appended."""
    rng = np.random.default_rng(1)
    full = np.cumsum(rng.normal(0, 0.01, 50_000)) + 2.0  # (values only: the fold does not read them)
    s = Series("loss")
    for lo in range(0, len(full), 997):
        part = full[lo : lo + 997]
        s.extend(part, np.arange(lo, lo + len(part), dtype=np.float64), None, None)
        s.fold(KEEP_MIN)
    assert len(s) == len(full) and len(s.values) <= 3 * KEEP_MIN
    assert s.values.min() == full.min() and s.values.max() == full.max()
    assert np.array_equal(s.raw, full[s.base :])
    idx = s.folded_index
    assert idx[0] == 0 and np.array_equal(s.values[: s.n_folded], full[idx])
    assert np.array_equal(s.steps[: s.n_folded], idx)  # each folded point keeps its own x
    assert s.x_at("step", 1234) == 1234.0  # (interpolated between kept points: evenly spaced steps)
    assert s.value_at(int(full.argmin())) == full.min()


def test_keep_follows_a_writer_with_bounded_points(tmp_path: Path) -> None:
    source = tmp_path / "source.jsonl"
    sgd_log(source, STEPS)
    log = tmp_path / "train.jsonl"
    log.touch()
    capped = Monitor([log], keep=KEEP)
    full = Monitor([log])
    told = {id(capped): Collector(), id(full): Collector()}
    capped.subscribe(told[id(capped)])
    full.subscribe(told[id(full)])
    capped.start()
    full.start()
    try:
        subprocess.run(
            [sys.executable, str(HERE / "writers.py"), "append", str(log), str(source), "0"], check=True
        )
        settled(full, told[id(full)], STEPS * 2)
        settled(capped, told[id(capped)], STEPS * 2)
        got, want = seen(capped), seen(full)
        with capped.lock:
            kept = {n: len(s.values) for r in capped.runs for n, s in r.series.items()}
            folded = {n: s.base for r in capped.runs for n, s in r.series.items()}
    finally:
        capped.stop()
        full.stop()
    assert len(want) == 1 and next(iter(want.values()))["series"]["loss"][0] == STEPS  # type: ignore[index]
    assert got == want
    assert folded["loss"] > 0 and max(kept.values()) <= 3 * KEEP


@pytest.mark.parametrize("argv", [["--keep", "5"], ["--keep", "many"]])
def test_keep_too_small_is_one_line(argv: list[str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", "--follow", *argv, "x.log"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "--keep" in r.stderr and "Traceback" not in r.stderr
