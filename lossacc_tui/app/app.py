"""LossAccApp: runs, plots, alerts and their explanation, fed by a Monitor (watch) or a Replay.

The feed's thread only posts `FeedChanged` (at most one per data frame); new data is drawn as
often as `pacing.DataPacing` allows, a key at once. Each frame copies what it draws from the tracker
with the lock held briefly, then builds the widgets' lines without it.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import OptionList

from lossacc_tui.app import present
from lossacc_tui.app.actions import ViewActions
from lossacc_tui.app.fit import Field
from lossacc_tui.app.keys import WATCH_KEYS
from lossacc_tui.app.messages import AlertChosen, CursorAt, FeedChanged, Resized, RunChosen, RunMarked
from lossacc_tui.app.pacing import DATA_WAIT, KEY_WAIT, REDRAW_HZ, DataPacing
from lossacc_tui.app.run_params import params_markdown, read_params
from lossacc_tui.app.status import copy_status, status_parts
from lossacc_tui.app.text import clean
from lossacc_tui.app.tracker import Feed, Tracker
from lossacc_tui.app.view import AlertRow, BandData, PlotData, PlotOptions, RunRow
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.banner import Banner
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.key_bar import KeyBar
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList, fit_path, natural
from lossacc_tui.app.widgets.state_band import StateBand
from lossacc_tui.app.widgets.status_line import StatusLine
from lossacc_tui.feed import Feed as FeedBase
from lossacc_tui.readers.probe_sidecar import probe_summary

SWITCH_INTERVAL = 0.001  # seconds a thread may hold the interpreter while another waits (Python: 0.005)
LIVE_AFTER = 5.0  # a run that gets points this long after start is being written now
VIEWS = (  # (name, module, class): the views a key opens
    ("help", "lossacc_tui.app.screens.help", "HelpScreen"),
    ("compare", "lossacc_tui.app.screens.compare", "CompareScreen"),
    ("metrics", "lossacc_tui.app.screens.metrics", "MetricsScreen"),
)
WARM_AFTER, WARM_GAP = 0.5, 0.2  # seconds after the first frame the other views are built; between them


@dataclass
class Frame:
    """One main-screen frame, copied from the tracker with the lock held."""

    rows: list[RunRow]
    loss: PlotData | None = None
    acc: PlotData | None = None
    band: BandData | None = None
    alerts: list[AlertRow] = field(default_factory=list)
    text: str = ""
    title: str = "summary"


class LossAccApp(ViewActions, DataPacing, App[None]):
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
        self._params: dict[str, str] = {}  # run path -> its parameters, as Markdown
        self._names: dict[int, str] = {}  # id(run state) -> its name in the run list
        self.shown_runs: int | None = None  # runs in the run list as last drawn

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if self.banner:
            yield Banner(self.banner, id="banner")
        with Horizontal(id="main"):
            with Vertical(id="plots"):
                yield MetricPlot("loss", id="loss-plot")
                yield MetricPlot("acc", id="acc-plot")
                yield StateBand(id="band")
            with Vertical(id="side"):
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
        self.set_interval(1.0, self._tick)
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

    # -- redraw (coalesced) ---------------------------------------------------------------------
    def on_resized(self, _: Resized) -> None:
        self.request_redraw()

    def request_redraw(self) -> None:
        if self._timer is not None:
            return
        wait = self._last_redraw + 1.0 / REDRAW_HZ - time.monotonic()
        if wait <= 0:
            self.redraw()
        else:
            self._timer = self.set_timer(wait, self._timed_redraw)

    def _timed_redraw(self) -> None:
        self._timer = None
        self.redraw(DATA_WAIT)

    def redraw(self, wait: float = KEY_WAIT, data: bool = False) -> bool:
        """Copy what the screen shows from the tracker (lock held: plain data, a few ms), then
        build the widgets' lines from the copy with the lock released (the feed goes on meanwhile).
        `wait`: how long to wait for the feed to let go of the lock (a key's effect waits longer
        than new data, which is drawn at the next chance). A frame for new data (`data`) steps
        back when a key or a click came while it copied: its copy is not drawn (the key's frame
        draws the same points and its own effect); False then, else True."""
        if not self.screen_stack:  # shutting down
            return True
        began = time.monotonic()
        lock = self.tracker.lock
        if not lock.acquire(timeout=wait):  # the feed is busy: try again shortly, keys stay live
            self._timer = self.set_timer(0.05, self._timed_redraw)
            return True
        try:
            self._last_redraw = time.monotonic()
            self._dirty = self._posted = False  # (this frame draws every point read so far)
            self.tracker.sync()  # (the plot caches take in the points since the last frame)
            if hasattr(self.screen, "redraw_from"):
                self.screen.redraw_from(self)  # the compare or metrics view
                frame = None
            else:
                frame = self._frame()
            opened = self.tracker.opened
            self.tracker.opened = []
            copy_status(self)
        finally:
            lock.release()
        stepped_back = (
            data and frame is not None and self.first_frame.is_set() and self._input_waiting(since=began)
        )
        if stepped_back:
            self._dirty = True  # (drawn by the key's frame, or by the next data frame)
        elif frame is not None:
            self._show(frame)
            if frame.loss is not None and not self.first_frame.is_set():
                self.call_after_refresh(self._first_painted)
        self._notify_opened(opened)
        self._tick(copied=True)
        return not stepped_back

    def _first_painted(self) -> None:
        """The first frame with data is on the screen: the feed's first analysis may start, and the
        other views' modules are imported meanwhile (off the UI thread), so the first `?`, `c` or
        `m` opens its view without importing it first (0.1-0.2 s)."""
        self.first_frame.set()
        threading.Thread(
            target=_import_views, args=(self._views_imported,), name="lossacc-preload", daemon=True
        ).start()
        if self.warm:
            self.set_timer(WARM_AFTER, self._warm_views)

    def _warm_views(self) -> None:
        """Build the help, compare and metrics views off screen, one a callback (keys go between),
        once their modules are imported: each composes its widgets unseen (the help renders its
        tables), so the first `?`, `c` or `m` lays its view out and paints it, as every later one
        does (building one on the first press cost 100-300 ms of the main thread, a loaded
        machine's p99). Then, in the command line's app, the garbage collector's freeze."""
        if not self.screen_stack or not hasattr(self, "_get_screen"):  # (closing; or a Textual without it)
            return
        if not self._views_imported.is_set():  # (still being imported off this thread: later)
            self.set_timer(WARM_AFTER, self._warm_views)
            return
        for name, module, cls in VIEWS:
            if not self.is_screen_installed(name):
                self.install_screen(getattr(sys.modules[module], cls)(), name)
                self._get_screen(name)  # (registered: it composes now, in its own callbacks, unseen)
                self.set_timer(WARM_GAP, self._warm_views)
                return
        if not self._frozen:
            self._frozen = True
            # what the app holds from here on (Textual's DOM, the views, the modules): out of the
            # cyclic collector's full passes, which then scan only what is newer. A full pass over
            # it all took 90-120 ms of CPU, every 10-30 s while data streamed in (a key's frame held
            # up behind it), and ~0.6 % of a core at 10 lines/s. The frozen objects are still freed
            # by reference counting; only a cycle among them that is later dropped stays (bounded:
            # this is done once).
            gc.collect(1)  # (the young garbage first: cheap)
            gc.freeze()

    def _frame(self) -> Frame:
        """What the main screen shows, copied from the tracker (lock held)."""
        main = self.screen_stack[0]  # widgets are updated behind the help screen too
        runs = self.tracker.runs
        rows = [
            replace(r, marked=r.key in self.marked, pinned=r.key == self.pinned)
            for r in present.run_rows(runs)
        ]
        self._names = {id(runs[r.key]): r.name for r in rows}
        self.shown_runs = len(rows)  # (the status line counts what the run list shows, not runs since)
        if runs and (not self._user_chose or self.selected_run is None):
            pick = self._auto_pick(rows)  # until the user picks one
            if pick != self.selected_run:
                self.selected_run, self.selected_alert, self.cursor = pick, None, None
        frame = Frame(rows)
        if self.selected_run is not None:
            rs = runs[self.selected_run]
            frame.loss, frame.acc, frame.band, self.drawn_axis = present.main_view(
                rs, self.opts, *self._canvas_sizes(main), self.selected_alert, self.cursor
            )
            self.drawn_log = frame.loss.log
            frame.alerts = present.alert_rows(rs)
            chosen = next((r for r in frame.alerts if r.key == self.selected_alert), None)
            text = present.explanation(rs, chosen.key) if chosen is not None else None
            if chosen is not None and text is not None:
                frame.text, frame.title = text, f"explanation · {chosen.kind}"
            else:
                probe = probe_summary(rs.run)  # per-sample facts from the probe sidecar, if any
                frame.text = self._run_summary(rs) + (f"\n\n{probe}" if probe else "")
        return frame

    def _canvas_sizes(self, main: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        """The loss and accuracy plots' drawing areas. Before the first layout (the first frame is
        built at mount) a plot is 0 cells wide, and data reduced to a 1-column canvas would be drawn
        as one vertical line: then the areas the layout will give them (app.tcss, as the quick first
        frame lays them out), so the first frame painted has the plots."""
        lp, ap = main.query_one("#loss-plot", MetricPlot), main.query_one("#acc-plot", MetricPlot)
        if lp.size.width and ap.size.width:
            return lp.canvas_size, ap.canvas_size
        from lossacc_tui.quickframe import LABEL_W, plot_heights, side_width

        cols, rows = self.size
        rows -= 1 if self.banner else 0
        width = max(1, cols - side_width(cols) - LABEL_W - 2)
        loss_h, acc_h, _ = plot_heights(rows)
        return (width, max(1, loss_h - 4)), (width, max(1, acc_h - 4))

    def _show(self, frame: Frame) -> None:
        """Hand a frame's copies to the widgets (lock not held)."""
        main = self.screen_stack[0]
        main.query_one(RunList).set_rows(frame.rows, self.selected_run)
        if frame.loss is None or frame.acc is None or frame.band is None:
            return
        main.query_one("#loss-plot", MetricPlot).set_data(frame.loss)
        main.query_one("#acc-plot", MetricPlot).set_data(frame.acc)
        main.query_one(StateBand).set_data(frame.band)
        main.query_one(AlertList).set_rows(frame.alerts, self.selected_alert)
        main.query_one(Explanation).show(frame.text, frame.title)

    def _auto_pick(self, rows: list[Any]) -> int:
        """The run being written now (points later than LIVE_AFTER after start; the newest one,
        kept while it still gets points), else the first by name."""
        runs, now = self.tracker.runs, self.clock()
        if self.focus is not None:  # the caller said which runs matter (the demo's live run)
            focused = [k for k, rs in enumerate(runs) if os.path.abspath(rs.run.path).startswith(self.focus)]
            if focused:
                return focused[0]
        live = [
            k
            for k, rs in enumerate(runs)
            if rs.last_point is not None and rs.last_point > self._started + LIVE_AFTER
        ]
        cur = self.selected_run
        if cur in live and now - (runs[cur].last_point or 0.0) < 2 * LIVE_AFTER:  # type: ignore[index]
            return cur  # type: ignore[return-value]
        if live:
            return max(live, key=lambda k: runs[k].last_point or 0.0)
        return min(rows, key=lambda r: natural(r.name)).key

    def _run_summary(self, rs: Any) -> str:
        """The run's summary: what its last analysis found, with the latest values as the plots'
        legends show them (written again when the run changed: `Published.summary_of`, lock held)."""
        r = rs.result
        if r is not None:
            text = rs.memo("summary", lambda: r.summary_of(rs.run))
        elif getattr(self.feed, "analyze", True):
            text = "Analysing… the summary and the alerts follow."
        else:
            text = "No analysis for this run."
        return text + self._params_of(rs.run)

    def _params_of(self, run: Any) -> str:
        """The run's parameters (hparams.yaml, MLflow params, ...) as Markdown, read once per run;
        those its store keeps per run (MLflow's database or server: `Run.params`) as they are now."""
        if run.params:
            return params_markdown(run.params, clean)
        got = self._params.get(run.path)
        if got is None:
            got = self._params[run.path] = params_markdown(read_params(run.path), clean)
        return got

    def _notify_opened(self, opened: list[tuple[Any, Any]]) -> None:
        if self.clock() - self._started < 3.0:
            return  # the log's history, read at start: the lists show it
        width = {"-narrow": 30, "-huge": 56}.get(self._horizontal_class(), 42) - 3  # (as app.tcss)
        for rs, a in opened[-3:]:
            if a.severity != "info":
                sev = "error" if a.severity == "critical" else "warning"
                glyph = "✖" if a.severity == "critical" else "▲"
                name = self._names.get(id(rs), clean(rs.run.name))  # (as the run list names it)
                line = clean(f"{glyph} {a.kind} · {fit_path(name, width // 2)}: {a.title}")
                line = line if len(line) <= width else line[: width - 1] + "…"
                self.notify(line, severity=sev, markup=False)  # one line: see app.tcss

    def _horizontal_class(self) -> str:
        return next((c for c in ("-narrow", "-huge") if self.screen.has_class(c)), "-wide")

    def _tick(self, copied: bool = False) -> None:
        """Each second, and after each frame (`copied`: it copied the status with the lock held)."""
        if not self.screen_stack:
            return
        if self._dirty and self._timer is None:  # (new data whose frame was never scheduled)
            self._schedule_data()
        for line in self.screen_stack[0].query(StatusLine):  # (none while the app is closing)
            line.set_text(status_parts(self, copied))

    # -- selection --------------------------------------------------------------------------
    def on_run_chosen(self, msg: RunChosen) -> None:
        self._user_chose = True
        if msg.key != self.selected_run:
            self.selected_run, self.selected_alert, self.cursor = msg.key, None, None
            self.redraw()

    def on_run_marked(self, msg: RunMarked) -> None:
        if msg.what == "pin":
            self.pinned = None if self.pinned == msg.key else msg.key
        else:
            self.marked ^= {msg.key}
        self.redraw()

    def on_alert_chosen(self, msg: AlertChosen) -> None:
        if msg.key != self.selected_alert:
            self.selected_alert = msg.key
            self.redraw()

    def on_cursor_at(self, msg: CursorAt) -> None:
        self._move_cursor(msg.x)

    @on(OptionList.OptionSelected)
    def _explain(self, event: OptionList.OptionSelected) -> None:
        """`enter` on a run or an alert: show its summary or explanation and focus it (to scroll)."""
        if isinstance(event.option_list, RunList) and event.option.id is not None:
            self.on_run_chosen(RunChosen(int(event.option.id)))
        elif isinstance(event.option_list, AlertList) and event.option.id is not None:
            self.on_alert_chosen(AlertChosen(event.option.id))
        else:
            return
        event.stop()
        self.screen_stack[0].query_one(Explanation).focus()

    def on_unmount(self) -> None:
        self.feed.stop()
        sys.setswitchinterval(getattr(self, "_switch", 0.005))


def _import_views(done: threading.Event) -> None:
    import lossacc_tui.app.screens.compare
    import lossacc_tui.app.screens.help
    import lossacc_tui.app.screens.metrics  # noqa: F401

    done.set()


def make_app(feed: Feed, label: str, **kwargs: Any) -> LossAccApp:
    """The app as the CLI and the tests build it (start the feed after this, then run the app).
    With `replay=` the replay's keys are bound."""
    if kwargs.get("replay") is not None:
        from lossacc_tui.app.replay_app import ReplayApp

        return ReplayApp(feed, label, **kwargs)
    return LossAccApp(feed, label, **kwargs)
