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
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lossacc_tui.files import open_regular
from lossacc_tui.line_shapes import (
    FIRST_LINE_MAX,
    begins_with,
    fields,
    header_like,
    kind,
    last_line,
    same_line,
    shape,
    shown,
    whole,
)
from lossacc_tui.rotated import (
    Segment,
    copies,
    find_renamed,
    hand_range,
    hole_end,
    last_line_end,
    line_end,
    newer_copies,
    prefix_digest,
    rotated_copies,
)
from lossacc_tui.tail_run import Handed

if TYPE_CHECKING:
    from lossacc_tui.tail import Tail, TailHandler

HEAD_CHECK = 256  # bytes at the start of a file compared on every read, to notice a rewrite
CUT_SHORT = "cut short (copytruncate): its lines continue the run"
TORN_SHOWN = 40  # bytes of each half of a line cut in two by a rotation shown in its problem


class Cuts(Handed):
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
    _first: bytes
    _torn_at: int  # where reading began after the end of a line cut in two was skipped (-1: none)
    #: a line a rotation cut in two: (the copy it begins in, its first bytes there); the file's
    #: next line (after a hole) is its rest, skipped (`_skip_torn`)
    _torn: tuple[str, bytes, bytes] | None  # (+ the copy's last whole line: `_torn_rest`)
    #: the problems told of such lines since the run began: told again to a new handler
    _torn_said: list[str]
    _pending: bytes | None  # a cut's file's first bytes when its first line had not ended

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

    def _last_line_rewritten(self) -> bool:
        """Whether the last complete line handed over is no longer what the file holds there (a
        writer that ends a progress line, then seeks back and rewrites it in place): one read of
        that line (at most `LAST_LINE_MAX` bytes) per pass."""
        if self._last_at < 0 or self._fh is None:
            return False
        now = os.pread(self._fh.fileno(), self.offset - self._last_at, self._last_at)
        return hashlib.blake2b(now).digest() != self._last_sum

    def _switch_to_new_file(self, moved: bool = False) -> None:
        """A new file is at the path: go on reading it where we were if it begins with every byte
        read so far (an atomic save; not when the old file was cut too since the last look,
        `moved`); else the copies beside the log that begin with every byte read (a `create`
        rotation's renamed log, a `copytruncate`'s copy) are read first, then the first line decides."""
        self._diverge()
        old_offset, old_digest, old_head, old_end = self.offset, self._digest, self._head, self._end
        old_ident = self._ident
        self._close()
        self._open()
        assert self._fh is not None
        same = old_offset and not moved
        if same and prefix_digest(self._fh, old_offset, self.stop) == old_digest.digest():
            self.offset, self._digest, self._head, self._end = old_offset, old_digest, old_head, old_end
            return
        self.offset, self._digest, self._head = old_offset, old_digest, old_head
        whole_doc = getattr(self.handler, "whole_document", False)
        read = bool(old_offset) and not whole_doc and self._read_rotated_copy(old_offset)
        self._begin_cut("replaced")
        # renamed beside the log (logrotate's `create`), not deleted: a rotation. Its bytes were
        # handed over; a Tail that takes over from this one reads them there again
        found = find_renamed(self.path, old_ident) if old_ident is not None and old_offset else None
        self._renamed = found is not None or read  # (`read`: it was moved beside the log, then deleted)
        if found is not None:
            name, fh = found
            fh.close()
            if not read:  # (else `_hand_copies` noted it)
                self._copied.append((name, old_ident, 0, old_offset))  # type: ignore[arg-type]

    def _read_rotated_copy(self, start: int) -> bool:
        """The file was cut. If logrotate's `copytruncate` left a copy beside it (`log.1`,
        `log-20261129`) that begins with every byte read so far, the lines the writer added
        between our last read and the cut are in that copy only: read them from it first (from
        `start`: the offset, or 0 for a new handler that has had nothing yet), then every copy a
        later rotation made since (two rotations between two looks). A copy that begins with every
        byte the run was handed (a whole log saved since, then rotated) is read on from there: the
        parts older copies gave are in it. Returns whether one was."""
        run = self._run is not None and start == self.offset and self._run.digest() != self._digest.digest()
        for other, fh, fst in copies(self.path):
            size = fst.st_size
            if (
                size >= self.offset
                and os.pread(fh.fileno(), len(self._head), 0) == self._head
                and prefix_digest(fh, self.offset, self.stop) == self._digest.digest()
            ):
                self._hand_copies(other, fh, fst, start)
                return True
            if (
                run
                and size >= self._run_len
                and os.pread(fh.fileno(), len(self._run_head), 0) == self._run_head
                and prefix_digest(fh, self._run_len, self.stop) == self._run.digest()
            ):
                # (older copies' parts are in it: replayed from it, whole, from now on)
                self._copied = [(name, ident, 0, 0) for name, ident, _, _ in self._copied]
                self._hand_copies(other, fh, fst, self._run_len)
                return True
        return False

    @property
    def _text(self) -> bool:
        """Whether the handler reads lines of text (a binary reader's bytes have no lines to keep
        whole; a handler that does not say, one telling the format, is given text)."""
        return getattr(self.handler, "lines", True) is not False

    def _read_pending_copy(self) -> bool:
        """Nothing of the file read yet (`_pending`: its first bytes at the last look, b'' when it
        was empty; a cut awaiting its first line, or a new log whose first line had not ended): if
        it was cut since (`copytruncate`), the bytes written meanwhile are in a copy made since that
        look, that begins with those bytes, and that the file no longer begins with (a backup of
        the file as it is, not cut, does). That copy is read first (the oldest such: the first cut
        since), then the copies made after it; the file's first line then decides as after any cut.
        (A few bytes seen, `{"ste`, say nothing: a new line begins so too.) Returns whether one was."""
        assert self._fh is not None and self._pending is not None
        seen, self._pending = self._pending, None
        read = {seg[1] for seg in self._copied}
        for other in rotated_copies(self.path):  # (oldest first)
            try:
                fh = open_regular(Path(other))
            except OSError:
                continue
            with fh:
                fst = os.fstat(fh.fileno())
                if (fst.st_dev, fst.st_ino) in read or fst.st_size == 0:
                    continue
                # (made before that look: an older rotation's; the same tick only when something was seen)
                if fst.st_mtime_ns < self._stat[1] or (not seen and fst.st_mtime_ns == self._stat[1]):
                    continue
                head = os.pread(fh.fileno(), HEAD_CHECK, 0)
                if not head.startswith(seen) or begins_with(self._fh, fh, fst.st_size, self.stop):
                    continue
                if not self._cut:
                    self._head = head  # (its first line is the run's: `_decide_cut` compares with it)
                self._hand_copies(other, fh, fst, 0, after=bool(self._cut))
                return True
        return False

    def _hand_copies(
        self, name: str, fh: BinaryIO, fst: os.stat_result, start: int, after: bool = False
    ) -> None:
        """Hand over copy `name` from `start`, then the copies later rotations made, whole. Only
        complete lines: a copy that ends in the middle of a line (the writer had written half of it
        when logrotate copied) holds that line's start, and what comes next (the next copy, or the
        log) begins with its rest. The two halves are never joined (what the writer wrote between
        the copy and the cut is in neither): the line is a problem, told with both halves."""
        text = self._text
        self._diverge()
        if not after:  # (`after`: a copy read before this one ended as `_torn` says)
            self._torn = None
        chain: list[tuple[str, BinaryIO, os.stat_result, int]] = [(name, fh, fst, start)]
        later: list[BinaryIO] = []
        try:
            for other in newer_copies(self.path, name):
                try:
                    ofh = open_regular(Path(other))
                except OSError:
                    continue
                later.append(ofh)
                chain.append((other, ofh, os.fstat(ofh.fileno()), 0))
            for i, (cname, cfh, cst, begin) in enumerate(chain):
                ident, size = (cst.st_dev, cst.st_ino), cst.st_size
                if self._torn is not None and text:
                    rest = self._torn_rest(cfh, begin, cname)
                    if rest < 0:
                        continue  # all of this copy is the middle of that line
                    begin = rest
                end = max(begin, last_line_end(cfh, begin, size)) if text else size
                hand_range(cfh, begin, end, self._give, self.stop)
                self._copied.append((cname, ident, 0 if i == 0 else begin, end))
                if text:  # (what begins the next piece is checked against this one's end)
                    head = os.pread(cfh.fileno(), min(size - end, FIRST_LINE_MAX), end)
                    self._torn = (cname, head, last_line(cfh, 0 if i == 0 else begin, end))
        finally:
            for ofh in later:
                ofh.close()

    def _torn_rest(self, fh: BinaryIO, pos: int, where: str) -> int:
        """A copy was read (`_torn`: its name, the start of a line it ends with, b'' when it ends
        with a whole line, and its last whole line); what comes next, at `pos` of file `where` (the
        next copy, or the log after a hole), may begin with the rest of a line. Returns where
        reading goes on (-1: the first line there has not ended yet); what is skipped is told.

        A copy that ends mid-line: the first line next is its rest (skipped; the two halves are not
        joined), unless that line has the shape of a whole line (the separators of the copy's last
        whole line) and would not with the start before it: the writer then ended the line between
        logrotate's copy and its cut (in neither file), and only its start is told. A copy that ends
        with a whole line: a first line next that begins otherwise than the copy's last line (`,0.5`
        after `12,0.4`, `"acc": 0.7}` after `{"step"`) is the end of a line begun between the copy
        and the cut: skipped and told."""
        assert self._torn is not None
        end = line_end(fh, pos, FIRST_LINE_MAX)
        if end < 0:
            if os.fstat(fh.fileno()).st_size - pos < FIRST_LINE_MAX:
                return -1
            end = pos  # (no line within reach: nothing is skipped)
        copy, head, model = self._torn
        self._torn = None
        rest = os.pread(fh.fileno(), end - pos, pos)
        if not head:  # the copy ended with a whole line
            if not rest.strip(b"\r\n"):
                return end  # (the `\n` of a `\r\n` the copy ended on)
            if not model or (kind(rest) == kind(model) and fields(rest) == fields(model)):
                return pos
            msg = (
                f"the end of a line is not read: {shown(rest[:TORN_SHOWN])} begins"
                f" {os.path.basename(where)} after a rotation (copytruncate); its start was written"
                " between the copy and the cut, and is in neither file"
            )
            self._torn_said.append(msg)
            self._tell(msg)
            return end
        begins = shown(head[:TORN_SHOWN])
        if model and whole(rest, model) and shape(head + rest) != shape(model):
            msg = (
                f"a line cut short by a rotation (copytruncate) is not read: it begins {begins} at the"
                f" end of {os.path.basename(copy)}; its end was written between the copy and the cut,"
                " and is in neither file"
            )
            end = pos
        else:
            msg = (
                f"a line cut in two by a rotation (copytruncate) is not read: it begins {begins} at the"
                f" end of {os.path.basename(copy)} and ends {shown(rest[-TORN_SHOWN:])} at the start of"
                f" {os.path.basename(where)} (what the writer wrote between the copy and the cut is in"
                " neither)"
            )
        self._torn_said.append(msg)
        self._tell(msg)
        return end

    def _tell(self, message: str) -> None:
        problem = getattr(self.handler, "problem", None)
        if problem is not None:  # (one telling the format only: its successor is told it again)
            problem(message)

    def _skip_torn(self) -> bool:
        """After a cut whose copy ended in the middle of a line: the rest of that line, the
        file's first line (after a hole), is skipped (`_torn_rest`). False: it has not ended yet."""
        if self._torn is None:
            return True
        assert self._fh is not None
        rest = self._torn_rest(self._fh, self.offset, str(self.path))
        if rest < 0:
            return False
        self._skip_to(rest)
        self._torn_at = rest
        return True

    def _begin_cut(self, kind_: str) -> None:
        self._cut_whole = self._run is None  # (the file's own check said it all: `_continues_run`)
        self._diverge()
        self._cut, self._pending = kind_, None
        head = self._head
        nl = head.find(b"\n")
        # (the first line read, not the end of a line cut in two that was skipped before it)
        torn = self._start and self._start == self._torn_at and self._first
        self._old_first = self._first if torn else head[: nl + 1] if nl >= 0 else head
        self._first, self._torn_at = b"", -1
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
            self._pending = first[:HEAD_CHECK]  # (what was seen: `_read_pending_copy`)
            return False
        first = first[: nl + 1] if nl >= 0 else first
        cut = self._cut
        if cut and self._continues_run(os.fstat(self._fh.fileno()).st_size):
            self._cut, self._renamed = "", False  # (the whole log saved again, and more: read on)
            return True
        old, run_first = self._old_first, self._run_first()
        # the file's old first line, or the run's (the header a cut left in a copy): from its start
        same = same_line(first, old) or (run_first != b"" and same_line(first, run_first))
        # logrotate's `create` (the old file renamed beside the log) and a CSV writer that writes
        # its header again at the top of the new file: the run goes on, the header is not data
        header_again = same and cut == "replaced" and self._renamed and header_like(first)
        headers = header_like(first) and (header_like(old) or header_like(run_first))
        starts_over = not header_again and (same or headers)
        self._cut, self._renamed, self._pending = "", False, None
        self._digest = hashlib.blake2b()
        self._fh.seek(0)
        if header_again:
            self._skip_to(len(first))
        elif old and not starts_over:
            self._skip_hole()
            self._skip_torn()  # (its line ended: `first` has a newline)
        if starts_over or not old:
            # a rewrite in place is the run read again: its copies first, as `check` reads them
            again = self._copied if cut == "truncated" and starts_over else []
            self._copied, self._torn, self._torn_said = [], None, []  # a new run: none replayed
            self.handler.reset(cut)
            self._run_reset()
            self._replay_copies(again)
        else:
            why = CUT_SHORT if cut == "truncated" else "a new file (rotation): its lines continue the run"
            self.handler.status("rotated", f"{self.path}: {why}")
        return True

    def _skip_hole(self) -> None:
        """A writer that did not open its log for appending writes on at its own offset after a
        `copytruncate`: the file then begins with a hole, NUL bytes up to where the writer was. They
        are no log's text: reading starts after them (they count in the offset and the digest)."""
        assert self._fh is not None
        self._diverge()
        pos = hole_end(self._fh, self._digest, self.stop)
        self.offset = self._start = pos
        self._head = b"\0" * min(pos, HEAD_CHECK)

    def _skip_to(self, pos: int) -> None:
        """Reading this file starts at `pos` (a hole or a header line that is no new data): the bytes
        before it count in the offset, the head and the digest, and are never handed over."""
        assert self._fh is not None
        self._diverge()
        self._digest = hashlib.blake2b()
        self._digest.update(os.pread(self._fh.fileno(), pos, 0))
        self._head = os.pread(self._fh.fileno(), min(pos, HEAD_CHECK), 0)
        self.offset = self._start = pos
