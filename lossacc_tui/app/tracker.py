"""The app's side of a feed (a Monitor, or a Replay): per run, what its analysis last handed over
(`published.Published`: copies, so a frame never waits for an analysis, which runs without the
feed's lock) and the plot caches. Reading runs on the feed's thread, the analysis on a thread of its
own; the plot caches take in new points when a
frame is drawn (`Tracker.sync`: once per frame for all the points since the last one, however many
blocks they came in, not once per block), and what only the analysis changes (alerts, the state
timeline, the band) is recomputed once per analysis, not once per new point.

Textual-free. Everything here is touched only with `feed.lock` held; the UI thread takes the lock
briefly to copy what it draws (see `present.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from lossacc_tui.app.decimate import SeriesCache, ema_debiased
from lossacc_tui.events import (
    AlertChanged,
    Analysed,
    Event,
    PointsAdded,
    Problem,
    RunAdded,
    RunReset,
    Status,
)
from lossacc_tui.model import Batch, Run, Series

if TYPE_CHECKING:  # (the analysis is imported when it is first used: the view draws first)
    from lossacc_tui.analysis import Alert, Params
    from lossacc_tui.analysis.compare import Bests
    from lossacc_tui.analysis.states import StateSegment
    from lossacc_tui.published import Published

PLOTTED = ("train_loss", "val_loss", "train_acc", "val_acc")
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}


class Feed(Protocol):
    """What the app follows: `Monitor` or `Replay` (both analyse the runs they own)."""

    lock: Any
    published: dict[int, Published]
    publishing: bool

    def subscribe(self, fn: Callable[[list[Event]], None]) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


@dataclass
class RunState:
    """A run and what the app keeps about it."""

    run: Run
    result: Published | None = None  # its analysis as last handed over (None: not analysed yet)
    caches: dict[str, SeriesCache] = field(default_factory=dict)
    version: int = 0  # bumped whenever its points or alerts change
    analysed: int = 0  # bumped whenever its analysis ran (alerts, states) or it was read again
    last_point: float | None = None  # clock time of its latest new points
    band: Any = None  # the band's state columns, kept between analyses (`band.StateColumns`)
    #: (kind, start x) of each alert told opened: a run read again from its start (a log rewritten
    #: whole, O_TRUNC) raises them again, and they are not announced again (`Tracker.opened`)
    told: set[tuple[str, float]] = field(default_factory=set)
    #: its first analysis has been handed over: the alerts it raised are what the log held when it
    #: was read (the lists show them); only those opened later are news (`Tracker.opened`)
    read: bool = False
    _memo: dict[str, tuple[object, Any]] = field(default_factory=dict)

    def memo(self, key: str, make: Callable[[], Any], args: object = None, per_analysis: bool = False) -> Any:
        """`make()`, computed once per version of the run and `args` (a frame asks for the alerts,
        the worst one, the rows of the list... several times; the run changes only when the feed
        says so); `per_analysis`: once per analysis of the run (what depends on the alerts and
        states only, which new points do not change until they are analysed). One value per key."""
        want = (self.analysed if per_analysis else self.version, per_analysis, args)
        got = self._memo.get(key)
        if got is None or got[0] != want:
            got = self._memo[key] = (want, make())
        return got[1]

    def cache(self, series: Series, weight: float) -> SeriesCache:
        c = self.caches.get(series.name)
        if c is None or c.stale(series):
            c = self.caches[series.name] = SeriesCache(series)
        c.sync(weight)
        return c

    @property
    def alerts(self) -> list[Alert]:
        """The analysis' alerts (sorted by start; copies, the same list until the run is analysed
        again: do not modify it)."""
        r = self.result
        return self.memo("alerts", lambda: list(r.alerts) if r is not None else [], None, True)  # type: ignore[no-any-return]

    @property
    def active(self) -> list[Alert]:
        return self.memo("active", lambda: [a for a in self.alerts if a.active], None, True)  # type: ignore[no-any-return]

    @property
    def states(self) -> list[StateSegment]:
        """The analysis' joint-state timeline (made to agree with the alerts)."""
        r = self.result
        return self.memo("states", lambda: list(r.states) if r is not None else [], None, True)  # type: ignore[no-any-return]

    @property
    def worst(self) -> str | None:
        """Severity of the worst active alert."""
        active = [a.severity for a in self.active]
        return max(active, key=SEVERITY_RANK.__getitem__) if active else None

    @property
    def axis(self) -> str:
        """The x axis the analysis reports in (alerts, states)."""
        if self.result is not None:
            return self.result.axis
        return self.run.x_axis  # (before the first analysis: the axis it will report in)


