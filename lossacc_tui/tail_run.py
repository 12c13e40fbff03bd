"""What a followed log's run holds, in bytes: everything a `tail.Tail` handed over since the run's
last reset, from the rotated copies and the files that were at the path, as one stream (the `Handed`
part of the Tail). A new file at the path, or the file written again in place, that begins with all
of that stream is the same log, continued (a writer that saves its whole history atomically after
logrotate cut its log: tester h19t's fault 4), and the stream's first line is where the run began
(a new file beginning with it is the log written again from its start).

The stream's digest costs nothing while it is the current file's bytes from its start (`_run` is
None: the file's own digest is the stream's); it is kept apart only from the first cut, rotation or
skipped byte on. Knows nothing of formats or threads.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lossacc_tui.rotated import Segment, prefix_digest, replay

if TYPE_CHECKING:
    from lossacc_tui.tail import TailHandler

RUN_HEAD = 256  # bytes of the run's stream kept: its first line, the run's beginning
END_CHECK = 64  # bytes before the offset compared on every read (a handler not given lines), to notice a cut
LAST_LINE_MAX = 64 << 10  # the last complete line read, up to this long, is checked for a rewrite in place


class Handed:
    """The run's stream of handed bytes (its state is the Tail's fields)."""

    path: Path
    handler: TailHandler
    offset: int
    stop: threading.Event | None
    _fh: BinaryIO | None
    _digest: Any
    _head: bytes
    _first: bytes
    _start: int
    _last_at: int
    _end: bytes
    _copied: list[Segment]
    _torn: tuple[str, bytes, bytes] | None
    _torn_at: int
    _pending: bytes | None
    #: the stream's digest once it is no longer the file's bytes [0, offset) (None: it is)
    _run: Any
    _run_len: int  # bytes handed since the run's last reset
    _run_head: bytes  # the stream's first `RUN_HEAD` bytes
    _cut_whole: bool  # the stream was the file's bytes up to the cut (the file's own check said it all)

    def _remember_last_line(self, chunk: bytes) -> None:
        raise NotImplementedError

    def _give(self, chunk: bytes) -> None:
        """Hand bytes to the handler, as the run's next bytes."""
        if self._run is not None:
            self._run.update(chunk)
        if len(self._run_head) < RUN_HEAD:
            self._run_head += chunk[: RUN_HEAD - len(self._run_head)]
        self._run_len += len(chunk)
        self.handler.data(chunk)

    def _diverge(self) -> None:
        """The stream is about to be more than the file's bytes [0, offset) (a copy's bytes handed,
        the file cut or replaced, bytes skipped): keep its digest apart from here on."""
        if self._run is None:
            self._run = self._digest.copy()

    def _run_reset(self) -> None:
        """The handler was told to start over: the stream is empty (and so is the file's read)."""
        self._run, self._run_len, self._run_head = None, 0, b""

    def _run_first(self) -> bytes:
        """The run's first line (its first `RUN_HEAD` bytes when that line is longer)."""
        nl = self._run_head.find(b"\n")
        return self._run_head[: nl + 1] if nl >= 0 else self._run_head

    def _continues_run(self, size: int) -> bool:
        """Whether the file (`size` bytes now) begins with every byte handed since the run began,
        from all the files and copies it came from: then reading goes on after them, nothing
        handed again, the rotated copies' parts no longer replayed (this file holds them)."""
        n = self._run_len
        if self._run is None or self._cut_whole or not n or size < n or self._fh is None:
            return False
        if os.pread(self._fh.fileno(), len(self._run_head), 0) != self._run_head:
            return False
        if prefix_digest(self._fh, n, self.stop) != self._run.digest():
            return False
        self._resume_at(n)
        return True

    def _resume_at(self, pos: int) -> None:
        """Read this file on from `pos`; its bytes before it are the run's stream."""
        assert self._fh is not None
        fd = self._fh.fileno()
        self._digest, self._run = self._run.copy(), None
        self._head = os.pread(fd, min(pos, RUN_HEAD), 0)
        nl = self._head.find(b"\n")
        self._first = self._head[: nl + 1] if nl >= 0 else self._head
        self.offset, self._start, self._torn, self._torn_at, self._pending = pos, 0, None, -1, None
        self._copied = [(name, ident, 0, 0) for name, ident, _, _ in self._copied]  # (still the log's)
        self._last_at, self._end = -1, b""
        if getattr(self.handler, "lines", False):
            back = min(pos, LAST_LINE_MAX + 1)
            self.offset = pos - back
            self._remember_last_line(os.pread(fd, back, pos - back))
            self.offset = pos
        else:
            self._end = os.pread(fd, min(pos, END_CHECK), pos - min(pos, END_CHECK))

    def _replay_copies(self, segments: list[Segment]) -> None:
        """After a rewrite in place from the start (`reset('truncated')`: the run is read again),
        the parts of the run that rotations moved into copies beside the log come first, as
        `check` reads the copies, oldest first, before the log."""
        if not segments:
            return
        self._run = hashlib.blake2b()
        for seg in segments:
            replay(seg, self.path, self._give, self.stop)
        self._copied = segments
