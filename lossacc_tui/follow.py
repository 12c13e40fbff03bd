"""Turn files into a stream of new bytes: tail each file from its saved offset, notice truncation,
rotation and delete-then-recreate, and wake on file-system events (inotify through watchdog) or,
where none arrive (NFS, SSHFS, some container mounts), by polling.

Knows nothing of log formats or of the terminal app: it calls a `TailHandler` from its own thread.
Files are opened read-only and no lock is taken, so the writer can never trip on it.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from lossacc_tui.files import kind, open_regular, walk_files

READ_CHUNK = 1 << 20  # bytes per read: memory stays bounded however fast the file grows
MAX_READ_PER_WAKE = 16 << 20  # then other files get their turn; the rest is read on the next pass
SAFETY_CHECK = 2.0  # seconds between stat() checks of every file while events are trusted
DEFAULT_POLL = 1.0  # polling interval once file-system events are found not to arrive
HEAD_CHECK = 256  # bytes at the start of a file compared on every read, to notice a rewrite
HOLD_MAX = 1 << 20  # an unterminated last line up to this long is held back until its newline comes
FIRST_LINE_MAX = 64 << 10  # after a cut, the new first line is compared with the old one (this much)
RESCAN_EVERY = 5  # in polling mode, folders are rescanned every this many polls
STOP_WAIT = 0.5  # seconds stop() waits for the thread to finish the chunk in hand

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
    """One followed file: reads what it gained since last time.

    What makes a file "the same log, continued" (no reset, nothing read twice):
    - it grew (an append);
    - it was replaced by a new file (atomic save: write a temporary file, rename it over the log;
      or a rewrite in place) whose first `offset` bytes are exactly the bytes read so far (a running
      BLAKE2 digest of them is kept, not the bytes): reading goes on from `offset`;
    - it was cut (logrotate `copytruncate`, or `create` rotation: a new empty file) and its new first
      line is not the old first line, nor a header line where the old first line was a header: the
      writer carries on where it was, so the reader keeps its state (a CSV header is remembered).
    Otherwise the file started over: `reset('truncated')` for a rewrite in place (the same file
    object), `reset('replaced')` for a new file at the path (a restarted job).

    With a handler whose `lines` attribute is true, only complete lines are handed over: an
    unterminated last line is read again on the next pass, so a writer that rewrites it in place
    (a progress line) is read with its final content. A last line longer than `HOLD_MAX` is handed
    over as it is.
    """

    path: Path
    handler: TailHandler
    offset: int = 0
    stop: threading.Event | None = None
    _fh: BinaryIO | None = field(default=None, repr=False)
    _ident: tuple[int, int] | None = None
    _state: str = ""
    _stat: tuple[int, int] = (-1, -1)  # (size, mtime_ns) at the last read: the polling signature
    _head: bytes = b""  # the file's first bytes as read: if they change, the file was rewritten
    _digest: Any = field(default_factory=hashlib.blake2b, repr=False)  # of bytes [0, offset)
    _cut: str = ""  # 'truncated' | 'replaced' while waiting for the new first line to decide
    _old_first: bytes = b""

    @property
    def _lines(self) -> bool:
        return bool(getattr(self.handler, "lines", False))

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
            self._stat = (-2, -2)
            if self._fh is None:
                self._set("waiting", f"{self.path}: waiting for the file to appear")
            return False
        except OSError as e:
            self._stat = (-2, -2)
            why = "a symlink loop" if e.errno == errno.ELOOP else (e.strerror or str(e))
            self._set("error", f"{self.path}: cannot read ({why})")
            return False
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never ends: never opened
            self._stat = (st.st_size, st.st_mtime_ns)
            if stat.S_ISDIR(st.st_mode) and self._fh is None:
                self._set("folder", f"{self.path}: a folder")
            else:
                self._set("error", f"{self.path}: {kind(st.st_mode)}, not a regular file: not read")
            return False
        ident = (st.st_dev, st.st_ino)
        try:
            if self._fh is not None and ident != self._ident:
                if self._cut:  # replaced again before its first line came: wait for the newest
                    self._close()
                    self._open()
                else:
                    self._drain(budget)  # what the old file got before it was renamed away
                    self._switch_to_new_file()
            if self._fh is None:
                self._open()
            assert self._fh is not None
            size = os.fstat(self._fh.fileno()).st_size
            if not self._cut and (
                size < self.offset
                or (self._head and os.pread(self._fh.fileno(), len(self._head), 0) != self._head)
            ):
                self._begin_cut("truncated")
            if self._cut and not self._decide_cut():
                self._stat = (st.st_size, st.st_mtime_ns)
                return False  # the new first line is not complete yet
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

    # -- identity and continuity ------------------------------------------------------------
    def _open(self) -> None:
        self._fh = open_regular(self.path)  # read-only, non-blocking, no lock
        fst = os.fstat(self._fh.fileno())
        self._ident = (fst.st_dev, fst.st_ino)
        self.offset = 0
        self._head = b""
        self._digest = hashlib.blake2b()

    def _switch_to_new_file(self) -> None:
        """A new file is at the path: go on reading it where we were if it begins with every byte
        read so far (an atomic save); else decide from its first line (see the class doc)."""
        old_offset, old_digest, old_head = self.offset, self._digest, self._head
        self._close()
        self._open()
        assert self._fh is not None
        if old_offset and _prefix_digest(self._fh, old_offset, self.stop) == old_digest.digest():
            self.offset, self._digest, self._head = old_offset, old_digest, old_head
            return
        self._head = old_head
        self._begin_cut("replaced")

    def _begin_cut(self, kind_: str) -> None:
        self._cut = kind_
        head = self._head
        nl = head.find(b"\n")
        self._old_first = head[: nl + 1] if nl >= 0 else head
        self.offset = 0
        self._head = b""

    def _decide_cut(self) -> bool:
        """The new content's first line is there: continue the run, or start over. False: wait."""
        assert self._fh is not None
        first = os.pread(self._fh.fileno(), FIRST_LINE_MAX, 0)
        nl = first.find(b"\n")
        if nl < 0 and len(first) < FIRST_LINE_MAX:
            return False
        first = first[: nl + 1] if nl >= 0 else first
        old = self._old_first
        same = first == old or (not old.endswith(b"\n") and first.startswith(old) and old != b"")
        starts_over = same or (_header_like(first) and _header_like(old))
        cut, self._cut = self._cut, ""
        self._digest = hashlib.blake2b()
        self._fh.seek(0)
        if starts_over or not old:
            self.handler.reset(cut)
        else:
            why = "cut short (copytruncate)" if cut == "truncated" else "a new file (rotation)"
            self.handler.status("rotated", f"{self.path}: {why}: its lines continue the run")
        return True

    # -- reading ----------------------------------------------------------------------------
    def _drain(self, budget: int) -> bool:
        fh = self._fh
        assert fh is not None
        fh.seek(self.offset)
        lines = self._lines
        while budget > 0:
            if self.stop is not None and self.stop.is_set():
                return False
            chunk = fh.read(min(READ_CHUNK, budget))
            if not chunk:
                return False
            full = len(chunk) == min(READ_CHUNK, budget)
            if lines:
                cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
                if cut == 0 and (full or len(chunk) >= HOLD_MAX):
                    cut = len(chunk)  # a line longer than a chunk: not a line being rewritten
                if cut < len(chunk):
                    chunk = chunk[:cut]
                    fh.seek(self.offset + cut)
                    if not chunk:
                        return False  # only an unterminated last line: read it again next time
            if len(self._head) < HEAD_CHECK:
                self._head += chunk[: HEAD_CHECK - len(self._head)]
            self._digest.update(chunk)
            self.offset += len(chunk)
            budget -= len(chunk)
            self.handler.data(chunk)
            if not full:
                return False  # a short read: the end of the file for now
        return True

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        self._close()