class Tracker:
    """Subscribes to a feed; on its thread, brings the plot caches of runs that got points up to
    date, then calls `on_change` (the app turns that into one coalesced message)."""

    def __init__(
        self,
        feed: Feed,
        params: Params | None = None,
        smoothing: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.feed = feed
        self.lock = feed.lock
        self.params = params
        self.smoothing = smoothing
        self.clock = clock
        #: the clock of files' modification times (None: they are not read, as with a fixed `clock`)
        self.wall: Callable[[], float] | None = time.time
        self.runs: list[RunState] = []
        self._by_id: dict[int, RunState] = {}
        self._unsynced: dict[int, RunState] = {}  # runs with points their plot caches have not taken in
        self.version = 0
        self.statuses: dict[str, Status] = {}
        self.problems = 0  # lines of followed files that could not be read (`check` lists them)
        self.last_problem: Problem | None = None
        self.last_point: float | None = None
        self.opened: list[tuple[RunState, Alert]] = []  # alerts opened since the UI last looked
        self.compare_bests: Bests = {}  # the compare screen's comparison state
        self.on_change: Callable[[], None] | None = None
        #: what came since the last frame holds a new evaluation (a validation value), an alert
        #: opened or closed, or a new or re-read run: drawn within a second, where points of training
        #: alone may wait longer (`pacing`); the frame that draws them clears it
        self.evaluated = False
        feed.publishing = True  # (the analysis hands copies over: a frame reads those)
        feed.subscribe(self._on_events)

    def state(self, run: Run) -> RunState:
        rs = self._by_id.get(id(run))
        if rs is None:
            rs = self._by_id[id(run)] = RunState(run)
            self.runs.append(rs)
        return rs

    def _on_events(self, events: list[Event]) -> None:
        """Called on the feed's thread, holding its lock."""
        touched: dict[int, RunState] = {}
        analysed: dict[int, RunState] = {}
        for ev in events:
            if isinstance(ev, (RunAdded, PointsAdded)):
                touched[id(ev.run)] = self.state(ev.run)
                if isinstance(ev, PointsAdded):
                    at = touched[id(ev.run)].last_point = self.written(ev.run)
                    self.last_point = at if self.last_point is None else max(self.last_point, at)
                    self.evaluated = self.evaluated or evaluates(ev.run, ev.batch)
                else:
                    self.evaluated = True
            elif isinstance(ev, Analysed):
                touched[id(ev.run)] = analysed[id(ev.run)] = self.state(ev.run)
                touched[id(ev.run)].read = True  # (its alerts come before it, in the same list)
            elif isinstance(ev, RunReset):
                rs = touched[id(ev.run)] = analysed[id(ev.run)] = self.state(ev.run)
                rs.caches.clear()
                self.evaluated = True
            elif isinstance(ev, Status):
                self.statuses[ev.path] = ev
            elif isinstance(ev, Problem):
                self.problems += 1
                self.last_problem = ev
            elif isinstance(ev, AlertChanged) and ev.run is not None:
                touched[id(ev.run)] = analysed[id(ev.run)] = self.state(ev.run)
                self.evaluated = True
                rs = touched[id(ev.run)]
                key = (ev.alert.kind, ev.alert.start)
                if ev.change == "opened" and key not in rs.told:  # (not one a re-read raised again)
                    rs.told.add(key)
                    if rs.read:  # (not the history its first analysis found, however late it ends)
                        self.opened.append((rs, ev.alert))
        for rs in touched.values():
            rs.result = self.feed.published.get(id(rs.run))
            rs.version += 1
        for rs in analysed.values():
            rs.analysed += 1
        self._unsynced.update(touched)
        self.version += 1
        if self.on_change is not None:
            self.on_change()

    def written(self, run: Run) -> float:
        """When the run's latest points were written, on `clock`: now, less the age of their file's
        modification time on `wall` (`Run.written`: a log last written yesterday and read at start
        is a day old, not new); now when that is not known or `wall` is None."""
        now = self.clock()
        if run.written is None or self.wall is None:
            return now
        return now - max(0.0, self.wall() - run.written)

    def sync(self) -> None:
        """Bring the plot caches of the runs that got points since the last call up to date (lock
        held; a frame calls it before it reads them): one vectorized step per series for all the
        points since the last frame."""
        pending, self._unsynced = self._unsynced, {}
        for rs in pending.values():
            for role in PLOTTED:
                s = rs.run.by_role(role)  # type: ignore[arg-type]
                if s is not None:
                    rs.cache(s, self.smoothing)

    def smoothing_is_kept(self, weight: float) -> bool:
        """Whether every plotted series has its values smoothed with `weight` kept (smoothing
        switched off and on again, or off): then `set_smoothing` costs only the points since, and a
        key may call it on the UI thread (lock held by the caller)."""
        return all(c.has_smoothed(weight) for rs in self.runs for c in rs.caches.values())

    def smooth_ahead(self, weight: float) -> None:
        """Compute the curves smoothed with `weight` and keep them beside the shown ones, for the key
        that will pick it (`w`: the next weight), so that key costs what `s` does (the points since).
        O(history), off the lock like `set_smoothing`: call it from a worker thread."""
        if weight <= 0.0:
            return
        with self.lock:
            jobs = [
                (c, c.series, c.series.values.copy())
                for rs in self.runs
                for c in rs.caches.values()
                if not c.has_smoothed(weight)
            ]
        done = [(c, series, *ema_debiased(v, weight)) for c, series, v in jobs]
        with self.lock:
            for c, series, sm, last, cnt in done:
                if c.series is series and len(sm) <= len(series.values):
                    c.adopt_smoothed(weight, sm, (last, cnt), spare=True)

    def set_smoothing(self, weight: float) -> None:
        """Recompute the smoothed curves (O(history) for a weight not kept: call it from a worker
        thread). The smoothing itself runs without the lock, on the points there are when it starts
        (the feed and the screen go on meanwhile); the points that came since are smoothed when it
        is installed. Series whose smoothing with `weight` is kept (`SeriesCache.has_smoothed`) are
        only extended."""
        with self.lock:
            self.smoothing = weight
            jobs = [
                (c, c.series, c.series.values.copy())
                for rs in self.runs
                for c in rs.caches.values()
                if not c.has_smoothed(weight)
            ]
        done = []
        if weight > 0.0:
            for c, series, v in jobs:
                sm, last, cnt = ema_debiased(v, weight)
                done.append((c, series, sm, (last, cnt)))
        with self.lock:
            for c, series, sm, state in done:
                if c.series is series and len(sm) <= len(series.values) and self.smoothing == weight:
                    c.adopt_smoothed(weight, sm, state)
            for rs in self.runs:
                for c in rs.caches.values():
                    c.sync(self.smoothing)
                rs.version += 1
            self.version += 1
        if self.on_change is not None:
            self.on_change()


def evaluates(run: Run, batch: Batch) -> bool:
    """Whether a block of new records holds a validation value (a series of a `val_` role with a
    value in at least one of them), rather than training points alone."""
    for name in batch.values:
        s, present = run.series.get(name), batch.present.get(name)
        if s is not None and str(s.role).startswith("val") and (present is None or bool(present.any())):
            return True
    return False


def compare_alerts(
    runs: list[RunState], params: Params | None = None, bests: Bests | None = None
) -> list[Alert]:
    """Alerts about the runs together (runs-disagree), within each cohort of them (one folder group,
    one x axis, the same metric names: `analysis.cohorts`), as `check` compares; `bests`: the
    caller's state that makes a repeated comparison cost only the new points (`analysis.compare.Bests`)."""
    from lossacc_tui.analysis.cohorts import cohorts
    from lossacc_tui.analysis.compare import compare_runs

    return [
        a
        for cohort in cohorts([rs.run for rs in runs])
        if len(cohort) > 1
        for a in compare_runs(cohort, params, bests)
    ]
