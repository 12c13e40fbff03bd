"""A key's effect does not wait for the follower to parse a writer's new lines: the parsing runs
without the feed's lock (held here mid-parse at will, so the test controls the timing), which is
taken only to place the parsed records in their runs; and those records are then all on screen,
each once. Waits on state, never on time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from app_helpers import DATA, run_text, settled, sync, wait_for, watch_app

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger log


def hold_next_parse(feed: Any) -> tuple[threading.Event, threading.Event]:
    """The follower's next parse of the log's new bytes waits until `release` is set; `entered` is
    set once it has begun."""
    entered, release = threading.Event(), threading.Event()
    with feed.lock:
        reader = feed.sources[0].files[0].reader
    real = reader.feed

    def held(chunk: bytes) -> Any:
        entered.set()
        release.wait(120)  # (past any wait of the test: held until it lets go)
        return real(chunk)

    reader.feed = held
    return entered, release


@sync
async def test_a_key_is_drawn_while_the_follower_parses_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:61]))  # 60 epochs now, 40 more written while the test holds the parse
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60 * 4)
        feed = app.tracker.feed
        entered, release = hold_next_parse(feed)
        try:
            with log.open("a") as f:
                f.write("".join(LINES[61:101]))
            await wait_for(pilot, entered.is_set, what="the follower parsing the new lines")
            was = app.drawn_log
            await pilot.press("l")  # its frame takes the feed's lock: free while the lines are parsed
            await wait_for(pilot, lambda: app.drawn_log != was, what="the log scale toggled mid-parse")
            with feed.lock:
                (rs,) = app.tracker.runs
                assert rs.run.points == 60 * 4  # (nothing of the block placed before it is parsed)
        finally:
            release.set()
        # every new record then reaches its run, once: 100 epochs of 4 values, the last one shown
        await wait_for(pilot, lambda: "epoch 99" in run_text(app), what="epoch 99 in the run list")
        with feed.lock:
            (rs,) = app.tracker.runs
            val = rs.run.by_role("val_loss")
            assert rs.run.points == 100 * 4 and val is not None
            assert list(val.epochs) == list(range(100))
