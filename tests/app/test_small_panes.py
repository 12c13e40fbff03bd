"""80x24 and small panes through Pilot: legends drop whole fields rather than cut a number, the status
line keeps "last point N s ago", alert toasts are one line beside the plots, and pane titles are
readable focused or not, in the default and the light theme."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from app_helpers import DATA, REPO, run_text, settled, strips_text, sync, wait_for, watch_app
from textual.color import Color
from textual.widgets._toast import Toast

from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.alert_list import prompt as alert_prompt
from lossacc_tui.app.widgets.key_bar import KeyBar
from lossacc_tui.app.widgets.metric_plot import MetricPlot

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@sync
async def test_pane_titles_are_readable_focused_or_not(theme: str) -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        app.theme = theme
        for focus in ("#runs", "#alerts", "#explanation"):
            app.query_one(focus).focus()
            await pilot.pause(0.1)
            for pane in ("#runs", "#alerts", "#explanation"):
                w = app.query_one(pane)
                _, bg = w.background_colors
                title = bg + w.styles.border_title_color
                ratio = contrast(title, bg)
                assert ratio >= 4.5, f"{pane} title {ratio:.1f}:1 with {focus} focused ({theme})"


@sync
async def test_at_80x24_legends_keep_whole_numbers_and_the_status_its_age() -> None:
    app = watch_app(REPO / "demo_logs" / "eight_runs", DATA / "training.log")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 9, what="every run")
        await settled(pilot, app, 600)
        for move in ("", "left", "home"):  # latest values, then at the cursor
            if move:
                was = app.cursor
                await pilot.press(move)
                # (after `left` the cursor is already set: wait for this key's move, not any cursor)
                await wait_for(pilot, lambda w=was: app.cursor not in (None, w), what=f"{move} moved it")
                await pilot.pause(0.2)
            for plot in app.query(MetricPlot):
                legend = strips_text(plot).splitlines()[0].rstrip()
                assert not legend.endswith("…"), legend
                shown = [c for c in plot.data.curves if (c.at if move else c.last) is not None]
                for c in shown:
                    number = fmt_num(c.at if move else c.last)  # type: ignore[arg-type]
                    if number in legend:
                        continue
                    # a curve that gave way is gone whole: no prefix of its number is left at the end
                    assert not any(legend.endswith(" " + number[:k]) for k in range(1, len(number)))
                numbers = re.findall(r"[-\d.e]+\d", legend)
                assert numbers, legend
        status = app.query_one("#status")
        line = str(status.render())
        assert "last point" in line and len(line) <= status.size.width


@sync
async def test_an_alert_toast_is_one_line_beside_the_plots(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19: no alert yet
    now = [1000.0]
    app = watch_app(log, clock=lambda: now[0])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot, app, 80)
        now[0] += 60  # the history read at start is over: new alerts are told as toasts
        with log.open("a") as f:
            f.write("".join(LINES[21:]))
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)), what="a toast")
        await pilot.pause(0.3)
        plots = app.query_one("#plots").region
        for toast in app.screen.query(Toast):
            assert toast.region.height == 1, toast.region
            assert not toast.region.overlaps(plots), (toast.region, plots)


@sync
async def test_the_summary_is_drawn_with_the_same_numbers_as_the_legend(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:41]))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 160)
        loss = app.query_one("#loss-plot", MetricPlot)
        box = app.query_one("#explanation")
        for end in (60, 61, 62, 100, 151):  # each append, the frame that shows it in the legend...
            with log.open("a") as f:
                f.write("".join(LINES[len(log.read_text().splitlines()) : end]))
            last = float(LINES[end - 1].rsplit(",", 1)[1])  # the latest val_loss
            shown = f"val_loss {fmt_num(last)}"
            await wait_for(pilot, lambda s=shown: s in strips_text(loss), what="legend")
            assert fmt_num(last) in box.text  # ...shows it in the summary too


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@sync
async def test_the_key_bar_and_the_alert_rows_drop_whole_fields(size: tuple[int, int]) -> None:
    """The keys line shows whole keys (at 200 columns all of them and ^p palette); an alert row's
    second line is its span, then whole words of its title: no token cut short."""
    app = watch_app(REPO / "demo_logs" / "eight_runs", DATA / "training.log")
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 600)
        bar = app.query_one(KeyBar)
        line = bar.render().plain
        assert len(line.rstrip()) <= size[0] and "q Quit" in line
        for _key, shown, desc in bar.items:
            item = f" {shown} {desc} "
            assert item in line or f" {shown} " not in line, (item, line)  # whole, or not at all
        if size[0] >= 200:
            assert all(f" {shown} {desc} " in line for _k, shown, desc in bar.items) and "palette" in line
        alerts = app.query_one(AlertList)
        # (the analysis' alerts reach the list with the next paced data frame)
        await wait_for(pilot, lambda: bool(alerts.rows), what="the alert rows")
        for row in alerts.rows:
            second = alert_prompt(row, alerts._width).plain.split("\n")[1].strip()
            words = f"{row.where} · {row.times} {row.title}".split()
            tokens = second.split()
            for t in tokens[:-1]:
                assert t in words, (t, second)
            assert tokens[-1] in words or tokens[-1].rstrip("…") in words, (tokens[-1], second)
            assert row.where in second  # the span is never dropped


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=["80x24", "120x40", "200x60"])
@sync
async def test_the_demo_banner_and_the_best_markers_fit_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    """The demo's banner says what to watch for at any width (its pace and keys give way first, whole),
    and each plot's legend keeps '◆ best' (what the marker on the plot is) with its values whole."""
    from lossacc_tui.demo import banner

    live = tmp_path / "live_run"
    live.mkdir()
    (live / "training.log").write_text("".join(LINES))
    app = watch_app(live, focus=live, banner=banner(0.3))
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 600)
        text = app.query_one("#banner").plain
        assert text.startswith("demo · live_run is being written now") and "alert opens near epoch 80" in text
        assert not text.endswith("…") and len(text) <= size[0] - 2
        if size[0] >= 120:
            assert "0.3 s an epoch" in text and "? help" in text
        status = app.query_one("#status").render().plain
        assert "last point" in status and ("…" not in status or "watching …/" in status), (
            status
        )  # whole folders
        for plot in app.query(MetricPlot):
            legend = strips_text(plot).splitlines()[0].rstrip()
            assert len(legend) <= plot.size.width and not legend.endswith("…"), legend
            best = plot.data.marks[0].label.split(" @")[0]
            assert f"◆ best {best}" in legend, legend  # the marker's meaning and its value
            for c in plot.data.curves:
                assert f" {fmt_num(c.last)}" in legend, (c.label, legend)  # every curve's latest value


