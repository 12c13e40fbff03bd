"""Key to screen: for every key of the terminal view, the time from the key sent to the screen
showing its effect, in a real terminal (tmux, 120x40), on a finished 150-epoch log.

    python -m benchmarks bench_keys

The screen is read with `tmux capture-pane` in a loop, so each figure includes tmux's own latency
and the polling; the reference line measures exactly that floor in the same run: a key sent to
`cat`, which echoes it at once. Goal: median under 100 ms for every key (ratios to the reference
say how much of it is ours on a loaded machine).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "demo_logs" / "loss_up_acc_up" / "training.log"
CLI = Path(sys.executable).with_name("lossacc-tui")
SOCKET = f"lossacc-bench-{uuid.uuid4().hex[:6]}"  # a tmux server of our own
ROUNDS = 5
#: (key, text the screen shows once the key took effect, key that undoes it, text after undoing)
KEYS = [
    ("?", "Glyphs", "Escape", "q Quit  ? Help"),
    ("c", "ranked by best value", "Escape", "q Quit  ? Help"),
    ("m", "metrics · page", "Escape", "q Quit  ? Help"),
    ("s", "(smoothed 0.6)", "s", "val_loss 0.7505"),
    ("l", "loss (log)", "l", "loss  ─"),
    ("Left", "@ ep 149", "Escape", "loss  ─"),
    ("Home", "@ ep 0 ", "Escape", "loss  ─"),
]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait(session: str, text: str, present: bool = True, timeout: float = 10.0) -> float:
    start = time.perf_counter()
    while (text in screen(session)) != present:
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{text!r} {'never shown' if present else 'never gone'}:\n{screen(session)}")
    return time.perf_counter() - start


def key_to_screen(session: str, key: str, text: str) -> float:
    start = time.perf_counter()
    tmux("send-keys", "-t", session, key)
    wait(session, text)
    return time.perf_counter() - start


def reference() -> list[float]:
    """tmux plus polling: a character sent to `cat` until it is on the screen."""
    session = "ref"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "cat")
    times = []
    try:
        time.sleep(0.5)
        typed = ""
        for i in range(ROUNDS * 4):
            typed += "xyzw"[i % 4]
            times.append(key_to_screen(session, typed[-1], typed))
    finally:
        tmux("kill-session", "-t", session)
    return times


def main() -> None:
    if shutil.which("tmux") is None or not CLI.exists():
        print("bench_keys: needs tmux and the installed lossacc-tui command")
        return
    ref = reference()
    session = "keys"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"{CLI} watch {LOG}")
    try:
        wait(session, "epoch 149", timeout=30)
        time.sleep(1.0)
        rows = []
        for key, shown, undo, back in KEYS:
            times = []
            for _ in range(ROUNDS):
                times.append(key_to_screen(session, key, shown))
                time.sleep(0.4)  # (a key within 0.3 s of opening help is taken as the same press)
                tmux("send-keys", "-t", session, undo)
                wait(session, shown, present=False)
                wait(session, back)
                time.sleep(0.2)
            rows.append((key, times))
    finally:
        tmux("kill-server")
    floor = statistics.median(ref)
    print(f"reference (tmux + capture polling, a key echoed by cat): median {floor * 1000:.0f} ms")
    print(f"{'key':<6} {'median':>8} {'max':>8} {'x ref':>6}  goal: median < 100 ms")
    for key, times in rows:
        med = statistics.median(times)
        verdict = "met" if med < 0.1 else "NOT met"
        print(f"{key:<6} {med * 1000:>6.0f}ms {max(times) * 1000:>6.0f}ms {med / floor:>6.1f}  {verdict}")


if __name__ == "__main__":
    main()
