"""Replay: play a finished log as if it were being written now.

The log is read whole through the same readers as `watch`, then its records are handed out again,
in the order and at the pace they were written (the log's own timestamps when it has them, evenly
spaced otherwise), to fresh runs that subscribers see grow exactly as a Monitor's runs do: the
Replay is a `feed.Feed` like the Monitor, so the events, the analysis (each played run's Analyzer,
updated as records play), the comparison across runs, the probe sidecars, the lock and the thread
rules are the same code. Alerts therefore open at the moment they would have opened live.

Controls (any thread): pause/resume, step one record, faster/slower, seek to a record, jump to the
next/previous moment an alert opens (found by analysing the log once in the background), to the end.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.events import Status
from lossacc_tui.feed import Feed
from lossacc_tui.model import Batch, Run
from lossacc_tui.replay_schedule import UNTIMED_GAP, schedule
from lossacc_tui.roles import RoleMap
from lossacc_tui.source import Appended, PathError, discover

if TYPE_CHECKING:
    from lossacc_tui.analysis.params import Params

TARGET_SECONDS = 30.0  # without --speed, a replay lasts about this long
MARK_UPDATES = 1000  # at most this many analyzer updates per run when finding alert moments


@dataclass
class _Part:
    """A block of records of one recorded run, as a reader produced it."""

    run: int  # index into Replay.recorded
    batch: Batch


class Replay(Feed):
    """A finished log played as if live: a Feed (`lock`, `subscribe`, `start`, `stop`, `runs`,
    `sources`, `analyzers`, as the Monitor) plus the controls below."""

    def __init__(
        self,
        paths: Sequence[Path],
        fmt: str | None = None,
        role_map: RoleMap | None = None,
        speed: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        params: Params | None = None,
        analyze: bool = True,
    ) -> None:
        super().__init__(params, analyze)
        self.paths, self.fmt, self.role_map = list(paths), fmt, role_map
        self.recorded: list[Run] = []
        self.played: list[Run | None] = []
        self.speed = speed if speed and speed > 0 else 0.0  # 0: chosen at load
        self.paused = False
        self.position = self.total = 0  # records played, records in all
        self.marks: list[int] | None = None  # positions right after an alert opened (None: not known yet)
        self.loaded = threading.Event()
        self._clock = clock
        self._parts: list[_Part] = []
        self._part = np.zeros(0, dtype=np.int64)  # per record (in play order): its part
        self._row = np.zeros(0, dtype=np.int64)  # ... and its row in that part
        self.vtime = np.zeros(0)  # per record: seconds into the log (gaps shortened)
        self._anchor = (0.0, 0.0)  # (clock, log time) when playing last (re)started
        self._wake = threading.Condition(self.lock)
        self._stop = False
        self._todo: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None

    # -- the feed's interface -------------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        """The runs played so far (what subscribers were told about), in the order of the log."""
        return [r for r in self.played if r is not None]

    def start(self) -> None:
        """Find the logs (raises PathError for a bad path); reading and playing happen on the
        replay's own thread."""
        warnings: list[str] = []
        for path in self.paths:
            for src in discover(path, self.fmt, self.role_map, warnings):
                self.add_source(src)  # its probe sidecar: read whole at load
        self._thread = threading.Thread(target=self._main, name="lossacc-replay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.close()
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    # -- controls (any thread; the replay's thread carries them out, in order) ------------------
    def _do(self, fn: Callable[[], None]) -> None:
        with self._wake:
            self._todo.append(fn)
            self._wake.notify_all()

    def _set(self, **values: float | bool) -> None:
        for k, v in values.items():
            setattr(self, k, v)
        self._reanchor()

    def toggle_pause(self) -> None:
        self._do(lambda: self._set(paused=not self.paused))

    def step(self, records: int = 1) -> None:
        """Pause and play the next record(s)."""
        self._do(lambda: self._seek(self.position + records, pause=True))

    def faster(self, factor: float = 2.0) -> None:
        self._do(lambda: self._set(speed=min(max(self.speed * factor, 1e-3), 1e9)))

    def slower(self, factor: float = 2.0) -> None:
        self.faster(1.0 / factor)

    def seek(self, position: int, pause: bool = False) -> None:
        self._do(lambda: self._seek(position, pause))

    def to_end(self) -> None:
        self._do(lambda: self._seek(self.total))

    def next_alert(self) -> bool:
        """Pause where the next alert opens. False when there is none, or none known yet."""
        return self._jump(lambda p: next((m for m in self.marks or [] if m > p), None))

    def prev_alert(self) -> bool:
        return self._jump(lambda p: next((m for m in reversed(self.marks or []) if m < p), None))

    def _jump(self, target: Callable[[int], int | None]) -> bool:
        def fn() -> None:
            if (t := target(self.position)) is not None:
                self._seek(t, pause=True)

        with self.lock:
            found = target(self.position) is not None
        self._do(fn)
        return found

    def log_time(self) -> float:
        """Seconds into the log at the current position."""
        return float(self.vtime[self.position - 1]) if self.position else 0.0

    # -- playing ----------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            self._load()
        except OSError as e:
            with self.lock:
                self.emit([Status(str(self.paths[0]), "error", f"cannot read: {e.strerror or e}")])
            return
        finally:
            self.loaded.set()
        threading.Thread(target=self._find_marks, name="lossacc-replay-marks", daemon=True).start()
        with self._wake:
            self.emit([Status(str(self.paths[0]), "live", f"replaying {len(self.recorded)} run(s)")])
            self._reanchor()
            while not self._stop:
                while self._todo and not self._stop:
                    self._todo.pop(0)()
                if self.paused or self.position >= self.total:
                    if not self._todo:
                        self._wake.wait()
                    continue
                now_log = self._anchor[1] + (self._clock() - self._anchor[0]) * self.speed
                due = int(np.searchsorted(self.vtime, now_log, side="right"))
                if due > self.position:
                    self._advance(due)
                if self.position < self.total and not self._todo:
                    wait = (self.vtime[self.position] - now_log) / self.speed
                    self._wake.wait(timeout=min(max(wait, 0.02), 1.0))

    def _reanchor(self) -> None:
        self._anchor = (self._clock(), self.log_time())

    def _seek(self, position: int, pause: bool = False) -> None:
        position = max(0, min(int(position), self.total))
        if pause:
            self.paused = True
        if position < self.position:
            emptied = [r for r in self.played if r is not None]
            for r in emptied:
                r.clear()
            self.position = 0
            self.emit(self.reset(emptied))
        self._advance(position)
        self._reanchor()

    def _advance(self, target: int) -> None:
        """Play records [position, target) (lock held): group them by part, append, and hand them
        to the feed (which announces runs, tells the points and analyses them)."""
        lo, hi = self.position, min(target, self.total)
        if hi <= lo:
            return
        parts = self._part[lo:hi]
        cuts = np.flatnonzero(np.diff(parts)) + 1
        played: Appended = []
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), hi - lo], strict=True):
            part = self._parts[int(parts[a])]
            rows = self._row[lo + a : lo + b]
            batch = part.batch if len(rows) == part.batch.n else part.batch.take(rows)
            run = self.played[part.run]
            if run is None:
                run = self.played[part.run] = _fresh(self.recorded[part.run])
            _add(run, batch, self.recorded[part.run])
            played.append((run, batch))
        self.position = hi
        self.appended(played)

    # -- loading ----------------------------------------------------------------------------
    def _load(self) -> None:
        index: dict[int, int] = {}
        keys: list[np.ndarray] = []  # per part: (source, file) stream each record belongs to
        times: list[np.ndarray] = []
        for sc in self.probes.values():
            if sc.path.is_file():
                sc.read_all()
        for si, src in enumerate(self.sources):
            got: list[tuple[int, Appended]] = []  # (file, what a chunk of it added)
            src.read_all(on_parts=lambda fi, parts, got=got: got.append((fi, parts)))
            for fi, parts in got:
                for run, batch in parts:
                    if id(run) not in index:
                        index[id(run)] = len(self.recorded)
                        self.recorded.append(run)
                    self._parts.append(_Part(index[id(run)], batch))
                    keys.append(np.full(batch.n, si * 10_000 + fi))
                    times.append(batch.time if batch.time is not None else np.full(batch.n, np.nan))
        with self.lock:
            self.played = [None] * len(self.recorded)
            if not self._parts:
                return
            sizes = [p.batch.n for p in self._parts]
            part = np.repeat(np.arange(len(sizes)), sizes)
            row = np.arange(len(part)) - np.repeat(np.cumsum([0, *sizes[:-1]]), sizes)
            order, vtime = schedule(np.concatenate(keys), np.concatenate(times))
            self._part, self._row, self.vtime = part[order], row[order], vtime
            self.total = len(order)
            if not self.speed:
                self.speed = max(1.0, float(self.vtime[-1]) / TARGET_SECONDS)

    def _find_marks(self) -> None:
        """Positions where an alert opens: each recorded run analysed once on its own, in play
        order, in at most MARK_UPDATES steps (exact for runs of up to that many records)."""
        from lossacc_tui.analysis.analyzer import Analyzer  # (imported here: `watch` starts faster)

        marks: set[int] = set()
        owner = np.array([p.run for p in self._parts])[self._part] if self._parts else np.zeros(0, int)
        try:
            for k, src in enumerate(self.recorded):
                mine = np.flatnonzero(owner == k)
                run = _fresh(src)
                analyzer = Analyzer(run, self.params)
                step = max(1, math.ceil(len(mine) / MARK_UPDATES))
                for s in range(0, len(mine), step):
                    if self._stop:
                        return
                    chunk = mine[s : s + step]  # this run's next records, grouped by reader block
                    of = self._part[chunk]
                    cuts = (np.flatnonzero(np.diff(of)) + 1).tolist()
                    for a, b in zip([0, *cuts], [*cuts, len(chunk)], strict=True):
                        part = self._parts[int(of[a])]
                        _add(run, part.batch.take(self._row[chunk[a:b]]), self.recorded[part.run])
                    if any(what == "opened" for what, _ in analyzer.update()):
                        marks.add(int(mine[min(s + step, len(mine)) - 1]) + 1)
        except Exception as e:  # the analyzer failed: jumps are off, playing goes on; say why
            with self.lock:
                self.emit([Status(str(self.paths[0]), "error", f"finding alerts failed: {e}")])
        self.marks = sorted(marks)


def _fresh(src: Run) -> Run:
    """An empty run like a recorded one, looking facts up in the same probe sidecar."""
    run = Run(src.name, src.path, src.format, role_map=src.role_map, role_hints=src.role_hints)
    run.probe = src.probe
    run.first_line = src.first_line
    return run


def _add(run: Run, batch: Batch, recorded: Run) -> None:
    """Append a played block as the reader appended it: a derived series keeps the name of its
    source, a loss keeps what its format said it measures, a series the size of its evaluation set."""
    names = {n: s.source_name for n, s in recorded.series.items() if s.source_name}
    kinds = {n: s.loss_kind for n, s in recorded.series.items() if s.loss_kind is not None}
    sizes = {n: s.eval_size for n, s in recorded.series.items() if s.eval_size is not None}
    run.add_batch(batch, names, kinds, sizes)


__all__ = ["UNTIMED_GAP", "PathError", "Replay", "schedule"]
