"""LossAccApp: runs, plots, alerts and their explanation, fed by a Monitor (watch) or a Replay.

The feed's thread only posts `FeedChanged` (at most one per data frame); new data is drawn as
often as `pacing.DataPacing` allows, a key at once (`drawing.Drawing`). Each frame copies what it
draws from the tracker with the lock held briefly, then builds the widgets' lines without it
(`frame.MainFrame`). The keys are `actions.ViewActions`, the picks in the lists
`selection.Selection`, the alerts' notifications `notices.Notices`, the views built ahead
`warm.WarmViews`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.timer import Timer

from lossacc_tui.app.actions import ViewActions
from lossacc_tui.app.drawing import Drawing
from lossacc_tui.app.fit import Field
from lossacc_tui.app.frame import MainFrame
from lossacc_tui.app.keys import WATCH_KEYS
from lossacc_tui.app.messages import FeedChanged
from lossacc_tui.app.notices import Notices
from lossacc_tui.app.pacing import MAX_DATA_WAIT, DataPacing
from lossacc_tui.app.selection import Selection
from lossacc_tui.app.tracker import Feed, Tracker
from lossacc_tui.app.view import PlotOptions
from lossacc_tui.app.warm import WarmViews
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.banner import Banner
from lossacc_tui.app.widgets.cached_lines import KeptColumn, KeptRow
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.key_bar import KeyBar
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList
from lossacc_tui.app.widgets.state_band import StateBand
from lossacc_tui.app.widgets.status_line import StatusLine
from lossacc_tui.feed import Feed as FeedBase

SWITCH_INTERVAL = 0.001  # seconds a thread may hold the interpreter while another waits (Python: 0.005)


class LossAccApp(ViewActions, Selection, Drawing, MainFrame, Notices, WarmViews, DataPacing, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "lossacc-tui"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide"), (160, "-huge")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = WATCH_KEYS

    def __init__(
        self,
        feed: Feed,
        label: str,
        *,
        params: Any = None,
        smoothing: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        replay: Any = None,
        focus: Path | None = None,
        banner: str | Sequence[Field] | None = None,
    ) -> None:
        super().__init__()
        self.feed, self.label, self.replay, self.clock = feed, label, replay, clock
        self.focus = os.path.abspath(focus) + os.sep if focus is not None else None
        self.banner = banner
        self.opts = PlotOptions(smoothing=smoothing or 0.6, smooth_on=bool(smoothing))
        self.tracker = Tracker(feed, params, self.opts.smoothing if self.opts.smooth_on else 0.0, clock)
        self.first_frame = threading.Event()  # set once the first frame with data is on the screen
        self._views_imported = threading.Event()  # the other views' modules (imported off the UI thread)
        #: the command line's app (not tests', which would build views they never show, each a
        #: fraction of a second): the views are built ahead, then what it holds is frozen (`_warm_views`)
        self.warm = False
        self._frozen = False
        if isinstance(feed, FeedBase):  # (the feed's first analysis waits for it: drawn sooner)
            feed.first_frame = self.first_frame
        follower = getattr(feed, "follower", None)
        if follower is not None and hasattr(follower, "slow_gap"):  # (a frame a second: read as often)
            follower.slow_gap = max(follower.slow_gap, MAX_DATA_WAIT)
        self.selected_run: int | None = None
        self._user_chose = False
        self.selected_alert: str | None = None
        self.cursor: float | None = None  # x of the value cursor on the drawn axis
        self.marked: set[int] = set()  # runs selected for the compare view
        self.pinned: int | None = None  # the pinned run: listed first, always compared
        self.drawn_axis = "epoch"
        self.drawn_log = False
        self._last_redraw = -1.0
        self._timer: Timer | None = None
        self.pacing_init()
        self._started = clock()
        self._toasted: list[tuple[Any, Any]] = []  # the alerts the alert toast names (`notices`)
        self._params: dict[str, str] = {}  # run path -> its parameters, as Markdown
        self._names: dict[int, str] = {}  # id(run state) -> its name in the run list
        self.shown_runs: int | None = None  # runs in the run list as last drawn

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if self.banner:
            yield Banner(self.banner, id="banner")
        with KeptRow(id="main"):
            with KeptColumn(id="plots"):
                yield MetricPlot("loss", id="loss-plot")
                yield MetricPlot("acc", id="acc-plot")
                yield StateBand(id="band")
            with KeptColumn(id="side"):
                yield RunList(id="runs")
                yield AlertList(id="alerts")
                yield Explanation(id="explanation")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        # the feed's thread parses and analyses in pure Python: hand the interpreter back to the UI
        # after 1 ms rather than 5 (each wake-up for a key, a frame, a write waits that long at worst)
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.tracker.on_change = lambda: self.feed_changed(FeedChanged())
        driver = getattr(self, "_driver", None)  # (a data frame steps back for a key that comes during it)
        if driver is not None and callable(getattr(driver, "process_message", None)):
            forward = driver.process_message

            def noted(message: Any) -> None:  # (the driver's input thread)
                self.note_input(message)
                forward(message)

            driver.process_message = noted
        self._tick()  # (then again whenever the status line's words would change)
        self.query_one(RunList).focus()
        self._breakpoints_now()
        self.request_redraw()

    def _breakpoints_now(self) -> None:
        """The layout's breakpoint classes (-narrow, -short, ...) for the terminal's size at once:
        Textual sets them when the screen gets its first resize event, after the first frame is
        painted, which at 80 columns drew that frame with the wide layout and then moved every pane."""
        width, height = self.size
        classes: dict[str, bool] = {}
        for points, size in ((self.HORIZONTAL_BREAKPOINTS, width), (self.VERTICAL_BREAKPOINTS, height)):
            chosen = [name for at, name in points if size >= at][-1:]
            classes.update({name: name in chosen for _, name in points})
        self.screen.update_classes(classes, animate=False)

    def on_unmount(self) -> None:
        self.feed.stop()
        sys.setswitchinterval(getattr(self, "_switch", 0.005))


def make_app(feed: Feed, label: str, **kwargs: Any) -> LossAccApp:
    """The app as the CLI and the tests build it (start the feed after this, then run the app).
    With `replay=` the replay's keys are bound."""
    if kwargs.get("replay") is not None:
        from lossacc_tui.app.replay_app import ReplayApp

        return ReplayApp(feed, label, **kwargs)
    return LossAccApp(feed, label, **kwargs)
