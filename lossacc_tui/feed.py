"""One feed: the base that owns runs, their analyzers, the comparison across runs and the events
subscribers are told, shared by the Monitor (live), the Replay and `check`'s one-shot reading.

Whatever brings records in (a followed file's new bytes, a replayed block, a finished log read to
its end), they pass through `Feed.appended`, so what subscribers see is decided in one place:
a run is announced once (`RunAdded`) before its first points, every block a run gains is told once
(`PointsAdded`), the run's Analyzer consumes it, and alerts are told as they open and close.
A run read again from its start (`Feed.reset`) loses its analysis and comparison state with it.

Subscribers are called on the thread that brought the records, holding `feed.lock`, which is also
what a consumer on another thread takes to read the runs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import TYPE_CHECKING

from lossacc_tui.events import (
    AlertChanged,
    Analysed,
    Event,
    PointsAdded,
    ProbeAdded,
    Problem,
    RunAdded,
    RunReset,
    Status,
)
from lossacc_tui.model import Batch, Run
from lossacc_tui.osthread import name_os_thread
from lossacc_tui.readers.probe_sidecar import ProbeSidecar, sidecar_path
from lossacc_tui.source import CHUNK, Source

if TYPE_CHECKING:  # (the analysis is imported when a run is first analysed: the view draws first)
    from lossacc_tui.analysis import Alert, Analyzer, Params
    from lossacc_tui.analysis.compare import Bests

COMPARE_EVERY = 1.0  # seconds between live comparisons across runs (each looks at every run)
#: Live analysis runs at most this often: a run's points are told at once, and the analysis of a
#: steady writer's lines is brought up to date a few times a second in one step (it gives the
#: same alerts however the points are grouped); the first points after a quiet spell at once.
ANALYSE_EVERY = 0.5
#: ... or less often when an analysis costs more: live analysis aims at this share of a core (a 5 ms
#: analysis of a few new points: every 1.7 s)
ANALYSIS_SHARE = 0.003
#: ... but at least this often: what comes meanwhile is analysed in one go (a pass ends after
#: PASS_CPU or PASS_WALL, so a long wait no longer makes one analysis hold up quitting: rel-05).
#: A 10 ms analysis of a few new lines every 3 s is 0.33% of a core (`check --follow` at 10 lines/s,
#: whose whole budget is 1%); an alert comes at most 3 s after the point that opens it.
ANALYSE_MAX = 3.0
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
Subscriber = Callable[[list[Event]], None]
Parts = Iterable[tuple[Run, Batch]]  # (run, the points just appended to it)


class Feed:
    """Runs, their analyzers and the events about them. Subclasses bring the records in.

    `analyzers`: one Analyzer per run (by id), brought up to date as points arrive.
    `comparisons`: the cross-run alerts (runs-disagree) open now.
    `probes`: the probe sidecars of the sources, by absolute path (one object per file).
    `keep`: a cap on the points each series keeps (`--keep N`; None: every point): once its analysis
    has read them, a run's oldest points are folded into per-block min/max points (`Series.fold`),
    so a series holds at most 3 * keep points however long the run."""

    def __init__(self, params: Params | None = None, analyze: bool = True, keep: int | None = None) -> None:
        self.params = params
        self.analyze = analyze
        self.keep = keep
        self.lock = threading.RLock()
        self.sources: list[Source] = []
        self.analyzers: dict[int, Analyzer] = {}
        self.probes: dict[str, ProbeSidecar] = {}
        self._subscribers: list[Subscriber] = []
        self._announced: set[int] = set()
        self._told: dict[int, int] = {}  # id(run) -> its problems told as events (percent.py's notes)
        self._compared: dict[tuple[str, str], Alert] = {}
        self._bests: Bests = {}
        self._next_compare = 0.0
        self._compare_timer: threading.Timer | None = None
        self._closed = False
        self._next_analysis = 0.0
        self._waiting: dict[int, Run] = {}  # runs with points their analysis has not seen yet
        self._analysis_timer: threading.Timer | None = None
        self._last_points = 0.0  # when points were last read (monotonic), and the gap before that
        self._interval = 0.0
        #: a view sets this once its first frame with data is drawn: the process's first analysis
        #: (the import of the analysis) waits for it, at most FIRST_FRAME_WAIT seconds
        self.first_frame: threading.Event | None = None

    # -- subscribers ----------------------------------------------------------------------------
    def subscribe(self, fn: Subscriber) -> None:
        """`fn(events)` is called for every batch of events, on the feed's thread, lock held."""
        self._subscribers.append(fn)

    def emit(self, events: list[Event]) -> None:
        if events:
            for fn in self._subscribers:
                fn(events)

    def status(self, path: str, state: str, message: str) -> None:
        with self.lock:
            self.emit([Status(path, state, message)])

    # -- runs -----------------------------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        """Every run so far, in the order of their sources."""
        return [r for s in self.sources for r in s.runs]

    @property
    def comparisons(self) -> list[Alert]:
        return list(self._compared.values())

    def alerts(self, run: Run) -> list[Alert]:
        an = self.analyzers.get(id(run))
        return list(an.alerts) if an is not None else []

    def add_source(self, src: Source, read_probe: bool = False) -> ProbeSidecar:
        """Own a source; give it the probe sidecar beside its log (one object per sidecar file,
        shared by the sources that find the same one). `read_probe`: read an existing sidecar
        whole now (a finished log); otherwise the caller follows it. Returns the sidecar."""
        self.sources.append(src)
        path = sidecar_path(src.path)
        key = os.fspath(path.absolute())
        sc = self.probes.get(key)
        if sc is None:
            sc = self.probes[key] = ProbeSidecar(path)
            if read_probe and path.is_file():
                sc.read_all()
        src.attach_probe(sc)
        return sc

    def probe_added(self, sidecar: ProbeSidecar) -> None:
        """New evaluations were read from a sidecar: tell of each run that looks facts up in it."""
        self.emit([ProbeAdded(r) for r in self.runs if r.probe is sidecar])

    def appended(self, parts: Parts, analyse: bool = True) -> None:
        """Records just appended to runs (lock held): announce new runs, tell the points, bring the
        runs' analysis up to date (unless `analyse` is False: `analyse_all` later), emit."""
        events: list[Event] = []
        touched: dict[int, Run] = {}
        for run, batch in parts:
            if id(run) not in self._announced:
                self._announced.add(id(run))
                events.append(RunAdded(run))
            if batch.resume is not None:  # points replaced: its analysis starts over on what is kept
                events += self.reset([run], f"{batch.resume[0]} {batch.resume[1]:g}")
            events.append(PointsAdded(run, batch))
            told = self._told.get(id(run), 0) if len(run.problems) >= self._told.get(id(run), 0) else 0
            if len(run.problems) > told:  # a note on the values (their unit, one out of range): told now
                events += [Problem(run.path, p.line, p.message) for p in run.problems[told:]]
                self._told[id(run)] = len(run.problems)
            touched[id(run)] = run
        if self.keep is not None and not (analyse and self.analyze):
            for run in touched.values():  # (nothing reads them later: fold at once)
                run.fold(self.keep)
        if analyse and self.analyze and touched:
            self._waiting.update(touched)
            now = time.monotonic()
            self._interval, self._last_points = now - self._last_points, now
            wait = self._next_analysis - now
            if wait <= 0 and ANALYSIS in sys.modules:
                self.emit(events)  # the records first: the analysis must not delay them
                events = self._analyse_waiting()
            elif self._analysis_timer is None and not self._closed:
                # (the first analysis of a process imports the analysis on the timer's thread, without
                # the lock: the points are told, and drawn, meanwhile)
                self._analysis_timer = threading.Timer(
                    min(max(wait, 0.0), self._quiet()), self._late_analysis
                )
                self._analysis_timer.daemon = True
                self._analysis_timer.start()
        self.emit(events)

    def _quiet(self) -> float:
        """How long no new points make a quiet spell: 3 times the last gap between two reads."""
        return min(ANALYSE_MAX, max(QUIET_MIN, 3 * self._interval))

    @property
    def analysis_pending(self) -> bool:
        """Points are read whose analysis has not run yet (it runs at most every ANALYSE_EVERY s)."""
        with self.lock:
            return bool(self._waiting)

    def _analyse_waiting(self) -> list[Event]:
        runs, self._waiting = list(self._waiting.values()), {}
        spent = time.thread_time()
        out = self._analyse(runs, live=True, cpu=PASS_CPU)
        spent = time.thread_time() - spent  # (CPU time: a busy machine does not stretch it)
        if self._waiting and not self._closed:  # a long pass left runs: the next one soon, lock let go
            self._next_analysis = time.monotonic() + PASS_GAP
            if self._analysis_timer is None:
                self._analysis_timer = threading.Timer(PASS_GAP, self._late_analysis)
                self._analysis_timer.daemon = True
                self._analysis_timer.start()
        else:
            wait = max(ANALYSE_EVERY, min(spent / ANALYSIS_SHARE, ANALYSE_MAX))
            self._next_analysis = time.monotonic() + wait
        return out

    def _late_analysis(self) -> None:
        """The analysis of points that came while it was not due, or the first analysis of the
        process (timer thread)."""
        name_os_thread("lossacc-analyse")
        if ANALYSIS not in sys.modules and self.first_frame is not None:
            self.first_frame.wait(FIRST_FRAME_WAIT)
        import_module(ANALYSIS)
        with self.lock:
            self._analysis_timer = None
            if self._closed or not self._waiting:
                return
            left = min(self._next_analysis, self._last_points + self._quiet()) - time.monotonic()
            if left > 0.01:  # points still coming and the budget not spent yet: wait on
                self._analysis_timer = threading.Timer(left, self._late_analysis)
                self._analysis_timer.daemon = True
                self._analysis_timer.start()
                return
            self.emit(self._analyse_waiting())

    def announce(self, runs: Iterable[Run]) -> None:
        """Runs that exist with no point yet (a log with no record in it): told once all the same."""
        new = [r for r in runs if id(r) not in self._announced]
        self._announced.update(id(r) for r in new)
        self.emit([RunAdded(r) for r in new])

    def reset(self, runs: Iterable[Run], since: str | None = None) -> list[Event]:
        """Runs emptied to be read again from their start (or, with `since`, cut there: a resumed
        run): their analysis and comparison state go with them. Returns the `RunReset` events (the
        caller emits them with its status)."""
        out: list[Event] = []
        for r in runs:
            self.analyzers.pop(id(r), None)
            self._bests.pop(id(r), None)
            self._waiting.pop(id(r), None)
            out.append(RunReset(r, since))
        return out

    def analyse_all(self) -> None:
        """Bring every run's analysis up to date and compare the runs now (the end of a read)."""
        if self.analyze:
            self._waiting = {}
            self.emit(self._analyse(self.runs, live=False))

    def _analyse(self, runs: Iterable[Run], live: bool, cpu: float | None = None) -> list[Event]:
        """Bring the runs' analysis up to date (then compare, when due). With `cpu`, the pass ends
        after that many seconds of CPU time (or `PASS_WALL` s) at a run's end: the runs left wait in
        `_waiting`."""
        out: list[Event] = []
        ends = None if cpu is None else time.thread_time() + cpu
        wall = time.monotonic() + PASS_WALL
        runs = list(runs)
        for i, run in enumerate(runs):
            if self._closed:  # quitting: the runs not analysed yet stay so (the quit waits for none)
                return out
            if ends is not None and i and (time.thread_time() > ends or time.monotonic() > wall):
                self._waiting.update((id(r), r) for r in runs[i:])
                break
            an = self.analyzers.get(id(run))
            if an is None:
                from lossacc_tui.analysis.analyzer import Analyzer

                an = self.analyzers[id(run)] = Analyzer(run, self.params)
            out += [AlertChanged(run, change, alert.snapshot()) for change, alert in an.update()]
            out.append(Analysed(run))
            if self.keep is not None:  # the analysis has read every point: the oldest may go
                run.fold(self.keep)
        wait = self._next_compare - time.monotonic()
        if live and wait > 0:  # compared less than COMPARE_EVERY ago: again when that has passed
            if self._compare_timer is None and not self._closed:
                self._compare_timer = threading.Timer(wait, self._late_compare)
                self._compare_timer.daemon = True
                self._compare_timer.start()
            return out
        return out + self._compare()

    def _late_compare(self) -> None:
        """The comparison that new points asked for while comparing was not due (timer thread):
        so the last points of a quiet spell are compared too."""
        with self.lock:
            self._compare_timer = None
            if not self._closed:
                self.emit(self._compare())

    def _compare(self) -> list[Event]:
        """Compare the runs again; events for the cross-run alerts that opened or closed."""
        all_runs = self.runs_compared()
        if len(all_runs) < 2 and not self._compared:
            return []
        from lossacc_tui.analysis.cohorts import cohorts
        from lossacc_tui.analysis.compare import compare_runs

        began = time.monotonic()
        now = {
            (a.kind, a.title): a
            for cohort in cohorts(all_runs)  # a sweep's runs, not unrelated experiments
            if len(cohort) >= 2
            for a in compare_runs(cohort, self.params, self._bests)
        }
        # comparing thousands of runs takes a while: then less often (at most 5% of the time)
        self._next_compare = time.monotonic() + max(COMPARE_EVERY, 20 * (time.monotonic() - began))
        was, self._compared = self._compared, now
        return [AlertChanged(None, "closed", a.snapshot()) for k, a in was.items() if k not in now] + [
            AlertChanged(None, "opened", a.snapshot()) for k, a in now.items() if k not in was
        ]

    def close(self) -> None:
        """No more events: a comparison waiting for its time is dropped. (Does not wait for the
        lock: quitting must not wait for a feed thread in the middle of a large read.)"""
        self._closed = True
        for timer in (self._compare_timer, self._analysis_timer):
            if timer is not None:
                timer.cancel()

    def runs_compared(self) -> list[Run]:
        """The runs compared with each other (the Replay compares the runs it has played)."""
        return self.runs

    # -- a finished log --------------------------------------------------------------------------
    def read_source(self, src: Source, chunk_size: int = CHUNK, analyse: bool = False) -> None:
        """Read a source's files to their end through this feed (`check`, the Replay's load).
        With `analyse` False the analysis waits for `analyse_all`. Raises OSError."""
        with self.lock:
            if src not in self.sources:
                self.add_source(src, read_probe=True)
        src.read_all(chunk_size, on_parts=lambda _i, parts: self._read_parts(parts, analyse))
        with self.lock:
            self.announce(src.runs)

    def _read_parts(self, parts: Parts, analyse: bool) -> None:
        with self.lock:
            self.appended(parts, analyse)


def read_finished(
    sources: list[Source], params: Params | None = None, analyze: bool = True, chunk_size: int = CHUNK
) -> Feed:
    """Finished logs read to their end through a Feed, analysed and compared once at the end
    (`check`). Raises OSError from reading a file."""
    feed = Feed(params, analyze)
    for src in sources:
        feed.read_source(src, chunk_size)
    feed.analyse_all()
    return feed


__all__ = ["COMPARE_EVERY", "Feed", "read_finished"]
