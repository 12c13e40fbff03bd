"""Reader throughput on 1,000,000-row logs, with pandas on the same files as the reference, and the
memory 10 million points take.

    python -m benchmarks bench_readers        (pandas comes with: pip install '.[bench]')

Values/s counts the metric values stored (step/epoch/time are not counted), so a sparse
Lightning row with one loss is one value.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lossacc_tui.source import discover

ROWS = 1_000_000


def make_lightning_csv(path: Path, rows: int = ROWS) -> None:
    """Lightning CSVLogger shape: a train row every step, then per epoch a validation row and an
    epoch-summary row; float32 values written the way Lightning writes them (`2.8698573112487793`)."""
    rng = np.random.default_rng(0)
    per_epoch = 1000
    loss = (2.3 * np.exp(-np.arange(rows) / rows * 3) + rng.normal(0, 0.01, rows)).astype(np.float32)
    rnd = rng.random((rows, 3)).astype(np.float32)
    out = ["epoch,step,train_acc_epoch,train_loss_epoch,train_loss_step,val_acc,val_loss\n"]
    for i in range(rows):
        epoch, k = divmod(i, per_epoch)
        step = epoch * per_epoch + min(k, per_epoch - 2)
        a, b, c = (repr(float(v)) for v in rnd[i])
        if k == per_epoch - 2:
            out.append(f"{epoch},{step},,,,{a},{b}\n")
        elif k == per_epoch - 1:
            out.append(f"{epoch},{step},{c},{a},,,\n")
        else:
            out.append(f"{epoch},{step},,,{float(loss[i])!r},,\n")
    path.write_text("".join(out))


def make_jsonl(path: Path, rows: int = ROWS) -> None:
    """One record per step, the shape of a typical `log.jsonl` (5 numbers per line)."""
    rng = np.random.default_rng(1)
    vals = rng.random((rows, 2))
    lines = [
        f'{{"step": {i}, "epoch": {i / 1000:.4f}, "loss": {vals[i, 0]:.6f}, '
        f'"lr": {1e-3 * (1 - i / rows):.6g}, '
        f'"grad_norm": {vals[i, 1] * 5:.4f}}}\n'
        for i in range(rows)
    ]
    path.write_text("".join(lines))


def read_ours(path: Path) -> tuple[float, int]:
    t = time.perf_counter()
    (src,) = discover(path)
    src.read_all()
    dt = time.perf_counter() - t
    return dt, sum(r.points for r in src.runs)


def bench_file(label: str, path: Path, pandas_read: str) -> None:
    dt, values = read_ours(path)
    size = path.stat().st_size / 1e6
    print(f"{label}: {ROWS:,} rows, {size:.1f} MB")
    print(f"  ours: {dt:.2f} s, {values:,} metric values = {values / dt / 1e6:.2f} M values/s")
    try:
        import pandas as pd
    except ImportError:
        print("  reference: pandas not installed (pip install '.[bench]')")
        return
    t = time.perf_counter()
    df = pd.read_csv(path) if pandas_read == "csv" else pd.read_json(path, lines=True)
    pdt = time.perf_counter() - t
    cells = int(df.notna().sum().sum())  # every number in the file, step and epoch included
    metrics = int(df.drop(columns=[c for c in ("epoch", "step") if c in df]).notna().sum().sum())
    print(f"  ours counting every number read (step/epoch too): {cells / dt / 1e6:.2f} M numbers/s")
    print(
        f"  reference pandas.read_{pandas_read}: {pdt:.2f} s = {metrics / pdt / 1e6:.2f} M values/s,"
        f" {cells / pdt / 1e6:.2f} M numbers/s; ours takes {dt / pdt:.2f}x pandas' time"
    )


def _peak_rss_kb() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child() -> None:
    """In a fresh process: hold 10 million points in one run and report the peak RSS."""
    from lossacc_tui.model import Batch, Run

    before = _peak_rss_kb()
    run = Run(name="mem", path="-", format="jsonl")
    n, total = 100_000, 10_000_000
    for k in range(total // n // 2):
        steps = np.arange(k * n, (k + 1) * n, dtype=np.float64)
        vals = np.random.default_rng(k).random(n)
        run.add_batch(
            Batch(
                n=n,
                values={"loss": vals, "val_loss": vals},
                present={"loss": None, "val_loss": None},
                step=steps,
            )
        )
    peak = _peak_rss_kb()
    print(f"{run.points} {before} {peak} {run.nbytes()}")


def bench_memory() -> None:
    res = subprocess.run(
        [sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=True
    )
    points, before, peak, nbytes = (int(v) for v in res.stdout.split())
    print(
        f"memory: {points:,} points held, peak RSS {peak / 1024:.0f} MB (interpreter and numpy alone:"
        f" {before / 1024:.0f} MB; arrays {nbytes / 1e6:.0f} MB)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        csv_path = Path(d) / "metrics.csv"
        jsonl_path = Path(d) / "log.jsonl"
        make_lightning_csv(csv_path)
        make_jsonl(jsonl_path)
        bench_file("lightning-csv (sparse)", csv_path, "csv")
        bench_file("jsonl", jsonl_path, "json")
    bench_memory()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    if "--memory-child" in sys.argv:
        memory_child()
    else:
        main()
