"""The live analysis passes of a feed (`feed.Feed`), off its lock: when a pass runs, and how.

Points are told at once; their analysis runs on a timer's thread, at most every ANALYSE_EVERY s
(less often when an analysis costs more), at once after a quiet spell. A pass takes snapshots of
the runs waiting with the lock held (`Run.freeze_into`: no copy of the points), analyses them
without the lock (the follower appends and a view draws meanwhile: a 100,000-point run's first
analysis no longer holds up either for seconds), then takes the lock again to tell what it found
and hand copies of it over (`published`, what a view reads). One pass at a time; the feed's
`analyse_all` and `alerts` wait for a pass under way.
"""

from __future__ import annotations

import sys
import threading
import time
from importlib import import_module
from typing import TYPE_CHECKING

from lossacc_tui.events import AlertChanged, Analysed, Event
from lossacc_tui.model import Run
from lossacc_tui.osthread import name_os_thread
from lossacc_tui.published import Published, publish

if TYPE_CHECKING:  # (the analysis is imported when a run is first analysed: the view draws first)
    from lossacc_tui.analysis import Alert, Analyzer, Params

#: Live analysis runs at most this often: a run's points are told at once, and the analysis of a
#: steady writer's lines is brought up to date every 2 s in one step (it gives the same alerts
#: however the points are grouped); the first points after a quiet spell at once. (Every 0.5 s, a
#: pass of a few lines, 1.7-3.7 ms of CPU here, came every 0.9-1.9 s at 10 lines/s: 0.2 % of a core,
#: `check --follow`'s largest share, for alerts a second sooner.)
ANALYSE_EVERY = 2.0
#: ... or less often when an analysis costs more: live analysis aims at this share of a core (a 5 ms
#: analysis of a few new points: every 5 s, the ANALYSE_MAX below, within which an alert was already
#: promised; a pass of a few lines cost 9-11 ms of CPU at load 8-10)
ANALYSIS_SHARE = 0.001
#: ... but at least this often: what comes meanwhile is analysed in one go (a pass ends after
#: PASS_CPU or PASS_WALL, so a long wait no longer makes one analysis hold up quitting: rel-05).
#: An update of a few new lines costs 15-25 ms of CPU at load 8-10 however few they are (the cost
#: is per call): every 5 s (TensorBoard's default reload interval) that is 0.3-0.5% of a core, where
#: every 3 s it was 0.6-0.7% (`check --follow` at 10 lines/s, whose whole budget is 1%:
#: benchmarks/bench_follow.py); an alert comes at most 5 s after the point that opens it.
ANALYSE_MAX = 5.0
#: A live analysis pass ends after this much CPU time, at a run's end; the runs left are analysed by
#: the next pass, PASS_GAP s later: thousands of new runs (5,000 run folders) no longer hold the lock
#: for minutes, so the runs still to come are read and listed meanwhile (and a quit is not held up)
PASS_CPU = 0.2
PASS_GAP = 0.05
#: ... or after this much wall time, whichever comes first: on a loaded machine 0.2 s of CPU took
#: 0.5-2 s, the lock held all along, and a key (`q`) waited for the view's frame, which waited for it
PASS_WALL = 0.1
#: The analysis waits for its budget only while points keep coming: once none came for 3 times the
#: last gap between two reads (at least QUIET_MIN s), what was read is analysed then (the end of a
#: burst, or of a backlog read in quick chunks, is not left waiting for ANALYSE_MAX). (3 times: the
#: timer that looks for a quiet spell wakes once every 3 reads of a steady writer, not at each.)
QUIET_MIN = 0.2
ANALYSIS = "lossacc_tui.analysis.analyzer"  # the module the first analysis imports (the detectors...)
FIRST_FRAME_WAIT = 2.0  # at most this many seconds the first analysis waits for a view's first frame
#: a run analysed by a live pass: (run, its analyzer, the changes, what it publishes, its points then)
Done = tuple[Run, "Analyzer", "list[tuple[str, Alert]]", Published | None, int]


