"""Key to screen: each key of the view whose effect shows as text, pressed ROUNDS times on a
100,000-point run, quiet and while 2,000 lines/s are appended; the reference is a key echoed by
`cat` through the same tmux (its median and p99: what the machine's load alone costs a key)."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from .logs import writer
from .term import (
    ANALYSING,
    CLI,
    analysed,
    cpu_seconds,
    ended,
    key_to_screen,
    reaped_after,
    screen,
    start,
    tmux,
    wait,
)

LONG = "--long" in sys.argv
ROUNDS = 10 if LONG else 4

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
    ref = reference()
    floor = statistics.median(ref)
    print(
        f"reference (tmux + capture polling, a key echoed by cat): median {floor * 1000:.0f} ms, "
        f"p99 {pct(ref, 99) * 1000:.0f} ms (load {os.getloadavg()[0]:.1f})"
    )
    session = "keys"
    pid = start(session, f"{CLI} watch {log}")
    load = None
    try:
        wait(session, lambda s: "99,999" in s and "last point" in s, "the run never loaded", timeout=60)
        # the first analysis of the 100,000 points runs without the feed's lock (seconds under
        # load): a key pressed meanwhile is timed, then the first analysis' length
        during = []
        if ANALYSING in screen(session):
            during.append(key_to_screen(session, "l", "loss (log)"))
            tmux("send-keys", "-t", session, "l")
        took = wait(session, analysed, "the run was never analysed", timeout=120)
        print(
            f"the first analysis ended {took:.1f} s after the run was on screen; a key pressed during it: "
            + (f"{during[0] * 1000:.0f} ms to screen" if during else "(none: it had ended)")
        )
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
        while not ended(pid) and time.perf_counter() - start_q < 15:
            time.sleep(0.002)
        took = time.perf_counter() - start_q
        print(
            f"q: the process ended {took * 1000:.0f} ms after the key (reference: tmux reaps an ended"
            f" pane's process {reaped_after() * 1000:.0f} ms after it ends, so its pid outlives it)"
        )
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)
