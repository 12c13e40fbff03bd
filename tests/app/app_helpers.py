"""Shared pieces of the app tests: a fixed clock, building the app on a log, waiting in a Pilot."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from lossacc_tui.app import make_app
from lossacc_tui.app.app import LossAccApp
from lossacc_tui.monitor import Monitor
from lossacc_tui.replay import Replay

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[2]


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (the project does not depend on an async pytest plugin)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


def fixed_clock() -> float:
    return 1000.0


def watch_app(*paths: Path | str, clock: Callable[[], float] = fixed_clock, **kw: Any) -> LossAccApp:
    """The app on a Monitor of these paths, the Monitor started (as the CLI does)."""
    feed = Monitor([Path(p) for p in paths], role_map=kw.pop("role_map", None))
    app = make_app(feed, " ".join(str(p) for p in paths), clock=clock, **kw)
    if clock is fixed_clock:  # (so "last point 0 s ago" whatever the age of the files read)
        app.tracker.wall = None
    feed.start()
    return app


def replay_app(path: Path | str, speed: float = 1.0, **kw: Any) -> tuple[LossAccApp, Replay]:
    feed = Replay([Path(path)], speed=speed)
    app = make_app(feed, str(path), replay=feed, clock=fixed_clock, **kw)
    feed.start()
    return app, feed


async def wait_for(pilot: Any, pred: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Let the app run until pred() holds (checked between frames). The bound is for a machine at a
    load of 10 and more (CI's two cores shared): a wait that holds at once costs nothing."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await pilot.pause(0.05)


def run_text(app: LossAccApp) -> str:
    """What the runs pane shows, as plain text."""
    from lossacc_tui.app.widgets.run_list import RunList

    rl = app.screen_stack[0].query_one(RunList)
    return "\n".join(str(rl.get_option_at_index(i).prompt) for i in range(rl.option_count))


def strips_text(widget: Any) -> str:
    """The text a line-API widget last drew."""
    return "\n".join("".join(seg.text for seg in strip) for strip in widget._strips)


async def settled(pilot: Any, app: LossAccApp, points: int) -> None:
    """Wait until every run has been read to `points` points, analysed and drawn."""

    def done() -> bool:
        with app.tracker.lock:
            return bool(app.tracker.runs) and sum(rs.run.points for rs in app.tracker.runs) >= points

    await wait_for(pilot, done, what=f"{points} points")
    # the feed analyses at most every ANALYSE_EVERY s: wait until it has seen every point read
    await wait_for(pilot, lambda: not app.tracker.feed.analysis_pending, what="the analysis of those points")
    await pilot.pause(0.3)
    app.redraw()
    await pilot.pause()
