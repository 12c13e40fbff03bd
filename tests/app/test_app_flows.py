"""The app's main flows driven through Textual's Pilot: start, live appends, alerts and their
explanation, compare, help, command palette, quit; plain text for strings from logs."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from app_helpers import DATA, REPO, replay_app, run_text, settled, strips_text, sync, wait_for, watch_app
from textual import events

from lossacc_tui.app import present
from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.screens.help import HelpScreen
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.state_band import StateBand

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs


@sync
async def test_start_on_a_log_shows_run_plots_band_and_summary(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    shutil.copy(DATA / "training.log", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        assert "epoch 149" in run_text(app)
        loss = app.query_one("#loss-plot", MetricPlot)
        assert [c.label for c in loss.data.curves] == ["loss", "val_loss"]
        assert loss.data.marks and loss.data.marks[0].x == 30.0  # best val_loss at epoch 30
        assert "best" in strips_text(loss) and "┤" in strips_text(loss)
        band = app.query_one(StateBand)
        assert any(band.data.states) and any(a[0] for a in band.data.alerts)
        box = app.query_one(Explanation)
        assert box.border_title == "summary" and "val_loss" in box.text
        assert "live" in app.query_one("#status").plain


@sync
async def test_appended_lines_show_up_and_an_alert_opens(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19: no alert yet
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 80)
        assert "epoch 19" in run_text(app)
        alerts = app.query_one(AlertList)
        before = {r.kind for r in alerts.rows}
        with log.open("a") as f:
            f.write("".join(LINES[21:]))
        await wait_for(pilot, lambda: "epoch 149" in run_text(app), what="appended epochs on screen")
        await wait_for(pilot, lambda: "loss-up-acc-up" in {r.kind for r in alerts.rows}, what="new alert")
        assert "loss-up-acc-up" not in before


@sync
async def test_selecting_an_alert_shows_its_explanation_and_escape_the_summary(tmp_path: Path) -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        alerts = app.query_one(AlertList)
        await wait_for(pilot, lambda: bool(alerts.rows), what="the alert rows")  # (a paced frame)
        alerts.focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: app.selected_alert is not None, what="alert highlighted")
        row = next(r for r in alerts.rows if r.key == app.selected_alert)
        box = app.query_one(Explanation)
        await wait_for(pilot, lambda: box.border_title == f"explanation · {row.kind}")
        with app.tracker.lock:
            written = present.explanation(app.tracker.runs[app.selected_run or 0], row.key)
        assert written and box.text.strip() and box.text.split()[0] in written
        assert any(a[1] for a in app.query_one(StateBand).data.alerts)
        await pilot.press("escape")
        await wait_for(pilot, lambda: box.border_title == "summary", what="back to the summary")


@sync
async def test_toggles_axis_log_smoothing(tmp_path: Path) -> None:
    app = watch_app(REPO / "demo_logs" / "healthy_lightning")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 50)
        loss = app.query_one("#loss-plot", MetricPlot)
        assert loss.data.axis == "epoch"
        await pilot.press("x")
        await wait_for(pilot, lambda: loss.data.axis == "step", what="step axis")
        await pilot.press("l")
        await wait_for(pilot, lambda: loss.data.log, what="log scale")
        raw = loss.data.curves[0].ys
        await pilot.press("s")
        await wait_for(pilot, lambda: loss.data.curves[0].ys != raw, what="smoothed curve")
        assert app.tracker.smoothing == 0.6


@sync
async def test_compare_view_ranks_runs_both_ways() -> None:
    app = watch_app(REPO / "demo_logs" / "eight_runs")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 8, what="eight runs")
        await settled(pilot, app, 8 * 30)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        app.redraw()
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) == 8, what="ranking rows")
        assert len(screen.query_one("#compare-loss", MetricPlot).data.curves) == 8
        assert any("≠" in row[0].plain for row in screen._rows)  # the two rankings disagree
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen), what="back")


@sync
async def test_help_screen_and_command_palette_offer_the_actions() -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Compare runs", "Smoothing on/off", "Log scale", "Step/epoch axis"} <= titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette", what="palette")
        await pilot.press("escape")


@sync
async def test_q_quits() -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


@sync
async def test_strings_from_logs_are_plain_text(tmp_path: Path) -> None:
    """Metric and file names that look like markup show literally; control characters go."""
    log = tmp_path / "run[bold]x\x1b[31m.jsonl"
    rows = [
        f'{{"epoch": {i}, "[red]loss[/]": {1 / (i + 1)}, "val_acc\\u0007": {0.5 + i / 100}}}\n'
        for i in range(12)
    ]
    log.write_text("".join(rows))
    app = watch_app(log, role_map={"val_loss": "[red]loss[/]", "val_acc": "val_acc\x07"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 24)
        legend = strips_text(app.query_one("#loss-plot", MetricPlot))
        assert "[red]loss[/]" in legend
        text = run_text(app)
        assert "[bold]x" in text and "\x1b" not in text
        assert "\x07" not in strips_text(app.query_one("#acc-plot", MetricPlot))
        assert "\x1b" not in app.query_one("#status").plain


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
@sync
async def test_panes_fit_without_overlapping(size: tuple[int, int]) -> None:
    app = watch_app(REPO / "demo_logs" / "eight_runs")
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 8 * 30)
        ids = ["loss-plot", "acc-plot", "band", "runs", "alerts", "explanation", "status"]
        regions = [app.query_one(f"#{i}").region for i in ids]
        screen = app.screen.region
        for i, r in zip(ids, regions, strict=True):
            assert r.area > 0 and screen.contains_region(r), i
        for a in range(len(regions)):
            for b in range(a + 1, len(regions)):
                assert not regions[a].overlaps(regions[b]), (ids[a], ids[b])
        assert app.query_one("#loss-plot").region.height >= 6


@sync
async def test_no_color_curves_use_the_text_colour_and_differ_by_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app, 600)
        assert app.no_color
        plot = app.query_one("#loss-plot", MetricPlot)
        braille = [
            s for strip in plot._strips[1:] for s in strip if any(0x2800 < ord(c) <= 0x28FF for c in s.text)
        ]
        # the text colour (a segment without a style of its own is drawn in the widget's, the same)
        assert braille and all(s.style is None or s.style.color == plot.rich_style.color for s in braille)
        assert "─ loss" in strips_text(plot) and "━ val_loss" in strips_text(plot)


@sync
async def test_replay_keys_pause_step_jump_and_end() -> None:
    app, replay = replay_app(DATA / "training.log", speed=1e-6)  # moves only when told to
    async with app.run_test(size=(120, 40)) as pilot:
        # (the log is analysed once more in the background to find them: seconds at the load of a
        # shared machine, where the default 15 s bound had failed this test)
        await wait_for(pilot, lambda: replay.marks is not None, timeout=120, what="alert moments found")
        assert "replay" in app.query_one("#status").plain
        await pilot.press("space")
        await wait_for(pilot, lambda: replay.paused, what="paused")
        await pilot.press("full_stop")
        await wait_for(pilot, lambda: replay.position == 1, what="one record")
        await wait_for(pilot, lambda: "epoch 0" in run_text(app), what="first epoch on screen")
        await pilot.press("n")
        await wait_for(pilot, lambda: replay.position == replay.marks[0], what="first alert moment")
        alerts = app.query_one(AlertList)
        await wait_for(pilot, lambda: bool(alerts.rows), what="the alert that opened there")
        await pilot.press("e")
        await wait_for(pilot, lambda: "epoch 149" in run_text(app), what="the end")
        await wait_for(pilot, lambda: replay.position == replay.total, what="at the end")
        last = max(m for m in replay.marks if m < replay.total)
        await pilot.press("p")
        await wait_for(pilot, lambda: replay.position == last, what="back to the last alert")
        # the status line is refreshed on its own tick: wait for it rather than race it
        await wait_for(pilot, lambda: "paused" in app.query_one("#status").plain, what="paused shown")


@sync
async def test_a_fast_writer_is_coalesced_and_keys_stay_responsive(tmp_path: Path) -> None:
    """Lines arrive one at a time as fast as a writer can: the screen is redrawn far fewer times
    than lines arrive (redraws are coalesced), and a key typed meanwhile takes effect. (No clock
    in the asserts: the redraw rate and key latency are figures of benchmarks/bench_app.py.)"""
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:2]))
    app = watch_app(log)
    draws: list[float] = []
    real = app._frame

    def counted() -> Any:
        draws.append(time.monotonic())
        return real()

    app._frame = counted  # type: ignore[method-assign]
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        with log.open("a") as f:
            for i in range(4000):
                if stop.is_set():
                    return
                f.write(f"{i},0.5,{1 / (1 + i)},0.5,{1 / (1 + i) + 0.1}\n")
                f.flush()
                written[0] = i + 1
                time.sleep(0.0005)

    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 4)
        t = threading.Thread(target=writer)
        t.start()
        try:
            await wait_for(pilot, lambda: written[0] >= 500, timeout=60, what="the writer under way")
            draws.clear()
            at = written[0]
            await wait_for(pilot, lambda: written[0] >= at + 1000, timeout=60, what="1,000 more lines")
            # new data is paced (app/pacing.py: a frame at most MAX_DATA_WAIT after it), so wait for it
            await wait_for(pilot, lambda: len(draws) >= 1, timeout=30, what="a frame of the new data")
            lines, redraws = written[0] - at, len(draws)
            app.post_message(events.Key("l", "l"))  # a key typed now (pilot.press waits for idle)
            await wait_for(pilot, lambda: app.opts.log_loss is True, timeout=30, what="the key")
        finally:
            stop.set()
            t.join()
        assert 1 <= redraws < lines / 5, f"{redraws} redraws for {lines} lines"


@sync
async def test_no_color_view_of_a_log_without_records_yet_draws_without_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # NO_COLOR turns on Textual's monochrome filter, which fails on a segment without a style; an
    # empty band or plot (no record yet) drew such a segment (found when the band drew before data)
    monkeypatch.setenv("NO_COLOR", "1")
    log = tmp_path / "train.csv"
    log.write_text("epoch,loss,val_loss,accuracy,val_accuracy\n")
    app = watch_app(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "first record" in app.query_one("#status").plain, what="waiting status")
        band = app.query_one(StateBand)
        assert app.no_color and band.data is None
        assert band.render_lines(band.region.reset_offset)  # the monochrome filter applies here
        plot = app.query_one("#loss-plot", MetricPlot)
        assert plot.render_lines(plot.region.reset_offset)


@sync
async def test_a_run_whose_analysis_opens_no_alert_still_gets_its_states_in_the_band() -> None:
    # the analysis runs after the points are shown; one that opens no alert sent no event, so the
    # band stayed empty (and the best markers a record behind) until the next record came
    log = REPO / "demo_logs" / "healthy_lightning" / "lightning_logs" / "version_0" / "metrics.csv"
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        band = app.query_one(StateBand)
        await wait_for(pilot, lambda: band.data is not None and any(band.data.states), what="states drawn")
        assert not app.tracker.feed.analyzers[id(app.tracker.runs[0].run)].alerts  # (no alert: no event)


@sync
async def test_a_path_that_is_not_a_log_beside_one_is_a_short_error_in_the_status_line(
    tmp_path: Path,
) -> None:
    log, junk = tmp_path / "grow.csv", tmp_path / "junk.log"
    log.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n")
    junk.write_bytes(bytes(range(256)) * 2)
    app = watch_app(log, junk)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one("#status")
        await wait_for(pilot, lambda: "junk.log: not a training log" in status.plain, what="the error")
        assert "expected one of" not in status.plain and "1 run" in status.plain  # (the list is check's)


@sync
async def test_compare_marks_no_disagreement_where_runs_tie_on_accuracy(tmp_path: Path) -> None:
    # three runs with the same accuracies (one real run; its validation loss scaled per copy): the
    # loss ranking is strict, the accuracy ranking all ties, so the two orders do not disagree
    rows = (DATA / "training.log").read_text().splitlines()
    for k, f in enumerate((1.5, 1.2, 1.0)):  # (the loss order the reverse of the runs' order)
        (tmp_path / f"run_{k}").mkdir()
        out = [rows[0]] + [",".join([*r.split(",")[:4], str(float(r.split(",")[4]) * f)]) for r in rows[1:]]
        (tmp_path / f"run_{k}" / "training.log").write_text("\n".join(out) + "\n")
    app = watch_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 3, what="three runs")
        await settled(pilot, app, 3 * 30)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        app.redraw()
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) >= 3, what="ranking rows")
        assert not any("≠" in row[0].plain for row in screen._rows)


@sync
async def test_compare_gives_runs_with_equal_values_one_rank(tmp_path: Path) -> None:
    # four copies of one real run: equal best losses and accuracies share rank 1 in both columns
    # (they were "#3 #1 #2 #4" in the accuracy column: a tie shown as an order)
    text = (DATA / "training.log").read_text()
    for k in range(4):
        (tmp_path / f"run_{k}").mkdir()
        (tmp_path / f"run_{k}" / "training.log").write_text(text)
    app = watch_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 4, what="four runs")
        await settled(pilot, app, 4 * 30)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        app.redraw()
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) >= 4, what="ranking rows")
        assert [row[0].plain for row in screen._rows] == ["1"] * 4
        assert [row[3].plain.split()[-1] for row in screen._rows] == ["#1"] * 4
