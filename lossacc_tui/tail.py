"""One followed file: read what it gained since last time, and tell an append from an atomic save,
a copytruncate, a rotation, a rewrite in place and a restart (see `Tail`).

Knows nothing of log formats or of threads: the Follower calls `read()`, the Tail calls its
`TailHandler`. Files are opened read-only, non-blocking and without a lock (`files.open_regular`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from lossacc_tui.files import kind, open_regular
from lossacc_tui.rotated import Segment, find_renamed, replay
from lossacc_tui.tail_cut import HEAD_CHECK, Cuts
from lossacc_tui.tail_run import END_CHECK, LAST_LINE_MAX

READ_CHUNK = 1 << 20  # bytes per read: memory stays bounded however fast the file grows
MAX_READ_PER_WAKE = 16 << 20  # then other files get their turn; the rest is read on the next pass
HOLD_MAX = 1 << 20  # an unterminated last line up to this long is held back until its newline comes


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

    # (optional) `problem(message: str) -> None`: a line the file lost (cut in two by a rotation)
    # is not handed over; this says so, in one line a person can read


@dataclass
class Tail(Cuts):
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
    _last_at: int = -1  # where the last complete line handed over starts (-1: none, or too long)
    _last_sum: bytes = b""  # digest of that line: if it changes, it was rewritten in place
    _end: bytes = b""  # the last bytes read (a handler not given lines): if they change, it was cut
    _old_first: bytes = b""
    #: where the bytes handed over since the run began came from before this file's [0, offset):
    #: (copy path, its (dev, inode), start, end) of each rotated copy read; replayed for a new handler
    _copied: list[Segment] = field(default_factory=list, repr=False)
    _moved: bool = False  # the file was cut under a read: the chunk was not handed over
    _renamed: bool = False  # the file replaced at the path is beside it now (a `create` rotation)
    _start: int = 0  # where reading this file began (after a hole or a header written again)
    _torn: tuple[str, bytes, bytes] | None = None  # a line a rotation cut in two (`Cuts._hand_copies`)
    _torn_said: list[str] = field(default_factory=list)  # the problems told of such lines
    _pending: bytes | None = None  # (`Cuts._read_pending_copy`)
    _first: bytes = b""  # the first line handed over of this file (after what was skipped at its start)
    _torn_at: int = -1
    _run: Any = field(default=None, repr=False)  # (`tail_run.Handed`: the run's stream of bytes)
    _run_len: int = 0
    _run_head: bytes = b""
    _cut_whole: bool = False
    #: the Tail this one replaces at the same path (a new handler, e.g. once the format is known): its
    #: handler got every byte this one must give again; what it saw tells a cut since its last look
    prior: Tail | None = field(default=None, repr=False)

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
            elif self._deleted():  # (renamed away, as a rotation does, it still has a link: quiet)
                self._set(
                    "waiting", f"{self.path}: deleted; what was read stays, a new file here is followed"
                )
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
            if self._fh is None:
                prior, self.prior = self.prior, None
                self._open(prior)  # (the file prior held, wherever it is now: it is read first)
                if prior is not None:
                    self._take_over(prior)
            if ident != self._ident:
                # replaced again before its first line came: the file awaited is decided first
                # when its first line came since (a rotation moved it away with lines in it)
                if self._cut and not self._decide_cut():
                    self._close()  # (still none: wait for the newest)
                    self._open()
                else:
                    while self._drain(budget):  # all the old file got before it was renamed away
                        pass
                    moved, self._moved = self._moved, False  # (cut since, too: see the copies)
                    self._switch_to_new_file(moved)
                self._pending = None  # (what was seen was another file's)
            assert self._fh is not None
            size = os.fstat(self._fh.fileno()).st_size
            recut = self._pending is not None and self._read_pending_copy()
            if recut and not self._cut:
                self._begin_cut("truncated")
            elif not self._cut and self._was_cut(size):
                self._read_rotated_copy(self.offset)
                self._begin_cut("truncated")
            for _ in range(2):
                if self._cut and not self._decide_cut():
                    self._stat = (st.st_size, st.st_mtime_ns)
                    return False  # the new first line is not complete yet
                more = self._drain(budget)
                if not self._moved:
                    break
                self._moved = False  # cut between the checks above and the read: as if before them
                self._read_rotated_copy(self.offset)
                self._begin_cut("truncated")
        except OSError as e:
            self._close()
            self._set("error", f"{self.path}: cannot read ({e.strerror or e})")
            return False
        self._set("live", f"{self.path}: following")
        self._stat = (st.st_size, st.st_mtime_ns)
        # nothing read of it yet: if it is cut before its first line ends, these bytes tell
        if self.offset:
            self._pending = None  # (`_drain` keeps what it saw of a file it read nothing of yet)
        if not more:
            self.handler.end()
        return more

    def holds(self, ident: tuple[int, int]) -> bool:
        """Whether this Tail reads the file of this (st_dev, st_ino), or read it as a rotated copy."""
        return ident == self._ident or any(seg[1] == ident for seg in self._copied)

    def _deleted(self) -> bool:
        """Whether the file held open has no name left (deleted, not renamed away)."""
        try:
            return self._fh is not None and os.fstat(self._fh.fileno()).st_nlink == 0
        except OSError:
            return False

    # -- identity and continuity ------------------------------------------------------------
    def _open(self, prior: Tail | None = None) -> None:
        """Open the file at the path; with `prior` (the Tail this one replaces), the file prior
        read instead: the one it holds open, or, closed, the file beside the path that has its
        identity (renamed away by a rotation since), so none of what it read is skipped."""
        held = prior.release() if prior is not None else None
        self._fh = held or open_regular(self.path)  # read-only, non-blocking, no lock
        fst = os.fstat(self._fh.fileno())
        self._ident = (fst.st_dev, fst.st_ino)
        self.offset = self._start = 0
        self._head = self._first = b""
        self._digest = hashlib.blake2b()
        self._last_at, self._end = -1, b""

    def _take_over(self, prior: Tail) -> bool:
        """A new handler for the path `prior` followed (the file prior read is handed over here, or
        the path's opened anew when that is gone): hand it the rotated copies' bytes prior handed
        over, then this file's from its start (past a hole or a repeated header prior skipped),
        unless the file was cut since prior's last look: then the copy logrotate left holds what
        prior read (and what came after it), and is read first. A new file at the path since (a
        rotation) is read after, as prior would have. Returns whether prior looked at this file."""
        if prior._copied:
            self._diverge()
        for seg in prior._copied:
            replay(seg, self.path, self._give, self.stop)
        self._copied = list(prior._copied)
        self._torn_said = list(prior._torn_said)
        for message in self._torn_said:
            self._tell(message)
        if prior._ident != self._ident:
            return False
        self._stat = prior._stat
        # (a new file's first line awaited: decided here)
        self._cut, self._old_first, self._renamed = prior._cut, prior._old_first, prior._renamed
        self._torn, self._pending = prior._torn, prior._pending
        if prior.offset == 0:
            return True
        assert self._fh is not None
        size = os.fstat(self._fh.fileno()).st_size
        self._offset_head_digest(prior)
        cut = self._was_cut(size)
        if cut and self._run is None:
            self._run = hashlib.blake2b()  # (this handler has had only the copies, if any)
        if cut and self._read_rotated_copy(0):
            self._begin_cut("truncated")  # (the file's first line decides, as it would for prior)
            return True
        self.offset, self._head, self._digest, self._last_at, self._end = 0, b"", hashlib.blake2b(), -1, b""
        if prior._start and not cut:
            self._skip_to(prior._start)  # (what prior skipped at the start is skipped again)
            self._torn_at = prior._torn_at
        return True

    def _offset_head_digest(self, prior: Tail) -> None:
        self.offset, self._head, self._digest = prior.offset, prior._head, prior._digest.copy()
        self._last_at, self._last_sum, self._end = prior._last_at, prior._last_sum, prior._end

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
            if self.offset == 0:  # what was seen of a file nothing was read of (`_read_pending_copy`)
                self._pending = chunk[:HEAD_CHECK]
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
            if self._head and os.pread(fh.fileno(), len(self._head), 0) != self._head:
                self._moved = True  # cut (and written again) since the checks: this is not our data
                return False
            if len(self._head) < HEAD_CHECK:
                self._head += chunk[: HEAD_CHECK - len(self._head)]
            if self.offset == self._start:
                self._first = chunk[: chunk.find(b"\n") + 1 or HEAD_CHECK]
            self._digest.update(chunk)
            if lines:
                self._remember_last_line(chunk)
            else:
                self._end = (self._end + chunk[-END_CHECK:])[-END_CHECK:]
            self.offset += len(chunk)
            budget -= len(chunk)
            self._give(chunk)
            if not full:
                return False  # a short read: the end of the file for now
        return True

    def _remember_last_line(self, chunk: bytes) -> None:
        """Where the chunk's last line starts, and its digest (the chunk ends at a line's end)."""
        body = chunk.rstrip(b"\r\n")
        start = max(body.rfind(b"\n"), body.rfind(b"\r")) + 1
        if len(chunk) - start > LAST_LINE_MAX or chunk[-1:] not in (b"\n", b"\r"):
            self._last_at = -1
            return
        self._last_at = self.offset + start
        self._last_sum = hashlib.blake2b(chunk[start:]).digest()

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        self._close()
        if self.prior is not None:
            self.prior.close()

    def release(self) -> BinaryIO | None:
        """The file this Tail read, for the Tail that takes its place (it no longer reads): the one
        it holds open, else the file beside the path with the identity it had (a rotation renamed
        it since); None when neither is there."""
        fh, self._fh = self._fh, None
        if fh is not None or self._ident is None:
            return fh
        found = find_renamed(self.path, self._ident)
        return found[1] if found else None
