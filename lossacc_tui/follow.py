"""Turn files into a stream of new bytes: tail each file from its saved offset, notice truncation,
rotation and delete-then-recreate, and wake on file-system events (inotify through watchdog) or,
where none arrive (NFS, SSHFS, some container mounts), by polling.

Knows nothing of log formats or of the terminal app: it calls a `TailHandler` from its own thread.
Files are opened read-only and no lock is taken, so the writer can never trip on it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from lossacc_tui.files import walk_files
from lossacc_tui.inotify import Inotify
from lossacc_tui.osthread import name_os_thread
from lossacc_tui.tail import Tail, TailHandler

__all__ = ["Follower", "Tail", "TailHandler"]

SAFETY_CHECK = 2.0  # seconds between stat() checks of every file while events are trusted
DEFAULT_POLL = 1.0  # polling interval once file-system events are found not to arrive
RESCAN_EVERY = 5  # in polling mode, folders are rescanned every this many polls
STOP_WAIT = 0.5  # seconds stop() waits for the thread to finish the chunk in hand
#: A busy file is read at most this often: the lines a fast writer adds meanwhile are read, parsed
#: and analysed as one block (each pass has a fixed cost), while a write after a quiet spell is
#: still read at once.
MIN_GAP = 0.03
#: ... and, while writes keep coming, as often as keeps the follower thread within this share of a
#: core: after a pass that took c seconds of CPU (stat, read, parse, print), the next one waits
#: c / READ_SHARE, between MIN_GAP and MAX_GAP. A pass has a fixed cost (a few hundred microseconds
#: of Python and numpy calls however few its lines), so a log written 10 times a second is read a
#: few lines at a time instead of one, and a faster writer's lines come in larger blocks.
READ_SHARE = 0.002
#: (A writer may cut its log and write past the old offset within one gap: `tail.Tail` tells that
#: from the file's bytes, and reads a copytruncate's copy first: tests/test_follow_cut.py. A writer
#: may rotate its log (`create`) within the pass that tells its format: the Tail with the real reader
#: is handed the file the first one read, renamed or not: tests/test_follow_handover.py.)
MAX_GAP = 0.5
#: A pass under this much CPU read a few lines (a slow writer's: its cost is the pass' own, not its
#: lines'): while such a writer keeps writing its lines gather STEADY_GAP s (`Follower.slow_gap`),
#: one pass a second instead of two to four
SLOW_PASS = 0.01
#: ... a second: a steady writer's record is printed (`check --follow`) or drawn (the view: a frame a
#: second at most) within a second of its line; each pass, the inotify thread's wake-up with it,
#: cost 0.5-0.7 ms of CPU here whether it read 3 lines or 100 (`bench_follow --against`: at 10 lines/s
#: passes 0.3 s apart were 0.2 % of a core). The first lines after a lull are read at once.
STEADY_GAP = 1.0

log = logging.getLogger(__name__)


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
        self._inotify: Inotify | None = None  # Linux: inotify read directly (see inotify.py)
        self._no_inotify = False
        self._overflow = False
        self._watched: set[str] = set()
        self._on_mode = on_mode or (lambda _m: None)
        self.mode = "polling" if poll else "events"
        self._polls = 0
        self._closed = False
        self._evented: set[str] = set()  # files an event named since the last safety check
        self._suspect: set[str] = set()  # files found changed with no event at the last check
        self._gap = MIN_GAP  # the least time from one pass to the next, from the last pass' CPU
        #: the wait after a pass that read a steady writer's few lines (SLOW_PASS): STEADY_GAP, or
        #: longer when the consumer shows new data less often than that anyway
        self.slow_gap = STEADY_GAP
        self._read_at = -math.inf  # monotonic time of the last pass that read lines

    # -- what to follow -------------------------------------------------------------------
    def add(self, path: Path, handler: TailHandler) -> None:
        key = os.fspath(path.absolute())
        with self._lock:
            old = self._tails.get(key)
            if old is not None:  # (not closed: the new Tail reads the file it holds from its start)
                old = old.prior or old  # (one that never read: what its own prior saw counts)
            self._tails[key] = Tail(path, handler, stop=self._stop, prior=old)
            self._dirty.add(key)
        self._watch(os.path.dirname(key), recursive=False, file=key)
        self._wake.set()

    def forget(self, path: Path) -> None:
        """Stop following a path (one that turned out to be a folder: it is followed as a folder
        from now on, and its own changes, a new name in it, are no file's changes)."""
        key = os.fspath(path.absolute())
        with self._lock:
            tail = self._tails.pop(key, None)
            self._dirty.discard(key)
            self._suspect.discard(key)
            self._evented.discard(key)
        if tail is not None:
            tail.close()

    def holder(self, ident: tuple[int, int]) -> str | None:
        """The followed path whose Tail reads the file of this (st_dev, st_ino), or read it as a
        rotated copy; None when no Tail does (one file reached under two names is read once)."""
        with self._lock:
            for key, tail in self._tails.items():
                if tail.holds(ident):
                    return key
        return None

    def watch_folder(self, root: Path, on_new: Callable[[Path], None]) -> None:
        """Call `on_new(path)` for every file created (or moved in) under root, as it appears."""
        key = os.fspath(root.absolute())
        with self._lock:
            self._dirs[key] = on_new
        self._watch(key, recursive=True)

    def _watch(self, directory: str, recursive: bool, file: str | None = None) -> None:
        """Watch a folder (recursively or not) or, with `file`, one file in it (inotify: the file
        and its folder's names only; watchdog: the folder)."""
        if self._stop.is_set() or self.mode != "events" or not os.path.isdir(directory):
            return
        try:
            if self._inotify is None and not self._no_inotify:
                try:
                    self._inotify = Inotify(self._on_inotify)
                except OSError:
                    self._no_inotify = True  # not Linux, or no inotify: watchdog
            tag = (
                f"{file}|file"
                if file is not None and self._inotify is not None
                else f"{directory}|{recursive}"
            )
            if tag in self._watched:
                return
            if self._inotify is not None and file is not None:
                self._inotify.watch_file(file)
            elif self._inotify is not None:
                self._inotify.watch(directory, recursive)
            else:
                if self._observer is None:
                    self._observer = Observer()
                    self._observer.daemon = True
                    self._observer.start()
                self._observer.schedule(_Events(self), directory, recursive=recursive)
            self._watched.add(tag)
        except OSError as e:  # inotify watch limit, unsupported file system
            if self._stop.is_set():
                return  # (stopped while a watch was being added: nothing to switch)
            log.info("no file events for %s (%s): polling", directory, e)
            self._switch_to_polling()

    # -- the thread -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lossacc-follow", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_WAIT) -> None:
        """Stop following: the thread finishes the chunk in hand and closes its files itself (a
        read is never cut off under it). Returns within `timeout` seconds even if it does not; a
        second call returns at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()  # (not joined: its thread is a daemon and holds nothing of ours)
        if self._inotify is not None:
            self._inotify.stop()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        elif not self._closed:
            self._close_all()

    @property
    def stopping(self) -> bool:
        """True once stop() was called."""
        return self._stop.is_set()

    @property
    def stopped(self) -> bool:
        """True once the thread has ended (or was never started) and every file is closed."""
        return self._closed

    def _close_all(self) -> None:
        with self._lock:
            tails = list(self._tails.values())
        for t in tails:
            t.close()
        self._closed = True

    def _on_inotify(self, paths: list[str], overflow: bool) -> None:
        if overflow:  # events were lost: every file is looked at again, folders rescanned
            with self._lock:
                self._overflow = True
                self._dirty.update(self._tails)
            self._wake.set()
        if paths:
            self._notify(paths, False)

    def _notify(self, paths: list[str], is_dir: bool) -> None:
        """An event for these paths. Only one that names a followed file, or a path under a
        followed folder, wakes the thread: the watch is on a file's folder, and a sibling that is
        not followed (another job's log, a checkpoint being written) must cost nothing."""
        wake = False
        with self._lock:
            for p in paths:
                if p in self._tails:
                    self._dirty.add(p)
                    self._evented.add(p)
                    wake = True
                elif self._dirs and any(p == d or p.startswith(d + os.sep) for d in self._dirs):
                    self._dirs_dirty.add(p)
                    wake = True
        if wake:
            self._wake.set()

    def _run(self) -> None:
        name_os_thread("lossacc-follow")
        try:
            self._loop()
        except Exception:
            if not self._stop.is_set():
                raise  # a bug: let threading's hook print it
            # stopping (the process may be exiting under us): nothing to report
        finally:
            self._close_all()

    def _loop(self) -> None:
        next_check = time.monotonic() + SAFETY_CHECK
        last_pass = 0.0
        while not self._stop.is_set():
            # polling: a pass every `poll` seconds from the start of the last one (not `poll` after
            # its end: a long pass under load must not stretch the wait for the next line)
            due = last_pass + self.poll if self.poll else next_check
            self._wake.wait(max(0.0, due - time.monotonic()))
            gap = last_pass + self._gap - time.monotonic()
            if gap > 0 and self._stop.wait(gap):  # a busy writer: let its lines gather
                break
            self._wake.clear()
            last_pass = time.monotonic()
            if self._stop.is_set():
                break
            cpu = time.thread_time()
            if self.poll:
                self._poll_pass()
            elif time.monotonic() >= next_check:
                self._safety_check()
                next_check = time.monotonic() + SAFETY_CHECK
            if self._overflow:
                self._overflow = False
                self._rescan_folders()
            read = self._read_dirty()
            self._scan_new_files()
            self._pace(time.thread_time() - cpu, read)

    def _pace(self, cpu: float, read: bool = False) -> None:
        """The next pass waits `cpu / READ_SHARE` (CPU time: a busy machine does not stretch it),
        up to MAX_GAP, or `slow_gap` after a pass that read a few lines (`read`, under SLOW_PASS)
        when a pass within the last 2 x `slow_gap` s read lines too (a steady writer; the first lines
        after a lull are followed as soon as before);
        the inotify thread lets events gather as long (each of its wake-ups costs too)."""
        now = time.monotonic()
        steady = read and now - self._read_at < 2 * self.slow_gap  # (lines the pass before too)
        if read:
            self._read_at = now
        if steady and cpu < SLOW_PASS and self.slow_gap > MAX_GAP:
            self._gap = self.slow_gap  # (a steady writer's; the first lines after a lull: as before)
        else:
            self._gap = min(MAX_GAP, max(MIN_GAP, cpu / READ_SHARE))
        if self._inotify is not None:
            self._inotify.hold = self._gap

    def _read_dirty(self) -> bool:
        """Read the files events or checks marked; whether there were any."""
        any_read = False
        while True:
            with self._lock:
                keys, self._dirty = self._dirty, set()
            if not keys:
                return any_read
            any_read = True
            for key in sorted(keys):
                if self._stop.is_set():
                    return
                tail = self._tails.get(key)
                if tail is not None and tail.read():
                    with self._lock:
                        self._dirty.add(key)  # more to read: after the others had their turn
                _let_others_in()

    def _safety_check(self) -> None:
        """Files that changed with no event for them: read them. A file found so at two checks in a
        row, with no event for it in between, means events do not work here: poll. (One check alone
        proves nothing: the event for a change made just before the stat() may still be on its way.)"""
        with self._lock:
            changed = {k for k, t in self._tails.items() if k not in self._dirty and t.changed_since_read()}
            changed -= self._evented
            missed = sorted(changed & self._suspect)
            self._suspect = changed - self._evented
            self._evented = set()
            self._dirty.update(changed)
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
            for p in walk_files(root, lambda _parent, name: name.startswith("."), self._other(on_new)):
                if self._stop.is_set():
                    return
                if p not in self._tails:
                    on_new(Path(p))

    @staticmethod
    def _other(on_new: Callable[[Path], None]) -> Callable[[str, str], None]:
        """FIFOs, devices and sockets found in a folder go to `on_new` too: it reports them once."""
        return lambda p, _why: on_new(Path(p))

    def _scan_new_files(self) -> None:
        with self._lock:
            paths, self._dirs_dirty = self._dirs_dirty, set()
        for p in sorted(paths):
            for root, on_new in list(self._dirs.items()):
                if p.startswith(root + os.sep) and p not in self._tails:
                    if os.path.isdir(p):
                        for fp in walk_files(p, on_other=self._other(on_new)):
                            on_new(Path(fp))
                            _let_others_in()
                    elif os.path.lexists(p):
                        on_new(Path(p))  # a regular file, or something on_new reports and skips
                    break
            _let_others_in()


def _let_others_in() -> None:
    """Between two files (each read under the feed's lock): let a thread waiting for that lock have
    it. A lock let go and taken again at once by the same thread (it keeps the interpreter) is
    never had by a waiter: the view's frame, and so a key such as `q`, waited a second behind a
    follower reading hundreds of new run folders (rel-05)."""
    time.sleep(0)
