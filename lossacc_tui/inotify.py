"""File-system events on Linux straight from inotify (through ctypes): one thread, which reads
every pending event in one `read()` and tells the follower once per batch of paths.

Why not watchdog here: watchdog hands each event through three threads and several queues, so a
log written 200 times a second beside the one followed (another job's log in the same folder) cost
`check --follow` 9 % of a core for nothing. Here an event is a few bytes parsed in a loop, and a
busy sibling costs next to nothing. Elsewhere (macOS, Windows, no inotify) the follower keeps
watchdog. Source of the record layout: inotify(7), `struct inotify_event`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import struct
import threading
import time
from collections.abc import Callable

# inotify(7) event bits
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ISDIR = 0x40000000
IN_ONLYDIR = 0x01000000
MASK = (
    IN_MODIFY
    | IN_ATTRIB
    | IN_CLOSE_WRITE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name, NUL-padded)
WAKE_EVERY = 0.5  # seconds: the reader thread checks for stop() this often
#: While events keep coming (the last batch less than BUSY seconds ago), they are let gather this
#: long and read together: a file written hundreds of times a second beside the followed one wakes
#: the thread a few dozen times a second, not hundreds. An event after a quiet spell is read at once.
GATHER = 0.03
BUSY = 0.1

#: on_events(paths, overflow): the paths events named (a folder's entry: folder/name); overflow:
#: events were lost (the kernel queue overflowed), so every followed file must be checked
Handler = Callable[[list[str], bool], None]


def _libc() -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        lib.inotify_init1  # noqa: B018 (raises AttributeError where there is no inotify)
        return lib
    except (OSError, AttributeError):
        return None


class Inotify:
    """Watches folders (recursively when asked: new sub-folders are watched as they appear) and
    calls `on_events` on its own thread. Raises OSError when inotify cannot be used."""

    def __init__(self, on_events: Handler) -> None:
        lib = _libc()
        if lib is None:
            raise OSError(errno.ENOSYS, "no inotify")
        self._lib = lib
        fd = lib.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        self.fd = fd
        self.on_events = on_events
        self._wds: dict[int, tuple[str, bool]] = {}  # watch descriptor -> (folder, recursive)
        self._lock = threading.Lock()
        self._stop = threading.Event()
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

    def _add(self, folder: str, recursive: bool) -> None:
        wd = self._lib.inotify_add_watch(self.fd, os.fsencode(folder), MASK | IN_ONLYDIR)
        if wd < 0:
            e = ctypes.get_errno()
            raise OSError(e, f"{folder}: {os.strerror(e)}")
        with self._lock:
            old = self._wds.get(wd)
            self._wds[wd] = (folder, recursive or (old is not None and old[1]))

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last = 0.0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self.fd], [], [], WAKE_EVERY)
                if not ready:
                    continue
                if time.monotonic() - last < BUSY and self._stop.wait(GATHER):
                    continue
                last = time.monotonic()
                try:
                    data = os.read(self.fd, 1 << 16)
                except BlockingIOError:
                    continue
                self._handle(data)
        except OSError:
            pass  # the descriptor is gone: the process is ending
        finally:
            os.close(self.fd)

    def _handle(self, data: bytes) -> None:
        paths: dict[str, None] = {}
        overflow = False
        new_dirs: list[str] = []
        off = 0
        with self._lock:
            while off + _EVENT.size <= len(data):
                wd, mask, _cookie, n = _EVENT.unpack_from(data, off)
                name = data[off + _EVENT.size : off + _EVENT.size + n].rstrip(b"\0")
                off += _EVENT.size + n
                if mask & IN_Q_OVERFLOW:
                    overflow = True
                    continue
                where = self._wds.get(wd)
                if where is None:
                    continue
                if mask & IN_IGNORED:
                    del self._wds[wd]
                    continue
                folder, recursive = where
                path = os.path.join(folder, os.fsdecode(name)) if name else folder
                paths[path] = None
                if recursive and mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
                    new_dirs.append(path)
        for d in new_dirs:  # a new sub-folder of a recursive watch: watched from now on
            try:
                self.watch(d, True)
            except OSError:
                continue
        if paths or overflow:
            self.on_events(list(paths), overflow)
