"""Turn files into a stream of new bytes: tail each file from its saved offset, notice truncation,
rotation and delete-then-recreate, and wake on file-system events (inotify through watchdog) or,
where none arrive (NFS, SSHFS, some container mounts), by polling.

Knows nothing of log formats or of the terminal app: it calls a `TailHandler` from its own thread.
Files are opened read-only and no lock is taken, so the writer can never trip on it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

READ_CHUNK = 1 << 20  # bytes per read: memory stays bounded however fast the file grows
MAX_READ_PER_WAKE = 16 << 20  # then other files get their turn; the rest is read on the next pass
SAFETY_CHECK = 2.0  # seconds between stat() checks of every file while events are trusted
DEFAULT_POLL = 1.0  # polling interval once file-system events are found not to arrive
HEAD_CHECK = 256  # bytes at the start of a file compared on every read, to notice a rewrite
RESCAN_EVERY = 5  # in polling mode, folders are rescanned every this many polls

log = logging.getLogger(__name__)


class TailHandler(Protocol):
    """What a Tail reports to. Called on the follower thread."""

    def data(self, chunk: bytes) -> None: ...

    def reset(self, kind: str) -> None:
        """The file must be read again from its start: 'truncated' (rewritten in place) or
        'replaced' (renamed away or deleted, and a new file made at the same path)."""

    def status(self, state: str, message: str) -> None:
        """'waiting' (no file yet), 'live', or 'error' (one line a person can read)."""

    def end(self) -> None:
        """Everything there is for now has been read."""


@dataclass
class Tail:
    """One followed file: reads what it gained since last time."""

    path: Path
    handler: TailHandler
    offset: int = 0
    _fh: BinaryIO | None = field(default=None, repr=False)
    _ident: tuple[int, int] | None = None
    _state: str = ""
    _stat: tuple[int, int] = (-1, -1)  # (size, mtime_ns) at the last read: the polling signature
    _head: bytes = b""  # the file's first bytes as read: if they change, the file was rewritten

    def _set(self, state: str, message: str) -> None:
        if state != self._state:
            self._state = state
            self.handler.status(state, message)

    def signature(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except OSError:
            return (-2, -2)
        return (st.st_size, st.st_mtime_ns)

    def changed_since_read(self) -> bool:
        return self.signature() != self._stat

    def read(self, budget: int = MAX_READ_PER_WAKE) -> bool:
        """Hand new bytes to the handler. Returns True when more is waiting (budget used up)."""
        try:
            st = os.stat(self.path)  # follows a symlink to the log
        except FileNotFoundError:
            if self._fh is None:
                self._set("waiting", f"{self.path}: waiting for the file to appear")
            return False
        except OSError as e:
            self._set("error", f"{self.path}: cannot read ({e.strerror or e})")
            return False
        ident = (st.st_dev, st.st_ino)
        try:
            if self._fh is not None and ident != self._ident:
                self._drain(budget)  # what the old file got before it was renamed away
                self._close()
                self.handler.reset("replaced")
            if self._fh is None:
                self._fh = open(self.path, "rb")  # noqa: SIM115  (kept open between reads; read-only, no lock)
                self._ident = (os.fstat(self._fh.fileno()).st_dev, os.fstat(self._fh.fileno()).st_ino)
                self.offset = 0
                self._head = b""
            size = os.fstat(self._fh.fileno()).st_size
            if size < self.offset or (
                self._head and os.pread(self._fh.fileno(), len(self._head), 0) != self._head
            ):
                self.offset = 0
                self._head = b""
                self._fh.seek(0)
                self.handler.reset("truncated")
            more = self._drain(budget)
        except OSError as e:
            self._close()
            self._set("error", f"{self.path}: cannot read ({e.strerror or e})")
            return False
        self._set("live", f"{self.path}: following")
        self._stat = (st.st_size, st.st_mtime_ns)
        if not more:
            self.handler.end()
        return more

    def _drain(self, budget: int) -> bool:
        assert self._fh is not None
        self._fh.seek(self.offset)
        while budget > 0:
            chunk = self._fh.read(min(READ_CHUNK, budget))
            if not chunk:
                return False
            if len(self._head) < HEAD_CHECK:
                self._head += chunk[: HEAD_CHECK - len(self._head)]
            self.offset += len(chunk)
            budget -= len(chunk)
            self.handler.data(chunk)
        return True

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        self._close()


class _Events(FileSystemEventHandler):
    def __init__(self, follower: Follower) -> None:
        self.follower = follower

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reads (ours included) change nothing
        paths = [event.src_path, getattr(event, "dest_path", "")]
        self.follower._notify([os.fsdecode(p) for p in paths if p], event.is_directory)


class Follower:
    """Follows files and folders on one background thread.

    `poll=None`: file-system events wake it, and a stat() of every file every `SAFETY_CHECK` seconds
    catches what events missed; if that ever finds a change no event reported, it switches to
    polling by itself. `poll=SECONDS`: polling only, at that interval.
    """

    def __init__(self, poll: float | None = None, on_mode: Callable[[str], None] | None = None) -> None:
        self.poll = poll
        self._tails: dict[str, Tail] = {}
        self._dirty: set[str] = set()
        self._dirs: dict[str, Callable[[Path], None]] = {}
        self._dirs_dirty: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._watched: set[str] = set()
        self._on_mode = on_mode or (lambda _m: None)
        self.mode = "polling" if poll else "events"
        self._polls = 0

    # -- what to follow -------------------------------------------------------------------
    def add(self, path: Path, handler: TailHandler) -> None:
        key = os.fspath(path.absolute())
        with self._lock:
            old = self._tails.get(key)
            if old is not None:
                old.close()
            self._tails[key] = Tail(path, handler)
            self._dirty.add(key)
        self._watch(os.path.dirname(key), recursive=False)
        self._wake.set()

    def watch_folder(self, root: Path, on_new: Callable[[Path], None]) -> None:
        """Call `on_new(path)` for every file created (or moved in) under root, as it appears."""
        key = os.fspath(root.absolute())
        with self._lock:
            self._dirs[key] = on_new
        self._watch(key, recursive=True)

    def _watch(self, directory: str, recursive: bool) -> None:
        if self.mode != "events" or not os.path.isdir(directory):
            return
        tag = f"{directory}|{recursive}"
        if tag in self._watched:
            return
        try:
            if self._observer is None:
                self._observer = Observer()
                self._observer.daemon = True
                self._observer.start()
            self._observer.schedule(_Events(self), directory, recursive=recursive)
            self._watched.add(tag)
        except OSError as e:  # inotify watch limit, unsupported file system
            log.info("no file events for %s (%s): polling", directory, e)
            self._switch_to_polling()

    # -- the thread -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lossacc-follow", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._observer is not None:
            self._observer.stop()
        for t in self._tails.values():
            t.close()

    def _notify(self, paths: list[str], is_dir: bool) -> None:
        with self._lock:
            for p in paths:
                if p in self._tails:
                    self._dirty.add(p)
                elif self._dirs and any(p == d or p.startswith(d + os.sep) for d in self._dirs):
                    self._dirs_dirty.add(p)
        self._wake.set()

    def _run(self) -> None:
        next_check = time.monotonic() + SAFETY_CHECK
        while not self._stop.is_set():
            timeout = self.poll if self.poll else max(0.0, next_check - time.monotonic())
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stop.is_set():
                break
            if self.poll:
                self._poll_pass()
            elif time.monotonic() >= next_check:
                self._safety_check()
                next_check = time.monotonic() + SAFETY_CHECK
            self._read_dirty()
            self._scan_new_files()

    def _read_dirty(self) -> None:
        while True:
            with self._lock:
                keys, self._dirty = self._dirty, set()
            if not keys:
                return
            for key in keys:
                tail = self._tails.get(key)
                if tail is not None and tail.read():
                    with self._lock:
                        self._dirty.add(key)  # more to read: after the others had their turn
            if self._stop.is_set():
                return

    def _safety_check(self) -> None:
        """Files that changed with no event for them: events do not work here, so poll."""
        with self._lock:
            missed = [k for k, t in self._tails.items() if k not in self._dirty and t.changed_since_read()]
        if missed:
            log.info("file changes without file-system events (%s): polling", missed[0])
            with self._lock:
                self._dirty.update(missed)
            self._switch_to_polling()

    def _switch_to_polling(self) -> None:
        if self.poll:
            return
        self.poll = DEFAULT_POLL
        self.mode = "polling"
        self._on_mode(f"no file-system events here: checking files every {DEFAULT_POLL:g} s")

    def _poll_pass(self) -> None:
        with self._lock:
            self._dirty.update(k for k, t in self._tails.items() if t.changed_since_read())
            self._polls += 1
            rescan = self._dirs and self._polls % RESCAN_EVERY == 0
        if rescan:
            self._rescan_folders()

    def _rescan_folders(self) -> None:
        for root, on_new in list(self._dirs.items()):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for fn in filenames:
                    p = os.path.join(dirpath, fn)
                    if p not in self._tails:
                        on_new(Path(p))

    def _scan_new_files(self) -> None:
        with self._lock:
            paths, self._dirs_dirty = self._dirs_dirty, set()
        for p in sorted(paths):
            for root, on_new in list(self._dirs.items()):
                if p.startswith(root + os.sep) and p not in self._tails:
                    if os.path.isdir(p):
                        for dirpath, _dirs, files in os.walk(p):
                            for fn in files:
                                on_new(Path(dirpath) / fn)
                    elif os.path.isfile(p):
                        on_new(Path(p))
                    break
