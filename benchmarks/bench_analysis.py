"""Analysis at scale, on a real numpy training logged at every step.

1. Cost of one incremental update: feed 10 new rows to an analyzer already holding 1k, 10k, 100k
   and 1M rows and time `update()` plus what a view reads after it (alerts, states, summary),
   beside a numpy rolling mean over the same history in the same run (the reference).
   Flat means the 1M / 1k ratio is near 1.
2. `check` on a CSV of 10k, 100k and 1M rows (a fresh process, as a user runs it): wall and CPU
   seconds and alert count, beside `pandas.read_csv` of the same file in the same run; for the noisy
   run and for a clean one (the same training with its validation metrics on a fixed 400-sample set).
4. The backlog's analysis alone (the first load of 1M rows, in this process, CPU), beside pandas'
   rolling mean, rolling standard deviation and EWM over the same three columns (the reference: a
   few whole-array passes).
5. The fixed cost of a small run: runs of 10, 50, 100 and 300 epochs (real numpy softmax regressions,
   from 50 epochs on on few samples so that they overfit) analysed from scratch (Analyzer made,
   update, alerts, band, summary), CPU per run, beside `pandas.read_csv` of the same rows as a
   Keras CSV file; a healthy 300-epoch run fed an epoch at a time, the CPU of each update, and a
   frozen one (learning rate 0: every logged value repeats) fed the same way
   (`analysisbench/small_runs.py`).

The run: logistic regression trained by minibatch SGD (batch 32, constant learning rate) on
data drawn from a linear model with label noise; every step logs the minibatch's training loss
and the loss and accuracy on a random 64-sample validation batch. A healthy run that keeps
learning slowly and stays noisy: the kind of curve that flooded `check` with alerts. Generating
1M real steps in Python takes over a minute here, so the file
is the first 200,000 real steps followed by the run's own converged stretch (steps 100,000-200,000)
concatenated eight more times: real per-step numbers throughout.

Before and after a change, on a loaded machine: `--against TREE` (another checkout of the project,
e.g. `git worktree add /tmp/base main`) runs the chosen parts in fresh processes, this checkout's and
that one's in turn (`--rounds` times), each printing its own reference, so the two are measured in
the same minutes.

    python -m benchmarks bench_analysis        # or: python benchmarks/bench_analysis.py
    python benchmarks/bench_analysis.py 1 4 5  # only those parts (each under a minute)
    python benchmarks/bench_analysis.py 4 5 --against /tmp/base --rounds 2
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Batch, Run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysisbench.small_runs import frozen_run_cost, live_run_cost, small_run_cost

SIZES = (1_000, 10_000, 100_000, 1_000_000)
REAL_STEPS = 200_000
CLEAN_STEPS = 100_000  # the clean run: validation on a fixed set, converged well before (then repeated)
GOAL_CHECK_1M_S = 3.0
GOAL_SMALL_MS = 2.0  # a small run's analysis (issue #12)
VAL_BATCH = 64  # validation metrics on a random 64-sample batch at every step: a noisy, healthy run


def train(
    n_steps: int, seed: int = 0, d: int = 8, batch: int = 32, lr: float = 0.05, val_batch: int | None = None
) -> dict[str, np.ndarray]:
    """Per-step metrics of a numpy logistic-regression training (see the module docstring):
    columns train_loss (nats, the minibatch's mean), val_loss (nats), val_acc (fraction). The
    validation metrics are on the whole 400-sample validation set, or with `val_batch` on that
    many samples drawn from a 4,000-sample validation set at each step (noisier)."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(0, 1, d)

    def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(0, 1, (m, d))
        return x, (x @ w_true + rng.normal(0, 1.5, m) > 0).astype(np.float64)

    x_tr, y_tr = sample(20_000)
    x_val, y_val = sample(400 if val_batch is None else 4_000)
    order = rng.integers(0, len(x_tr), (n_steps, batch))
    w = np.zeros(d)
    weights = np.empty((n_steps, d))
    train_loss = np.empty(n_steps)
    for t in range(n_steps):
        x, y = x_tr[order[t]], y_tr[order[t]]
        z = x @ w
        train_loss[t] = np.logaddexp(0, z).mean() - (y * z).mean()  # binary cross-entropy, nats
        w = w - (lr / batch) * ((1 / (1 + np.exp(-z)) - y) @ x)
        weights[t] = w
    val_loss, val_acc = np.empty(n_steps), np.empty(n_steps)
    step = 2_000
    for lo in range(0, n_steps, step):  # the validation metrics at every step, from the saved weights
        ws = weights[lo : lo + step]
        if val_batch is None:
            z, yv = ws @ x_val.T, np.broadcast_to(y_val, (len(ws), len(y_val)))
        else:
            pick = rng.integers(0, len(x_val), (len(ws), val_batch))
            z, yv = np.einsum("sd,sbd->sb", ws, x_val[pick]), y_val[pick]
        val_loss[lo : lo + step] = (np.logaddexp(0, z) - yv * z).mean(axis=1)
        val_acc[lo : lo + step] = ((z > 0) == (yv > 0.5)).mean(axis=1)
    return {"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc}


def rows(n: int, real: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """n rows: the real run, then its converged second half again and again."""
    k = len(real["val_loss"])
    tail = np.arange(k // 2, k)
    pick = np.concatenate([np.arange(k), np.tile(tail, max(0, -(-(n - k) // len(tail))))])[:n]
    out = {name: col[pick] for name, col in real.items()}
    out["step"] = np.arange(n, dtype=np.float64)
    return out


def write_csv(path: Path, cols: dict[str, np.ndarray]) -> None:
    data = np.column_stack([cols["step"], cols["train_loss"], cols["val_loss"], cols["val_acc"]])
    np.savetxt(
        path,
        data,
        fmt=["%d", "%.6f", "%.6f", "%.4f"],
        delimiter=",",
        comments="",
        header="step,train_loss,val_loss,val_acc",
    )


def feed(run: Run, cols: dict[str, np.ndarray], lo: int, hi: int) -> None:
    batch = {k: cols[k][lo:hi] for k in ("train_loss", "val_loss", "val_acc")}
    run.add_batch(Batch(hi - lo, batch, {}, epoch=cols["step"][lo:hi]))


def update_cost(
    cols: dict[str, np.ndarray], history: int, reps: int = 40
) -> tuple[float, float, float, Analyzer]:
    """Median seconds of feeding 10 rows (update, then alerts, states and summary as a view reads
    them) to an analyzer holding `history` rows, wall and CPU (this thread: a loaded machine
    inflates the wall time several times); and of a numpy rolling mean (window 10) over the history
    (the reference, wall)."""
    run = Run("bench", "-", "csv")
    feed(run, cols, 0, history)
    a = Analyzer(run)
    a.update()
    ours, cpu, ref = [], [], []
    pos = history
    vl = cols["val_loss"]
    for _ in range(reps):
        feed(run, cols, pos, pos + 10)
        t0, c0 = time.perf_counter(), time.thread_time()
        a.update()
        _ = (a.alerts, a.states, a.summary())
        t1, c1 = time.perf_counter(), time.thread_time()
        # reference: what a plain script does per update: a rolling mean over the whole history
        c = np.cumsum(vl[: pos + 10])
        _ = (c[10:] - c[:-10]) / 10
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        cpu.append(c1 - c0)
        ref.append(t2 - t1)
        pos += 10
    return statistics.median(ours), statistics.median(cpu), statistics.median(ref), a


def check_time(path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds: user + system) of `lossacc-tui check --json FILE` in a fresh
    process, and its alert count."""
    import json

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossacc_tui", "check", "--json", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = proc.communicate()
    took = time.perf_counter() - t0
    cpu = _child_cpu()
    try:
        doc = json.loads(stdout)
        n = sum(len(r.get("alerts", [])) for r in doc.get("runs", []))
    except (json.JSONDecodeError, AttributeError):
        n = -1
        print(f"  check failed: {stderr.decode(errors='replace').strip()[-300:]}")
    return took, cpu, n


_CHILD_CPU = [0.0]


def _child_cpu() -> float:
    """CPU seconds (user + system) of the children that ended since the last call."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = ru.ru_utime + ru.ru_stime
    out, _CHILD_CPU[0] = total - _CHILD_CPU[0], total
    return out


def pandas_time(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `pandas.read_csv` of the file, in this process."""
    import pandas as pd

    t0, c0 = time.perf_counter(), time.process_time()
    pd.read_csv(path)
    return time.perf_counter() - t0, time.process_time() - c0


def backlog_cost(cols: dict[str, np.ndarray]) -> tuple[float, float, int]:
    """(CPU seconds of analysing all of `cols` at once, CPU seconds of the pandas reference, alerts)."""
    import pandas as pd

    try:  # (what the command line sets for its analysis: `lossacc_tui.analysis.heap`, from `Feed`)
        from lossacc_tui.analysis.heap import reuse_freed_blocks

        reuse_freed_blocks()
    except ImportError:  # (an older tree measured `--against`)
        pass
    run = Run("bench", "-", "csv")
    feed(run, cols, 0, len(cols["step"]))
    c0 = time.thread_time()
    a = Analyzer(run)
    a.update()
    _ = (a.alerts, a.states)
    ours = time.thread_time() - c0
    df = pd.DataFrame({k: cols[k] for k in ("train_loss", "val_loss", "val_acc")})
    c0 = time.thread_time()
    _ = (df.rolling(10).mean(), df.rolling(10).std(), df.ewm(alpha=0.1).mean())
    return ours, time.thread_time() - c0, len(a.alerts)


def interleaved(parts: list[str], against: Path, rounds: int) -> int:
    """Run `parts` of this benchmark in fresh processes against this checkout and `against` in turn
    (`rounds` times each), printing each one's output under its name; 1 if one of them failed."""
    here = Path(__file__).resolve().parents[1]
    failed = 0
    for r in range(rounds):
        for label, tree in (("this checkout", here), ("against", against.resolve())):
            env = dict(os.environ, PYTHONPATH=str(tree))
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), *parts],
                env=env,
                capture_output=True,
                text=True,
            )
            print(f"--- round {r + 1}, {label} ({tree}), {_load()}")
            print(proc.stdout.rstrip())
            if proc.returncode:
                failed = 1
                print(f"  failed: {proc.stderr.strip()[-300:]}")
    return failed


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--against" in args:
        at = args.index("--against")
        rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 2
        import lossacc_tui

        print(f"lossacc_tui from {Path(lossacc_tui.__file__).resolve().parents[1]}; {_load()}")
        values = {at + 1, args.index("--rounds") + 1} if "--rounds" in args else {at + 1}
        parts_ = [a for k, a in enumerate(args) if a.isdigit() and k not in values]
        return interleaved(parts_, Path(args[at + 1]), rounds)
    parts = {int(a) for a in args if a.isdigit()} or {1, 2, 3, 4, 5}  # (the runner may pass --long)
    t0 = time.perf_counter()
    real = train(REAL_STEPS, val_batch=VAL_BATCH) if parts & {1, 2, 3, 4} else {}
    cols = rows(max(SIZES) + 1_000, real) if real else {}
    if real:
        print(f"numpy training: {REAL_STEPS:,} SGD steps in {time.perf_counter() - t0:.1f} s ({_load()})")
    if 1 in parts:
        print(f"1. one update of 10 new rows (update + alerts + states + summary; median of 40; {_load()}):")
        costs = {}
        for h in SIZES:
            ours, cpu, ref, a = update_cost(cols, h)
            costs[h] = cpu
            print(
                f"  history {h:>9,}: {ours * 1e3:7.2f} ms wall, {cpu * 1e3:6.2f} ms CPU   numpy rolling mean "
                f"over the history {ref * 1e3:7.2f} ms"
                f"   ({len(a.alerts)} alerts, {len(a.states)} state segments)"
            )
        print(f"  1M / 1k (CPU): ours {costs[SIZES[-1]] / costs[SIZES[0]]:.2f} (flat means ~1)")
    clean = rows(max(SIZES), train(CLEAN_STEPS)) if parts & {2, 4} else {}  # validation on a fixed set
    if 2 in parts:
        print(f"2. check --json on a CSV (fresh process), pandas.read_csv of the same file ({_load()}):")
        _child_cpu()
        with tempfile.TemporaryDirectory() as tmp:
            for label, data, sizes in (("noisy", real, SIZES[1:]), ("clean", None, SIZES[2:])):
                for n in sizes:
                    path = Path(tmp) / f"sgd-{label}-{n}.csv"
                    write_csv(
                        path, rows(n, data) if data is not None else {k: v[:n] for k, v in clean.items()}
                    )
                    took, cpu, alerts = check_time(path)
                    pd_s, pd_cpu = pandas_time(path)
                    met = "met" if cpu <= GOAL_CHECK_1M_S else "NOT met"
                    goal = f"   goal <= {GOAL_CHECK_1M_S:.0f} s CPU: {met}"
                    print(
                        f"  {label} {n:>9,} rows: check {took:6.2f} s, CPU {cpu:5.2f} s, {alerts:5d} alerts"
                        f"   pandas.read_csv {pd_s:5.2f} s, CPU {pd_cpu:5.2f} s"
                        f"   CPU ratio {cpu / pd_cpu:5.1f}x"
                        f"{goal if n == SIZES[-1] else ''}"
                    )
    if 3 in parts:
        print("3. alerts that come and go at one place merged into one (analysis/merging.py), 100k rows:")
        import lossacc_tui.analysis.detectors.base as base

        keep = base.reopenable
        for label in ("merged", "apart"):
            if label == "apart":
                base.reopenable = lambda *args: False  # type: ignore[assignment]
            run = Run("bench", "-", "csv")
            feed(run, cols, 0, 100_000)
            a = Analyzer(run)
            a.update()
            kinds: dict[str, int] = {}
            for al in a.alerts:
                kinds[al.kind] = kinds.get(al.kind, 0) + 1
            print(
                f"  {label}: {len(a.alerts):5d} alerts "
                f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
            )
        base.reopenable = keep  # type: ignore[assignment]
    if 4 in parts:
        print(
            f"4. the backlog analysed at once (1M rows, this process, CPU; {_load()}), "
            "pandas as the reference:"
        )
        for label, data in (("noisy", cols), ("clean", clean)):
            ours, ref, n_alerts = backlog_cost({k: v[: SIZES[-1]] for k, v in data.items()})
            met = "met" if ours <= GOAL_CHECK_1M_S else "NOT met"
            print(
                f"  {label}: analysis {ours:5.2f} s ({n_alerts} alerts)   pandas rolling mean + std + ewm "
                f"of the 3 columns {ref:5.2f} s   ratio {ours / ref:5.1f}x"
                f"   goal <= {GOAL_CHECK_1M_S:.0f} s: {met}"
            )
    if 5 in parts:
        print(f"5. a small run analysed from scratch, CPU, median of 200 ({_load()}):")
        for epochs in (10, 50, 100, 300):
            ours_ms, ref_ms = small_run_cost(epochs)
            met = "met" if ours_ms <= GOAL_SMALL_MS else "NOT met"
            print(
                f"  {epochs:3d} epochs: {ours_ms:5.2f} ms"
                f"   pandas.read_csv of its Keras CSV {ref_ms:5.2f} ms   "
                f"ratio {ours_ms / ref_ms:5.1f}x   goal <= {GOAL_SMALL_MS:.0f} ms: {met}"
            )
        med, mean, p99, top = live_run_cost()
        print(
            f"  a 300-epoch run fed an epoch at a time (as a live log grows), CPU per update: median "
            f"{med:.2f} ms, mean {mean:.2f}, p99 {p99:.2f}, max {top:.2f}"
        )
        med, mean, p99, top = frozen_run_cost()
        print(
            f"  a frozen 300-epoch run (learning rate 0) fed the same way, CPU per update: median "
            f"{med:.2f} ms, mean {mean:.2f}, p99 {p99:.2f}, max {top:.2f}"
        )
    print(f"{_load()} now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
