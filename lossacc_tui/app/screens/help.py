"""`?`: every key, what it does, what each pane and glyph shows, and whether smoothing is on (the help
text of each pane lives beside its widget); the keys come first.

Drawn as plain Rich text (no Markdown widget to mount) and built once per app: the screen is
installed on first use and pushed again after that, so it opens at once; only the smoothing line,
which changes, is rewritten at each opening."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual._time import get_time  # (the clock Textual stamps events with)
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Static

from lossacc_tui.app.keys import ACTIONS
from lossacc_tui.app.screens.kept import KeptStyles, build_unseen
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.cached_lines import SteadyStyle
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import CURSOR, MARK, MetricPlot
from lossacc_tui.app.widgets.run_list import RunList
from lossacc_tui.app.widgets.state_band import STATE_LOOK, StateBand

PANES = (("runs", RunList), ("plots", MetricPlot), ("band", StateBand), ("alerts", AlertList))
PANES += (("summary", Explanation),)  # (its title at start; "explanation" did not fit KEY_W)
KEY_NAMES = {"question_mark": "?", "full_stop": ".", "left": "←", "right": "→"}
KEY_W = 9  # cells of the key column
REOPEN_GRACE = 0.3  # seconds: a `?` this soon after the help shows is the same press repeated

GLYPHS = (
    ("✖ ▲ ●", "a run's or an alert's worst open alert: critical, warning, info (· none)"),
    ("?", "a run not analysed: no accuracy (or no loss) read, or too few evaluations yet; its row says why"),
    (MARK, "the best validation value on a plot; the legend gives it as 'best value @x'"),
    ("━ ─", "validation curve (thick), training curve (thin)"),
    ("─ ━", "in compare: each run in its own colour, as its □ in the runs list (past ten colours: thick)"),
    (CURSOR, "the value cursor (← → home end, or a click); the legends then read the values there"),
    ("ep st", "epoch, step: where a run is, and the x of the cursor ('@ ep 57')"),
    ("● ━", "in the band's alerts row: where an alert opened, and while it stays open"),
    ("□ ■ ▣", "a run in its own colour: not selected, selected for compare (space), pinned (p)"),
    ("!", "after a best value in compare: the series also went NaN or infinite (it diverged)"),
    ("#3", "in compare's 'acc #' column: that run's place by best val acc (≠: the two orders differ)"),
    ("last", "compare's legends: each run's last value; its table holds each run's best ('best loss')"),
)


def _key(b: Binding) -> str:
    return " ".join(KEY_NAMES.get(k, k) for k in b.key.split(","))


def _section(title: str, rows: list[tuple[Text, str, str]]) -> Table:
    """A heading over rows of (key, title, what it does): the text wraps beside its key (hanging)."""
    grid = Table.grid(padding=(0, 1))
    grid.title, grid.title_justify, grid.title_style = title, "left", "bold underline"
    grid.add_column(width=KEY_W, no_wrap=True)
    grid.add_column(ratio=1)
    for key, name, doc in rows:
        line = Text(name, "bold")
        line.append(f": {doc}" if name and doc else doc)
        grid.add_row(key, line)
    return grid


def help_sections(app: object) -> list[Table]:
    """Everything the help shows except the smoothing line (plain text: nothing here is markup)."""
    keys = []
    for b in getattr(app, "BINDINGS", []):
        if isinstance(b, Binding) and b.action in ACTIONS and b.action != "cursor_off":  # (escape, below)
            keys.append((Text(_key(b), "bold"), *ACTIONS[b.action]))
    more = (
        ("tab", "Next pane", "shift+tab the previous; ↑ ↓ pgup pgdn move in a list or scroll"),
        ("home end", "In a list", "with no value cursor shown, the first or last row"),
        ("enter", "Explain", "on a run: its summary; on an alert: its explanation (focused, to scroll)"),
        ("escape", "Back", "in the alerts: the run's summary; else hides the cursor; closes this screen"),
        ("ctrl+p", "Command palette", "the same actions by name"),
    )
    keys += [(Text(k, "bold"), name, doc) for k, name, doc in more]
    glyphs = [(Text(g), "", meaning) for g, meaning in GLYPHS]
    panes = [(Text(name, "bold"), "", getattr(cls, "HELP", "")) for name, cls in PANES]
    states = [(Text(ch, color), label, meaning) for ch, color, label, meaning in STATE_LOOK.values()]
    return [
        _section("Keys", keys),
        _section("Glyphs", glyphs),
        _section("Panes", panes),
        _section("States in the band", states),
    ]


def smoothing_text(app: Any) -> Text:
    """Whether smoothing is on now, and what it does."""
    opts = getattr(app, "opts", None)
    on = bool(opts is not None and opts.smooth_on)
    weight = opts.smoothing if opts is not None else 0.6
    t = Text()
    t.append("Smoothing\n", "bold underline")
    t.append("Smoothing ", "bold")
    t.append(f"is on (weight {weight:g})" if on else "is off", "bold green" if on else "bold")
    t.append(
        ": key s turns it on or off, key w picks the next weight. It is TensorBoard's debiased EMA over the "
        "whole series; while it is on the plot legends say '(smoothed w)', or '(sm w)' where room is "
        "short. Values in the legends and under the cursor are always the logged ones."
    )
    return t


class Section(SteadyStyle, Static):
    """A help section that never changes (a Rich table), kept as strips per width: Textual renders
    a table twice each time a screen opens (for its height, then its lines), 40-150 ms for the
    help's four on a loaded machine; these are rendered once, when the view is built (`warm`)."""

    def __init__(self, table: Table, **kwargs: Any) -> None:
        super().__init__(table, **kwargs)
        self.table = table
        self._kept: dict[tuple[int, object], list[Strip]] = {}

    def lines(self, width: int) -> list[Strip]:
        """The section's lines `width` cells wide, in the widget's style."""
        key = (width, self.base_style)
        got = self._kept.get(key)
        if got is None:
            options = self.app.console_options.update(width=width, highlight=False)
            lines = self.app.console.render_lines(self.table, options, style=self.base_style, pad=True)
            got = self._kept[key] = [Strip(line, width) for line in lines]
            while len(self._kept) > 4:  # (a few widths: with and without the scrollbar, resized)
                del self._kept[next(iter(self._kept))]
        return got

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.lines(width)) if width > 0 else 0

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.lines(width)
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width, self.base_style)


