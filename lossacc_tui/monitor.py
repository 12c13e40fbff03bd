"""The Monitor: the live feed. It finds logs under the paths it is given, follows them as they
grow and feeds their bytes to the readers; runs, analysis and the events subscribers are told are
the shared `feed.Feed`'s (the same as the Replay's and `check`'s).

Everything after `start()` happens on the follower's thread; subscribers are called there, holding
`monitor.lock`, which is also what a consumer on another thread takes to read the runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from lossacc_tui.analysis import Params
from lossacc_tui.clean import clean
from lossacc_tui.events import Status
from lossacc_tui.feed import Feed
from lossacc_tui.files import identity, open_regular
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
from lossacc_tui.monitor_folders import FolderWatch
from lossacc_tui.readers import mlflow_server
from lossacc_tui.readers.layouts import Claim
from lossacc_tui.roles import RoleMap
from lossacc_tui.rotated import hand_range
from lossacc_tui.source import (
    Appended,
    PathError,
    Source,
    discover,
    open_claim,
)


class Monitor(FolderWatch, Feed):
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
        self.walking: set[str] = set()
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


__all__ = ["DETECT_AFTER", "WAIT_REPORT", "Monitor", "PathError"]
