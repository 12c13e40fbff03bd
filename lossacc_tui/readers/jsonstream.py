"""A list of flat JSON objects inside a document (HF `trainer_state.json`'s `log_history`), read as
the bytes arrive: a block of entries at a time, never the whole document in memory.

The document is a file saved whole again and again. Each read goes from the file's start; the bytes
of the list already read are checked block by block against the digests of the blocks read before
(BLAKE2b), and only the entries after them are decoded. A history that no longer begins with the
blocks read before (a new training run in the same place) is read from its start as a new run.

Flat entries hold no list and no object, so the first `]` after the list's `[` closes it, and an
entry ends at a `}`; entries are cut into blocks at `},` (as the previous whole-document scan did).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lossacc_tui.model import Batch

BLOCK_BYTES = 4 << 20  # entries are decoded this many bytes at a time
HEAD_MAX = 1 << 20  # the list's key must come within this many bytes, or the document is read whole

#: Where each phase of a document is: before the list, checking the blocks read before, reading new
#: entries, after the list (the rest of the document is not needed).
HEAD, CHECK, READ, AFTER, WHOLE = "head", "check", "read", "after", "whole"

_LEAD = re.compile(rb"\s*,?\s*")
Block = tuple[int, int, bytes]  # (start, end) in the list's bytes, and the digest of those bytes
#: decodes a run of entries `{...}, {...}`: its batches, or None when they are not flat entries
Decode = Callable[[memoryview], list[Batch] | None]


def _digest(data: memoryview | bytes) -> bytes:
    import hashlib  # (when a JSON document is read, not when every reader is imported)

    return hashlib.blake2b(data, digest_size=16).digest()


class ListStream:
    """The `key` list of a JSON document fed in chunks, document after document.

    `feed(chunk)` returns the batches of the new entries the chunk completed; None when the list
    cannot be read this way (not found near the start, or an entry that is not flat): the caller
    then parses the document whole. `end()` closes a document; `rewritten` is True when the
    history read in it did not begin with the one read before (`starts` marks its first batch).
    Memory: one block of entries and the digests of the blocks read (16 bytes a 4 MB block)."""

    def __init__(self, key: bytes, decode: Decode) -> None:
        self._key = re.compile(rb'"' + re.escape(key) + rb'"\s*:\s*\[')
        self._decode = decode
        self.blocks: list[Block] = []  # the blocks of entries returned so far (list-relative bytes)
        self.returned = 0  # entries' records returned so far
        self.complete = False  # the last document's list was read to its `]`
        self.rewritten = False  # the current document holds a new history
        self.skipped = 0
        self.begin()

    def begin(self) -> None:
        """A new document begins (the file is read again from its start)."""
        self.phase = HEAD
        self._buf = bytearray()
        self._at = 0  # list offset of _buf[0]
        self._k = 0  # the next block read before to check
        self.rewritten = False

    def feed(self, chunk: bytes | memoryview) -> list[Batch] | None:
        if self.phase in (AFTER, WHOLE):
            return []
        self._buf += chunk
        if self.phase == HEAD:
            m = self._key.search(self._buf)
            if m is None:
                if len(self._buf) > HEAD_MAX:
                    self.phase = WHOLE
                    return None
                return []
            del self._buf[: m.end()]
            self.phase = CHECK if self.blocks else READ
        out: list[Batch] = []
        if self.phase == CHECK:
            self._check()
        if self.phase == READ:
            got = self._read()
            if got is None:
                self.phase = WHOLE
                return None
            out = got
        if self.rewritten and out and self.returned == sum(b.n for b in out):
            out[0].starts = (0,)
        return out

    def end(self) -> bool:
        """The document's end: True when its list was read to its `]` (False: cut off mid-save, or
        not found, and the next save is read the same way)."""
        self.complete = self.phase == AFTER
        self._buf = bytearray()
        return self.complete

    def _check(self) -> None:
        """Skip the blocks that are as they were read before; at the first that differs, the
        history is a new one: read from the list's start (the bytes are still in the buffer when
        it is the first block; a later one: from there, as a new run)."""
        buf = self._buf
        while self._k < len(self.blocks):
            start, end, digest = self.blocks[self._k]
            if self._at + len(buf) < end:
                if buf.find(b"]") < 0:
                    return  # wait for more bytes
                self._new_history()  # the list ended before the history read before did
                return
            if _digest(memoryview(buf)[start - self._at : end - self._at]) != digest:
                self._new_history()
                return
            del buf[: end - self._at]
            self._at = end
            self._k += 1
        stripped = buf.lstrip()
        if not stripped:
            return
        if stripped[:1] == b"]":
            self.phase = AFTER  # nothing new
            self._buf = bytearray()
        elif stripped[:1] == b",":
            self.phase = READ
        else:
            self._new_history()

    def _new_history(self) -> None:
        self.skipped = self._k  # blocks of the new history taken for the old one (0 but for an odd save)
        self.rewritten = True
        self.blocks = []
        self.returned = 0
        self.phase = READ

    def _read(self) -> list[Batch] | None:
        out: list[Batch] = []
        buf = self._buf
        while True:
            close = buf.find(b"]")
            if close >= 0:
                last = buf.rfind(b"}", 0, close) + 1
                got = self._block(last)
                if got is None:
                    return None
                self.phase = AFTER
                self._buf = bytearray()
                return out + got
            if len(buf) < BLOCK_BYTES:
                return out
            cut = buf.rfind(b"},") + 1
            if cut <= 0:
                return out  # one entry longer than a block: wait for its end
            got = self._block(cut)
            if got is None:
                return None
            out += got

    def _block(self, end: int) -> list[Batch] | None:
        """Decode the buffer's entries up to `end` and drop them from it."""
        view = memoryview(self._buf)
        m = _LEAD.match(self._buf, 0, end)  # the separator before the block's first entry
        first = m.end() if m is not None else 0
        got: list[Batch] = []
        if first < end:
            decoded = self._decode(view[first:end])
            if decoded is None:
                return None
            got = decoded
        if end > 0:
            self.blocks.append((self._at, self._at + end, _digest(view[:end])))
        view.release()
        del self._buf[:end]
        self._at += end
        self.returned += sum(b.n for b in got)
        return got
