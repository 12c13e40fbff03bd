"""Main-thread CPU of the keys that open a view or change the smoothing (`?`, `c`, `m`, `w`, `s`),
in process (the app headless at 120x40 as `lossacc-tui watch` runs it: its views built ahead, on the
100,000-point run, the log quiet): from the key's press until its frames are composited (Textual's
own handling of the key, the push or pop of a view, the frame and the compositing). The first
press of each view apart from the later ones (the first had laid the view out at the key).

    python benchmarks/bench_keys.py --views-only [--against TREE]

With `--against`, each tree's app runs in a subprocess of its own (PYTHONPATH=tree), alternating
ours / theirs, so both are measured in the same minutes."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: (key, keys that undo it): the views open and close; w picks the next weight, s turns it off
KEYS = (("question_mark", "escape"), ("c", "escape"), ("m", "escape"), ("w", "s"), ("l", "l"))
ROUNDS = 8


def measure(log: str) -> dict[str, list[float]]:
    """CPU seconds of each key's press (ROUNDS presses each, in turn), in this process."""
    import asyncio
    import gc

    from lossacc_tui.app import make_app
    from lossacc_tui.monitor import Monitor

    async def run() -> dict[str, list[float]]:
        feed = Monitor([Path(log)])
        app = make_app(feed, log)
        app.warm = True  # type: ignore[attr-defined]
        feed.start()
        got: dict[str, list[float]] = {k: [] for k, _ in KEYS}
        async with app.run_test(size=(120, 40)) as pilot:

            async def until(ok: object, what: str) -> None:
                deadline = time.monotonic() + 180
                while not ok():  # type: ignore[operator]
                    if time.monotonic() > deadline:
                        raise TimeoutError(what)
                    await pilot.pause(0.05)

            def analysed() -> bool:
                with app.tracker.lock:
                    runs = app.tracker.runs
                    return bool(runs) and runs[0].result is not None and not feed.analysis_pending

            await until(analysed, "the first analysis")
            await until(lambda: getattr(app, "_frozen", True), "the views built ahead")
            await pilot.pause(1.0)
            app.tracker.on_change = None  # (the log is quiet: only the keys draw)
            for _ in range(ROUNDS):
                for key, undo in KEYS:
                    t = time.thread_time()
                    await pilot.press(key)
                    await pilot.pause()
                    await pilot.pause()
                    got[key].append(time.thread_time() - t)
                    await pilot.pause(0.3)  # (the smoothing ahead, in its worker thread)
                    await pilot.press(undo)
                    await pilot.pause(0.3)
        feed.stop()
        gc.unfreeze()
        return got

    return asyncio.run(run())


def views(log: Path, against: Path | None) -> None:
    """Print the median of the later presses and the first press of each key, per tree."""
    ours = Path(__file__).resolve().parents[2]
    trees = {"this tree": ours} | ({f"against {against}": against} if against is not None else {})
    got: dict[str, dict[str, list[float]]] = {name: {k: [] for k, _ in KEYS} for name in trees}
    firsts: dict[str, dict[str, list[float]]] = {name: {k: [] for k, _ in KEYS} for name in trees}
    loads = []
    for rep in range(2):
        for name, tree in trees.items() if rep % 2 == 0 else reversed(trees.items()):
            loads.append(os.getloadavg()[0])
            env = dict(os.environ, PYTHONPATH=str(tree))
            out = subprocess.run(
                [sys.executable, __file__, str(log)], env=env, capture_output=True, text=True, check=True
            ).stdout
            for k, ts in json.loads(out.splitlines()[-1]).items():
                firsts[name][k].append(ts[0])
                got[name][k] += ts[1:]
    span = f"load {min(loads):.1f}-{max(loads):.1f}"
    print(f"keys that open a view or smooth, main-thread CPU in process at 120x40 ({span}):")
    for name in trees:
        med = {k: statistics.median(got[name][k]) * 1000 for k, _ in KEYS}
        first = {k: statistics.median(firsts[name][k]) * 1000 for k, _ in KEYS}
        parts = [f"{k} {med[k]:.1f} (first {first[k]:.1f})" for k, _ in KEYS]
        print(f"  {name}: ms, median of later presses (first press): " + ", ".join(parts))


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
