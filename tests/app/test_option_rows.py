"""A row's new text while the list's lines are not laid out (a resize with no room for them) is
shown once there is room, without an error (it raised KeyError under load)."""

from __future__ import annotations

from app_helpers import sync
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from lossacc_tui.app.widgets.option_rows import replace_prompts


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield OptionList(Text("run_1 · epoch 1"), Text("run_2 · epoch 1"))


@sync
async def test_new_prompt_while_the_list_has_no_room_is_shown_once_it_has() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 10)) as pilot:
        ol = app.query_one(OptionList)
        await pilot.pause()
        ol.styles.height = 0  # (a pane squeezed to nothing: its lines cannot be laid out)
        await pilot.pause()
        ol._on_resize()  # (what a resize does first: the list's lines are dropped)
        replace_prompts(ol, [(1, Text("run_2 · epoch 2"))])
        ol.styles.height = "auto"
        await pilot.pause()
        lines = [strip.text for strip in ol.render_lines(ol.region.reset_offset)]
        assert any("run_2 · epoch 2" in line for line in lines)
        assert not any("epoch 1" in line and "run_2" in line for line in lines)


def drawn(ol: OptionList) -> list[object]:
    return list(ol.render_lines(ol.region.reset_offset))


@sync
async def test_a_run_row_whose_numbers_change_is_drawn_as_textual_draws_it_afresh() -> None:
    from lossacc_tui.app.view import RunRow
    from lossacc_tui.app.widgets.run_list import RunList

    class Runs(App[None]):
        def compose(self) -> ComposeResult:
            yield RunList(id="runs")

    app = Runs()
    async with app.run_test(size=(50, 12)) as pilot:
        rl = app.query_one(RunList)
        rows = [RunRow(0, "runs/a.csv", "keras-csv", "epoch 99,990", "warning", 2)]
        rows.append(RunRow(1, "runs/b.csv", "keras-csv", "epoch 12", None, 0))
        rl.set_rows(rows, 0)
        await pilot.pause()
        drawn(rl)  # (both rows rendered and kept)
        for where in ("epoch 99,991", "epoch 99,999", "epoch 100,000", "epoch 100,017"):
            rows[0] = RunRow(0, "runs/a.csv", "keras-csv", where, "warning", 2)
            rl.set_rows(list(rows), 0)
            await pilot.pause()
            now = drawn(rl)
            rl._clear_caches()  # (Textual's own rendering of the same rows, nothing kept)
            assert now == drawn(rl), where
            assert any(where in strip.text for strip in now)  # type: ignore[attr-defined]
