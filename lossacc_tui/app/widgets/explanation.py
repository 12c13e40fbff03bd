"""The explanation pane: the Markdown explanation of the selected alert, or, with no alert selected,
a summary of where the run stands, in its own numbers (both written by the analyzer).

Drawn as one Rich Markdown renderable (not Textual's Markdown widget, which mounts a widget per
block): updating it while data stream costs a re-render, not a re-mount; and the screen is laid out
again only when the text's height changes (a summary whose numbers change keeps its lines)."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from lossacc_tui.app.text import clean


class Rendered:
    """A Rich renderable drawn once per width: Textual asks for its height (to lay it out), then for
    its lines, and the pane asks for its height to know whether a layout is needed."""

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable
        self._width = -1
        self._segments: list[Segment] = []

    def segments(self, console: Console, options: ConsoleOptions) -> list[Segment]:
        if options.max_width != self._width:
            self._segments = list(console.render(self.renderable, options))
            self._width = options.max_width
        return self._segments

    def height(self, console: Console, options: ConsoleOptions, width: int) -> int:
        """Lines at `width` cells."""
        return sum(s.text.count("\n") for s in self.segments(console, options.update_width(width)))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.segments(console, options)


class Explanation(VerticalScroll):
    """Scrollable Markdown; updated only when its text changes."""

    HELP = "Why the selected alert fired, in the run's own numbers; with none selected, the run's summary."
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self._doc: Rendered | None = None
        self.border_title = "explanation"

    def compose(self) -> ComposeResult:
        yield Static("", id="explanation-text")

    def show(self, markdown: str, title: str = "explanation") -> None:
        text = clean(markdown, keep_newlines=True)
        self.border_title = clean(title)
        if text != self.text:
            new_topic = self.text.split("\n", 1)[0] != text.split("\n", 1)[0]
            self.text = text
            if "rich.markdown" not in sys.modules:  # the first text: as it is, and Markdown (markdown-it
                # and pygments: 0.1-0.2 s to import) after the frame is painted: the plots come first
                self.query_one(Static).update(Text(text))
                self.call_after_refresh(self._show_markdown, True)
                return
            self._show_markdown(new_topic)

    def _show_markdown(self, new_topic: bool) -> None:
        from rich.markdown import Markdown  # markdown-it and pygments: not before the first text

        doc, old, self._doc = Rendered(Markdown(self.text, hyperlinks=False)), self._doc, None
        static = self.query_one(Static)
        width, app = static.size.width, self.app
        layout = True
        if width and old is not None:  # the same height: repainting the pane is enough
            options = app.console_options.update(highlight=False)
            layout = doc.height(app.console, options, width) != old.height(app.console, options, width)
        self._doc = doc
        static.update(doc, layout=layout)
        if new_topic:
            self.scroll_home(animate=False)
