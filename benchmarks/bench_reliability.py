"""Costs that must not grow with history or input size, each beside a reference in the same run:

- a frame of the view (plots, band and alert rows built from the run) at 2,000 and 100,000 points
  of a noisy run (hundreds of closed alerts, thousands of state spans); reference: the same at
  2,000 points, so the ratio says whether the cost follows history;
- a 10 MB line arriving in 64 KiB pieces through the line buffer; reference: one `bytes.join`;
- a 20 MB `trainer_state.json` read by its reader; references: `orjson.loads` and `json.loads` of the
  whole file;
- `Follower.stop()` while the thread is busy reading a 30 MB file.

    python benchmarks/bench_reliability.py
    python benchmarks/bench_reliability.py --trainer-state 200   # only: `check` on a 200 MB one
    python benchmarks/bench_reliability.py --many-folders 5000   # only: `check` on 5,000 run folders

`--trainer-state MB`: `lossacc-tui check` on a trainer_state.json of MB megabytes (rel-09's shape:
train entries, an eval entry every 10,000), wall time and peak RSS of the process; references in the
same run, each in a process of its own: `json.load` and `orjson.loads` of the file, the reader as it
was (orjson dicts, columns built from them: `--no-msgspec`).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from lossacc_tui.analysis import Analyzer
from lossacc_tui.readers.base import LineBuffer
from lossacc_tui.readers.hf_trainer_state import HFTrainerStateReader
from lossacc_tui.source import discover


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def noisy_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    s = np.arange(n)
    body = np.column_stack(
        [
            s,
            2 * np.exp(-s / 20000) + 0.05 * rng.random(n),
            2.1 * np.exp(-s / 25000) + 0.08 * rng.random(n),
            1 - 0.9 * np.exp(-s / 20000) - 0.02 * rng.random(n),
        ]
    )
    np.savetxt(path, body, delimiter=",", header="epoch,train_loss,val_loss,val_acc", comments="", fmt="%.6g")


def frame_cost(tmp: Path) -> None:
    from lossacc_tui.app import present
    from lossacc_tui.app.tracker import RunState
    from lossacc_tui.app.view import PlotOptions

    out = {}
    for n in (2_000, 100_000):
        p = tmp / f"m{n}.csv"
        noisy_csv(p, n)
        src = discover(p)[0]
        src.read_all()
        an = Analyzer(src.runs[0])
        an.update()
        rs = RunState(src.runs[0], an)
        opts = PlotOptions()

        def frame(rs: RunState = rs, opts: PlotOptions = opts) -> None:
            present.main_view(rs, opts, (90, 14), (90, 14), None)
            present.alert_rows(rs)

        out[n] = best(frame)
        what = f"{len(an.alerts)} alerts, {len(an.states)} states"
        print(f"  frame at {n:>7,} points: {out[n] * 1000:6.1f} ms ({what})")
    print(f"  ratio 100,000 / 2,000 points: {out[100_000] / out[2_000]:.1f}x (history x50)")


def long_line() -> None:
    piece = b"x" * 65536

    def ours() -> None:
        buf = LineBuffer()
        for _ in range(160):
            buf.feed(piece)
        buf.feed(b"\n")

    ref = best(lambda: b"".join([piece] * 160) + b"\n")
    t = best(ours)
    ms = f"{t * 1000:.1f} ms; reference one join: {ref * 1000:.1f} ms"
    print(f"  10 MB line in 64 KiB pieces: {ms} ({t / ref:.1f}x)")


def trainer_state(tmp: Path) -> None:
    p = tmp / "trainer_state.json"
    with open(p, "w") as f:
        f.write('{"global_step": 0, "log_history": [\n')
        i = 0
        while f.tell() < 20_000_000:
            entries = (
                f'{{"epoch": {j / 100:.2f}, "learning_rate": 5e-05, "loss": {1 / (j + 1):.6f}, '
                f'"step": {j + 1}}}'
                for j in range(i, i + 10000)
            )
            f.write(",\n".join(entries) + ",\n")
            i += 10000
        f.write('{"epoch": 9999.0, "loss": 0.1, "step": 99999999}\n]}\n')
    data = p.read_bytes()

    def ours() -> None:
        r = HFTrainerStateReader()
        r.feed(data)
        r.finish()

    ref = best(lambda: orjson.loads(data), 3)
    ref_json = best(lambda: json.loads(data), 3)
    t = best(ours, 3)
    print(
        f"  20 MB trainer_state.json: {t:.2f} s; reference orjson.loads whole: {ref:.2f} s ({t / ref:.1f}x),"
        f" json.loads whole: {ref_json:.2f} s ({t / ref_json:.1f}x)"
    )


def stop_while_busy(tmp: Path) -> None:
    from lossacc_tui.monitor import Monitor

    p = tmp / "big.jsonl"
    with open(p, "w") as f:
        for e in range(400_000):
            f.write(f'{{"epoch": {e}, "train_loss": {1 / (e + 1)}, "val_loss": {1.1 / (e + 1)}, ')
            f.write('"val_acc": 0.5}\n')
    m = Monitor([p])
    started = []
    m.subscribe(lambda evs: started.append(1))
    m.start()
    while not started:
        time.sleep(0.01)
    t = time.perf_counter()
    m.stop()
    thread = m.follower._thread
    assert thread is not None
    thread.join(30)
    print(
        f"  stop() while reading a 30 MB file: thread ended after {(time.perf_counter() - t) * 1000:.0f} ms"
    )


def many_folders(tmp: Path, n: int = 3000) -> None:
    """`n` Lightning version folders of 10 epochs each, followed by a Monitor: when the first run
    is there, when all are, and what stop() costs midway; reference: pandas reading every file."""
    from lossacc_tui.events import RunAdded
    from lossacc_tui.monitor import Monitor

    root = tmp / "lightning_logs"
    rng = np.random.default_rng(0)
    for i in range(n):
        d = root / f"version_{i}"
        d.mkdir(parents=True)
        loss = np.sort(rng.uniform(0.2, 1.0, 10))[::-1]
        rows = [f"{e},{loss[e]:.4f},{loss[e] * 1.1:.4f},{0.5 + e / 30:.4f}" for e in range(10)]
        (d / "metrics.csv").write_text("epoch,train_loss,val_loss,val_acc\n" + "\n".join(rows) + "\n")
    try:
        import pandas as pd
    except ImportError:
        ref = None
    else:
        t = time.perf_counter()
        for i in range(n):
            pd.read_csv(root / f"version_{i}" / "metrics.csv")
        ref = time.perf_counter() - t
    seen: list[float] = []
    t0 = time.perf_counter()
    m = Monitor([root])
    m.subscribe(lambda evs: seen.extend(time.perf_counter() for e in evs if isinstance(e, RunAdded)))
    m.start()
    started = time.perf_counter() - t0
    while len(seen) < n and time.perf_counter() - t0 < 600:
        time.sleep(0.05)
    m.stop()
    line = f"reference pandas.read_csv of every file: {ref:.1f} s" if ref is not None else "(no pandas)"
    print(
        f"  {n:,} run folders followed: start() {started:.2f} s, first run {seen[0] - t0:.2f} s,"
        f" all {len(seen):,} runs {seen[-1] - t0:.1f} s; {line}"
    )


def check_many_folders(tmp: Path, n: int) -> None:
    """`lossacc-tui check --json` on `n` ten-epoch Lightning version folders (a real numpy training
    each), wall time and peak RSS; reference in the same run, in a process of its own:
    `pandas.read_csv` of every file (reading only, no analysis)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from numpy_training import softmax_regression

    root = tmp / "lightning_logs"
    for i in range(n):
        rows = softmax_regression(epochs=10, seed=i % 50)
        (root / f"version_{i}").mkdir(parents=True)
        (root / f"version_{i}" / "metrics.csv").write_text(
            "epoch,train_loss,train_acc,val_loss,val_acc\n"
            + "".join(
                f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
                for e, r in enumerate(rows)
            )
        )
    pandas = (
        "import glob, sys, pandas as pd; [pd.read_csv(f) for f in glob.glob(sys.argv[1] + '/*/metrics.csv')]"
    )
    runs = {
        "lossacc-tui check --json": [sys.executable, "-m", "lossacc_tui", "check", "--json", str(root)],
        "pandas.read_csv of every file": [sys.executable, "-c", pandas, str(root)],
    }
    print(f"load average {os.getloadavg()[0]:.1f}; {n:,} ten-epoch run folders")
    for name, argv in runs.items():
        t, rss = timed(argv)
        print(f"  {name}: {t:.1f} s, peak RSS {rss:.0f} MB ({rss * 1024 / n:.0f} KB a run)")


