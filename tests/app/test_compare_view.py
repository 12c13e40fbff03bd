"""The compare view of a folder as users keep them: logs beside a file of other numbers, and runs
whose two orders differ by less than an alert needs (tester 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app_helpers import DATA, settled, sync, wait_for, watch_app
from textual.widgets import DataTable

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot


def _rows() -> list[list[str]]:
    return [r.split(",") for r in (DATA / "training.log").read_text().splitlines()]


async def open_compare(pilot: Any, app: Any, runs: int, settle: int) -> CompareScreen:
    """Wait for `runs` runs and `settle` points analysed, press `c`, and return the compare view
    once its table holds ranking rows."""
    await wait_for(pilot, lambda: len(app.tracker.runs) == runs, what=f"{runs} runs")
    await settled(pilot, app, settle)
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
    app.redraw()
    screen: CompareScreen = app.screen
    await wait_for(pilot, lambda: len(screen._rows) >= 2, what="ranking rows")
    return screen


@sync
async def test_a_file_of_other_numbers_in_the_folder_neither_blanks_the_plot_nor_counts_as_ranked(
    tmp_path: Path,
) -> None:
    rows = _rows()
    for name in ("training.log", "copy.log"):
        (tmp_path / name).write_text((DATA / "training.log").read_text())
    # a per-step file with no validation metric (the training loss of the same run, by step)
    with (tmp_path / "steps.jsonl").open("w") as f:
        for k, r in enumerate(rows[1:]):
            f.write(json.dumps({"step": 10 * k, "train_loss": float(r[2])}) + "\n")
    app = watch_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, app, 3, 2 * 4 * 30 + 30)
        loss = screen.query_one("#compare-loss", MetricPlot).data
        assert loss is not None and loss.axis == "epoch"
        assert sum(len(c.ys) > 0 for c in loss.curves) == 2  # both logs drawn, not a blank plot
        title = str(screen.query_one(DataTable).border_title)
        assert "2 of 3 with validation data" in title, title


@sync
async def test_orders_that_differ_without_an_alert_are_not_said_to_agree(tmp_path: Path) -> None:
    rows = _rows()
    # run_b: the same real run with a 2 % lower validation loss and 1 point lower accuracy: the two
    # orders differ (≠), by less than a runs-disagree alert needs (3 % and 3 points)
    for name, lf, da in (("run_a", 1.0, 0.0), ("run_b", 0.98, -0.01)):
        (tmp_path / name).mkdir()
        out = [",".join(rows[0])]
        out += [",".join([*r[:3], str(float(r[3]) + da), str(float(r[4]) * lf)]) for r in rows[1:]]
        (tmp_path / name / "training.log").write_text("\n".join(out) + "\n")
    app = watch_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, app, 2, 2 * 4 * 30)
        assert any("≠" in row[0].plain for row in screen._rows)
        box = screen.query_one(Explanation)
        await wait_for(pilot, lambda: "runs-disagree" in box.text, what="the compare text")
        assert "agree:" not in box.text and "differ" in box.text, box.text


@sync
async def test_each_ranking_row_is_one_run_read_across(tmp_path: Path) -> None:
    """A row gives one run's name, best loss and best accuracy: the two rankings had been set side
    by side in their own orders, so a row read across gave one run's loss beside another's accuracy
    (told apart only by the colour of a square; tester 18)."""
    from lossacc_tui.app.view import fmt_num

    rows = _rows()
    best = {}
    # run_a: the same real run with a 10 % lower loss and 5 points lower accuracy (first by loss,
    # last by accuracy); run_b: as logged
    for name, lf, da in (("run_a", 0.9, -0.05), ("run_b", 1.0, 0.0)):
        (tmp_path / name).mkdir()
        out = [",".join(rows[0])]
        out += [",".join([*r[:3], repr(float(r[3]) + da), repr(float(r[4]) * lf)]) for r in rows[1:]]
        (tmp_path / name / "training.log").write_text("\n".join(out) + "\n")
        best[name] = (min(float(r[4]) * lf for r in rows[1:]), max(float(r[3]) + da for r in rows[1:]))
    app = watch_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_compare(pilot, app, 2, 2 * 4 * 30)
        for row in screen._rows:
            name = "run_a" if "run_a" in row[1].plain else "run_b"
            assert row[2].plain == fmt_num(best[name][0]) and row[4].plain == fmt_num(best[name][1]), (
                name,
                [c.plain for c in row],
            )
        assert "run_a" in screen._rows[0][1].plain and "≠" in screen._rows[0][0].plain


@sync
async def test_at_80x24_a_long_folder_keeps_the_count_and_the_folder_name_in_the_title(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "a_really_long_folder_name_for_experiments" / "sweep_learning_rate_0001"
    for name in ("run_a", "run_b"):
        (sweep / name).mkdir(parents=True)
        (sweep / name / "training.log").write_text((DATA / "training.log").read_text())
    app = watch_app(sweep)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 2, what="two runs")
        await settled(pilot, app, 2 * 30 + 30)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        table = app.screen.query_one(DataTable)

        def fits() -> bool:
            app.redraw()
            title = str(table.border_title)
            return table.size.width > 0 and len(title) <= table.size.width - 4

        await wait_for(pilot, fits, what="a title that fits the table")
        title = str(table.border_title)
        assert "2 runs" in title, title  # (it was cut off after the folder's first letters)
        assert "sweep_learning_rate_0001" in title, title


@sync
async def test_a_sweep_with_each_run_in_two_formats_compares_the_sweep_on_one_axis(tmp_path: Path) -> None:
    # each learning rate's folder holds the run twice, as its Keras CSV (epoch) and as a JSONL copy
    # with the global step beside the epoch: compare overlays the learning rates, not one run's
    # copies, on the epoch both formats carry (tester 19: copies ranked 1/1/1 on a step axis)
    rows = _rows()
    head = rows[0]
    for name, lf in (("lr_0.1", 1.0), ("lr_0.01", 0.9), ("lr_0.001", 1.2)):
        (tmp_path / name).mkdir()
        out = [",".join(head)]
        out += [",".join([r[0], *r[1:4], str(float(r[4]) * lf)]) for r in rows[1:]]
        (tmp_path / name / "training.log").write_text("\n".join(out) + "\n")
        with (tmp_path / name / "log.jsonl").open("w") as f:
            for r in rows[1:]:
                rec = {h: float(v) for h, v in zip(head, r, strict=True)}
                rec["val_loss"] *= lf
                f.write(json.dumps({"step": 50 * (int(rec["epoch"]) + 1), **rec}) + "\n")
    app = watch_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, app, 6, 6 * 30 + 30)
        names = [row[1].plain for row in screen._rows]
        assert len(names) == 3, names
        assert {n.split("/")[0].strip("■ ") for n in names} == {"lr_0.1", "lr_0.01", "lr_0.001"}, names
        loss = screen.query_one("#compare-loss", MetricPlot)
        assert loss.data is not None and loss.data.axis == "epoch"
        # at 80x24 the legend's two lines: the runs' values, and those that do not fit counted
        legend = " ".join(loss.legend_text())
        shown = [c.last for c in loss.data.curves if c.last is not None and f"{c.last:.4g}"[:4] in legend]
        assert len(shown) == 3 or f"+{3 - len(shown)}" in legend or "(see table)" in legend, legend
