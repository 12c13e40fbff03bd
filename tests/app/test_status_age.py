"""The status line's "last point N ago" is when the log was written, not when the view read it:
a log last written yesterday reads "last written 25 h 0 min ago", not "live · last point 1 s ago"
(tester 11), and it is live again once it grows."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.widgets.status_line import StatusLine

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger log


@sync
async def test_a_log_last_written_yesterday_is_not_called_live_until_it_grows(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # the header and 20 epochs
    day = time.time() - 25 * 3600
    os.utime(log, (day, day))
    app = watch_app(log, clock=time.monotonic)  # (the real clocks: the file's age is what is told)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one(StatusLine)
        await wait_for(pilot, lambda: "last written" in status.plain, what="the log's age told")
        assert "last written 25 h 0 min ago" in status.plain or "last written 25 h 1 min ago" in status.plain
        assert "live" not in status.plain and "last point" not in status.plain
        with open(log, "a") as f:  # the training writes again
            f.write(LINES[21])
        await wait_for(pilot, lambda: "· live · last point" in status.plain, what="live again")
        assert "last written" not in status.plain
        with app.tracker.lock:
            assert app.tracker.runs[0].run.points == 21 * 4


@sync
async def test_a_quiet_log_s_status_line_is_worked_out_only_when_its_words_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "last point 3 min ago" changes once a minute: the view worked the status line out (the
    feed's lock taken, the statuses copied, the words built) every second all the same, the one
    thing a quiet log's view did (#12: a quiet log should cost what an idle app costs)."""
    from lossacc_tui.app import drawing

    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))
    three_min = time.time() - 185  # (not a minute's edge for the next 40 s)
    os.utime(log, (three_min, three_min))
    worked: list[float] = []
    real = drawing.status_parts

    def counted(*args: object, **kwargs: object) -> object:
        worked.append(time.monotonic())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(drawing, "status_parts", counted)
    app = watch_app(log, clock=time.monotonic)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one(StatusLine)
        await settled(pilot, app, 20 * 4)
        await wait_for(pilot, lambda: "last point 3 min ago" in status.plain, what="the log's age told")
        await wait_for(pilot, lambda: not app.tracker.feed.analysis_pending, what="the analysis")
        await pilot.pause(1.5)
        worked.clear()
        await pilot.pause(4.0)
        assert worked == [], f"worked out {len(worked)} times in 4 s with no change of its words"
        assert "last point 3 min ago" in status.plain
