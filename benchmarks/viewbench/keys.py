"""Key to screen: each key of the view whose effect shows as text, pressed ROUNDS times on a
100,000-point run, quiet and while 2,000 lines/s are appended; the reference is a key echoed by
`cat` through the same tmux (its median and p99: what the machine's load alone costs a key)."""

from __future__ import annotations

import json
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


def _option(name: str, default: str | None) -> str | None:
    """`--name VALUE` from the command line, else `default`."""
    args = sys.argv[1:]
    return args[args.index(name) + 1] if name in args[:-1] else default


#: presses of each key (13 keys): `--rounds N`; under load, with `--against TREE`, N for each view
ROUNDS = int(_option("--rounds", "10" if LONG else "4") or 4)
#: `--against TREE`: the loaded presses also on another tree's view (a `git archive` of the trunk),
#: interleaved round by round with this one's in the same minutes (the load swings 2-3x in minutes)
AGAINST = _option("--against", None)
#: `--trace DIR`: this tree's view runs under `trace.py` (DIR/view-N.jsonl) and each press is written
#: to DIR/presses.jsonl (tree, key, monotonic time sent, seconds to screen): `tail.py DIR` joins them
TRACE = _option("--trace", None)
BLOCK = 3  # rounds a view is pressed before both start again on fresh 100,000-point logs

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
        press_round(session, got)
    return got


def press_round(session: str, got: dict[str, list[float]], tree: str = "") -> None:
    """Each key once (into `got`): press, wait for its effect, undo it, wait until undone."""
    for key, shown, undo, gone in KEYS:
        sent = time.monotonic()
        got.setdefault(key, []).append(key_to_screen(session, key, shown))
        if TRACE is not None:
            with open(Path(TRACE) / "presses.jsonl", "a") as fh:
                fh.write(json.dumps({"tree": tree, "key": key, "sent": sent, "took": got[key][-1],
                                     "load": os.getloadavg()[0]}) + "\n")  # fmt: skip
        time.sleep(0.35)  # (a key within 0.3 s of opening help is taken as the same press)
        if undo:
            tmux("send-keys", "-t", session, undo)
            wait(session, lambda s, g=gone: g not in s, f"{gone!r} never gone after {undo}")
        elif key == "x":
            wait(session, lambda s, t=shown: t not in s, "the note never went")
        time.sleep(0.15)


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


def keys_against(log: Path, tree: Path) -> None:
    """The loaded presses on this tree's view and on `tree`'s (each `python -m lossacc_tui watch`
    on a copy of the 100,000-point log, started from a folder that is not a checkout, so
    PYTHONPATH picks the tree), interleaved: a round of every key on one while the writer appends
    2,000 lines/s to its log, then a round on the other (which goes first alternates); both start
    again on fresh logs every BLOCK rounds, so the run stays near 100,000 points."""
    ours = Path(__file__).resolve().parents[2]
    trees = {"this tree": ours, f"against {tree}": tree}
    got: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    loads: list[float] = []
    ref = reference()
    floor = statistics.median(ref)
    print(
        f"reference (tmux + capture polling, a key echoed by cat): median {floor * 1000:.0f} ms, "
        f"p99 {pct(ref, 99) * 1000:.0f} ms (load {os.getloadavg()[0]:.1f})"
    )
    done = 0
    while done < ROUNDS:
        sessions: dict[str, str] = {}
        logs: dict[str, Path] = {}
        try:
            for k, (name, root) in enumerate(trees.items()):
                logs[name] = log.with_name(f"ab{k}.csv")
                logs[name].write_bytes(log.read_bytes())
                sessions[name] = f"ab{k}"
                run = "-m lossacc_tui"
                if TRACE is not None and root == ours:
                    Path(TRACE).mkdir(parents=True, exist_ok=True)
                    run = f"{ours}/benchmarks/viewbench/trace.py {TRACE}/view-{done}.jsonl"
                start(
                    sessions[name],
                    f"sh -c 'cd {log.parent} && exec env PYTHONPATH={root} {sys.executable} {run}"
                    f" watch {logs[name]}'",
                )
            for name, session in sessions.items():
                wait(session, lambda s: "99,999" in s and "last point" in s, f"{name}: never loaded", 90)
                wait(session, analysed, f"{name}: never analysed", 180)
            time.sleep(1.0)
            for _ in range(min(BLOCK, ROUNDS - done)):
                order = list(trees) if done % 2 == 0 else list(trees)[::-1]
                for name in order:
                    load = writer(logs[name], 2000)
                    try:
                        time.sleep(2.0)
                        loads.append(os.getloadavg()[0])
                        press_round(sessions[name], got[name], name)
                    finally:
                        load.kill()
                        load.wait()
                    time.sleep(1.0)
                done += 1
        finally:
            for session in sessions.values():
                tmux("kill-session", "-t", session)
    span = f"load {min(loads):.1f}-{max(loads):.1f}"
    print(f"under load (2,000 lines/s appended), interleaved round by round, {span}:")
    for name in trees:
        report_keys(f"  {name}", got[name], floor)
