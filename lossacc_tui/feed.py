"""One feed: the base that owns runs, their analyzers, the comparison across runs and the events
subscribers are told, shared by the Monitor (live), the Replay and `check`'s one-shot reading.

Whatever brings records in (a followed file's new bytes, a replayed block, a finished log read to
its end), they pass through `Feed.appended`, so what subscribers see is decided in one place:
a run is announced once (`RunAdded`) before its first points, every block a run gains is told once
(`PointsAdded`), the run's Analyzer consumes it, and alerts are told as they open and close.
A run read again from its start (`Feed.reset`) loses its analysis and comparison state with it.

Subscribers are called on the thread that brought the records, holding `feed.lock`, which is also
what a consumer on another thread takes to read the runs. The live analysis does not hold it while
it analyses (`feed_passes.py`: snapshots analysed off the lock, copies handed over in `published`);
the comparison across runs is `feed_compare.py`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
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
from lossacc_tui.feed_compare import COMPARE_EVERY, Comparing
from lossacc_tui.feed_passes import LivePasses
from lossacc_tui.gcpause import collector_paused
from lossacc_tui.model import Batch, Run
from lossacc_tui.published import Published, publish
from lossacc_tui.readers.probe_sidecar import ProbeSidecar, sidecar_path
from lossacc_tui.source import CHUNK, Source

if TYPE_CHECKING:  # (the analysis is imported when a run is first analysed: the view draws first)
    from lossacc_tui.analysis import Alert, Analyzer, Params
    from lossacc_tui.analysis.compare import Bests

Subscriber = Callable[[list[Event]], None]
Parts = Iterable[tuple[Run, Batch]]  # (run, the points just appended to it)


class Feed(LivePasses, Comparing):
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
        self.finished = False  # (the logs are read to their end and will not grow: `analyse_all`)
        self.lock = threading.RLock()
        self.sources: list[Source] = []
        self._source_names: set[str] = set()  # (add_source's test, O(1) at thousands of runs)
        self._source_ids: set[int] = set()
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
        #: set once the first live analysis pass has handed its results over (a view's preload of
        #: modules it needs later waits for it: the first alerts come sooner)
        self.first_pass = threading.Event()

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
        whole now (a finished log); otherwise the caller follows it. Returns the sidecar.
        A source whose name another has already (paths that differ only in characters cleaning
        removes: `run<ESC>[31mred` and `runred`) is named `NAME~2`, `NAME~3`...: the stream's events
        and the view tell runs apart by name."""
        names = self._source_names
        if src.name in names:
            base, k = src.name, 2
            while f"{base}~{k}" in names:
                k += 1
            src.name = f"{base}~{k}"
            for run in src.runs:  # (runs already made: named after their source)
                run.name = src.name + run.name[len(base) :] if run.name.startswith(base) else run.name
        self.sources.append(src)
        names.add(src.name)
        self._source_ids.add(id(src))
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

    def analyse_all(self, finished: bool = False) -> None:
        """Bring every run's analysis up to date and compare the runs now (the end of a read; lock
        held: a live pass running without it is waited for first). `finished`: the logs will not
        grow (`check` of finished files), so the last evaluations are judged as they stand."""
        if self.analyze:
            self.finished = finished
            while self._busy and not self._closed:
                self._idle.wait(0.5)
            self._waiting = {}
            from lossacc_tui.analysis.classes import folders_read_once

            # (a batch: its objects live on, few die in cycles: `gcpause`; its runs' folders share
            # their parents, whose configuration files are read once)
            with collector_paused(), folders_read_once():
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
            if id(src) not in self._source_ids:
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
    feed.analyse_all(finished=True)
    return feed


__all__ = ["COMPARE_EVERY", "Feed", "read_finished"]
