"""Folders a Monitor follows: the first walk of a folder (on a thread of its own, each log read
as it is found), the files that appear in it later (a new log, a file joining a layout's run, an
alias of data already followed, a file not read by design), and the one waiting message of a
folder with no log yet. A mixin of `monitor.Monitor`; everything runs on the follower's or the
walk's thread and takes `lock` before it touches the sources."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lossacc_tui.detection import decoded_head, skipped_name
from lossacc_tui.events import Status
from lossacc_tui.files import is_alias, why_not_regular
from lossacc_tui.follow import Follower
from lossacc_tui.handlers import WAIT_REPORT, Lines
from lossacc_tui.own_report import OWN_REPORT, own_report
from lossacc_tui.readers.base import MissingExtra
from lossacc_tui.readers.probe_sidecar import SIDECAR, ProbeSidecar
from lossacc_tui.roles import RoleMap
from lossacc_tui.rotated import rotation_of
from lossacc_tui.side_files import side_note
from lossacc_tui.source import (
    FOLDER_MIN_SCORE,
    NOT_RECORDS,
    RECORD_SUFFIXES,
    PathError,
    Source,
    follow_claim,
    formats_expected,
    iter_folder,
    open_file,
)


class FolderWatch:
    """Mixin: the folder side of the Monitor (see the module docstring)."""

    lock: threading.RLock
    follower: Follower
    fmt: str | None
    role_map: RoleMap | None
    sources: list[Source]
    probes: dict[str, ProbeSidecar]
    _known: set[str]
    _rejected: dict[str, int]
    _handlers: dict[str, Lines]
    _empty_folders: dict[str, tuple[str, str]]
    _other: set[str]
    #: the folders whose first walk goes on (their logs are still being found and read): the
    #: compare view says its ranking is of the runs read so far (read without the lock)
    walking: set[str]
    emit: Callable[..., None]
    _add_source: Callable[[Source], None]
    _follow: Callable[[Source, int], None]
    _follow_probe: Callable[[str], None]

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
        self.walking.add(os.fspath(path))
        walk.start()

    def _walk(self, path: Path) -> None:
        """The first scan of a followed folder (its own thread): each source as it is found."""
        try:
            self._walk_sources(path)
        finally:
            self.walking.discard(os.fspath(path))

    def _walk_sources(self, path: Path) -> None:
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

    def _report_empty(self, path: Path) -> None:
        with self.lock:
            why = self._empty_folders.get(os.fspath(path.absolute()))
            if why and why[0] and not self.follower.stopping:  # (a problem to report: see `_walk`)
                self.emit([Status(str(path), "error", *why)])

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
                head = decoded_head(path)
                if own_report(head):  # `check`'s output saved beside the logs: said once
                    self._skipped(os.fspath(path), OWN_REPORT)
                elif not self.fmt and (side := side_note(path, head)):  # a truth file beside a log: said once
                    self._skipped(os.fspath(path), side)
                elif (
                    path.name.lower().endswith(RECORD_SUFFIXES) and "\n" in head
                ):  # (a whole line: as the walk)
                    self._skipped(os.fspath(path), NOT_RECORDS)
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
    other than the files in `skipped` (absolute paths not read by design, already said) and files
    named as records whose first line is still being written (`_partial`: read once it ends)."""
    return any(
        (p := os.path.join(os.path.abspath(d), f)) not in skipped and not _partial(Path(p))
        for d, _, files in os.walk(folder)
        for f in files
    )


def _partial(path: Path) -> bool:
    """Whether a file named as records (`.jsonl`) holds no whole line yet: its first record is
    being written; no verdict on it until the line ends."""
    if not path.name.lower().endswith(RECORD_SUFFIXES):
        return False
    try:
        return "\n" not in decoded_head(path)
    except OSError:
        return False
