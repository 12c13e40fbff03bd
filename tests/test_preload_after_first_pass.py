"""The first alerts are not held up by the view's preload: the modules the view needs later (Rich's
Markdown, the help, compare and metrics views) are imported once the feed's first analysis pass has
handed its alerts over, not beside it (they shared the interpreter with the analysis' own import and
pass: on a 1,000-row log the alerts came 0.3-0.5 s later). One preload however many frames are drawn
before the first one's callback runs. A real numpy training's log, the real app and feed."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from numpy_softmax import epoch_run

from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.app import make_app, preload
from lossacc_tui.monitor import Monitor

WAIT = 30.0  # seconds at most for what the test waits on (a loaded machine)


def test_preload_waits_for_the_first_analysis_pass_and_starts_once(tmp_path: Path, monkeypatch: Any) -> None:
    log = tmp_path / "training.csv"
    epoch_run(log, 3, epochs=40, lr=0.5, seed=3)
    hold, held = threading.Event(), threading.Event()  # the first pass: held inside; entered
    update = Analyzer.update

    def held_update(self: Analyzer) -> Any:
        held.set()
        hold.wait(WAIT)
        return update(self)

    monkeypatch.setattr(Analyzer, "update", held_update)
    imported: list[bool] = []  # per preload's Markdown import: whether the first pass had ended
    started: list[int] = []
    markdown, start = preload.markdown, preload.start

    def recorded_markdown() -> None:
        imported.append(feed.first_pass.is_set())
        markdown()

    def counted_start(*a: Any, **k: Any) -> None:
        started.append(1)
        start(*a, **k)

    monkeypatch.setattr(preload, "markdown", recorded_markdown)
    monkeypatch.setattr(preload, "start", counted_start)
    feed = Monitor([log])
    waiting = threading.Event()  # the preload thread is waiting for the first pass

    class Watched(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waiting.set()
            return super().wait(timeout)

    feed.first_pass = Watched()

    async def run() -> None:
        app = make_app(feed, str(log))
        feed.start()
        async with app.run_test(size=(160, 40)) as pilot:
            deadline = time.monotonic() + WAIT
            while not (held.is_set() and app.first_frame.is_set() and (waiting.is_set() or imported)):
                assert time.monotonic() < deadline, (held.is_set(), app.first_frame.is_set())
                await pilot.pause(0.02)
            assert imported == []  # (the first pass is held: nothing imported beside it)
            app._first_painted()  # (a second frame drawn before the first one's callback ran)
            hold.set()
            while not imported or not app._views_imported.is_set():
                assert time.monotonic() < deadline
                await pilot.pause(0.02)
            assert imported == [True]
            assert started == [1]
        feed.stop()

    try:
        asyncio.run(run())
    finally:
        hold.set()
