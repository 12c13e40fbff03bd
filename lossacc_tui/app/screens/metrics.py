"""`m`: every metric of the selected run, one small plot each (learning rate, top-5, F1, gradient
norms, anything the log has), with its latest value in the plot's legend; paged to fit the screen
(`pgdn`/`pgup`, `]`/`[`) and filtered by name (`/`, then type; `enter` or `escape` to finish)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Input, Static

from lossacc_tui.app.names import middle
from lossacc_tui.app.screens.kept import KeptStyles, build_unseen, synced_draw
from lossacc_tui.app.text import clean
from lossacc_tui.app.tracker import RunState
from lossacc_tui.app.view import NAMED, axis_for, build_plot, x_range
from lossacc_tui.app.widgets.key_bar import KeyBar
from lossacc_tui.app.widgets.metric_plot import MetricPlot

CELL_W, CELL_H = 40, 10  # the smallest plot worth drawing (columns, rows)


def page_shape(width: int, height: int) -> tuple[int, int]:
    """(columns, rows) of plots that fit in a screen of this size (at least one)."""
    return max(1, width // CELL_W), max(1, (height - 3) // CELL_H)


def matching(names: list[str], pattern: str) -> list[str]:
    """The names holding every word of the filter (any case), in the run's own order.

    >>> matching(["loss", "val_loss", "learning_rate", "val_f1"], "val")
    ['val_loss', 'val_f1']
    >>> matching(["loss", "val_loss", "learning_rate"], "LR rate")
    []
    """
    words = pattern.lower().split()
    return [n for n in names if all(w in n.lower() for w in words)]


class MetricsScreen(KeptStyles, Screen[None]):
    AUTO_FOCUS = None  # (the hidden filter box must not take the keys until `/` opens it)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "back", "Back"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("pagedown,right_square_bracket", "page(1)", "Next page", key_display="pgdn"),
        Binding("pageup,left_square_bracket", "page(-1)", "Prev page", key_display="pgup"),
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    MetricsScreen #metrics-title { height: 1; padding: 0 1; background: $panel; }
    MetricsScreen #metrics-grid { height: 1fr; }
    MetricsScreen MetricPlot { min-height: 5; }
    MetricsScreen #metrics-filter { display: none; }
    MetricsScreen #metrics-filter.-open { display: block; }
    MetricsScreen Toast { display: none; }  /* alert toasts wait for the main screen: never over a plot */
    """

    def __init__(self) -> None:
        super().__init__()
        self.page = 0
        self.pattern = ""
        self.shown: list[str] = []  # the series names on this page
        self.total = 0  # series that match the filter
        self._shape = (0, 0)

    def compose(self) -> ComposeResult:
        yield Static("", id="metrics-title")
        yield Grid(id="metrics-grid")
        box = Input(placeholder="filter metrics by name", id="metrics-filter")
        box.can_focus = False  # (until `/` opens it)
        yield box
        yield KeyBar()

    def on_resize(self) -> None:
        self.app.call_after_refresh(self.app.redraw)  # type: ignore[attr-defined]

    def _plots(self, n: int, shape: tuple[int, int]) -> list[MetricPlot]:
        """n plot widgets laid out in `shape`, reusing the ones already there."""
        grid = self.query_one("#metrics-grid", Grid)
        if shape != self._shape:
            self._shape = shape
            grid.styles.grid_size_columns, grid.styles.grid_size_rows = shape
        have = list(grid.query(MetricPlot))
        if len(have) < n:
            new = [MetricPlot("metric") for _ in range(n - len(have))]
            grid.mount_all(new)
            have += new
        for i, p in enumerate(have):
            p.display = i < n
        return have[:n]

    def build_ahead(self, app: Any) -> bool:
        """Before the first `m`, at idle (`warm.WarmViews`), a step a call (`kept.build_unseen`): the
        shown run's plots mounted and drawn, laid out at the terminal's size, drawn again at their
        sizes and rendered, unseen (plotext draws each plot's frame, 5-20 ms a plot). The first `m`
        then paints what is there, as a later one does: it had mounted and drawn them at the key,
        40-60 ms of the main thread here and up to 0.84 s on a loaded machine. True once done;
        False: call again later."""
        if not self.query("#metrics-title"):
            return False  # (not composed yet)
        return build_unseen(self, lambda: synced_draw(app, self.redraw_from))

    def on_screen_resume(self) -> None:
        self.app.call_after_refresh(self.app.redraw)  # type: ignore[attr-defined]

    def redraw_from(self, app: Any) -> None:
        """Called by the app with the feed's lock held."""
        runs: list[RunState] = app.tracker.runs
        try:
            title = self.query_one("#metrics-title", Static)
        except NoMatches:  # not composed yet: drawn when it resumes
            return
        if app.selected_run is None or app.selected_run >= len(runs):
            self._title(title, "no run selected")
            return
        rs = runs[app.selected_run]
        names = [n for n, s in rs.run.series.items() if len(s)]
        found = matching(names, self.pattern)
        cols, rows = page_shape(self.size.width, self.size.height)
        per = cols * rows
        pages = max(1, math.ceil(len(found) / per))
        self.page = min(self.page, pages - 1)
        self.shown, self.total = found[self.page * per : (self.page + 1) * per], len(found)
        if len(self.shown) < per:  # a short page: no empty rows
            rows = max(1, math.ceil(len(self.shown) / cols))
        axis = axis_for(rs, app.opts.axis)
        plots = self._plots(len(self.shown), (cols, rows))
        for plot, name in zip(plots, self.shown, strict=True):
            key = NAMED + name
            xr = x_range([rs], axis, (key,))
            plot.set_data(build_plot(name, [(rs, key, name)], axis, xr, plot.canvas_size, app.opts))
        what = f"{len(found)} of {len(names)} metrics" if self.pattern else f"{len(names)} metrics"
        filt = f" · filter '{clean(self.pattern)}'" if self.pattern else ""
        rest = f" · {what}{filt} · page {self.page + 1}/{pages}" + ("" if found else " · nothing matches")
        # (the run's name cut in its middle to leave the count and the page whole on the line)
        room = max(12, self.size.width - 2 - len(rest)) if self.size.width else len(clean(rs.run.name))
        self._title(title, middle(clean(rs.run.name), room) + rest)

    def _title(self, title: Static, text: str) -> None:
        """The title line, updated only when it changed (an update lays the screen out again)."""
        if getattr(title, "shown", None) != text:
            title.shown = text  # type: ignore[attr-defined]
            title.update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
        self.app.call_after_refresh(self.app.redraw)  # type: ignore[attr-defined]

    def action_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.app.redraw()  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        box = self.query_one("#metrics-filter", Input)
        box.add_class("-open")
        box.can_focus = True
        self.call_after_refresh(box.focus)  # (after this key: the "/" is not typed into the box)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.pattern, self.page = event.value.lstrip("/"), 0  # (the key that opened it, on a slow terminal)
        self.app.redraw()  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._close_filter()

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.query_one("#metrics-filter", Input).has_focus:
            event.stop()
            self._close_filter()

    def _close_filter(self) -> None:
        box = self.query_one("#metrics-filter", Input)
        box.remove_class("-open")
        box.can_focus = False
        self.set_focus(None)
