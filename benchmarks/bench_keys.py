"""Keys under load and the view's CPU, in a real terminal (tmux, 120x40).

    python -m benchmarks bench_keys            # short: 4 presses a key, 8 s CPU windows
    python -m benchmarks bench_keys --long     # 10 presses a key, 20 s CPU windows

1. Key to screen: for every key of the terminal view whose effect shows as text, the time from the
   key sent to the screen showing its effect, on a 100,000-point run, first with the log quiet,
   then while a writer appends 2,000 lines a second to it. Median and p99 over all presses (and
   per key: median and worst). Goal: median under 100 ms, p99 under 250 ms, loaded too.
2. CPU of the view (the whole `lossacc-tui watch` process, from /proc) while a writer appends 10 and
   200 lines a second, to a run of 100 points and to one of 100,000. Goal: under 2 % of a core at
   10 lines/s, under 15 % at 200, the same at both lengths.

The screen is read with `tmux capture-pane` in a loop, so each key figure includes tmux's own latency
and the polling; the reference measures exactly that floor in the same run: a key sent to `cat`,
which echoes it at once. The CPU reference is `tail -f` on the same log at the same rate (a process
that follows the file and writes what it reads to the same kind of terminal).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

CLI = Path(sys.executable).with_name("lossacc-tui")
SOCKET = f"lossacc-bench-{uuid.uuid4().hex[:6]}"  # a tmux server of our own
LONG = "--long" in sys.argv
ROUNDS = 10 if LONG else 4
CPU_S = 20.0 if LONG else 8.0
HEADER = "epoch,accuracy,loss,val_accuracy,val_loss\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: (key, text shown once the key took effect, keys that undo it, text gone once undone)
Step = tuple[str, str, str, str]
KEYS: list[Step] = [
    ("?", "Glyphs", "Escape", "Glyphs"),
    ("c", "ranked by best value", "Escape", "ranked by best value"),
    ("m", "metrics · page", "Escape", "metrics · page"),
    ("s", "(smoothed 0.", "s", "(smoothed"),
    ("w", "(smoothed 0.", "s", "(smoothed"),
    ("l", "loss (log)", "l", "loss (log)"),
    ("x", "no step numbers", "", ""),
    # (the cursor keys in a row: home/end jump the cursor only while it is shown; in a focused
    # list without a cursor they move the list)
    ("Left", "@ ep ", "", ""),
    ("Home", "@ ep 0 ", "", ""),
    ("Right", "@ ep 1 ", "", ""),
    ("End", r"re:@ ep [\d.]+e5 ", "Escape", "@ ep "),  # (the last epoch: 1e5 idle, 1.2e5 on under load)
    ("Space", "■", "Space", "■"),
    ("p", "▣", "p", "▣"),
]


def rows(start: int, stop: int, rng: np.random.Generator) -> str:
    """Keras CSVLogger rows of a long run that learns, then overfits a little, with evaluation
    noise (so alerts open and close: three to ten of them, a plateau's merged closings)."""
    i = np.arange(start, stop, dtype=float)
    acc = 0.5 + 0.4 * i / (i + 500)
    loss = 0.25 + 0.5 / (1 + i / 400)
    noise = rng.normal(0, 0.004, size=(2, len(i)))
    val_acc = acc - 0.05 + noise[0]
    val_loss = loss + 0.1 + 2e-7 * i + noise[1]
    cols = (i, acc, loss, val_acc, val_loss)
    return "".join(f"{int(e)},{a:.6f},{b:.6f},{c:.6f},{d:.6f}\n" for e, a, b, c, d in zip(*cols, strict=True))


WRITER = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
from bench_keys import rows
path, start, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(start)
n, t0 = start, time.monotonic()
with open(path, "a") as f:
    while True:
        want = start + int((time.monotonic() - t0) * rate)
        if want > n:
            f.write(rows(n, want, rng)); f.flush(); n = want
        time.sleep(0.01)
"""


def make_log(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    with path.open("w") as f:
        f.write(HEADER)
        for s in range(0, n, 10_000):
            f.write(rows(s, min(n, s + 10_000), rng))


def writer(path: Path, rate: float) -> subprocess.Popen[bytes]:
    n = sum(1 for _ in path.open()) - 1
    code = WRITER.format(here=str(Path(__file__).resolve().parent))
    return subprocess.Popen([sys.executable, "-c", code, str(path), str(n), str(rate)])


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait(session: str, ok: Callable[[str], bool], what: str, timeout: float = 15.0) -> float:
    start = time.perf_counter()
    while not ok(screen(session)):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{what}:\n{screen(session)}")
    return time.perf_counter() - start


def key_to_screen(session: str, key: str, text: str) -> float:
    """Seconds from the key sent to `text` on screen (a `re:` text is a regular expression)."""
    start = time.perf_counter()
    tmux("send-keys", "-t", session, key)
    if text.startswith("re:"):
        pattern = re.compile(text[3:])
        wait(session, lambda s: pattern.search(s) is not None, f"{text!r} never shown after {key}")
    else:
        wait(session, lambda s: text in s, f"{text!r} never shown after {key}")
    return time.perf_counter() - start


def start(session: str, command: str) -> int:
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {command}")
    return int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reference() -> list[float]:
    """tmux plus polling: a character sent to `cat` until it is on the screen."""
    start("ref", "cat")
    times = []
    try:
        time.sleep(0.5)
        typed = ""
        for i in range(ROUNDS * 5):
            typed += "xyzw"[i % 4]
            times.append(key_to_screen("ref", typed[-1], typed))
    finally:
        tmux("kill-session", "-t", "ref")
    return times


def press_all(session: str) -> dict[str, list[float]]:
    """Each key ROUNDS times: press, wait for its effect, undo it, wait until undone."""
    got: dict[str, list[float]] = {k[0]: [] for k in KEYS}
    for _ in range(ROUNDS):
        for key, shown, undo, gone in KEYS:
            got[key].append(key_to_screen(session, key, shown))
            time.sleep(0.35)  # (a key within 0.3 s of opening help is taken as the same press)
            if undo:
                tmux("send-keys", "-t", session, undo)
                wait(session, lambda s, g=gone: g not in s, f"{gone!r} never gone after {undo}")
            elif key == "x":
                wait(session, lambda s, t=shown: t not in s, "the note never went")
            time.sleep(0.15)
    return got


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def report_keys(label: str, got: dict[str, list[float]], floor: float) -> None:
    pooled = [t for ts in got.values() for t in ts]
    med, p99 = statistics.median(pooled), pct(pooled, 99)
    verdict = "met" if med < 0.1 and p99 < 0.25 else "NOT met"
    print(
        f"{label}: all keys median {med * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"({len(pooled)} presses; {med / floor:.1f}x the reference); goal 100/250 ms: {verdict}"
    )
    print(
        "  "
        + "  ".join(f"{k} {statistics.median(ts) * 1000:.0f}/{max(ts) * 1000:.0f}" for k, ts in got.items())
    )


def keys(log: Path) -> None:
    floor = statistics.median(reference())
    print(f"reference (tmux + capture polling, a key echoed by cat): median {floor * 1000:.0f} ms")
    session = "keys"
    pid = start(session, f"{CLI} watch {log}")
    load = None
    try:
        wait(session, lambda s: "99,999" in s and "last point" in s, "the run never loaded", timeout=60)
        time.sleep(1.0)
        report_keys("idle (a quiet 100,000-point log)", press_all(session), floor)
        load = writer(log, 2000)
        time.sleep(2.0)
        c0, t0 = cpu_seconds(pid), time.monotonic()
        loaded = press_all(session)
        cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        report_keys("under load (2,000 lines/s appended)", loaded, floor)
        print(f"  (the view used {cpu * 100:.0f}% of a core meanwhile)")
        load.kill()
        load.wait()
        load = None
        time.sleep(1.0)
        start_q = time.perf_counter()
        tmux("send-keys", "-t", session, "q")
        while Path(f"/proc/{pid}").exists() and time.perf_counter() - start_q < 15:
            time.sleep(0.005)
        print(f"q: the process ended {(time.perf_counter() - start_q) * 1000:.0f} ms after the key")
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)


def cpu_share(log: Path, rate: float, command: str) -> float:
    """Share of a core `command` uses while `rate` lines a second are appended to `log`."""
    session = f"cpu{uuid.uuid4().hex[:4]}"
    pid = start(session, command)
    load = None
    try:
        if "lossacc" in command:
            wait(session, lambda s: "last point" in s, "the run never loaded", timeout=60)
        time.sleep(2.0)
        load = writer(log, rate)
        time.sleep(2.0)
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(CPU_S)
        return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)


def cpu(folder: Path) -> None:
    print(
        f"CPU of the whole process over {CPU_S:.0f} s, share of one core (goal: 2% at 10 lines/s, 15% at 200)"
    )
    for points in (100, 100_000):
        for rate in (10.0, 200.0):
            log = folder / f"cpu_{points}_{int(rate)}.csv"
            make_log(log, points)
            ours = cpu_share(log, rate, f"{CLI} watch {log}")
            make_log(log, points)
            ref = cpu_share(log, rate, f"tail -f {log}")
            goal = 0.02 if rate <= 10 else 0.15
            verdict = "met" if ours < goal else "NOT met"
            print(
                f"  {points:>7,} points, {rate:>4.0f} lines/s: {ours * 100:5.1f}%   "
                f"reference tail -f {ref * 100:4.1f}%   goal {goal * 100:.0f}%: {verdict}"
            )


def main() -> int:
    if shutil.which("tmux") is None or not CLI.exists():
        print("bench_keys: skipped: needs tmux and the installed lossacc-tui command")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.csv"
        make_log(log, 100_000)
        try:
            if "--cpu-only" not in sys.argv:
                keys(log)
            if "--keys-only" not in sys.argv:
                cpu(Path(tmp))
        finally:
            tmux("kill-server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
