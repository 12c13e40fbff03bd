"""File-system events on Linux from inotify (through the `inotify_simple` package): one thread,
which reads every pending event in one `read()` and tells the follower once per batch of paths.

Why not watchdog here: watchdog hands each event through three threads and several queues, so a
log written 200 times a second beside the one followed (another job's log in the same folder) cost
`check --follow` 9 % of a core for nothing (0.9 % this way, `bench_follow`). Here a batch of events
is read at once and a busy sibling costs next to nothing. Elsewhere (macOS, Windows, no inotify)
the follower keeps watchdog. Event bits: inotify(7).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from lossacc_tui.osthread import name_os_thread

WAKE_EVERY = 0.5  # seconds: the reader thread checks for stop() this often
#: While events keep coming (the last batch less than BUSY seconds ago), they are let gather this
#: long and read together: a file written hundreds of times a second beside the followed one wakes
#: the thread a few dozen times a second, not hundreds. An event after a quiet spell is read at once.
GATHER = 0.03
BUSY = 0.1

#: on_events(paths, overflow): the paths events named (a folder's entry: folder/name); overflow:
#: events were lost (the kernel queue overflowed), so every followed file must be checked
Handler = Callable[[list[str], bool], None]


def _inotify_simple() -> Any:
    """The `inotify_simple` module, or None where it or inotify is missing (not Linux)."""
    try:
        import inotify_simple
    except ImportError:
        return None
    return inotify_simple


class Inotify:
    """Watches folders (recursively when asked: new sub-folders are watched as they appear) and
    calls `on_events` on its own thread. Raises OSError when inotify cannot be used."""

    def __init__(self, on_events: Handler) -> None:
        lib = _inotify_simple()
        if lib is None:
            raise OSError(errno.ENOSYS, "no inotify")
        f = lib.flags
        self._flags = f
        self._mask = (
            f.MODIFY
            | f.ATTRIB
            | f.CLOSE_WRITE
            | f.MOVED_FROM
            | f.MOVED_TO
            | f.CREATE
            | f.DELETE
            | f.DELETE_SELF
            | f.MOVE_SELF
            | f.ONLYDIR
        )
        # a followed file's folder: only names coming and going (a sibling's writes wake nothing)
        self._names = (
            f.MOVED_FROM | f.MOVED_TO | f.CREATE | f.DELETE | f.DELETE_SELF | f.MOVE_SELF | f.ONLYDIR
        )
        # the followed file itself (its inode: re-armed when a new file takes its name)
        self._content = f.MODIFY | f.ATTRIB | f.CLOSE_WRITE | f.DELETE_SELF | f.MOVE_SELF
        self._files: dict[str, int] = {}  # followed file -> its watch descriptor
        self._ino = lib.INotify()  # close-on-exec; raises OSError (no inotify, instance limit)
        self.on_events = on_events
        self._wds: dict[int, tuple[str, bool]] = {}  # watch descriptor -> (folder or file, recursive)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: after a batch of events, the next read waits this long (the follower's own gap between
        #: passes: it would not read the files sooner, so waking it sooner costs for nothing)
        self.hold = 0.0
        self._thread = threading.Thread(target=self._run, name="lossacc-inotify", daemon=True)
        self._thread.start()

    def watch(self, folder: str, recursive: bool = False) -> None:
        """Events for the entries of `folder` (and of every folder below it, when `recursive`).
        Raises OSError (the watch limit reached, a folder gone)."""
        self._add(folder, recursive)
        if recursive:
            for parent, dirs, _files in os.walk(folder, followlinks=True):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for d in dirs:
                    try:
                        self._add(os.path.join(parent, d), True)
                    except OSError:
                        continue

    def watch_file(self, path: str) -> None:
        """Events for one file: its content changes (a watch on the file), and a file taking its
        name or leaving it (a watch on its folder for names only, so the other files there, another
        job's busy log, cost nothing). Raises OSError (the watch limit, the folder gone); a file
        that does not exist yet is armed when it appears."""
        self._add(os.path.dirname(path), False, self._names)
        with self._lock:
            self._files.setdefault(path, -1)
        self._arm(path)

    def _arm(self, path: str) -> None:
        """(Re-)watch the file now at `path` (a new inode after an atomic save or a rotation)."""
        try:
            wd = self._ino.add_watch(path, self._content)
        except (OSError, ValueError):
            return  # not there (yet), or stopped: its folder's name events still come
        with self._lock:
            self._files[path] = wd
            self._wds[wd] = (path, False)

    def _add(self, folder: str, recursive: bool, mask: int | None = None) -> None:
        try:
            # (MASK_ADD: a folder watched for names and as a followed folder gets both)
            wd = self._ino.add_watch(folder, (self._mask if mask is None else mask) | self._flags.MASK_ADD)
        except OSError as e:
            raise OSError(e.errno, f"{folder}: {os.strerror(e.errno or 0)}") from None
        except ValueError:  # stopped meanwhile (another thread adds watches): the descriptor is closed
            raise OSError(errno.EBADF, f"{folder}: the watcher is stopped") from None
        with self._lock:
            old = self._wds.get(wd)
            self._wds[wd] = (folder, recursive or (old is not None and old[1]))

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        name_os_thread("lossacc-inotify")
        last = 0.0
        try:
            while not self._stop.is_set():
                busy = time.monotonic() - last < BUSY
                events = self._ino.read(
                    timeout=int(WAKE_EVERY * 1000), read_delay=int(GATHER * 1000) if busy else None
                )
                if events and not self._stop.is_set():
                    last = time.monotonic()
                    self._handle(events)
                    if self.hold > GATHER:
                        self._stop.wait(self.hold - GATHER)
        except (OSError, ValueError):
            pass  # the descriptor is gone: the process is ending
        finally:
            self._ino.close()

    def _handle(self, events: list[Any]) -> None:
        f = self._flags
        paths: dict[str, None] = {}
        overflow = False
        new_dirs: list[str] = []
        rearm: list[str] = []
        with self._lock:
            for ev in events:
                if ev.mask & f.Q_OVERFLOW:
                    overflow = True
                    continue
                where = self._wds.get(ev.wd)
                if where is None:
                    continue
                if ev.mask & f.IGNORED:
                    del self._wds[ev.wd]
                    continue
                folder, recursive = where
                path = os.path.join(folder, ev.name) if ev.name else folder
                paths[path] = None
                if ev.name and path in self._files and ev.mask & (f.CREATE | f.MOVED_TO):
                    rearm.append(path)  # a new file took the followed name: watch its content
                elif not ev.name and ev.mask & (f.MOVE_SELF | f.DELETE_SELF) and path in self._files:
                    rearm.append(path)  # renamed away or deleted: watch what has the name now
                if recursive and ev.mask & f.ISDIR and ev.mask & (f.CREATE | f.MOVED_TO):
                    new_dirs.append(path)
        for p in rearm:
            self._arm(p)
        for d in new_dirs:  # a new sub-folder of a recursive watch: watched from now on
            try:
                self.watch(d, True)
            except OSError:
                continue
        if paths or overflow:
            self.on_events(list(paths), overflow)