class HelpScreen(KeptStyles, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", key_display="esc"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background; }  /* opaque: nothing redrawn behind */
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen .help-section, HelpScreen #help-smoothing { margin-top: 1; }
    HelpScreen #help-0 { margin-top: 0; }
    HelpScreen Toast { display: none; }  /* alert toasts wait: never over this screen */
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown_at = math.inf  # (Textual's event clock) when the screen last became active

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "help"
            box.border_subtitle = "? or esc closes · ↑ ↓ pgup pgdn scroll"
            # the keys first (what a new user opens the help for), then smoothing's state, then the rest
            for i, section in enumerate(help_sections(self.app)):
                yield Section(section, id=f"help-{i}", classes="help-section")
                if i == 0:
                    yield Static(smoothing_text(self.app), id="help-smoothing")

    def on_mount(self) -> None:
        """Built ahead (the app builds its views before their first key): the sections' lines at the
        widths the box will give them at the screen's size now, with and without its scrollbar."""
        width = (
            min(int(self.app.size.width * 0.9), 100) - 4
        )  # (the box's CSS: 90%, at most 100, border, padding)
        for section in self.query(Section):
            for w in (width, width - self.styles.scrollbar_size_vertical):
                if w > 0:
                    section.lines(w)

    def build_ahead(self, app: object) -> bool:
        """Laid out and rendered unseen at idle, a step a call (`kept.build_unseen`): the first `?`
        then costs what a later one does (it had laid the help out 3-4 times: 25-70 ms)."""
        return build_unseen(self, self._smoothing_line)

    def on_screen_resume(self) -> None:
        self.shown_at = get_time()
        self._smoothing_line()
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def _smoothing_line(self) -> bool:
        """The smoothing line as things are now (an update lays the screen out again: only if it
        changed); True (a `build_unseen` draw step)."""
        text = smoothing_text(self.app)
        line = self.query_one("#help-smoothing", Static)
        if text != getattr(line, "shown", None):
            line.shown = text  # type: ignore[attr-defined]
            line.update(text)
        return True

    async def action_dismiss(self, result: None = None) -> None:
        if self.is_current:  # (a key queued behind the one that closed it does nothing)
            self.dismiss(result)

    def on_screen_suspend(self) -> None:
        self.shown_at = math.inf

    def on_key(self, event: events.Key) -> None:
        """`?` closes the help, unless it was pressed before the help showed (or just after): a
        doubled `?`, or one typed while the screen was opening, keeps it open."""
        if event.key == "question_mark":
            event.stop()
            if event.time >= self.shown_at + REOPEN_GRACE and self.is_current:
                self.dismiss(None)
