"""New data are drawn in coalesced frames (app/pacing.py): a writer that appends line by line does
not get a frame per line, yet the screen ends up showing the last value written, with no key
pressed."""

from __future__ import annotations

import gc
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


@sync
async def test_a_key_still_on_its_way_from_the_terminal_goes_before_a_due_data_frame(tmp_path: Path) -> None:
    """A key the terminal sent reaches the app's queue only when the main thread's callback in hand
    ends; on a loaded machine that took 50-150 ms, and a data frame due meanwhile was drawn first
    (with the compositing it sets off: the key's p99). The frame now steps back for such a key, and
    no cyclic collection runs until the key's frame is on the screen."""
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19
    app = watch_app(log, clock=time.monotonic)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "epoch 19" in run_text(app), what="the first 20 epochs on screen")
        await wait_for(pilot, app.first_frame.is_set, what="the first frame painted")
        app.tracker.on_change = None  # (this test draws the data frame itself)
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
        # the log-scale key, as the terminal's input thread hands it on (not in the app's queue
        # until this callback ends), 0.2 s before a data frame long due; a key's frame drew 0.3 s ago
        app._driver.process_message(events.Key("l", "l"))  # type: ignore[union-attr]
        assert not gc.isenabled()  # (held off until the key's frame is on the screen)
        now = time.monotonic()
        app._input_at = now - 0.2
        app._dirty, app._frame_at, app._last_redraw = True, -10.0, now - 0.3
        with app.tracker.lock:  # (held: the frame is not put off because the feed's thread has it)
            app._data_frame()
        assert val_last() == shown and app._dirty  # the frame waits for the key
        await wait_for(pilot, lambda: loss.data.log and val_last() == last, what="the key's frame")
        await wait_for(pilot, gc.isenabled, what="the collector on again once the key's frame is drawn")


@sync
async def test_a_key_that_comes_while_new_data_are_drawn_goes_before_the_rest_of_their_panes(
    tmp_path: Path,
) -> None:
    """While the user is at the keys, a frame of new data hands the run list and the loss plot their
    data at once and each other pane in a callback of its own: a key that comes meanwhile is served
    between two panes (the heaviest such frames, axes drawn anew as the x axis grows, took 20-70 ms
    of the main thread in one piece), and its frame, which draws every pane, replaces the rest."""
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19
    app = watch_app(log, clock=time.monotonic)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "epoch 19" in run_text(app), what="the first 20 epochs on screen")
        await wait_for(pilot, app.first_frame.is_set, what="the first frame painted")
        app.tracker.on_change = None  # (this test draws the data frame itself)
        await wait_for(pilot, lambda: not app._dirty and app._timer is None, what="no frame due")
        loss = app.query_one("#loss-plot", MetricPlot)
        acc = app.query_one("#acc-plot", MetricPlot)
        given: list[object] = []  # what the accuracy plot was handed, in order
        real = acc.set_data

        def set_acc(data: object) -> None:
            given.append(data)
            real(data)  # type: ignore[arg-type]

        acc.set_data = set_acc  # type: ignore[method-assign]
        with log.open("a") as f:
            f.write("".join(LINES[21:31]))  # epochs 20-29
        last = float(LINES[30].split(",")[4])
        await wait_for(pilot, lambda: read_n(app, 30), what="the new lines read")
        await pilot.press("escape")  # (the user is at the keys: more may come)
        app._dirty, app._frame_at, app._last_redraw = True, -10.0, -10.0  # (a frame long due)
        with app.tracker.lock:
            app._data_frame()
        val = [c for c in loss.data.curves if c.role == "val_loss"]
        assert val and val[0].last == last  # the loss plot shows the new points at once
        assert given == []  # the accuracy plot's turn comes in a callback of its own
        app.post_message(events.Key("l", "l"))  # the log-scale key, come meanwhile
        await wait_for(pilot, lambda: loss.data.log and bool(given), what="the key's frame")
        await wait_for(pilot, lambda: app._timer is None or not app._dirty, what="the frames settled")
        await pilot.pause()
        # the accuracy plot was drawn once, by the key's frame (with the new points); the data
        # frame's turn for it, which came after the key, was dropped
        assert len(given) == 1 and acc.data is given[0]
        assert "epoch 29" in run_text(app)
