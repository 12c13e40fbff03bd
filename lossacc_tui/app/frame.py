"""What one frame of the main screen shows: copied from the tracker with the feed's lock held
(`MainFrame._frame`), then handed to the widgets with it released (`MainFrame._show`). A mixin of
`LossAccApp`, which holds the selection and the options the frame is drawn with."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from lossacc_tui.app import present
from lossacc_tui.app.names import fit_path
from lossacc_tui.app.run_params import params_markdown, read_params
from lossacc_tui.app.text import clean
from lossacc_tui.app.view import AlertRow, BandData, PlotData, PlotOptions, RunRow
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList, natural
from lossacc_tui.app.widgets.state_band import StateBand
from lossacc_tui.readers.probe_sidecar import probe_summary

T = TypeVar("T")
LIVE_AFTER = 5.0  # seconds: a run that gets points this long after start is being written now


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


class MainFrame:
    """Mixin: the main screen's frame, from the tracker's runs to the widgets."""

    tracker: Any
    feed: Any
    opts: PlotOptions
    clock: Callable[[], float]
    focus: str | None
    banner: Any
    size: Any
    screen_stack: list[Any]
    marked: set[int]
    pinned: int | None
    selected_run: int | None
    selected_alert: str | None
    cursor: float | None
    drawn_axis: str
    drawn_log: bool
    shown_runs: int | None
    _user_chose: bool
    _started: float
    _names: dict[int, str]
    _params: dict[str, str]

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
                pane = self._pane(main, "#explanation", Explanation)
                # (less a scrollbar's cells: a summary taller than the pane gets one, and the name
                # fitted to the whole width had wrapped as `run1.lo` / `g` at 80x24)
                width = pane.size.width - pane.styles.scrollbar_size_vertical
                if not pane.size.width:  # (before the first layout: the width the layout will give it)
                    from lossacc_tui.quickframe import side_width

                    width = side_width(self.size[0]) - 4 - pane.styles.scrollbar_size_vertical  # (frame)
                frame.text = self._run_summary(rs, width) + (f"\n\n{probe}" if probe else "")
        return frame

    def _canvas_sizes(self, main: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        """The loss and accuracy plots' drawing areas. Before the first layout (the first frame is
        built at mount) a plot is 0 cells wide, and data reduced to a 1-column canvas would be drawn
        as one vertical line: then the areas the layout will give them (app.tcss, as the quick first
        frame lays them out), so the first frame painted has the plots."""
        lp, ap = self._pane(main, "#loss-plot", MetricPlot), self._pane(main, "#acc-plot", MetricPlot)
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
        self._pane(main, "#runs", RunList).set_rows(frame.rows, self.selected_run)
        if frame.loss is None or frame.acc is None or frame.band is None:
            return
        self._pane(main, "#loss-plot", MetricPlot).set_data(frame.loss)
        self._pane(main, "#acc-plot", MetricPlot).set_data(frame.acc)
        self._pane(main, "#band", StateBand).set_data(frame.band)
        self._pane(main, "#alerts", AlertList).set_rows(frame.alerts, self.selected_alert)
        self._pane(main, "#explanation", Explanation).show(frame.text, frame.title)

    def _pane(self, main: Any, selector: str, kind: type[T]) -> T:
        """The main screen's pane `selector`, found once (a frame asked the DOM for each of its
        panes, a walk of the screen's widgets each time), found again if it left the screen."""
        panes: dict[str, Any] = self.__dict__.setdefault("_panes", {})
        got = panes.get(selector)
        if got is None or not got.is_attached or got.screen is not main:
            got = panes[selector] = main.query_one(selector, kind)
        return got  # type: ignore[no-any-return]

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

    def _run_summary(self, rs: Any, width: int = 0) -> str:
        """The run's summary: what its last analysis found, with the latest values as the plots'
        legends show them (written again when the run changed: `Published.summary_of`, lock held).
        Its heading's run name fits a line of the pane's `width` (`names.fit_path`; 0: unknown)."""
        r = rs.result
        if r is not None:
            text = rs.memo("summary", lambda: r.summary_of(rs.run))
            from lossacc_tui.analysis.mdtext import md_names  # (the analysis is there by now)

            name = md_names(rs.run.name, [rs.run.name])
            if width > 2 and text.startswith(f"**{name}**"):
                short = fit_path(rs.run.name, width - 1)
                text = f"**{md_names(short, [short])}**" + text[len(name) + 4 :]
        elif getattr(self.feed, "analyze", True):
            text = "Analysing… the summary and the alerts follow."
        else:
            text = "No analysis for this run."
        return text + self._params_of(rs.run)  # type: ignore[no-any-return]

    def _params_of(self, run: Any) -> str:
        """The run's parameters (hparams.yaml, MLflow params, ...) as Markdown, read once per run;
        those its store keeps per run (MLflow's database or server: `Run.params`) as they are now."""
        if run.params:
            return params_markdown(run.params, clean)
        got = self._params.get(run.path)
        if got is None:
            got = self._params[run.path] = params_markdown(read_params(run.path), clean)
        return got
