"""CPU of the whole view process (and of its main thread) while a writer appends to its log, with
the references in the same run: `tail -f`, an idle one-line Textual app, and TensorBoard."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from .logs import HERE, TB_WRITER, make_log, writer
from .term import CLI, analysed, cpu_seconds, start, tmux, wait

LONG = "--long" in sys.argv
CPU_S = 20.0 if LONG else 8.0

#: the floor: a Textual app that only shows one line of text
IDLE_TEXTUAL = """
from textual.app import App
from textual.widgets import Static
class Idle(App):
    def compose(self):
        yield Static("an idle Textual app")
Idle().run()
"""


MAIN_SHARE: list[float] = []  # the main (UI) thread's share in the last `cpu_share`


def cpu_share(log: Path, rate: float, command: str, noise_sd: float = 0.004) -> float:
    """Share of a core `command` uses while `rate` lines a second are appended to `log` (rate 0:
    nothing is appended); its main thread's share is left in MAIN_SHARE (the rest is the
    follower's, inotify's and the analysis' threads)."""
    session = f"cpu{uuid.uuid4().hex[:4]}"
    pid = start(session, command)
    load = None
    try:
        if "lossacc" in command:
            wait(session, lambda s: "last point" in s, "the run never loaded", timeout=90)
            # (the first analysis of the history is not what a growing run costs: measured after it)
            wait(session, analysed, "the run was never analysed", timeout=120)
        time.sleep(2.0)
        load = writer(log, rate, noise_sd) if rate else None
        time.sleep(2.0)
        c0, m0, t0 = cpu_seconds(pid), cpu_seconds(pid, pid), time.monotonic()
        time.sleep(CPU_S)
        took = time.monotonic() - t0
        MAIN_SHARE[:] = [(cpu_seconds(pid, pid) - m0) / took]
        return (cpu_seconds(pid) - c0) / took
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (TensorBoard and its data server)."""
    kids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid]
    return sum(cpu_seconds(k) for k in [pid, *kids] if Path(f"/proc/{k}").exists())


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def tensorboard_share(folder: Path, points: int, rate: float, noise_sd: float) -> float | None:
    """Share of a core TensorBoard (with its data server) uses following the same run, written as
    an event file at the same rate (None: TensorBoard is not installed)."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return None
    logdir = folder / f"tb_{points}_{int(rate)}_{uuid.uuid4().hex[:4]}"
    logdir.mkdir()
    code = TB_WRITER.format(here=str(HERE))
    w = subprocess.Popen(
        [sys.executable, "-c", code, str(logdir), str(points), str(rate), str(noise_sd)],
        stdout=subprocess.PIPE,
    )
    tb = None
    try:
        assert w.stdout is not None
        w.stdout.readline()  # the history is written
        port = 6100 + int(uuid.uuid4().hex[:3], 16) % 800
        tb = subprocess.Popen(
            [Path(sys.executable).with_name("tensorboard"), "--logdir", str(logdir), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(8.0 + points / 50_000)  # start-up and the first load of the history
        c0, t0 = tree_cpu(tb.pid), time.monotonic()
        time.sleep(max(CPU_S, 10.0))  # (at least two of its 5 s reloads)
        return (tree_cpu(tb.pid) - c0) / (time.monotonic() - t0)
    finally:
        for p in (w, tb):
            if p is not None:
                p.terminate()
                p.wait()


def cpu(folder: Path) -> None:
    print(
        f"CPU of the whole process over {CPU_S:.0f} s, share of one core (goal: 2% at 10 lines/s, "
        f"15% at 200); load average before: {os.getloadavg()[0]:.1f}"
    )
    idle = folder / "idle.csv"
    make_log(idle, 100)
    ours = cpu_share(idle, 0, f"{CLI} watch {idle}")
    floor = cpu_share(idle, 0, f"{sys.executable} -c '{IDLE_TEXTUAL}'")
    print(
        f"  idle (a quiet 100-point log): {ours * 100:.2f}%   "
        f"floor: an idle one-line Textual app {floor * 100:.2f}%"
    )
    for points, sd, what, suffix in (
        (100, 0.004, "       ", ".csv"),
        (100_000, 0.004, "       ", ".csv"),
        (100_000, 0.05, " noisy,", ".csv"),
        (100_000, 0.004, " steps,", ".jsonl"),  # training lines, an evaluation every EVAL_EVERY
    ):
        for rate in (10.0, 200.0):
            log = folder / f"cpu_{points}_{int(rate)}{suffix}"
            make_log(log, points, sd)
            ours = cpu_share(log, rate, f"{CLI} watch {log}", sd)
            main = MAIN_SHARE[0]
            make_log(log, points, sd)
            ref = cpu_share(log, rate, f"tail -f {log}", sd)
            tb = tensorboard_share(folder, points, rate, sd)
            tb_text = f"{tb * 100:4.1f}%" if tb is not None else "(not installed)"
            goal = 0.02 if rate <= 10 else 0.15
            verdict = "met" if ours < goal else "NOT met"
            print(
                f"  {points:>7,} points{what} {rate:>4.0f} lines/s: {ours * 100:5.1f}% (main thread "
                f"{main * 100:.1f}%)   "
                f"reference tail -f {ref * 100:4.1f}%, TensorBoard {tb_text}   "
                f"goal {goal * 100:.0f}%: {verdict}   (load {os.getloadavg()[0]:.1f})"
            )
