"""Logs that are one JSON document rewritten whole (HF trainer_state.json, a Keras History dump):
`feed` collects the bytes, `finish` parses and returns the rows not returned before."""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
from typing import Any, ClassVar

import numpy as np
import orjson

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader

#: One record: (values, step, epoch).
Row = tuple[dict[str, float], float | None, float | None]

MAX_DOCUMENT = 256 << 20  # a JSON log larger than this is not read (256 MiB)
BATCH_ROWS = 50_000  # a long history comes out in batches of this many rows (bounded builder memory)
#: One flat entry of a list (no nested object or array); what follows one; the list's first entry.
_ENTRY = re.compile(rb"\s*(\{[^{}\[\]]*\})")
_SEP = re.compile(rb"\s*([,\]])")
_OPEN = re.compile(rb"\s*\{")


def number(value: Any) -> float | None:
    """A JSON number (or null, meaning NaN as pandas writes it) as a float; None for anything else."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class JsonDocumentReader(Reader):
    """A log that is one JSON document, rewritten whole: `feed` collects bytes, `finish` parses.

    The same reader may be fed the rewritten file again from its start (then `finish` again): only
    rows not returned before come out. A history that no longer begins with the rows already
    returned (a new training run in the same place) comes out whole, marked as a new run.
    """

    whole_file: ClassVar[bool] = True
    #: The top-level key of a list of flat entries (HF `log_history`): when set, that list is
    #: scanned entry by entry (`entry_row`), never parsed whole, and on a re-save only the entries
    #: after the ones already read are parsed (the bytes before are checked by digest).
    list_key: ClassVar[bytes | None] = None

    def __init__(self) -> None:
        super().__init__()
        self._doc = bytearray()
        self._too_big = False
        self._seen: list[str] = []  # fingerprints of rows already returned
        self._parsed = False  # a document was parsed at least once
        self._told: set[str] = set()
        # the streamed list: entry hashes read so far, and the bytes they span (length, digest)
        self._hashes = np.zeros(0, dtype=np.int64)
        self._span = (0, b"")

    def once(self, message: str) -> None:
        """Record a problem only the first time (a rewritten file is parsed many times)."""
        if message not in self._told:
            self._told.add(message)
            self.problem(None, message)

    def feed(self, chunk: bytes) -> list[Batch]:
        if len(self._doc) + len(chunk) > MAX_DOCUMENT:
            self._too_big = True
        elif not self._too_big:
            self._doc += chunk
        return []

    def finish(self) -> list[Batch]:
        data, self._doc = self._doc, bytearray()
        if self._too_big:
            self._too_big = False
            self.once(f"JSON document larger than {MAX_DOCUMENT >> 20} MiB: not read")
            return []
        if self.list_key is not None:
            streamed = self._stream(data)
            if streamed is not None:
                self._parsed = True
                return streamed
        doc = self._load(bytes(data))
        if doc is None:
            return []
        self._parsed = True
        return self._emit(self.rows(doc))

    def rows(self, doc: Any) -> list[Row]:
        """The records of a parsed document (subclasses)."""
        raise NotImplementedError

    def entry_row(self, entry: Any) -> Row | None:
        """The record of one entry of the `list_key` list, or None (subclasses that set it)."""
        raise NotImplementedError

    def _load(self, data: bytes) -> Any:
        """The parsed document, or None (empty, incomplete or invalid: a problem says which)."""
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            data = data.decode("utf-16", errors="replace").encode()
        elif data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        if not data.strip():
            return None
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # NaN/Infinity (as Python's json writes them), bad UTF-8, or a broken document
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.once(f"invalid UTF-8 at byte {e.start}; replaced")
            text = data.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            if not self._parsed:  # mid-rewrite after a good parse: wait for the next one
                self.once(_describe(e, text))
            return None

    def _emit(self, rows: list[Row]) -> list[Batch]:
        prints = [repr(r) for r in rows]
        seen = self._seen
        common = 0
        for old, new in zip(seen, prints, strict=False):
            if old != new:
                break
            common += 1
        new_run = common < len(seen)
        self._seen = prints
        builder = BatchBuilder()
        for i, (values, step, epoch) in enumerate(rows[common:]):
            builder.add(values, step=step, epoch=epoch, new_run=new_run and i == 0)
        batch = builder.build()
        return [] if batch is None else [batch]

    # -- the streamed list -----------------------------------------------------------------
    def _stream(self, data: bytearray) -> list[Batch] | None:
        """Rows of the `list_key` list, scanned entry by entry; None when the document is not a
        plain list of flat entries there (then it is parsed whole, as any other)."""
        key = re.search(rb'"' + re.escape(self.list_key or b"") + rb'"\s*:\s*\[', data)
        if key is None:
            return None
        start = key.end()
        bad = _invalid_utf8_at(data)
        if bad is not None:
            self.once(f"invalid UTF-8 at byte {bad}; replaced")
        span, digest = self._span
        old = self._hashes
        same = (
            span
            and len(data) >= start + span
            and hashlib.blake2b(memoryview(data)[start : start + span]).digest() == digest
        )
        if same:  # a re-save that kept the entries read so far: only what it added is parsed
            scanned = self._scan(data, start + span, len(old), after_entry=True)
            if scanned is None:
                return None
            hashes, entries, end, closed = scanned
            if not closed:
                return []  # mid-save: the complete document comes with the next change
            return self._finish_stream(data, start, end, np.concatenate([old, hashes]), entries, False)
        scanned = self._scan(data, start, 0, after_entry=False)
        if scanned is None:
            return None
        hashes, entries, end, closed = scanned
        if not closed:  # cut off (mid-save, or a broken file): said while nothing was ever read
            if not self._parsed:
                self.once("incomplete JSON document")
            return []
        common = _common_prefix(old, hashes)
        entries = entries[common:]
        return self._finish_stream(data, start, end, hashes, entries, common < len(old))

    def _scan(
        self, data: bytearray, pos: int, first: int, after_entry: bool
    ) -> tuple[np.ndarray, list[tuple[int, bytes]], int, bool] | None:
        """(hash of each entry, (offset, bytes) of each entry, the end of the last complete entry,
        whether the list's `]` was reached). None: something other than flat entries is there."""
        hashes: list[int] = []
        entries: list[tuple[int, bytes]] = []
        end = pos
        closed = False
        while True:
            if after_entry or hashes or _OPEN.match(data, pos) is None:
                sep = _SEP.match(data, pos)
                if sep is None:
                    if data[pos:].strip():
                        return None
                    break  # the data ends here (mid-save): the next save brings the rest
                if sep.group(1) == b"]":
                    closed = True
                    break
                pos = sep.end()
            m = _ENTRY.match(data, pos)
            if m is None:
                rest = bytes(data[pos : pos + 4096]).lstrip()
                if rest.startswith(b"{") and b"}" not in bytes(data[pos:]):
                    break  # an entry cut off by the end of the data (mid-save)
                if not rest:
                    break
                return None
            body = m.group(1)
            hashes.append(hash(body))
            entries.append((m.start(1), bytes(body)))
            pos = end = m.end()
        return np.array(hashes, dtype=np.int64), entries, end, closed

    def _finish_stream(
        self,
        data: bytearray,
        start: int,
        end: int,
        hashes: np.ndarray,
        entries: list[tuple[int, bytes]],
        new_run: bool,
    ) -> list[Batch]:
        self._hashes = hashes
        if len(hashes):
            span = end - start
            self._span = (span, hashlib.blake2b(memoryview(data)[start:end]).digest())
        else:
            self._span = (0, b"")
        out: list[Batch] = []
        builder = BatchBuilder()
        first = True
        for at, body in entries:
            try:
                entry = orjson.loads(body)
            except orjson.JSONDecodeError:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError as e:
                    self.once(f"invalid UTF-8 at byte {at + e.start}; replaced")
                    text = body.decode("utf-8", errors="replace")
                try:
                    entry = json.loads(text)  # NaN, Infinity (as Python's json writes them)
                except json.JSONDecodeError as e:
                    self.once(_describe(e, text))
                    continue
            row = self.entry_row(entry)
            if row is None:
                continue
            values, step, epoch = row
            builder.add(values, step=step, epoch=epoch, new_run=new_run and first)
            first = False
            if len(builder) >= BATCH_ROWS:
                out += self.built(builder)
                builder = BatchBuilder()
        return out + self.built(builder)


def _invalid_utf8_at(data: bytearray) -> int | None:
    """The offset of the first invalid UTF-8 byte, checked a megabyte at a time (no copy kept)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    for at in range(0, len(data), step):
        try:
            dec.decode(view[at : at + step], at + step >= len(data))
        except UnicodeDecodeError as e:
            return at + e.start
    return None


def _common_prefix(a: np.ndarray, b: np.ndarray) -> int:
    """How many leading entries two hash arrays share."""
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) if len(diff) else n


def _incomplete(data: bytearray, pos: int) -> bool:
    """True when what follows `pos` is the start of an entry cut off by the end of the data."""
    rest = bytes(data[pos:]).lstrip()
    return rest.startswith(b"{") and b"}" not in rest


def _describe(error: Exception, text: str) -> str:
    if isinstance(error, json.JSONDecodeError):
        at_end = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        if not at_end:
            return f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
    return "incomplete JSON document"
