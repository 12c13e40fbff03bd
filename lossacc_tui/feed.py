"""One feed: the base that owns runs, their analyzers, the comparison across runs and the events
subscribers are told, shared by the Monitor (live), the Replay and `check`'s one-shot reading.

Whatever brings records in (a followed file's new bytes, a replayed block, a finished log read to
its end), they pass through `Feed.appended`, so what subscribers see is decided in one place:
a run is announced once (`RunAdded`) before its first points, every block a run gains is told once
(`PointsAdded`), the run's Analyzer consumes it, and alerts are told as they open and close.
A run read again from its start (`Feed.reset`) loses its analysis and comparison state with it.

Subscribers are called on the thread that brought the records, holding `feed.lock`, which is also
what a consumer on another thread takes to read the runs. The live analysis does not hold it while
it analyses: a pass takes snapshots of its runs with the lock held (`Run.freeze_into`: no copy of
the points), analyses them on its own thread without the lock (the follower appends and a view
draws meanwhile: a 100,000-point run's first analysis no longer holds up either for seconds), then
takes the lock again to tell what it found and hand copies of it over (`published`, what a view
reads). One pass at a time; `analyse_all` and `alerts` wait for a pass under way.
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
from lossacc_tui.published import Published, publish
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
Subscriber = Callable[[list[Event]], None]
#: a run analysed by a live pass: (run, its analyzer, the changes, what it publishes, its points then)
Done = tuple[Run, "Analyzer", "list[tuple[str, Alert]]", Published | None, int]
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
        self._busy = False  # a live pass is analysing without the lock now
        self.busy_since: float | None = None  # since when (monotonic; a view says "analysing")
        self._idle = threading.Condition(self.lock)  # told when such a pass ends
        #: each run's analysis as a view reads it (`published.Published`), when `publishing`
        self.published: dict[int, Published] = {}
        self.publishing = False
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
        """The run's alerts now: a live pass analysing without the lock is waited for first (an
        analyzer is read only between its updates; a view reads `published` instead)."""
        with self.lock:
            while self._busy and not self._closed:
                self._idle.wait(1.0)
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
            if batch.reaxis is not None:  # its x is now the epoch: told again (this batch), analysed anew
                events += self.reset([run], axis="epoch")
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
            # (the analysis runs on a timer's thread, without the lock, as does the first one of a
            # process, which imports the analysis: the points are told, and drawn, meanwhile)
            if not self._busy:  # (a pass running now starts the next one when it ends)
                self._start_timer(min(self._next_analysis - now, self._quiet()))
        self.emit(events)

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
        with self.lock:
            self._analysis_timer = None
            if self._closed or not self._waiting or self._busy:
                return  # (a pass running now starts the next one when it ends)
            left = min(self._next_analysis, self._last_points + self._quiet()) - time.monotonic()
            if left > 0.01:  # points still coming and the budget not spent yet: wait on
                self._start_timer(left)
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
        return events

    def _prepare(self, run: Run) -> tuple[Run, Analyzer, int]:
        """(run, its analyzer, its points now), the analyzer's snapshot of the run brought up to
        date (lock held)."""
        an = self.analyzers.get(id(run))
        if an is None:
            from lossacc_tui.analysis.analyzer import Analyzer

            an = self.analyzers[id(run)] = Analyzer(run.freeze_into(), self.params)
        else:
            run.freeze_into(an.run)
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

    def announce(self, runs: Iterable[Run]) -> None:
        """Runs that exist with no point yet (a log with no record in it): told once all the same."""
        new = [r for r in runs if id(r) not in self._announced]
        self._announced.update(id(r) for r in new)
        self.emit([RunAdded(r) for r in new])

    def reset(self, runs: Iterable[Run], since: str | None = None, axis: str | None = None) -> list[Event]:
        """Runs emptied to be read again from their start (or, with `since`, cut there: a resumed
        run; with `axis`, not emptied: its points moved to that x and are told again next): their
        analysis and comparison state go with them. Returns the `RunReset` events (the caller emits
        them with its status)."""
        out: list[Event] = []
        for r in runs:
            self.analyzers.pop(id(r), None)
            self.published.pop(id(r), None)
            self._bests.pop(id(r), None)
            self._waiting.pop(id(r), None)
            out.append(RunReset(r, since, axis))
        return out

    def analyse_now(self, runs: Iterable[Run]) -> list[Event]:
        """The events of bringing the analysis of those of `runs` that have points it has not seen
        up to date now (lock held; a live pass under way is waited for first). Before a run is
        emptied to be read again (its log rewritten from the start within the live analysis'
        cadence), the alerts its records so far open are found and told, so they can be withdrawn
        rather than lost (tester 10)."""
        if not self.analyze:
            return []
        while self._busy and not self._closed:
            self._idle.wait(0.5)
        due = [r for r in runs if self._waiting.pop(id(r), None) is not None]
        return self._analyse(due) if due else []

    def analyse_all(self) -> None:
        """Bring every run's analysis up to date and compare the runs now (the end of a read; lock
        held: a live pass running without it is waited for first)."""
        if self.analyze:
            while self._busy and not self._closed:
                self._idle.wait(0.5)
            self._waiting = {}
            self.emit(self._analyse(self.runs))

    def _analyse(self, runs: Iterable[Run]) -> list[Event]:
        """Bring the runs' analysis up to date with the lock held, then compare them."""
        out: list[Event] = []
        for run in runs:
            if self._closed:  # quitting: the runs not analysed yet stay so (the quit waits for none)
                return out
            _, an, points = self._prepare(run)
            out += [AlertChanged(run, change, alert.snapshot()) for change, alert in an.update()]
            if self.publishing:
                self.published[id(run)] = publish(an, points, self.published.get(id(run)))
            out.append(Analysed(run))
            if self.keep is not None:  # the analysis has read every point: the oldest may go
                run.fold(self.keep)
        return out + self._compare()

    def _compare_live(self) -> list[Event]:
        """Compare the runs now when due; otherwise once COMPARE_EVERY has passed (a timer)."""
        wait = self._next_compare - time.monotonic()
        if wait > 0:  # compared less than COMPARE_EVERY ago: again when that has passed
            if self._compare_timer is None and not self._closed:
                self._compare_timer = threading.Timer(wait, self._late_compare)
                self._compare_timer.daemon = True
                self._compare_timer.start()
            return []
        return self._compare()

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
