"""Keys and new points do not wait for the analysis: while an analysis pass is under way (held here
at will, so the test controls the timing), a key's effect and newly written points are on screen,
the status line says "analysing…", and the alerts and summary shown are the last analysis' until
the pass ends. Waits on state, never on time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from app_helpers import DATA, settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.status_line import StatusLine

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger log


def hold_next_update(feed: Any) -> tuple[threading.Event, threading.Event]:
    """The next analysis update of the feed's (one) run waits until `release` is set; `entered` is
    set when it has begun (without the feed's lock: the point of the change)."""
    entered, release = threading.Event(), threading.Event()
    with feed.lock:
        (an,) = feed.analyzers.values()
    real = an.update

    def held() -> Any:
        entered.set()
        release.wait(120)  # (past any wait of the test: held until it lets go)
        return real()

    an.update = held
    return entered, release


@sync
async def test_keys_and_new_points_are_drawn_while_an_analysis_is_under_way(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:61]))  # 60 epochs now, the rest written during the analysis
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60 * 4)
        feed = app.tracker.feed
        box = app.query_one("#explanation")
        assert "epoch 59" in box.text  # the summary of the analysed points
        entered, release = hold_next_update(feed)
        try:
            with log.open("a") as f:
                f.write("".join(LINES[61:101]))
            await wait_for(pilot, entered.is_set, what="an analysis pass under way")
            # new points are read and drawn meanwhile (the follower and the frame take the lock)
            last = f"val_loss {fmt_num(float(LINES[100].rsplit(',', 1)[1]))}"
            loss = app.query_one("#loss-plot", MetricPlot)
            await wait_for(pilot, lambda: last in strips_text(loss), what="the new points in the legend")
            # a key's effect is on screen
            was = app.drawn_log
            await pilot.press("l")
            await wait_for(pilot, lambda: app.drawn_log != was, what="the log scale toggled")
            # the screen says the analysis is under way; the alerts and states are the last ones
            status = app.query_one(StatusLine)
            await wait_for(pilot, lambda: "analysing…" in status.plain, what="'analysing…' shown")
            with feed.lock:
                (rs,) = app.tracker.runs
                assert rs.result is not None and rs.result.points == 60 * 4  # (the last analysis')
            assert feed.analysis_pending
        finally:
            release.set()
        await wait_for(pilot, lambda: not feed.analysis_pending, what="the analysis ended")
        # its results are handed over: of every point; the summary says where the run is now
        await wait_for(pilot, lambda: "analysing…" not in status.plain, what="'analysing…' gone")
        with feed.lock:
            (rs,) = app.tracker.runs
            assert rs.result is not None and rs.result.points == 100 * 4
        await wait_for(pilot, lambda: "epoch 99" in box.text, what="the summary at the last epoch")
