"""The explanation pane: the Markdown explanation of the selected alert, or, with no alert selected,
a summary of where the run stands, in its own numbers (both written by the analyzer).

Drawn as one Rich Markdown renderable (not Textual's Markdown widget, which mounts a widget per
block): updating it while data stream costs a re-render, not a re-mount."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from lossacc_tui.app.text import clean


class Explanation(VerticalScroll):
    """Scrollable Markdown; updated only when its text changes."""

    HELP = "Why the selected alert fired, in the run's own numbers; with none selected, the run's summary."
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.border_title = "explanation"

    def compose(self) -> ComposeResult:
        yield Static("", id="explanation-text")

    def show(self, markdown: str, title: str = "explanation") -> None:
        text = clean(markdown, keep_newlines=True)
        self.border_title = clean(title)
        if text != self.text:
            new_topic = self.text.split("\n", 1)[0] != text.split("\n", 1)[0]
            self.text = text
            from rich.markdown import Markdown  # markdown-it and pygments: not before the first text

            self.query_one(Static).update(Markdown(text, hyperlinks=False))
            if new_topic:
                self.scroll_home(animate=False)
