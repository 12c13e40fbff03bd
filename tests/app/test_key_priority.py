"""A key's frame has the interpreter to itself: from the key until its effect is drawn, the feed's
thread (which parses and analyses under the tracker's lock) waits; then it reads on, and every
line written meanwhile is shown. (Timing figures: benchmarks/bench_keys.py.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app_helpers import DATA, run_text, settled, sync, wait_for, watch_app
from textual import events

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs


@sync
async def test_the_feed_waits_while_a_key_is_drawn_and_loses_nothing(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:2]))
    app = watch_app(log)
    stop, written = threading.Event(), [0]

    def writer() -> None:  # a writer that never pauses: the feed has new lines every few ms
        with log.open("a") as f:
            for line in LINES[2:]:
                if stop.is_set():
                    return
                f.write(line)
                f.flush()
                written[0] += 1
                time.sleep(0.02)

    keys: list[tuple[int, int]] = []  # (feed's version when the key came, when its frame was drawn)
    real_priority, real_end = app.key_priority, app.end_priority

    def key_priority() -> None:
        real_priority()
        if app._priority_since is not None:
            keys.append((app.tracker.version, -1))

    def end_priority(since: float | None = None) -> None:
        if app._priority_since is not None and since in (None, app._priority_since) and keys:
            keys[-1] = (keys[-1][0], app.tracker.version)
        real_end(since)

    app.key_priority, app.end_priority = key_priority, end_priority  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 4)
        t = threading.Thread(target=writer)
        t.start()
        try:
            for key in ("l", "l", "x", "x", "left", "escape"):
                await wait_for(pilot, lambda: app._priority_since is None, what="the last key drawn")
                await pilot.pause(0.15)  # (two keys closer than PRIORITY_GAP share the feed's time)
                app.post_message(events.Key(key, None))
            await wait_for(pilot, lambda: len(keys) == 6 and keys[-1][1] >= 0, what="six keys drawn")
        finally:
            await wait_for(pilot, lambda: written[0] == len(LINES) - 2 or stop.is_set(), timeout=30)
            stop.set()
            t.join()
        assert [before for before, _ in keys] == [drawn for _, drawn in keys]  # the feed waited
        assert app.opts.log_loss is False and app.drawn_axis == "epoch"  # each key took effect
        await wait_for(pilot, lambda: "epoch 149" in run_text(app), what="every line written shown")
        with app.tracker.lock:
            assert app.tracker.runs[0].run.points == 4 * 150  # nothing lost, nothing doubled
