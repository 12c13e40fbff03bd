"""One line at the bottom: what is watched, live or waiting (or where the replay is), and the time
since the last new point."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from lossacc_tui.app.widgets.cached_lines import KeptLines


def fit_parts(parts: list[tuple[str, str]], width: int) -> Text:
    """(text, style) pieces in `width` cells: the first ("watching PATHS") keeps its first word and
    loses the start of the paths to make room for the rest; only if the rest alone is too wide is
    the end cut.

    >>> fit_parts([("watching /a/long/path", "bold"), (" · live", "")], 22).plain
    'watching …/path · live'
    >>> fit_parts([("watching /tmp/demo-x/live_run /w/demo_logs", "bold"), (" · live", "")], 40).plain
    'watching …/live_run /w/demo_logs · live'
    """
    t = Text(no_wrap=True, overflow="ellipsis")
    rest = sum(len(p) for p, _ in parts[1:])
    for i, (p, style) in enumerate(parts):
        if i == 0 and len(p) + rest > width:
            head, _, tail = p.partition(" ")
            room = width - rest - len(head) - 2
            kept = tail[len(tail) - room :] if room > 0 else ""
            cut = kept.find("/")  # (from a folder's start: never half a name)
            kept = kept[cut:] if 0 <= cut < len(kept) - 1 and kept[0] != "/" else kept
            p = f"{head} …{kept}" if kept else ""
        t.append(p, style)
    return t


class StatusLine(KeptLines, Widget):
    """Plain text only: paths come from the user and logs, never markup. A fixed-height widget that
    repaints its one line (a Static would lay the screen out again at every update)."""

    HELP = "What is being watched, whether it is live, and how long ago the last point arrived."
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""
        self._parts: list[tuple[str, str]] = []

    def set_text(self, parts: list[tuple[str, str]]) -> None:
        """(text, style) pieces; repainted only when the text changes. The first piece (what is
        watched) gives way when the line is too long, so the state and "last point N s ago" stay."""
        plain = "".join(p for p, _ in parts)
        if plain != self.plain:
            self.plain = plain
            self._parts = list(parts)
            self.refresh()

    def render(self) -> Text:
        return fit_parts(self._parts, self.size.width - 2)  # (the padding)