N_MANY = 50


@sync
async def test_while_many_runs_load_the_status_line_and_the_run_list_count_the_same(tmp_path: Path) -> None:
    for i in range(N_MANY):  # the same real log in many folders: they are found and read over many frames
        run = tmp_path / f"run_{i}"
        run.mkdir()
        (run / "training.log").write_text("".join(LINES[:41]))
    app = watch_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        runs = app.query_one("#runs")
        status = app.query_one("#status")
        seen = set()
        deadline = time.monotonic() + 120  # (a bound for a hang: the loop ends when all are counted)
        while True:
            assert time.monotonic() < deadline, (status.plain, runs.border_subtitle, seen)
            await pilot.pause(0.01)
            listed = runs.border_subtitle or "0"
            got = re.search(r"· (\d+) runs? ·", status.plain)
            if got is not None and listed != "0":
                assert got.group(1) == listed, (status.plain, listed)
                seen.add(int(listed))
            if N_MANY in seen:
                break


@pytest.mark.parametrize("epochs", [2, 3])
@sync
async def test_a_run_of_a_few_epochs_is_ticked_at_whole_epochs(tmp_path: Path, epochs: int) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[: 1 + epochs]))
    app = watch_app(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app, 4 * epochs)
        for plot in app.query(MetricPlot):
            await wait_for(pilot, lambda p=plot: len(strips_text(p).splitlines()) > 3, what="the chart")
            labels = strips_text(plot).splitlines()[-1].split()
            assert labels == [str(e) for e in range(epochs)], labels
        # its analysis opened no alert (no event tells of it): the summary is the analysis' all the same
        box = app.query_one("#explanation")
        await wait_for(
            pilot, lambda: f"val_loss: {fmt_num(float(LINES[epochs].rsplit(',', 1)[1]))}" in box.text
        )


