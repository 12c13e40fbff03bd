"""The value cursor, driven through Pilot: left/right/home/end and a click move a line across the
plots; the legends read every series there, with the state and the alerts open at that x."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from app_helpers import DATA, REPO, settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.widgets.metric_plot import CURSOR, MetricPlot
from lossacc_tui.app.widgets.run_list import RunList


def _value(app: object, role: str, epoch: float) -> float:
    """The logged value of a role's series at an epoch, read from the run itself."""
    rs = app.tracker.runs[app.selected_run]  # type: ignore[attr-defined]
    s = rs.run.by_role(role)
    i = int(np.flatnonzero(s.epochs == epoch)[-1])
    return float(s.values[i])


def _legend(plot: MetricPlot) -> str:
    return strips_text(plot).splitlines()[0]


@sync
async def test_keys_move_the_cursor_and_the_legends_read_the_values_there(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    shutil.copy(DATA / "training.log", log)
    app = watch_app(log)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 600)
        loss, acc = app.query_one("#loss-plot", MetricPlot), app.query_one("#acc-plot", MetricPlot)
        assert app.cursor is None and CURSOR not in strips_text(loss)
        await pilot.press("left")  # from no cursor: the last epoch
        await wait_for(pilot, lambda: app.cursor == 149.0, what="cursor at the last epoch")
        await pilot.press("left", "left")
        await wait_for(pilot, lambda: app.cursor == 147.0, what="cursor two epochs back")
        await wait_for(pilot, lambda: "@ ep 147" in _legend(loss), what="legend at epoch 147")
        text = _legend(loss)
        for c in loss.data.curves:  # each series' own value at epoch 147, as the legend writes it
            assert c.at == _value(app, c.role, 147.0)
            assert f"{c.label} {c.at:.4g}" in text or f"{c.label} {c.at:.3g}" in text
        assert [c.at for c in acc.data.curves] == [_value(app, c.role, 147.0) for c in acc.data.curves]
        # the state and the alerts open at epoch 147 (the loss-up-acc-up alert opened before it)
        kinds = loss.data.cursor_alerts
        assert kinds is not None and "loss-up-acc-up" in kinds
        assert "loss-up-acc-up" in text or f"· {len(kinds)} alerts" in text  # the kinds, or how many
        assert loss.data.cursor_state and f"· {loss.data.cursor_state}" in text
        assert CURSOR in strips_text(loss) and CURSOR in strips_text(acc)
        await pilot.press("home")
        await wait_for(pilot, lambda: app.cursor == 0.0, what="cursor at the first epoch")
        await wait_for(pilot, lambda: "@ ep 0 " in _legend(loss), what="legend at epoch 0")
        assert "no alert" in _legend(loss) and loss.data.cursor_alerts == ()  # nothing open at epoch 0
        await pilot.press("right")
        await wait_for(pilot, lambda: app.cursor == 1.0, what="cursor one epoch on")
        await pilot.press("end")
        await wait_for(pilot, lambda: app.cursor == 149.0, what="cursor back at the end")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.cursor is None, what="cursor off")
        await wait_for(pilot, lambda: "@ ep" not in _legend(loss), what="latest values again")
        assert CURSOR not in strips_text(loss)