class LivePasses:
    """Mixin for `feed.Feed`: its live analysis passes (the feed owns the state they use)."""

    lock: threading.RLock
    params: Params | None
    keep: int | None
    analyzers: dict[int, Analyzer]
    published: dict[int, Published]
    publishing: bool
    first_frame: threading.Event | None
    first_pass: threading.Event
    busy_since: float | None
    _closed: bool
    _busy: bool
    _idle: threading.Condition
    _waiting: dict[int, Run]
    _analysis_timer: threading.Timer | None
    _next_analysis: float
    _last_points: float
    _interval: float

    if TYPE_CHECKING:  # (the feed's, `feed.Feed`)

        def emit(self, events: list[Event]) -> None: ...
        def _compare_live(self) -> list[Event]: ...

    def _quiet(self) -> float:
        """How long no new points make a quiet spell: 3 times the last gap between two reads."""
        return min(ANALYSE_MAX, max(QUIET_MIN, 3 * self._interval))

    @property
    def analysis_pending(self) -> bool:
        """Points are read whose analysis has not ended yet (it runs at most every ANALYSE_EVERY s,
        on a thread of its own)."""
        with self.lock:
            return bool(self._waiting) or self._busy

    def _start_timer(self, wait: float) -> None:
        """The next live analysis pass in `wait` seconds (lock held), unless one is due already."""
        if self._analysis_timer is None and not self._closed:
            self._analysis_timer = threading.Timer(max(wait, 0.0), self._late_analysis)
            self._analysis_timer.daemon = True
            self._analysis_timer.start()

    def _late_analysis(self) -> None:
        """A live analysis pass (timer thread): the points that came while it was not due, or the
        first analysis of the process. The runs are analysed on snapshots (`Run.freeze_into`, taken
        with the lock held, O(number of series)) without the lock: the follower appends and a view
        draws meanwhile; the results are handed over (`published`) and told with the lock held."""
        name_os_thread("lossacc-analyse")
        if ANALYSIS not in sys.modules and self.first_frame is not None:
            self.first_frame.wait(FIRST_FRAME_WAIT)
        import_module(ANALYSIS)
        timer = threading.current_thread()
        while True:
            with self.lock:
                mine = self._analysis_timer is timer
                if self._closed or not self._waiting or self._busy:
                    if mine:
                        self._analysis_timer = None
                    return  # (a pass running now starts the next one when it ends)
                left = min(self._next_analysis, self._last_points + self._quiet()) - time.monotonic()
                if left <= 0.01:
                    if mine:
                        self._analysis_timer = None
                    break
                if not mine or not isinstance(timer, threading.Timer):
                    self._analysis_timer = None
                    self._start_timer(left)
                    return
            # points still coming and the budget not spent yet: wait on, on this thread, still
            # the pending timer (a steady writer's quiet-spell checks started a thread each,
            # three a second at 10 lines/s); `close` cancels it, which ends the wait
            if timer.finished.wait(left):
                return
        self._pass()

    def _pass(self) -> list[Event]:
        """One live analysis pass over the runs waiting (lock not held by the caller): their
        events, also emitted. Ends after PASS_CPU s of CPU or PASS_WALL s at a run's end; the runs
        left wait for the next pass, PASS_GAP s later."""
        with self.lock:
            if self._closed or not self._waiting or self._busy:
                return []
            runs, self._waiting = list(self._waiting.values()), {}
            jobs = [self._prepare(run) for run in runs]
            self._busy, self.busy_since = True, time.monotonic()
        done: list[Done] = []
        left_over: list[Run] = []
        spent = 0.0
        try:
            spent, wall = time.thread_time(), time.monotonic()
            for i, (run, an, points) in enumerate(jobs):
                if self._closed:
                    break
                if i and (time.thread_time() - spent > PASS_CPU or time.monotonic() - wall > PASS_WALL):
                    left_over = [r for r, _, _ in jobs[i:]]
                    break
                changes = an.update()
                pub = publish(an, points, self.published.get(id(run))) if self.publishing else None
                done.append((run, an, changes, pub, points))
            spent = time.thread_time() - spent  # (CPU time: a busy machine does not stretch it)
        finally:
            with self.lock:
                self._busy, self.busy_since = False, None
                self._idle.notify_all()
                events = [] if self._closed else self._hand_over(done, left_over, spent)
                self.emit(events)
            self.first_pass.set()
        return events

    def _prepare(self, run: Run) -> tuple[Run, Analyzer, int]:
        """(run, its analyzer, its points now), the analyzer's snapshot of the run brought up to
        date (lock held)."""
        an = self.analyzers.get(id(run))
        if an is None:
            from lossacc_tui.analysis.analyzer import Analyzer
            from lossacc_tui.analysis.heap import reuse_freed_blocks

            # (the command's own process: a program embedding an Analyzer keeps its malloc settings)
            reuse_freed_blocks()
            an = self.analyzers[id(run)] = Analyzer(run.freeze_into(), self.params)
        else:
            run.freeze_into(an.run)
        an.finished = self.finished
        return run, an, run.points

    def _hand_over(
        self,
        done: list[Done],
        left_over: list[Run],
        spent: float,
    ) -> list[Event]:
        """The events of a pass run without the lock (lock held now): a run read again from its
        start meanwhile (`reset`: a new analyzer) drops what its old analysis found."""
        out: list[Event] = []
        for run, an, changes, pub, points in done:
            if self.analyzers.get(id(run)) is not an:
                continue
            out += [AlertChanged(run, change, alert.snapshot()) for change, alert in changes]
            if pub is not None:
                self.published[id(run)] = pub
            out.append(Analysed(run))
            if self.keep is not None and run.points - points < self.keep:
                run.fold(self.keep)  # (the analysis read all but the newest points: the oldest may go)
        for run in left_over:
            self._waiting.setdefault(id(run), run)
        if self._waiting:  # a long pass left runs, or points came meanwhile
            wait = PASS_GAP if left_over else max(ANALYSE_EVERY, min(spent / ANALYSIS_SHARE, ANALYSE_MAX))
            self._next_analysis = time.monotonic() + wait
            self._start_timer(min(wait, self._quiet()) if not left_over else wait)
        else:
            wait = max(ANALYSE_EVERY, min(spent / ANALYSIS_SHARE, ANALYSE_MAX))
            self._next_analysis = time.monotonic() + wait
        return out + self._compare_live()


__all__ = ["ANALYSE_EVERY", "LivePasses"]
