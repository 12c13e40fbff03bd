"""One line at the bottom: what is watched, live or waiting (or where the replay is), and the time
since the last new point."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    """Plain text only: paths come from the user and logs, never markup. A fixed-height widget that
    repaints its one line (a Static would lay the screen out again at every update)."""

    HELP = "What is being watched, whether it is live, and how long ago the last point arrived."
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""
        self._text = Text()

    def set_text(self, parts: list[tuple[str, str]]) -> None:
        """(text, style) pieces; repainted only when the text changes."""
        plain = "".join(p for p, _ in parts)
        if plain != self.plain:
            self.plain = plain
            t = Text(no_wrap=True, overflow="ellipsis")
            for p, style in parts:
                t.append(p, style)
            self._text = t
            self.refresh()

    def render(self) -> Text:
        return self._text