@sync
async def test_a_click_on_a_plot_puts_the_cursor_on_the_nearest_epoch(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    shutil.copy(DATA / "training.log", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        plot = app.query_one("#acc-plot", MetricPlot)
        col = next(c for c in range(plot.size.width) if (x := plot.x_at(c)) is not None and x >= 75)
        await pilot.click(plot, offset=(col, plot.size.height // 2))
        await wait_for(pilot, lambda: app.cursor is not None, what="cursor after the click")
        assert abs(app.cursor - plot.x_at(col)) <= 1.0 and float(app.cursor).is_integer()


@sync
async def test_the_selected_alert_keeps_its_marker_while_the_cursor_is_on(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    shutil.copy(DATA / "training.log", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        app.query_one("#alerts").focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: app.selected_alert is not None, what="an alert selected")
        await pilot.press("left", "home")  # (the cursor shown: home jumps it, not the list)
        await wait_for(pilot, lambda: app.cursor == 0.0, what="cursor at the start")
        loss = app.query_one("#loss-plot", MetricPlot)
        await wait_for(pilot, lambda: loss.data.cursor == 0.0, what="cursor drawn")
        assert loss.data.vlines and loss.data.vlines[0].selected  # the alert's line is still drawn


@sync
async def test_the_demo_opens_on_its_focused_run_with_a_banner(tmp_path: Path) -> None:
    live, other = tmp_path / "live_run", tmp_path / "aaa_other"
    live.mkdir()
    other.mkdir()
    shutil.copy(DATA / "training.log", live / "training.log")
    shutil.copy(DATA / "training.log", other / "training.log")
    app = watch_app(other, live, focus=live, banner="demo: live_run is being written now")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, 1200)
        rs = app.tracker.runs[app.selected_run]
        assert Path(rs.run.path).parent == live  # not the first run by name
        banner = app.query_one("#banner")
        assert "live_run is being written now" in str(banner.render())


@sync
async def test_home_and_end_move_a_focused_list_until_the_cursor_is_shown() -> None:
    app = watch_app(REPO / "demo_logs" / "eight_runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 8 * 40)
        runs = app.query_one("#runs", RunList)
        await pilot.press("tab", "shift+tab")  # (away and back, as a user does)
        await wait_for(pilot, lambda: app.focused is runs, what="the run list focused")
        await pilot.press("end")
        await wait_for(pilot, lambda: runs.highlighted == runs.option_count - 1, what="the last run")
        last = runs.rows[-1].key
        await wait_for(pilot, lambda: app.selected_run == last, what="the last run shown")
        assert app.cursor is None
        await pilot.press("home")
        await wait_for(
            pilot, lambda: runs.highlighted == 0 and app.selected_run == runs.rows[0].key, what="first"
        )
        await pilot.press("left")  # the cursor shown: now home and end move it, the list stays
        await wait_for(pilot, lambda: app.cursor is not None, what="the cursor")
        end = app.cursor
        await pilot.press("home")
        await wait_for(pilot, lambda: app.cursor is not None and app.cursor < end, what="cursor at the start")
        assert runs.highlighted == 0


def test_the_cursor_on_points_the_analysis_has_not_reached_reads_the_state_so_far() -> None:
    from types import SimpleNamespace

    from lossacc_tui.app.cursor import state_at

    states = [
        SimpleNamespace(start=0, end=10, state="warm-up"),
        SimpleNamespace(start=10, end=76, state="flat"),
    ]
    rs = SimpleNamespace(result=SimpleNamespace(states=states), states=states)
    same = lambda xs: xs  # noqa: E731
    assert state_at(rs, "epoch", 5, same) == "warm-up"
    assert state_at(rs, "epoch", 76, same) == "flat"
    assert state_at(rs, "epoch", 77, same) == "flat"  # a live run's latest epoch, not analysed yet
    assert state_at(rs, "epoch", -1, same) is None


@sync
async def test_a_frame_older_than_a_move_in_the_run_list_does_not_leave_it_apart_from_the_shown_run() -> None:
    """A frame built before the app handled a move in the list (the feed busy, a slow machine) once
    put the highlight back on the previous run for good: the list said one run, the plots another."""
    app = watch_app(REPO / "demo_logs" / "eight_runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 8 * 40)
        runs = app.query_one("#runs", RunList)
        first, last = runs.rows[0].key, runs.rows[-1].key
        assert app.selected_run == first
        runs.highlighted = runs.option_count - 1  # the user's move, not yet handled by the app
        runs.set_rows(list(runs.rows), first)  # a frame built before it
        await wait_for(pilot, lambda: app.selected_run == last, what="the last run shown")
        app.redraw()
        await pilot.pause(0.3)
        # the list's highlighted row is the run the plots show (by key: the rows' order may move
        # when a frame re-sorts them as names are cut, which the index would read as a fault)
        assert runs.highlighted is not None
        assert runs.rows[runs.highlighted].key == app.selected_run == last


@sync
async def test_a_run_found_after_the_cursor_moved_does_not_take_the_shown_runs_place(
    tmp_path: Path,
) -> None:
    """Until the user picks a run the view shows the first by name; a run found later with an
    earlier name took its place, and reset the cursor the user was reading values with."""
    later, shown = tmp_path / "a_run", tmp_path / "b_run"
    shown.mkdir()
    shutil.copy(DATA / "training.log", shown / "training.log")
    app = watch_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        key = app.selected_run
        await pilot.press("left")
        await wait_for(pilot, lambda: app.cursor is not None, what="the cursor")
        at = app.cursor
        later.mkdir()
        shutil.copy(DATA / "training.log", later / "training.log")
        await wait_for(pilot, lambda: len(app.tracker.runs) == 2, what="the later run")
        await settled(pilot, app, 1200)
        assert app.selected_run == key and app.cursor == at