def _prefix_digest(fh: BinaryIO, n: int, stop: threading.Event | None) -> bytes:
    """BLAKE2 digest of the first n bytes of a file (b'' when it is shorter)."""
    h = hashlib.blake2b()
    pos = 0
    while pos < n:
        if stop is not None and stop.is_set():
            return b""
        chunk = os.pread(fh.fileno(), min(READ_CHUNK, n - pos), pos)
        if not chunk:
            return b""
        h.update(chunk)
        pos += len(chunk)
    return h.digest()


_FIELDS = re.compile(rb"[,\t;|]")


def _header_like(line: bytes) -> bool:
    """A delimited line of names, no numbers (a CSV/TSV header), as opposed to a data row, a JSON
    record or a free-text line."""
    text = line.strip()
    if not text or text[:1] in (b"{", b"[") or not _FIELDS.search(text):
        return False
    for f in _FIELDS.split(text):
        f = f.strip().strip(b'"')
        if not f:
            return False
        try:
            float(f)
            return False
        except ValueError:
            pass
    return True


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
        self._closed = False
        self._evented: set[str] = set()  # files an event named since the last safety check
        self._suspect: set[str] = set()  # files found changed with no event at the last check

    # -- what to follow -------------------------------------------------------------------
    def add(self, path: Path, handler: TailHandler) -> None:
        key = os.fspath(path.absolute())
        with self._lock:
            old = self._tails.get(key)
            if old is not None:
                old.close()
            self._tails[key] = Tail(path, handler, stop=self._stop)
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

    def stop(self, timeout: float = STOP_WAIT) -> None:
        """Stop following: the thread finishes the chunk in hand and closes its files itself (a
        read is never cut off under it). Returns within `timeout` seconds even if it does not."""
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()  # (not joined: its thread is a daemon and holds nothing of ours)
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

    def _notify(self, paths: list[str], is_dir: bool) -> None:
        with self._lock:
            for p in paths:
                if p in self._tails:
                    self._dirty.add(p)
                    self._evented.add(p)
                elif self._dirs and any(p == d or p.startswith(d + os.sep) for d in self._dirs):
                    self._dirs_dirty.add(p)
        self._wake.set()

    def _run(self) -> None:
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
            for key in sorted(keys):
                if self._stop.is_set():
                    return
                tail = self._tails.get(key)
                if tail is not None and tail.read():
                    with self._lock:
                        self._dirty.add(key)  # more to read: after the others had their turn

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
                    elif os.path.lexists(p):
                        on_new(Path(p))  # a regular file, or something on_new reports and skips
                    break
