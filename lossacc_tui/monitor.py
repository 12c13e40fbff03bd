"""The Monitor owns the runs: it finds logs under the paths it is given, follows them as they grow,
feeds the bytes to the readers, and tells subscribers what changed (`events.py`).

Everything after `start()` happens on the follower's thread; subscribers are called there, holding
`monitor.lock`, which is also what a consumer on another thread takes to read the runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from lossacc_tui.analysis import Alert, Analyzer, Params, compare_runs
from lossacc_tui.events import AlertChanged, Event, PointsAdded, ProbeAdded, RunAdded, RunReset, Status
from lossacc_tui.files import open_regular, why_not_regular
from lossacc_tui.follow import Follower
from lossacc_tui.model import Run
from lossacc_tui.readers import READERS, mlflow, mlflow_server
from lossacc_tui.readers.layouts import Claim
from lossacc_tui.readers.probe_sidecar import SIDECAR, ProbeSidecar, sidecar_path
from lossacc_tui.readers.tensorboard import MissingExtra
from lossacc_tui.roles import RoleMap
from lossacc_tui.source import (
    CHECKPOINT_DIR,
    FOLDER_MIN_SCORE,
    SKIP_SUFFIXES,
    Appended,
    PathError,
    Source,
    discover,
    follow_claim,
    open_claim,
    open_file,
    open_mlflow_run,
)

WAIT_REPORT = 3.0  # seconds a given folder or file with no known log is waited on before it is reported
MAX_DOCUMENT = 256 << 20  # a whole-file (JSON) log larger than this is not re-read
DETECT_AFTER = 64 << 10  # a new file not recognised by then is not a log
COMPARE_EVERY = 1.0  # seconds between comparisons across runs (each looks at every run)
Subscriber = Callable[[list[Event]], None]


class Monitor:
    def __init__(
        self,
        paths: Sequence[Path],
        fmt: str | None = None,
        role_map: RoleMap | None = None,
        poll: float | None = None,
        params: Params | None = None,
        analyze: bool = True,
    ) -> None:
        self.paths = list(paths)
        self.params = params
        self.analyze = analyze
        #: one Analyzer per run (by id), updated on the follower thread as points arrive
        self.analyzers: dict[int, Analyzer] = {}
        self._compared: dict[tuple[str, str], Alert] = {}
        self._next_compare = 0.0
        self.fmt = fmt
        self.role_map = role_map
        self.sources: list[Source] = []
        self.lock = threading.RLock()
        self.follower = Follower(poll, on_mode=self._mode)
        self._subscribers: list[Subscriber] = []
        self._known: set[str] = set()  # files followed (or given up on)
        self._rejected: dict[str, int] = {}  # file -> size when it was found not to be a log
        self._announced: set[int] = set()  # ids of the runs subscribers were told about
        self._handlers: dict[str, _Lines] = {}  # file -> its handler (a fan-out when sources share it)
        self._probes: dict[str, ProbeSidecar] = {}  # probe sidecars of the sources, by absolute path
        self._probes_followed: set[str] = set()  # those that exist and are followed
        self._empty_folders: dict[str, str] = {}  # followed folders with no log yet -> why
        self._other: set[str] = set()  # FIFOs, devices, sockets found in folders (reported once)
        self._servers: list[mlflow_server.ServerFollow] = []  # MLflow tracking servers followed

    # -- public ---------------------------------------------------------------------------
    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    @property
    def runs(self) -> list[Run]:
        return [r for s in self.sources for r in s.runs]

    def start(self) -> None:
        """Find what is there (raises PathError for a path that exists but holds no log), then
        follow everything on the background thread; existing content is read there first."""
        warnings: list[str] = []
        for path in self.paths:
            url = mlflow_server.server_url(path)
            if url is not None:
                self._follow_server(url)
                continue
            if not path.exists() and not os.path.islink(path):
                self._pending(path, str(path))
                continue
            if path.is_dir():
                self._follow_folder(path, warnings)
                continue
            try:
                found = discover(path, self.fmt, self.role_map, warnings)
            except PathError:
                if not path.is_file() or path.stat().st_size > DETECT_AFTER:
                    raise
                self._pending(path, str(path))  # empty or too short to tell yet: wait for more
                continue
            for src in found:
                self._add_source(src)
        for w in warnings:
            self._emit([Status(str(self.paths[0]), "error", w)])
        self.follower.start()

    def _follow_folder(self, path: Path, warnings: list[str]) -> None:
        """Read the logs in a folder and follow it for new ones. A folder with no log yet (the
        trainer has not written one) is followed all the same; after `WAIT_REPORT` seconds with
        none, it is reported as `check` reports it, and still followed. Raises PathError for a
        folder that cannot be read at all."""
        if not os.access(path, os.R_OK | os.X_OK):
            raise PathError(f"{path}: permission denied (a log needs read access)")
        try:
            found = discover(path, self.fmt, self.role_map, warnings)
        except PathError as e:
            found = []
            self._empty_folders[os.fspath(path.absolute())] = str(e)
            self._emit([Status(str(path), "waiting", f"{path}: no training log in it yet, waiting for one")])
            timer = threading.Timer(WAIT_REPORT, self._report_empty, (path,))
            timer.daemon = True
            timer.start()
        for src in found:
            self._add_source(src)
        self.follower.watch_folder(path, lambda p, root=path: self._new_file(p, root))

    def _follow_server(self, url: str) -> None:
        """An MLflow tracking server (readers/mlflow_server.py), asked every poll interval on its own
        thread: new runs become sources, each reads its new points; while the server does not
        answer, one status line, and it is asked again (its history is kept there: nothing lost)."""
        server = mlflow_server.MlflowServer(url)

        def new(claims: list[Claim]) -> None:
            with self.lock:
                self.sources += [open_claim(c, c.name or url, self.role_map) for c in claims]

        def tick() -> None:
            with self.lock:
                for src in [s for s in self.sources if getattr(s.files[0].reader, "server", None) is server]:
                    self.appended(src, src.finish(0))

        def status(state: str, message: str) -> None:
            with self.lock:
                self._emit([Status(url, state, message)])

        poll = self.follower.poll or mlflow_server.DEFAULT_POLL
        self._servers.append(mlflow_server.ServerFollow(server, poll, new, tick, status))
        self._servers[-1].start()

    def _report_empty(self, path: Path) -> None:
        with self.lock:
            why = self._empty_folders.get(os.fspath(path.absolute()))
            if why and not self.follower.stopping:
                self._emit([Status(str(path), "error", why)])

    def stop(self) -> None:
        self.follower.stop()
        for server in self._servers:
            server.stop()

    # -- wiring files to sources --------------------------------------------------------------
    def _emit(self, events: list[Event]) -> None:
        if events:
            for fn in self._subscribers:
                fn(events)

    def _mode(self, message: str) -> None:
        with self.lock:
            self._emit([Status("", "polling", message)])

    def _add_source(self, src: Source) -> None:
        self.sources.append(src)
        where = os.fspath(src.path.absolute())
        for folder in [d for d in self._empty_folders if where.startswith(d + os.sep)]:
            del self._empty_folders[folder]
            self._emit([Status(folder, "live", f"{folder}: following")])
        for i in range(len(src.files)):
            self._follow(src, i)
        self._attach_probe(src)

    def _follow(self, src: Source, i: int) -> None:
        """Follow file `i` of a source; a file several sources read (one W&B export or MLflow
        database holding many runs) gets one tail whose handler tells each of them."""
        path = src.files[i].path
        key = os.fspath(path.absolute())
        self._known.add(key)
        handler: _Lines = _handler(self, src, i)
        prev = self._handlers.get(key)
        if prev is not None:
            handler = _Fanout(self, [*(prev.parts if isinstance(prev, _Fanout) else [prev]), handler])
        self._handlers[key] = handler
        self.follower.add(path, handler)

    def _attach_probe(self, src: Source) -> None:
        """Give the source the probe sidecar beside its log, followed once the file exists."""
        path = sidecar_path(src.path)
        key = os.fspath(path.absolute())
        sc = self._probes.get(key)
        if sc is None:
            sc = self._probes[key] = ProbeSidecar(path)
            self._known.add(key)
            self._follow_probe(key)
        src.attach_probe(sc)

    def _follow_probe(self, key: str) -> None:
        """Follow a sidecar once it exists. (A Tail on a file that is not there would look to the
        follower's safety check like changes without file-system events, and switch to polling.)
        Asked when the log gains points and when a file appears in a followed folder."""
        if key in self._probes_followed or not os.path.isfile(key):
            return
        self._probes_followed.add(key)
        sc = self._probes[key]
        self.follower.add(sc.path, _ProbeTail(self, sc))

    def _pending(self, path: Path, name: str) -> None:
        self._known.add(os.fspath(path.absolute()))
        self.follower.add(path, _Pending(self, path, name))

    def appended(self, src: Source, parts: Appended) -> None:
        """Events for what a source just read (called with the lock held)."""
        events: list[Event] = []
        for run in src.runs:
            if id(run) not in self._announced:
                self._announced.add(id(run))
                events.append(RunAdded(run))
        events += [PointsAdded(run, batch) for run, batch in parts]
        if parts and src.probe is not None:
            self._follow_probe(os.fspath(src.probe.path.absolute()))  # it may have appeared since
        if self.analyze and parts:
            events += self._analyse({id(r): r for r, _ in parts}.values())
        self._emit(events)

    def _analyse(self, runs: object) -> list[Event]:
        """Bring the analyzers of the runs that got points up to date; compare runs again."""
        out: list[Event] = []
        for run in runs:  # type: ignore[attr-defined]
            an = self.analyzers.get(id(run))
            if an is None:
                an = self.analyzers[id(run)] = Analyzer(run, self.params)
            out += [AlertChanged(run, change, alert.snapshot()) for change, alert in an.update()]
        all_runs = self.runs
        if len(all_runs) > 1 and time.monotonic() >= self._next_compare:
            self._next_compare = time.monotonic() + COMPARE_EVERY
            now = {(a.kind, a.title): a for a in compare_runs(all_runs, self.params)}
            out += [
                AlertChanged(None, "closed", a.snapshot()) for k, a in self._compared.items() if k not in now
            ]
            out += [
                AlertChanged(None, "opened", a.snapshot()) for k, a in now.items() if k not in self._compared
            ]
            self._compared = now
        return out

    def reset_analysis(self, run: Run) -> None:
        """The run's log is read again from its start: so is its analysis."""
        self.analyzers.pop(id(run), None)

    def _new_file(self, path: Path, root: Path) -> None:
        """A file appeared (or changed) under a followed folder."""
        key = os.fspath(path.absolute())
        if path.name == SIDECAR:
            if key in self._probes:
                with self.lock:
                    self._follow_probe(key)
            return
        if key in self._known or path.name.startswith(".") or path.name.lower().endswith(SKIP_SUFFIXES):
            return
        why = why_not_regular(path)
        if why:  # a FIFO, a device, a socket: never opened; said once
            if key not in self._other:
                self._other.add(key)
                with self.lock:
                    self._emit([Status(str(path), "skipped", f"{path}: {why}")])
            return
        try:
            size = path.stat().st_size
        except OSError:
            return
        if self._rejected.get(key) == size:
            return
        rel = os.path.join(root.name, os.path.relpath(path, root))
        with self.lock:
            if self._join_layout(path, root):
                return
            if self._join_mlflow(path, root) or self._newer_checkpoint(path, rel):
                return
            try:
                src = open_file(path, rel, self.fmt, self.role_map, FOLDER_MIN_SCORE)
            except (OSError, MissingExtra):
                src = None
            if src is None:
                self._rejected[key] = size
                return
            self._rejected.pop(key, None)
            self._add_source(src)

    def _join_layout(self, path: Path, root: Path) -> bool:
        """A file of a folder layout a reader claims (readers/layouts.py): it joins its run."""
        try:
            joined = follow_claim(self.sources, path, root, self.fmt, self.role_map)
        except (OSError, MissingExtra):
            return False
        if joined is None:
            return False
        src, new, fresh = joined
        if fresh:
            self._add_source(src)
            return True
        for i in new:
            self._follow(src, i)
        return True

    def _join_mlflow(self, path: Path, root: Path) -> bool:
        run_dir = next((p.parent for p in path.parents if p.name == "metrics"), None)
        if run_dir is None or not mlflow.is_mlflow_run(run_dir):
            return False
        for src in self.sources:
            if src.path == run_dir:
                return False  # a new metric of a run already followed: next rescan of the folder
        self._add_source(open_mlflow_run(run_dir, os.path.join(root.name, os.path.relpath(run_dir, root))))
        return True

    def _newer_checkpoint(self, path: Path, rel: str) -> bool:
        """`checkpoint-N/trainer_state.json` of a run already followed: the same history, longer."""
        m = CHECKPOINT_DIR.match(path.parent.name)
        if path.name != "trainer_state.json" or not m:
            return False
        owner = path.parent.parent
        for src in self.sources:
            old = src.files[0].path
            om = CHECKPOINT_DIR.match(old.parent.name)
            if src.format == "hf-trainer-state" and old.parent.parent == owner and om:
                if int(m.group(1)) > int(om.group(1)):
                    src.files[0].path = path
                    self._known.add(os.fspath(path.absolute()))
                    self.follower.add(path, _WholeFile(self, src, 0))
                return True
        return False


class _Lines:
    """Feeds an appended-to log's new bytes to its source."""

    def __init__(self, monitor: Monitor, src: Source, index: int) -> None:
        self.m, self.src, self.i = monitor, src, index
        #: the Tail hands over complete lines only (a rewritten last line is read as it ends up)
        self.lines = not src.files[index].reader.binary

    def data(self, chunk: bytes) -> None:
        with self.m.lock:
            self.m.appended(self.src, self.src.feed(self.i, chunk))

    def reset(self, kind: str) -> None:
        path = str(self.src.files[self.i].path)
        with self.m.lock:
            if kind == "truncated":
                emptied = self.src.rewind(self.i)
                for r in emptied:
                    self.m.reset_analysis(r)
                msg = f"{path}: rewritten, reading it again"
                self.m._emit([*(RunReset(r) for r in emptied), Status(path, "rewritten", msg)])
            else:
                self.src.restart(self.i)
                self.m._emit([Status(path, "restarted", f"{path}: a new file at this path: a new run")])

    def status(self, state: str, message: str) -> None:
        path = str(self.src.files[self.i].path)
        if state == "folder":
            state, message = "error", f"{path}: now a folder, not the log it was"
        with self.m.lock:
            self.m._emit([Status(path, state, message)])

    def end(self) -> None:
        pass


class _Queried(_Lines):
    """A database its reader queries itself (MLflow's SQLite store): after any change of the file,
    the reader reads what is new; the bytes and SQLite's header rewrites mean nothing here."""

    def data(self, chunk: bytes) -> None:
        pass

    def reset(self, kind: str) -> None:
        pass

    def end(self) -> None:
        with self.m.lock:
            self.m.appended(self.src, self.src.finish(self.i))


class _Fanout(_Lines):
    """One followed file read by several sources: every event goes to each of their handlers."""

    def __init__(self, monitor: Monitor, parts: list[_Lines]) -> None:
        super().__init__(monitor, parts[0].src, parts[0].i)
        self.parts = parts

    def data(self, chunk: bytes) -> None:
        for h in self.parts:
            h.data(chunk)

    def reset(self, kind: str) -> None:
        for h in self.parts:
            h.reset(kind)

    def status(self, state: str, message: str) -> None:
        self.parts[0].status(state, message)

    def end(self) -> None:
        for h in self.parts:
            h.end()


def _handler(monitor: Monitor, src: Source, i: int) -> _Lines:
    """How the follower hands file `i` of a source to its reader."""
    reader = src.files[i].reader
    if getattr(reader, "reads_itself", False):
        return _Queried(monitor, src, i)
    return _WholeFile(monitor, src, i) if reader.whole_file else _Lines(monitor, src, i)


class _WholeFile(_Lines):
    """A log rewritten whole at each save (JSON documents): read it whole after every change; the
    reader returns only the records it had not returned before."""

    def data(self, chunk: bytes) -> None:
        pass

    def reset(self, kind: str) -> None:
        """Saving writes a new file over the old one: not a restart. The reader itself notices a
        history that no longer begins like the one it read (a new training run) and starts a run."""

    def end(self) -> None:
        f = self.src.files[self.i]
        try:
            with open_regular(f.path) as fh:
                data = fh.read(MAX_DOCUMENT + 1)
        except OSError as e:
            self.status("error", f"{f.path}: cannot read ({e.strerror or e})")
            return
        if len(data) > MAX_DOCUMENT:
            self.status("error", f"{f.path}: larger than {MAX_DOCUMENT >> 20} MiB, not read")
            return
        with self.m.lock:
            self.m.appended(self.src, self.src.feed(self.i, data) + self.src.finish(self.i))
            problems = f.reader.problems
            if problems and not any(r.points for r in self.src.runs):  # nothing read: say why
                why = f"{f.path}: {problems[-1].message}"
                if why != getattr(self, "_said", None):
                    self._said = why
                    self.status("error", why)


class _ProbeTail:
    """Feeds a probe sidecar's new lines to it. Its absence is normal: no status is reported."""

    def __init__(self, monitor: Monitor, sidecar: ProbeSidecar) -> None:
        self.m, self.sc = monitor, sidecar

    def data(self, chunk: bytes) -> None:
        with self.m.lock:
            if self.sc.feed(chunk):
                self.m._emit([ProbeAdded(r) for r in self.m.runs if r.probe is self.sc])

    def reset(self, kind: str) -> None:
        with self.m.lock:
            self.sc.reset()

    def status(self, state: str, message: str) -> None:
        pass

    def end(self) -> None:
        pass


class _Pending:
    """A path that does not exist yet, or whose format cannot be told yet: wait for its first bytes."""

    def __init__(self, monitor: Monitor, path: Path, name: str) -> None:
        self.m, self.path, self.name = monitor, path, name
        self.size = 0
        self.done = False
        self._timer: threading.Timer | None = None

    def data(self, chunk: bytes) -> None:
        self.size += len(chunk)

    def reset(self, kind: str) -> None:
        self.size = 0

    def status(self, state: str, message: str) -> None:
        if state == "folder":  # the path appeared as a folder: follow it as one
            if not self.done:
                self.done = True
                with self.m.lock:
                    warnings: list[str] = []
                    self.m._follow_folder(self.path, warnings)
                    self.m._emit([Status(str(self.path), "live", f"{self.path}: following the folder")])
                    self.m._emit([Status(str(self.path), "error", w) for w in warnings])
            return
        with self.m.lock:
            self.m._emit([Status(str(self.path), state, message)])

    def end(self) -> None:
        if self.done or self.size == 0:
            return
        try:
            src = open_file(self.path, self.name, self.m.fmt, self.m.role_map)
        except (OSError, MissingExtra) as e:
            src, err = None, str(e)
        else:
            err = ""
        with self.m.lock:
            if src is not None:
                self.done = True
                self.m._add_source(src)  # follows it anew, from its first byte
            elif err or self.size > DETECT_AFTER:
                self.done = True
                why = err or "not a training log this tool knows"
                self.m._emit([Status(str(self.path), "error", f"{self.path}: {why}")])
            elif self._timer is None:  # too short to tell: if it stays so, say what check would say
                self._timer = threading.Timer(WAIT_REPORT, self._report, (self.size,))
                self._timer.daemon = True
                self._timer.start()

    def _report(self, size: int) -> None:
        with self.m.lock:
            self._timer = None
            if self.done or self.m.follower.stopping:
                return
            if self.size != size:  # it grew meanwhile: give it another moment
                self.end()
                return
            expected = ", ".join(READERS)  # the words `check` uses
            msg = f"{self.path}: not a training log this tool knows (expected one of: {expected})"
            self.m._emit([Status(str(self.path), "error", msg)])


__all__ = ["Monitor", "PathError"]