@sync
async def test_at_80x24_a_run_name_that_fits_is_shown_whole(tmp_path: Path) -> None:
    for where in ("live_run", "cases/loss_up_acc_up", "cases/nan_run"):
        (tmp_path / where).mkdir(parents=True)
        (tmp_path / where / "training.log").write_text("".join(LINES))
    app = watch_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, 3 * 600)
        rows = run_text(app).splitlines()
        assert any("loss_up_acc_up ep 149" in r for r in rows), rows  # whole, not loss_…_acc_up
        runs = app.query_one("#runs")
        assert all(len(r) <= runs.scrollable_content_region.width for r in rows), rows


@sync
async def test_at_80x24_with_cursor_and_smoothing_the_validation_value_stays_in_the_legend() -> None:
    # the training value gives way before the validation one (the demo at 80x24 kept 'accuracy
    # (sm 0.6) @ ep 149 ─ 0.9733' and dropped the validation value)
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, 150)
        await pilot.press("left")
        await wait_for(pilot, lambda: app.cursor is not None, what="cursor")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.tracker.smoothing > 0, what="smoothing")
        for plot in app.query(MetricPlot):
            await wait_for(
                pilot, lambda p=plot: "sm" in strips_text(p).splitlines()[0], what="smoothed legend"
            )
            legend = strips_text(plot).splitlines()[0]
            (val,) = [c for c in plot.data.curves if c.role.startswith("val")]
            assert val.at is not None and fmt_num(val.at) in legend, legend


@sync
async def test_a_finite_loss_of_1e308_draws_on_the_log_scale(tmp_path: Path) -> None:
    """One exploded evaluation (loss 1e308, finite) puts a y tick past float range on the log scale:
    the tick is named by its power, the app keeps running (it died with OverflowError)."""
    rows = LINES[:61]
    cells = rows[30].split(",")
    cells[2] = "1e308"  # the training loss of one epoch explodes
    rows[30] = ",".join(cells)
    log = tmp_path / "exploded.csv"
    log.write_text("".join(rows))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60)
        plot = app.query(MetricPlot).first()
        await wait_for(pilot, lambda: "1e" in strips_text(plot))
        assert app.return_code is None  # still running, no unhandled exception


@sync
async def test_at_80x24_a_sweeps_runs_sharing_a_file_name_keep_their_folders(tmp_path: Path) -> None:
    # each learning rate's folder holds the run twice, as its Keras CSV and a JSONL copy (a loop
    # writing both): the list's rows must tell the runs apart by their folders (tester 20: every
    # row read `…/log.jsonl` at 80x24)
    lrs = ("lr_0.0003", "lr_0.003", "lr_0.03")
    lines = (DATA / "training.log").read_text().splitlines()
    head = lines[0].split(",")
    for lr in lrs:
        run = tmp_path / "sweep_long_name" / lr
        run.mkdir(parents=True)
        (run / "training.log").write_text((DATA / "training.log").read_text())
        recs = [dict(zip(head, map(float, ln.split(",")), strict=True)) for ln in lines[1:]]
        (run / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    app = watch_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: run_text(app).count("\n") + 1 >= 2 * len(lrs), what="six rows")
        await settled(pilot, app, 6 * 30 + 30)
        rows = run_text(app).splitlines()
        assert len(rows) == 2 * len(lrs) == len(set(rows)), rows
        for lr in lrs:
            assert sum(f"{lr}/" in r for r in rows) == 2, rows
