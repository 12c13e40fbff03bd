"""One line at the bottom: what is watched, live or waiting (or where the replay is), and the time
since the last new point."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from lossacc_tui.app.widgets.cached_lines import KeptLines, SteadyStyle

#: a piece of the status line that starts so is a detail (the last problem's place): it goes
#: before the watched paths are cut below their last part
DETAIL = " ("


def fit_parts(parts: list[tuple[str, str]], width: int) -> Text:
    """(text, style) pieces in `width` cells: the first ("watching PATHS") keeps its first word and
    loses the start of the paths to make room for the rest, down to its last folder or file; then
    the details (pieces starting with " (") go, then the rest of the paths; only if the rest alone
    is too wide is the end cut.

    >>> fit_parts([("watching /a/long/path", "bold"), (" · live", "")], 22).plain
    'watching …/path · live'
    >>> fit_parts([("watching /tmp/demo-x/live_run /w/demo_logs", "bold"), (" · live", "")], 40).plain
    'watching …/live_run /w/demo_logs · live'
    >>> parts = [("watching /w/runs", "bold"), (" · 3 problems", "y"), (" (last: line 4 of a.csv)", "y")]
    >>> fit_parts(parts, 32).plain
    'watching /w/runs · 3 problems'
    """
    t = Text(no_wrap=True, overflow="ellipsis")
    if not parts:
        return t
    head, _, paths = parts[0][0].partition(" ")
    least = min(len(parts[0][0]), len(head) + 3 + len(paths.rstrip("/").rsplit("/", 1)[-1]))
    rest_parts = list(parts[1:])
    while least + sum(len(p) for p, _ in rest_parts) > width and any(
        p.startswith(DETAIL) for p, _ in rest_parts
    ):
        k = max(i for i, (p, _) in enumerate(rest_parts) if p.startswith(DETAIL))
        del rest_parts[k]
    rest = sum(len(p) for p, _ in rest_parts)
    for i, (p, style) in enumerate([parts[0], *rest_parts]):
        if i == 0 and len(p) + rest > width:
            room = width - rest - len(head) - 2
            kept = paths[len(paths) - room :] if room > 0 else ""
            cut = kept.find("/")  # (from a folder's start: never half a name)
            kept = kept[cut:] if 0 <= cut < len(kept) - 1 and kept[0] != "/" else kept
            p = f"{head} …{kept}" if kept else ""
        t.append(p, style)
    return t


class StatusLine(KeptLines, SteadyStyle, Widget):
    """Plain text only: paths come from the user and logs, never markup. A fixed-height widget that
    repaints its one line (a Static would lay the screen out again at every update), drawn as one
    strip kept until its words or its width change: through Textual's `render` it took 0.5 ms a
    repaint, and a live run's status ("last point 0 s ago", "1 s ago") repaints twice a second."""

    HELP = "What is being watched, whether it is live, and how long ago the last point arrived."
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""
        self._parts: list[tuple[str, str]] = []
        self._line: tuple[object, Strip] | None = None  # (what it was drawn from, the strip)

    def set_text(self, parts: list[tuple[str, str]]) -> None:
        """(text, style) pieces; repainted only when the text changes. The first piece (what is
        watched) gives way when the line is too long, so the state and "last point N s ago" stay."""
        plain = "".join(p for p, _ in parts)
        if plain != self.plain:
            self.plain = plain
            self._parts = list(parts)
            self.refresh()

    def render(self) -> Text:
        """The line's text (`fit_parts` in the width, the padding's two cells left out, as ever);
        drawn by `render_line`."""
        return fit_parts(self._parts, self.size.width - 2)

    def render_line(self, y: int) -> Strip:
        width, base = self.size.width, self.base_style
        if y != 0:
            return Strip.blank(width, base)
        key = (tuple(self._parts), width, base)
        if self._line is None or self._line[0] != key:
            text = self.render()
            if text.cell_len > width:
                text.truncate(width, overflow="ellipsis")
            segments = list(text.render(self.app.console, ""))
            pad = Style(bgcolor=base.bgcolor)  # (the blank after the words, as Textual pads a text)
            strip = Strip(segments, text.cell_len).apply_style(base).crop_extend(0, width, pad)
            self._line = (key, strip)
        return self._line[1]