def write_trainer_state(p: Path, mb: int) -> None:
    """rel-09's file: train entries, an eval entry every 10,000 (HF's keys), a summary entry."""
    with open(p, "w") as f:
        f.write('{"global_step": 0, "log_history": [\n')
        i = 0
        while f.tell() < mb * 1_000_000:
            entries = (
                f'{{"epoch": {j / 100:.2f}, "learning_rate": 5e-05, "loss": {1 / (j + 1):.6f}, '
                f'"step": {j + 1}}}'
                for j in range(i, i + 10000)
            )
            f.write(",\n".join(entries) + ",\n")
            f.write(
                f'{{"epoch": {(i + 9999) / 100:.2f}, "eval_accuracy": 0.8, "eval_loss": 0.4, '
                f'"step": {i + 10000}}},\n'
            )
            i += 10000
        f.write('{"epoch": 9999.0, "train_runtime": 10.0, "train_loss": 0.1, "step": 99999999}\n]}\n')


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a process."""
    import subprocess

    t = time.perf_counter()
    pid = subprocess.Popen(argv, stdout=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1), argv
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def large_trainer_state(tmp: Path, mb: int) -> None:
    import sys

    p = tmp / "trainer_state.json"
    write_trainer_state(p, mb)
    old = (
        "import sys; from lossacc_tui.readers import hf_trainer_state as h;"
        " h.HFTrainerStateReader.plain_batches = lambda self, raw: None;"
        " from lossacc_tui.cli import main; sys.exit(main(['check', sys.argv[1]]))"
    )
    runs = {
        "lossacc-tui check": [sys.executable, "-m", "lossacc_tui", "check", str(p)],
        "json.load": [sys.executable, "-c", "import json,sys; json.load(open(sys.argv[1]))", str(p)],
        "orjson.loads": [
            sys.executable,
            "-c",
            "import orjson,sys; orjson.loads(open(sys.argv[1],'rb').read())",
            str(p),
        ],
        "check, the reader before (orjson dicts)": [sys.executable, "-c", old, str(p)],
    }
    print(f"load average {os.getloadavg()[0]:.1f}; a {p.stat().st_size / 1e6:.0f} MB trainer_state.json")
    for name, argv in runs.items():
        t, rss = timed(argv)
        print(f"  {name}: {t:.1f} s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    import sys

    if "--many-folders" in sys.argv:
        with tempfile.TemporaryDirectory() as d:
            check_many_folders(Path(d), int(sys.argv[sys.argv.index("--many-folders") + 1]))
        sys.exit(0)
    if "--trainer-state" in sys.argv:
        with tempfile.TemporaryDirectory() as d:
            large_trainer_state(Path(d), int(sys.argv[sys.argv.index("--trainer-state") + 1]))
        sys.exit(0)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        frame_cost(tmp)
        long_line()
        trainer_state(tmp)
        stop_while_busy(tmp)
        many_folders(tmp)
