"""A folder of many runs is walked in no name order, so the runs pane grows in its middle: the rows
stay in name order with the right run behind each, and the list is not set again from scratch at
every frame (which put the user's scroll position back to the top and re-rendered every row)."""

from __future__ import annotations

import random

from app_helpers import sync
from textual.app import App, ComposeResult

from lossacc_tui.app.view import RunRow
from lossacc_tui.app.widgets.run_list import RunList, natural


class Pane(App[None]):
    CSS = "#runs { height: auto; max-height: 12; }"

    def compose(self) -> ComposeResult:
        yield RunList(id="runs")


def row(k: int) -> RunRow:
    return RunRow(k, f"sweep/version_{k}", "keras-csv", f"epoch {k % 7}", None, 0)


@sync
async def test_runs_found_out_of_order_keep_name_order_and_the_scroll_position() -> None:
    app = Pane()
    found = list(range(1, 301))
    random.Random(3).shuffle(found)  # (the order a file system walk gives)
    async with app.run_test(size=(40, 30)) as pilot:
        runs = app.query_one(RunList)
        shown: list[RunRow] = []
        for batch in range(0, 300, 25):
            shown += [row(k) for k in found[batch : batch + 25]]
            runs.set_rows(shown, None)
            await pilot.pause()
            names = sorted((r.name for r in shown), key=natural)
            assert [r.name for r in runs.rows] == names
            # the run behind each row is the one the row names (its id is what a click selects)
            for i in range(runs.option_count):
                option = runs.get_option_at_index(i)
                assert f"version_{option.id} " in option.prompt.plain + " "
            assert runs.outer_size.height == 12  # (full: it stops growing at its max-height)
            if batch == 100:
                runs.scroll_to(y=40, animate=False)
                await pilot.pause()
                assert runs.scroll_y == 40
            if batch > 100:
                assert runs.scroll_y == 40  # the user's place in the list is kept as runs come
        assert runs.option_count == 300 and runs.border_subtitle == "300"


@sync
async def test_a_run_gone_sets_the_list_again() -> None:
    app = Pane()
    async with app.run_test(size=(40, 30)) as pilot:
        runs = app.query_one(RunList)
        runs.set_rows([row(k) for k in (1, 2, 3, 10)], 3)
        await pilot.pause()
        runs.set_rows([row(k) for k in (1, 3, 10)], 3)
        await pilot.pause()
        assert [r.key for r in runs.rows] == [1, 3, 10] and runs.option_count == 3
        assert runs.get_option_at_index(runs.highlighted or 0).id == "3"
