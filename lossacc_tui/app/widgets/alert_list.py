"""The alerts pane: active and closed alerts of the selected run, newest first, with severity.
Highlighting one shows its explanation; `escape` goes back to the run's summary."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lossacc_tui.app.messages import AlertChosen
from lossacc_tui.app.view import AlertRow
from lossacc_tui.app.widgets.run_list import BADGE


def prompt(row: AlertRow) -> Text:
    glyph, style = BADGE.get(row.severity, ("●", ""))
    t = Text()
    t.append(f"{glyph} {row.severity} ", style)
    t.append(row.kind, "bold" if row.active else "")
    t.append(f"  {row.where}" + ("" if row.active else " closed"), "dim")
    t.append(f"\n  {row.title}", "" if row.active else "dim")
    return t


class AlertList(OptionList):
    """Alerts of the selected run."""

    HELP = "Alerts of the selected run, newest first. ↑/↓: explain one; escape: the run's summary."
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "unselect", "Summary", show=False)]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[AlertRow] = []
        self.border_title = "alerts"

    def set_rows(self, rows: list[AlertRow], selected: str | None) -> None:
        if rows != self.rows:
            with self.prevent(OptionList.OptionHighlighted):
                self.set_options(Option(prompt(r), id=r.key) for r in rows)
                self.rows = list(rows)
                keys = [r.key for r in rows]
                if selected in keys:
                    self.highlighted = keys.index(selected)
            n = sum(r.active for r in rows)
            self.border_subtitle = f"{n} active · {len(rows) - n} closed" if rows else "none"

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(AlertChosen(event.option.id))

    def action_unselect(self) -> None:
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = None
        self.post_message(AlertChosen(None))
