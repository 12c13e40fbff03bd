"""The explanation pane: the Markdown explanation of the selected alert, or, with no alert selected,
a summary of where the run stands, in its own numbers (both written by the analyzer)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from lossacc_tui.app.text import clean


class Explanation(VerticalScroll):
    """Scrollable Markdown; updated only when its text changes."""

    HELP = (
        "Why the selected alert fired, with the run's own numbers; the run's summary when none is selected."
    )
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.border_title = "explanation"

    def compose(self) -> ComposeResult:
        yield Markdown("", id="explanation-md")

    def show(self, markdown: str, title: str = "explanation") -> None:
        text = clean(markdown, keep_newlines=True)
        self.border_title = clean(title)
        if text != self.text:
            self.text = text
            self.query_one(Markdown).update(text)
            self.scroll_home(animate=False)
