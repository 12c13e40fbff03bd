"""What the user picks on the main screen: a run (moving in the run list), runs marked for the
compare view or pinned, an alert (its explanation), the value cursor by a click. A mixin of
`LossAccApp`; each change is drawn at once (`redraw`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import OptionList

from lossacc_tui.app.messages import AlertChosen, CursorAt, RunChosen, RunMarked
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.run_list import RunList


class Selection:
    """Mixin: handlers of the run list's, the alert list's and the plots' messages."""

    selected_run: int | None
    selected_alert: str | None
    cursor: float | None
    marked: set[int]
    pinned: int | None
    _user_chose: bool
    screen_stack: list[Any]
    redraw: Callable[..., Any]
    _move_cursor: Callable[..., None]

    def on_run_chosen(self, msg: RunChosen) -> None:
        self._user_chose = True
        if msg.key != self.selected_run:
            self.selected_run, self.selected_alert, self.cursor = msg.key, None, None
            self.redraw()

    def on_run_marked(self, msg: RunMarked) -> None:
        if msg.what == "pin":
            self.pinned = None if self.pinned == msg.key else msg.key
        else:
            self.marked ^= {msg.key}
        self.redraw()

    def on_alert_chosen(self, msg: AlertChosen) -> None:
        if msg.key != self.selected_alert:
            self.selected_alert = msg.key
            self.redraw()

    def on_cursor_at(self, msg: CursorAt) -> None:
        self._move_cursor(msg.x)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """`enter` on a run or an alert: show its summary or explanation and focus it (to scroll).
        (A handler by name: Textual's `@on` is collected only from a message pump's own class body.)"""
        if isinstance(event.option_list, RunList) and event.option.id is not None:
            self.on_run_chosen(RunChosen(int(event.option.id)))
        elif isinstance(event.option_list, AlertList) and event.option.id is not None:
            self.on_alert_chosen(AlertChosen(event.option.id))
        else:
            return
        event.stop()
        self.screen_stack[0].query_one(Explanation).focus()
