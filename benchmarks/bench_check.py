"""`check` on many small runs: the CPU per run, split into reading (discovery, format detection,
parsing), the analysis and the report, against pandas reading the same files in the same run.

    python -m benchmarks bench_check [--long] [--runs N] [--against TREE]
    (reference: pip install '.[bench]')

Default 500 runs (`--long`: 2,000, the size of tester 9's many-runs case; tester h19t's flat case:
`--runs 5000`), each 10 epochs written by a real numpy training: softmax regression on Gaussian
classes, one seed and learning rate per run. The same runs laid out two ways: run folders
(`version_N/metrics.csv`) and flat files in one folder (`run_NNNN.csv`: 5,000 of them had taken
120 s where 5,000 folders took 11.5 s, h19t). Ours: `check --json FOLDER` in a fresh process (its
CPU, user + system, and its peak memory, from the kernel), then the same steps timed in one process
to split the CPU by phase. `--against TREE`: the same `check` from another source tree, interleaved
with ours. Reference: `pandas.read_csv` of every file, in this process (pandas imported before).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RUNS = 2_000 if "--long" in sys.argv else 500
if "--runs" in sys.argv:
    RUNS = int(sys.argv[sys.argv.index("--runs") + 1])
AGAINST = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
HERE = str(Path(__file__).resolve().parents[1])  # (this tree: its lossacc_tui is the one timed)
LAYOUTS = ("folders", "flat")
EPOCHS = 10
SKIPPED = 77

PHASES = """
import sys, time
from pathlib import Path
c0 = time.process_time()
from lossacc_tui import check, feed, report, source
from lossacc_tui.analysis import Params
from lossacc_tui.readers.audit import audit_duplicates
t = {"import": time.process_time() - c0}
c = time.process_time()
srcs = list(source.discover(Path(sys.argv[1]), None, {}, []))
t["discover"] = time.process_time() - c
f = feed.Feed(Params())
c = time.process_time()
for s in srcs:
    f.read_source(s)
audit_duplicates(f.sources)
check._check_names(f, {})
t["read"] = time.process_time() - c
c = time.process_time()
f.analyse_all()
t["analysis"] = time.process_time() - c
c = time.process_time()
report.check_json(report.Checked.of(f))
t["report"] = time.process_time() - c
print(" ".join(f"{k}={v}" for k, v in t.items()))
"""


def train_run(seed: int, lr: float) -> np.ndarray:
    """(EPOCHS, 4): epoch, training loss, validation loss, validation accuracy of one softmax
    regression trained by full-batch gradient descent on 3 Gaussian classes in 8 dimensions."""
    rng = np.random.default_rng(seed)
    k, d = 3, 8
    centers = rng.normal(0, 1.0, (k, d))
    y, yv = rng.integers(0, k, 300), rng.integers(0, k, 150)
    x, xv = centers[y] + rng.normal(0, 1.5, (300, d)), centers[yv] + rng.normal(0, 1.5, (150, d))
    w = np.zeros((d, k))
    out = np.zeros((EPOCHS, 4))
    for e in range(EPOCHS):
        z = x @ w
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        p[np.arange(len(y)), y] -= 1
        w -= lr * x.T @ p / len(y)
        zv = xv @ w
        pv = np.exp(zv - zv.max(1, keepdims=True))
        pv /= pv.sum(1, keepdims=True)
        out[e] = e, loss, -np.log(pv[np.arange(len(yv)), yv]).mean(), (pv.argmax(1) == yv).mean()
    return out


def make_runs(root: Path, n: int, flat: bool = False) -> list[Path]:
    """n runs under root: `version_N/metrics.csv`, or (`flat`) `run_NNNN.csv` side by side."""
    paths = []
    for i in range(n):
        rows = train_run(i, lr=0.02 + 0.3 * (i % 7) / 7)
        path = root / f"run_{i:04d}.csv" if flat else root / f"version_{i}" / "metrics.csv"
        path.parent.mkdir(exist_ok=True)
        lines = ["epoch,loss,val_loss,val_acc\n"]
        lines += [f"{int(r[0])},{r[1]!r},{r[2]!r},{r[3]!r}\n" for r in rows.tolist()]
        path.write_text("".join(lines))
        paths.append(path)
    return paths


def check_cpu(root: Path, tree: str = HERE) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak memory MB) of `lossacc-tui check --json ROOT` in a fresh
    process, run from source tree `tree`."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossacc_tui", "check", "--json", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": tree},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"check exited {os.waitstatus_to_exitcode(status)}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    try:
        import pandas as pd
    except ImportError as e:
        print(f"skipped: the reference needs the bench extra (pip install '.[bench]'): {e}")
        return SKIPPED
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for layout in LAYOUTS:
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            paths = make_runs(root, RUNS, flat=layout == "flat")
            measure(root, paths, layout, pd)
    return 0


def measure(root: Path, paths: list[Path], layout: str, pd: object) -> None:
    """Ours (and the other tree's, `--against`, interleaved), the phases, the reference, printed."""
    wall, cpu, mem = check_cpu(root)
    if AGAINST:
        old_wall, old_cpu, old_mem = check_cpu(root, AGAINST)
        wall2, cpu2, mem2 = check_cpu(root)  # (ours again after theirs: A B A)
        wall, cpu, mem = (wall + wall2) / 2, (cpu + cpu2) / 2, max(mem, mem2)
    out = subprocess.run(
        [sys.executable, "-c", PHASES, str(root)], capture_output=True, text=True, check=True, cwd=HERE
    ).stdout.split()
    phases = {k: float(v) for k, v in (w.split("=") for w in out)}
    c = time.process_time()
    frames = [pd.read_csv(p) for p in paths]  # type: ignore[attr-defined]
    ref = time.process_time() - c
    assert sum(len(f) for f in frames) == RUNS * EPOCHS
    ms = 1000 / RUNS
    where = "run folders" if layout == "folders" else "flat files in one folder"
    print(f"check --json on {RUNS:,} {where} of {EPOCHS} epochs (load average {os.getloadavg()[0]:.1f}):")
    print(
        f"  ours, fresh process: {wall:.1f} s wall, CPU {cpu:.2f} s = {cpu * ms:.1f} ms a run,"
        f" peak {mem:.0f} MB"
    )
    if AGAINST:
        print(
            f"  {AGAINST}, fresh process: {old_wall:.1f} s wall, CPU {old_cpu:.2f} s = {old_cpu * ms:.1f} ms"
            f" a run, peak {old_mem:.0f} MB (ours: {cpu / old_cpu:.2f}x its CPU)"
        )
    split = ", ".join(f"{k} {v:.2f} s" for k, v in phases.items())
    per_run = ", ".join(f"{k} {v * ms:.2f}" for k, v in phases.items() if k != "import")
    print(f"  the same steps in one process, CPU: {split}")
    print(f"  per run (ms): {per_run}")
    reading = phases["discover"] + phases["read"] + phases["report"]
    print(
        f"  outside the analysis (discovery, reading, report): {reading * ms:.2f} ms a run,"
        f" {reading / (reading + phases['analysis']):.0%} of the steps' CPU"
    )
    print(
        f"  reference pandas.read_csv of every file: CPU {ref:.2f} s = {ref * ms:.2f} ms a run;"
        f" our discovery and reading take {(phases['discover'] + phases['read']) / ref:.1f}x its CPU"
    )


if __name__ == "__main__":
    sys.exit(main())
