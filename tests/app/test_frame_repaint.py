"""A growing run's frame repaints only the lines whose cells change: the run list's row of a run
whose last epoch moves on repaints its second line (the epoch) and not its first (the name), and a
summary taller than its pane repaints nothing for a number that changed below the pane's last row
(it was repainted onto the pane's border). Counted on the repaints the widgets ask for."""

from __future__ import annotations

from typing import Any

from app_helpers import DATA, sync
from textual.app import App, ComposeResult
from textual.geometry import Region

from lossacc_tui.app.view import RunRow
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.run_list import RunList

LOG = DATA / "training.log"  # a numpy MLP trained for 150 epochs (Keras CSV)


class Side(App[None]):
    def compose(self) -> ComposeResult:
        yield RunList(id="runs")
        yield Explanation(id="explanation")


def asked(widget: Any) -> list[Region]:
    """Record the regions `widget` asks to repaint (in its content's coordinates)."""
    got: list[Region] = []
    refresh = widget.refresh

    def noted(*regions: Region, **kw: Any) -> Any:
        got.extend(regions or [Region(0, 0, widget.size.width, widget.size.height)])
        return refresh(*regions, **kw)

    widget.refresh = noted
    return got


def lines_of(regions: list[Region]) -> set[int]:
    return {y for r in regions for y in range(r.y, r.y + r.height)}


@sync
async def test_a_run_whose_epoch_moves_on_repaints_that_line_only() -> None:
    epochs = [line.split(",", 1)[0] for line in LOG.read_text().splitlines()[1:]]
    app = Side()
    async with app.run_test(size=(60, 30)) as pilot:
        runs = app.query_one(RunList)
        row = RunRow(0, "runs/mlp/training.log", "keras-csv", f"epoch {epochs[120]}", None, 0)
        runs.set_rows([row], 0)
        await pilot.pause()
        assert runs.option_count == 1 and str(runs.get_option_at_index(0).prompt).count("\n") == 1
        got = asked(runs)
        for e in epochs[121:125]:  # the log grows: the same run at its next epochs
            runs.set_rows([RunRow(0, row.name, row.format, f"epoch {e}", None, 0)], 0)
            await pilot.pause()
        assert f"epoch {epochs[124]}" in str(runs.get_option_at_index(0).prompt)
        assert got and lines_of(got) == {1}, got  # the epoch's line; the name's stays as it was


@sync
async def test_a_summary_taller_than_its_pane_repaints_no_line_below_it() -> None:
    rows = [line.split(",") for line in LOG.read_text().splitlines()[1:]]
    text = "\n\n".join(f"- val_loss at epoch {r[0]}: {float(r[4]):.4f}" for r in rows[:40])
    app = Side()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(Explanation)
        pane.show(text, "summary")
        await pilot.pause()
        assert len(pane._strips) > pane.size.height + 10  # the summary scrolls: most of it is below
        got = asked(pane)
        last = rows[39]  # its last line, far below the pane's last row, gets a newer value
        newer = text.replace(f"{float(last[4]):.4f}", f"{float(rows[40][4]):.4f}")
        assert newer != text and len(newer) == len(text)
        pane.show(newer, "summary")
        await pilot.pause()
        assert got == []  # nothing in view changed: nothing is repainted (it was the pane's border)
        first = rows[0]  # a value in view changes: its line alone is repainted
        pane.show(newer.replace(f"{float(first[4]):.4f}", f"{float(rows[41][4]):.4f}", 1), "summary")
        await pilot.pause()
        assert len(lines_of(got)) == 1 and max(lines_of(got)) < pane.size.height, got
