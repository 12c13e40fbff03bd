"""New data are drawn in coalesced frames (app/pacing.py): a writer that appends line by line does
not get a frame per line, yet the screen ends up showing the last value written, with no key
pressed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app_helpers import DATA, run_text, sync, wait_for, watch_app
from textual import events

from lossacc_tui.app.pacing import DATA_WAIT
from lossacc_tui.app.widgets.metric_plot import MetricPlot

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs (Keras)


@sync
async def test_lines_appended_one_by_one_are_drawn_in_fewer_frames_and_the_last_value_shows(
    tmp_path: Path,
) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19
    app = watch_app(log, clock=time.monotonic)
    frames: list[float] = []
    draw = app.redraw

    def counted(wait: float = 0.3, data: bool = False) -> bool:
        if wait == DATA_WAIT:  # (a frame for new data, not for a key or a resize)
            frames.append(time.monotonic())
        return draw(wait, data=data)

    app.redraw = counted  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "epoch 19" in run_text(app), what="the first 20 epochs on screen")
        lines = LINES[21:]

        def write() -> None:  # a training job flushing one line at a time
            for line in lines:
                with log.open("a") as f:
                    f.write(line)
                time.sleep(0.004)

        writer = threading.Thread(target=write)
        frames.clear()
        writer.start()
        loss = app.query_one("#loss-plot", MetricPlot)
        last = float(LINES[-1].split(",")[4])

        def shown() -> bool:
            val = [c for c in (loss.data.curves if loss.data else ()) if c.role == "val_loss"]
            done = not writer.is_alive() and "epoch 149" in run_text(app)
            return done and bool(val) and val[0].last == last

        await wait_for(pilot, shown, timeout=30, what="the last epoch and its value on screen")
        writer.join()
        assert 1 <= len(frames) < len(lines) / 4, f"{len(frames)} data frames for {len(lines)} lines"


@sync
async def test_a_data_frame_that_a_key_comes_during_is_not_drawn_and_the_keys_frame_draws_its_points(
    tmp_path: Path,
) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19
    app = watch_app(log, clock=time.monotonic)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "epoch 19" in run_text(app), what="the first 20 epochs on screen")
        await wait_for(pilot, app.first_frame.is_set, what="the first frame painted")
        app.tracker.on_change = None  # (this test draws the data frame itself)
        # (nor may a status tick: a tick schedules the frame of data no frame was scheduled for, and
        # drew the lines appended below before this test's frame, once in four runs)
        app._arm_tick = lambda wait: None  # type: ignore[method-assign]
        # (nor a data frame scheduled by a FeedChanged message posted before `on_change` was cleared,
        # or by the analysis of the first epochs finishing late: with the live analysis every 2 s it
        # drew the appended lines first, once in a few runs; this test schedules its frames itself)
        app._schedule_data = lambda: None  # type: ignore[method-assign]
        handle = app.__dict__.get("_tick_handle")
        if handle is not None:
            handle.cancel()
        # (a frame already due, for the analysis of the first epochs, would draw the lines appended
        # below before this test's frame: wait until none is)
        await wait_for(pilot, lambda: not app._dirty and app._timer is None, what="no frame due")
        loss = app.query_one("#loss-plot", MetricPlot)

        def val_last() -> float | None:
            val = [c for c in (loss.data.curves if loss.data else ()) if c.role == "val_loss"]
            return val[0].last if val else None

        with log.open("a") as f:
            f.write("".join(LINES[21:31]))  # epochs 20-29
        last = float(LINES[30].split(",")[4])

        await wait_for(pilot, lambda: read_n(app, 30), what="the new lines read")
        shown = val_last()
        assert shown != last and not loss.data.log
        app.post_message(events.Key("l", "l"))  # the log-scale key, queued while the frame runs
        app._dirty, app._frame_at, app._last_redraw = True, -10.0, -10.0  # (a frame long due)
        with app.tracker.lock:  # (held: the frame is not put off because the feed's thread has it)
            app._data_frame()
        assert val_last() == shown  # the frame stepped back: nothing of it was drawn
        assert app._dirty
        # the key's frame: its effect and the new points, together
        await wait_for(pilot, lambda: loss.data.log and val_last() == last, what="the key's frame")
        # without a key waiting, a data frame is drawn
        with log.open("a") as f:
            f.write("".join(LINES[31:41]))
        last = float(LINES[40].split(",")[4])
        await wait_for(pilot, lambda: read_n(app, 40), what="ten more lines read")
        app._dirty, app._frame_at, app._last_redraw = True, -10.0, -10.0
        with app.tracker.lock:
            app._data_frame()
        assert val_last() == last and not app._dirty


def read_n(app: object, n: int) -> bool:
    with app.tracker.lock:  # type: ignore[attr-defined]
        s = app.tracker.runs[0].run.by_role("val_loss")  # type: ignore[attr-defined]
        return s is not None and len(s) == n
