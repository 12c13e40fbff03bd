"""The view's CPU at a slow append rate on this tree and on another, side by side in the same
minutes, read with nanosecond clocks (`cpuclock.py`) over long windows:

    python benchmarks/bench_keys.py --cpu-only --against /tmp/trunk [--window 30] [--windows 3]
        [--cases 1,2]   # only these of CASES (by index; all by default)

For each case (a quiet 100-point log; 10 lines/s appended to a 100-point run, a 100,000-point run, a
noisy 100,000-point run and a 100,000-step log) both trees' views run at once in the benchmark's
tmux (120x40), each on its own copy of the log with its own writer; after both have drawn and
analysed the history, the share of a core each used is read over `--windows` windows of `--window`
seconds (the whole process, every thread, and its main thread alone). Both run through the same
window, so the machine's load is the same for both; which one starts first alternates."""

from __future__ import annotations

import os
import signal
import statistics
import sys
import time
import uuid
from pathlib import Path

from .logs import make_log, writer
from .term import analysed, start, tmux, wait


def _option(name: str, default: str) -> str:
    args = sys.argv[1:]
    return args[args.index(name) + 1] if name in args[:-1] else default


WINDOW = float(_option("--window", "30"))
WINDOWS = int(_option("--windows", "3"))
#: the cases to run, by their index in CASES (`--cases 1,2`: 100 and 100,000 points at 10 lines/s)
PICK = [int(k) for k in _option("--cases", "0,1,2,3,4").split(",")]
CLOCK = Path(__file__).resolve().with_name("cpuclock.py")

#: (label, points, noise sd, suffix, lines a second)
CASES = [
    ("idle (a quiet 100-point log)", 100, 0.004, ".csv", 0.0),
    ("100 points, 10 lines/s", 100, 0.004, ".csv", 10.0),
    ("100,000 points, 10 lines/s", 100_000, 0.004, ".csv", 10.0),
    ("100,000 points noisy, 10 lines/s", 100_000, 0.05, ".csv", 10.0),
    ("100,000 steps, 10 lines/s", 100_000, 0.004, ".jsonl", 10.0),
]


def clocks(pid: int, out: Path) -> tuple[float, float, float]:
    """(monotonic s, process CPU s, main thread CPU s) read inside the view (SIGUSR1)."""
    before = out.read_text().count("\n") if out.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = out.read_text().splitlines() if out.exists() else []
        if len(lines) > before:
            mono, proc, main = (int(x) / 1e9 for x in lines[-1].split())
            return mono, proc, main
        time.sleep(0.01)
    raise TimeoutError(f"no clock from pid {pid}")


def case(folder: Path, trees: dict[str, Path], label: str, points: int, sd: float, suffix: str,
         rate: float, flip: bool) -> dict[str, list[tuple[float, float]]]:  # fmt: skip
    """Shares (process, main thread) of each tree's view over the windows."""
    names = list(trees)[::-1] if flip else list(trees)
    pids: dict[str, int] = {}
    outs: dict[str, Path] = {}
    logs: dict[str, Path] = {}
    writers = []
    sessions = []
    try:
        for k, name in enumerate(names):
            tag = uuid.uuid4().hex[:4]
            logs[name] = folder / f"ab_{k}_{tag}{suffix}"
            make_log(logs[name], points, sd)
            outs[name] = folder / f"clock_{k}_{tag}.txt"
            session = f"ab{k}{tag}"
            sessions.append(session)
            pids[name] = start(
                session,
                f"sh -c 'cd {folder} && exec env PYTHONPATH={trees[name]} {sys.executable} {CLOCK}"
                f" {outs[name]} watch {logs[name]}'",
            )
        for name, session in zip(names, sessions, strict=True):
            wait(session, lambda s: "last point" in s, f"{name}: never loaded", timeout=120)
            wait(session, analysed, f"{name}: never analysed", timeout=240)
        time.sleep(2.0)
        if rate:
            writers = [writer(logs[name], rate, sd) for name in names]
        time.sleep(3.0)
        got: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for _ in range(WINDOWS):
            c0 = {name: clocks(pids[name], outs[name]) for name in names}
            time.sleep(WINDOW)
            c1 = {name: clocks(pids[name], outs[name]) for name in names}
            for name in names:
                took = c1[name][0] - c0[name][0]
                got[name].append(((c1[name][1] - c0[name][1]) / took, (c1[name][2] - c0[name][2]) / took))
        return got
    finally:
        for w in writers:
            w.kill()
            w.wait()
        for session in sessions:
            tmux("kill-session", "-t", session)


def cpu_against(folder: Path, tree: Path) -> None:
    ours = Path(__file__).resolve().parents[2]
    trees = {"this tree": ours, "against": tree}
    print(
        f"CPU of the view, share of a core (whole process / main thread), {WINDOWS} windows of "
        f"{WINDOW:.0f} s each, both trees' views running through the same windows; against = {tree}"
    )
    for i, (label, points, sd, suffix, rate) in enumerate(CASES):
        if i not in PICK:
            continue
        load0 = os.getloadavg()[0]
        got = case(folder, trees, label, points, sd, suffix, rate, flip=i % 2 == 1)
        load1 = os.getloadavg()[0]
        parts = []
        for name in trees:
            procs = [p * 100 for p, _ in got[name]]
            mains = [m * 100 for _, m in got[name]]
            each = " ".join(f"{p:.3f}" for p in procs)
            med, main = statistics.median(procs), statistics.median(mains)
            parts.append(f"{name} {med:.3f}% (main {main:.3f}%; windows {each})")
        print(f"  {label}: " + "   ".join(parts) + f"   (load {load0:.1f}-{load1:.1f})", flush=True)
