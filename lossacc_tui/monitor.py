"""The Monitor: the live feed. It finds logs under the paths it is given, follows them as they
grow and feeds their bytes to the readers; runs, analysis and the events subscribers are told are
the shared `feed.Feed`'s (the same as the Replay's and `check`'s).

Everything after `start()` happens on the follower's thread; subscribers are called there, holding
`monitor.lock`, which is also what a consumer on another thread takes to read the runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from lossacc_tui.analysis import Params
from lossacc_tui.clean import clean
from lossacc_tui.detection import decoded_head, skipped_name
from lossacc_tui.events import Status
from lossacc_tui.feed import Feed
from lossacc_tui.files import identity, is_alias, open_regular, why_not_regular
from lossacc_tui.follow import Follower
from lossacc_tui.handlers import (
    DETECT_AFTER,
    WAIT_REPORT,
    Fanout,
    Lines,
    Pending,
    ProbeTail,
    handler_for,
)
from lossacc_tui.own_report import OWN_REPORT, own_report
from lossacc_tui.readers import mlflow_server
from lossacc_tui.readers.base import MissingExtra
from lossacc_tui.readers.layouts import Claim
from lossacc_tui.readers.probe_sidecar import SIDECAR
from lossacc_tui.roles import RoleMap
from lossacc_tui.rotated import hand_range, rotation_of
from lossacc_tui.source import (
    FOLDER_MIN_SCORE,
    Appended,
    PathError,
    Source,
    discover,
    follow_claim,
    formats_expected,
    iter_folder,
    open_claim,
    open_file,
)


class Monitor(Feed):
    """Follows paths (files or folders, existing or not yet) and feeds what they gain."""

    def __init__(
        self,
        paths: Sequence[Path],
        fmt: str | None = None,
        role_map: RoleMap | None = None,
        poll: float | None = None,
        params: Params | None = None,
        analyze: bool = True,
        keep: int | None = None,
    ) -> None:
        super().__init__(params, analyze, keep)
        self.paths = list(paths)
        self.fmt = fmt
        self.role_map = role_map
        self.follower = Follower(poll, on_mode=self._mode)
        self._known: set[str] = set()  # files followed (or given up on)
        self._rejected: dict[str, int] = {}  # file -> size when it was found not to be a log
        self._handlers: dict[str, Lines] = {}  # file -> its handler (a fan-out when sources share it)
        self._probes_followed: set[str] = set()  # probe sidecars that exist and are followed
        #: folders with no log yet -> (the problem reported after WAIT_REPORT s, or "": none; short)
        self._empty_folders: dict[str, tuple[str, str]] = {}
        self._other: set[str] = set()  # files not read by design, by absolute path (reported once)
        self._servers: list[mlflow_server.ServerFollow] = []  # MLflow tracking servers followed
        #: `--map` (role, name) pairs not yet checked against the runs' metric names
        self._map_unchecked: list[tuple[str, str]] = list((role_map or {}).items())

    # -- public ---------------------------------------------------------------------------
    def start(self) -> None:
        """Find what is there (raises PathError for a path that exists but holds no log), then
        follow everything on the background thread; existing content is read there first."""
        warnings: list[str] = []
        refused: list[PathError] = []  # paths that hold no log: problems, when another path is followed
        files: set[tuple[int, int]] = set()  # the files given so far (one file under two names)
        for path in self.paths:
            ident = identity(path) if path.is_file() else None
            if ident is not None and ident in files:
                continue  # (`check --follow run1/history.csv latest.csv`: followed once, as `check` reads it)
            if ident is not None:
                files.add(ident)
            try:
                self._start_path(path, warnings)
            except PathError as e:
                refused.append(e)
        if len(refused) == len(self.paths):
            raise refused[0]
        for e in refused:  # as `check` does: the others are read, this one is reported
            self.emit([Status(str(e.path or self.paths[0]), "error", str(e), e.short)])
        for w in warnings:
            self.emit([Status(str(self.paths[0]), "error", w)])
        self.follower.start()

    def _start_path(self, path: Path, warnings: list[str]) -> None:
        """Follow one path given on the command line. Raises PathError for one that exists but
        holds no log."""
        url = mlflow_server.server_url(path)
        if url is not None:
            self._follow_server(url)
            return
        if not path.exists() and not os.path.islink(path):
            self._pending(path, str(path))
            return
        if path.is_dir():
            self._follow_folder(path, warnings)
            return
        try:
            found = discover(path, self.fmt, self.role_map, warnings)
        except PathError as e:
            if not path.is_file() or path.stat().st_size > DETECT_AFTER:
                e.path = path
                raise
            self._pending(path, str(path))  # empty or too short to tell yet: wait for more
            return
        for src in found:
            self._add_source(src)

    def _follow_folder(self, path: Path, warnings: list[str]) -> None:
        """Follow a folder: the logs in it are found on a thread of their own and read as they are
        found (the first of thousands of run folders is read at once, not after the walk); new
        ones are followed as they appear. A folder with no log yet (the trainer has not written
        one) is followed all the same, said once as waiting (with the formats read when it holds
        files that are none: not an error; a file it cannot read is one, after `WAIT_REPORT` s).
        Raises PathError for a folder that cannot be read at all. (`warnings`: kept for the
        caller's signature; the walk reports its own.)"""
        if not os.access(path, os.R_OK | os.X_OK):
            raise PathError(f"{path}: permission denied (a log needs read access)")
        # watched first: a file that appears while the walk goes on is seen by one or the other
        self.follower.watch_folder(path, lambda p, root=path: self._new_file(p, root))
        walk = threading.Thread(target=self._walk, args=(path,), name="lossacc-discover", daemon=True)
        walk.start()

    def _walk(self, path: Path) -> None:
        """The first scan of a followed folder (its own thread): each source as it is found."""
        warnings: list[str] = []
        found = 0
        mine: set[str] = set()  # files of the sources this walk added (one file can hold many runs)
        try:
            for src in iter_folder(path, self.fmt, self.role_map, warnings, self._skipped):
                if self.follower.stopping:
                    return
                keys = {os.fspath(f.path.absolute()) for f in src.files}
                with self.lock:
                    if self.follower.stopping:
                        return
                    if (keys & self._known) - mine:
                        continue  # the follower saw it appear first
                    mine |= keys
                    self._add_source(src)
                    found += 1
                time.sleep(0)  # (the lock let go: a waiting thread, the view's frame, may take it)
        except OSError as e:
            warnings.append(f"{path}: cannot read ({e.strerror or e})")
        with self.lock:
            if self.follower.stopping:
                return
            self.emit([Status(str(path), "error", w) for w in warnings[found == 0 :]])
            if found == 0 and not any(s.path == path or path in s.path.parents for s in self.sources):
                # one waiting message, said once (the folder is followed on: not an error); with
                # files in it that are no log this tool reads, it says which formats it reads
                hint = f" {formats_expected()}" if not warnings and _has_files(path, self._other) else ""
                key, msg = (
                    os.fspath(path.absolute()),
                    f"{path}: no training log in it yet{hint}; waiting for one",
                )
                self._empty_folders[key] = (f"{path}: {warnings[0]}" if warnings else "", "")
                self.emit([Status(str(path), "waiting", msg)])
                if warnings:  # (a file that cannot be read is a problem: reported as `check` does)
                    timer = threading.Timer(WAIT_REPORT, self._report_empty, (path,))
                    timer.daemon = True
                    timer.start()

    def _skipped(self, path: str, why: str) -> None:
        """A file not read by design (a FIFO, a device, a socket, a symlink loop, this command's own
        redirected output), said once per file whether the first walk or the follower met it first:
        a `skipped` status, not an error (the folder still waits for a log)."""
        key = os.fspath(Path(path).absolute())
        with self.lock:
            if key in self._other:
                return
            self._other.add(key)
            self.emit([Status(path, "skipped", f"{path}: {why}")])

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
                    self.source_read(src, src.finish(0))

        def status(state: str, message: str) -> None:
            with self.lock:
                self.emit([Status(url, state, message)])

        poll = self.follower.poll or mlflow_server.DEFAULT_POLL
        self._servers.append(mlflow_server.ServerFollow(server, poll, new, tick, status))
        self._servers[-1].start()

    def _report_empty(self, path: Path) -> None:
        with self.lock:
            why = self._empty_folders.get(os.fspath(path.absolute()))
            if why and why[0] and not self.follower.stopping:  # (a problem to report: see `_walk`)
                self.emit([Status(str(path), "error", *why)])

    def stop(self) -> None:
        """Stop following: the analysis in hand ends at the run it is on, the follower thread is
        given `follow.STOP_WAIT` seconds to end (once: a second stop() does not wait again)."""
        self.close()  # first: an analysis of many runs on the follower thread stops at the next run
        self.follower.stop()
        for server in self._servers:
            server.stop()

    # -- wiring files to sources --------------------------------------------------------------
    def _mode(self, message: str) -> None:
        self.status("", "polling", message)

    def _add_source(self, src: Source) -> None:
        """Own a source (the feed attaches its probe sidecar) and follow its files and sidecar."""
        sidecar = self.add_source(src)
        where = os.fspath(src.path.absolute())
        for folder in [d for d in self._empty_folders if where.startswith(d + os.sep)]:
            del self._empty_folders[folder]
            self.emit([Status(folder, "live", f"{folder}: following")])
        for i in range(len(src.files)):
            if src.files[i].copy:
                self._read_copy(src, i)
            else:
                self._follow(src, i)
        key = os.fspath(sidecar.path.absolute())
        self._known.add(key)
        self._follow_probe(key)

    def _follow(self, src: Source, i: int) -> None:
        """Follow file `i` of a source; a file several sources read (one W&B export or MLflow
        database holding many runs) gets one tail whose handler tells each of them."""
        path = src.files[i].path
        key = os.fspath(path.absolute())
        self._known.add(key)
        handler: Lines = handler_for(self, src, i)
        prev = self._handlers.get(key)
        if prev is not None:
            handler = Fanout(self, [*(prev.parts if isinstance(prev, Fanout) else [prev]), handler])
        self._handlers[key] = handler
        self.follower.add(path, handler)

    def _read_copy(self, src: Source, i: int) -> None:
        """A rotated copy read before its log (`source.with_copies`): read once, now, before the
        log's Tail reads on, and not followed (a later rotation renames it or makes a new copy:
        the log's Tail reads what that copy holds of it). Its path is known: never a run of its own."""
        path = src.files[i].path
        self._known.add(os.fspath(path.absolute()))
        handler = handler_for(self, src, i)
        try:
            with open_regular(path) as fh:
                hand_range(fh, 0, os.fstat(fh.fileno()).st_size, handler.data, None)
        except OSError as e:
            self.emit([Status(str(path), "error", f"{path}: cannot read ({e.strerror or e})")])
            return
        with self.lock:
            parts = src.finish(i)
            handler.tell_problems()
            self.source_read(src, parts)

    def _same_data(self, path: Path, root: Path) -> bool:
        """Whether a file that appeared under a followed folder is data already followed under
        another name: a symlink to a file the folder holds (read under its real name), a rotated
        copy of a followed log (`metrics.csv.1`: its Tail reads what the copy holds of it), or a
        file (a link to one outside, a hard link) whose (device, inode) a followed file has."""
        if is_alias(path, root):
            return True  # (not remembered: a link may be pointed elsewhere later)
        key = os.fspath(path.absolute())
        log_path = rotation_of(key)
        if log_path is not None and log_path in self._known and log_path in self._handlers:
            self._known.add(key)
            return True
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_nlink < 2 and not os.path.islink(path):
            return False  # (its own name is its only one: no Tail is asked, however many there are)
        return self.follower.holder((st.st_dev, st.st_ino)) not in (None, key)

    def _follow_probe(self, key: str) -> None:
        """Follow a sidecar once it exists. (A Tail on a file that is not there would look to the
        follower's safety check like changes without file-system events, and switch to polling.)
        Asked when the log gains points and when a file appears in a followed folder."""
        if key in self._probes_followed or not os.path.isfile(key):
            return
        self._probes_followed.add(key)
        sc = self.probes[key]
        self.follower.add(sc.path, ProbeTail(self, sc))

    def _pending(self, path: Path, name: str) -> None:
        self._known.add(os.fspath(path.absolute()))
        self.follower.add(path, Pending(self, path, name))

    def source_read(self, src: Source, parts: Appended) -> None:
        """What a source just read (lock held): through the feed to the subscribers."""
        if parts and src.probe is not None:
            self._follow_probe(os.fspath(src.probe.path.absolute()))  # it may have appeared since
        self.appended(parts)
        if self._map_unchecked and parts:
            self._check_map_names()

    def _check_map_names(self) -> None:
        """Once every followed source has a run with records: a `--map` name no run has is said
        (an error status, in `check`'s words), never ignored silently; said once (lock held)."""
        if not self.sources or not all(any(r.points for r in s.runs) for s in self.sources):
            return
        names = {n for s in self.sources for r in s.runs if r.points for n in r.series}
        known = ", ".join(sorted(clean(n) for n in names)[:8]) + (", ..." if len(names) > 8 else "")
        said = [
            f"--map {role}={clean(name)}: no metric of that name (there are: {known})"
            for role, name in self._map_unchecked
            if name not in names
        ]
        self._map_unchecked = []
        self.emit([Status("--map", "error", msg) for msg in said])  # (its own key in the view)

    def _new_file(self, path: Path, root: Path) -> None:
        """A file appeared (or changed) under a followed folder."""
        key = os.fspath(path.absolute())
        if path.name == SIDECAR:
            if key in self.probes:
                with self.lock:
                    self._follow_probe(key)
            return
        if key in self._known or skipped_name(path.name):  # (an atomic save's temp file among them)
            return
        if self._same_data(path, root):
            return
        why = why_not_regular(path)
        if why:  # a FIFO, a device, a socket, this command's own output: never opened; said once
            self._skipped(os.fspath(path), why)
            return
        try:
            size = path.stat().st_size
        except OSError:
            return
        if self._rejected.get(key) == size:
            return
        rel = os.path.join(root.name, os.path.relpath(path, root))
        with self.lock:
            if key in self._known:  # (the first scan may have just taken it)
                return
            if self._join_layout(path, root):
                return
            try:
                src = open_file(path, rel, self.fmt, self.role_map, FOLDER_MIN_SCORE)
            except (OSError, MissingExtra):
                src = None
            if src is None:
                self._rejected[key] = size
                if own_report(decoded_head(path)):  # `check`'s output saved beside the logs: said once
                    self._skipped(os.fspath(path), OWN_REPORT)
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
        if src is None:  # covered by a layout, read by none (a deleted MLflow run)
            self._known.add(os.fspath(path.absolute()))
            return True
        if fresh:
            self._add_source(src)
            return True
        for i in new:
            self._follow(src, i)
        return True


def _has_files(folder: Path, skipped: set[str]) -> bool:
    """Whether a folder holds a file at any depth (stops at the first; unreadable parts skipped),
    other than the files in `skipped` (absolute paths not read by design, already said)."""
    return any(
        os.path.join(os.path.abspath(d), f) not in skipped for d, _, files in os.walk(folder) for f in files
    )


__all__ = ["DETECT_AFTER", "WAIT_REPORT", "Monitor", "PathError"]
