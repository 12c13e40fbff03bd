"""What a followed file cut or replaced under the follower means (the `Cuts` part of `tail.Tail`):
was it cut since the last look (shorter, other first bytes, the last line rewritten)? Is a copy
beside it (`copytruncate`) to be read first? Does a new file at the path continue the run (an
atomic save, a rotation, a `create` rotation whose writer writes its CSV header again) or start it
over (a restart)? A writer that does not append leaves a hole of NUL bytes: skipped.

Knows nothing of formats or threads. Files are opened read-only, without a lock.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lossacc_tui.rotated import Segment, copies, find_renamed, hand_range, hole_end, prefix_digest

if TYPE_CHECKING:
    from lossacc_tui.tail import Tail, TailHandler

HEAD_CHECK = 256  # bytes at the start of a file compared on every read, to notice a rewrite
FIRST_LINE_MAX = 64 << 10  # after a cut, the new first line is compared with the old one (this much)
CUT_SHORT = "cut short (copytruncate): its lines continue the run"


class Cuts:
    """The cut and replacement decisions of a `tail.Tail` (its state is the Tail's fields)."""

    path: Path
    handler: TailHandler
    offset: int
    stop: threading.Event | None
    _fh: BinaryIO | None
    _ident: tuple[int, int] | None
    _stat: tuple[int, int]
    _head: bytes
    _digest: Any
    _cut: str
    _last_at: int
    _last_sum: bytes
    _end: bytes
    _old_first: bytes
    _copied: list[Segment]
    _renamed: bool
    _start: int

    def _open(self, prior: Tail | None = None) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _was_cut(self, size: int) -> bool:
        """Whether the file no longer holds what was read from it (`size` is its size now): it is
        shorter than the offset, or its first bytes, or the last complete line read (the last
        `END_CHECK` bytes, for a handler not given lines) differ: a cut followed by new writes past
        the old offset before this look shows only there."""
        assert self._fh is not None
        if size < self.offset:
            return True
        if self._head and os.pread(self._fh.fileno(), len(self._head), 0) != self._head:
            return True
        if (
            self._end
            and os.pread(self._fh.fileno(), len(self._end), self.offset - len(self._end)) != self._end
        ):
            return True
        return self._last_line_rewritten()

    def _read_copy_since_empty(self) -> None:
        """The file was empty when last looked at and now has bytes, none read yet. If a copy beside
        it was written since then (its mtime later than the file's at that look) and begins
        otherwise than the file does now, the file was filled, copied and cut (`copytruncate`)
        between two looks: every byte of the copy was written since, and is read first."""
        assert self._fh is not None
        for other, fh, fst in copies(self.path):
            if fst.st_size == 0 or fst.st_mtime_ns <= self._stat[1]:
                continue
            n = min(HEAD_CHECK, fst.st_size)
            if os.pread(fh.fileno(), n, 0) == os.pread(self._fh.fileno(), n, 0):
                continue  # a copy of the file as it is (not cut): nothing of it is missing
            hand_range(fh, 0, fst.st_size, self.handler.data, self.stop)
            self._copied.append((other, (fst.st_dev, fst.st_ino), 0, fst.st_size))
            self.handler.status("rotated", f"{self.path}: {CUT_SHORT}")
            return

    def _last_line_rewritten(self) -> bool:
        """Whether the last complete line handed over is no longer what the file holds there (a
        writer that ends a progress line, then seeks back and rewrites it in place): one read of
        that line (at most `LAST_LINE_MAX` bytes) per pass."""
        if self._last_at < 0 or self._fh is None:
            return False
        now = os.pread(self._fh.fileno(), self.offset - self._last_at, self._last_at)
        return hashlib.blake2b(now).digest() != self._last_sum

    def _switch_to_new_file(self) -> None:
        """A new file is at the path: go on reading it where we were if it begins with every byte
        read so far (an atomic save); else decide from its first line (see the class doc)."""
        old_offset, old_digest, old_head, old_end = self.offset, self._digest, self._head, self._end
        old_ident = self._ident
        self._close()
        self._open()
        assert self._fh is not None
        if old_offset and prefix_digest(self._fh, old_offset, self.stop) == old_digest.digest():
            self.offset, self._digest, self._head, self._end = old_offset, old_digest, old_head, old_end
            return
        self._head = old_head
        self._begin_cut("replaced")
        # renamed beside the log (logrotate's `create`), not deleted: a rotation. Its bytes were
        # handed over; a Tail that takes over from this one reads them there again
        found = find_renamed(self.path, old_ident) if old_ident is not None and old_offset else None
        self._renamed = found is not None
        if found is not None:
            name, fh = found
            fh.close()
            self._copied.append((name, old_ident, 0, old_offset))  # type: ignore[arg-type]

    def _read_rotated_copy(self, start: int) -> bool:
        """The file was cut. If logrotate's `copytruncate` left a copy beside it (`log.1`,
        `log-20261129`) that begins with every byte read so far, the lines the writer added
        between our last read and the cut are in that copy only: read them from it first (from
        `start`: the offset, or 0 for a new handler that has had nothing yet). Returns whether one was."""
        for other, fh, fst in copies(self.path):
            size = fst.st_size
            if size <= self.offset or os.pread(fh.fileno(), len(self._head), 0) != self._head:
                continue
            if prefix_digest(fh, self.offset, self.stop) != self._digest.digest():
                continue
            hand_range(fh, start, size, self.handler.data, self.stop)
            self._copied.append((other, (fst.st_dev, fst.st_ino), 0, size))
            return True
        return False

    def _begin_cut(self, kind_: str) -> None:
        self._cut = kind_
        head = self._head
        nl = head.find(b"\n")
        self._old_first = head[: nl + 1] if nl >= 0 else head
        self.offset = self._start = 0
        self._head = b""
        self._last_at, self._end = -1, b""

    def _decide_cut(self) -> bool:
        """The new content's first line is there: continue the run, or start over. False: wait."""
        assert self._fh is not None
        first = os.pread(self._fh.fileno(), FIRST_LINE_MAX, 0)
        nl = first.find(b"\n")
        # (a JSON document saved on one line, `json.dumps` without indent, has no line to wait for:
        # its handler reads it whole at each change; waiting for a newline had stopped the run at
        # the first atomic save)
        if nl < 0 and len(first) < FIRST_LINE_MAX and not getattr(self.handler, "whole_document", False):
            return False
        first = first[: nl + 1] if nl >= 0 else first
        old = self._old_first
        same = first == old or (not old.endswith(b"\n") and first.startswith(old) and old != b"")
        # logrotate's `create` (the old file renamed beside the log) and a CSV writer that writes
        # its header again at the top of the new file: the run goes on, the header is not data
        header_again = same and self._cut == "replaced" and self._renamed and _header_like(first)
        starts_over = not header_again and (same or (_header_like(first) and _header_like(old)))
        cut, self._cut, self._renamed = self._cut, "", False
        self._digest = hashlib.blake2b()
        self._fh.seek(0)
        if header_again:
            self._skip_to(len(first))
        elif old and not starts_over:
            self._skip_hole()
        if starts_over or not old:
            self._copied = []  # a new run: what came before it is not replayed
            self.handler.reset(cut)
        else:
            why = CUT_SHORT if cut == "truncated" else "a new file (rotation): its lines continue the run"
            self.handler.status("rotated", f"{self.path}: {why}")
        return True

    def _skip_hole(self) -> None:
        """A writer that did not open its log for appending writes on at its own offset after a
        `copytruncate`: the file then begins with a hole, NUL bytes up to where the writer was. They
        are no log's text: reading starts after them (they count in the offset and the digest)."""
        assert self._fh is not None
        pos = hole_end(self._fh, self._digest, self.stop)
        self.offset = self._start = pos
        self._head = b"\0" * min(pos, HEAD_CHECK)

    def _skip_to(self, pos: int) -> None:
        """Reading this file starts at `pos` (a hole or a header line that is no new data): the bytes
        before it count in the offset, the head and the digest, and are never handed over."""
        assert self._fh is not None
        self._digest = hashlib.blake2b()
        self._digest.update(os.pread(self._fh.fileno(), pos, 0))
        self._head = os.pread(self._fh.fileno(), min(pos, HEAD_CHECK), 0)
        self.offset = self._start = pos


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
