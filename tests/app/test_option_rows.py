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
