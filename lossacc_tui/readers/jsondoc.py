"""Logs that are one JSON document rewritten whole (HF trainer_state.json, a Keras History dump):
`feed` collects the bytes, `finish` parses and returns the rows not returned before."""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any, ClassVar

import orjson

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader

#: One record: (values, step, epoch).
Row = tuple[dict[str, float], float | None, float | None]

MAX_DOCUMENT = 256 << 20  # a JSON log larger than this is not read (256 MiB)
BATCH_ROWS = 50_000  # a long history comes out in batches of this many rows (bounded builder memory)
BLOCK_BYTES = 4 << 20  # a streamed list is parsed this many bytes of entries at a time
_SEP = re.compile(rb"\s*([,\]])")  # what follows an entry
#: A value that is a list, object, string, boolean or NaN (what a "plain" block of entries has none of).
_NOT_PLAIN = re.compile(rb':\s*[\[{"tfN]')


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
        # the streamed list: entry hashes read so far, and the bytes they span (length, digest)
        self._span = (0, b"")  # bytes of the streamed list read so far: (length, digest)
        self._returned = 0  # rows returned from the streamed list

    def feed(self, chunk: bytes) -> list[Batch]:
        if len(self._doc) + len(chunk) > MAX_DOCUMENT:
            self._too_big = True
        elif not self._too_big:
            self._doc += chunk
        return []

    def finish(self) -> list[Batch]:
        data, self._doc = self._doc, bytearray()
        if len(data) == 0 and not self._too_big:
            return []
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

    def final_values(self, doc: Any, skip: Callable[[str], bool], note: str) -> dict[str, float] | None:
        """The numbers of a summary document (one final value per metric, keys where `skip` is
        False), recording `note` once (one point each: where the history is); None, with a problem,
        when the document is not an object or holds no number."""
        if not isinstance(doc, dict):
            self.once("not a JSON object of final values")
            return None
        values: dict[str, float] = {}
        for key, value in doc.items():
            if skip(str(key)):
                continue
            v = number(value)
            if v is not None and value is not None:
                values[str(key)] = v
        if not values:
            self.once("no metric in this summary file")
            return None
        self.once(note)
        return values

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
    def _stream(self, data: bytearray | bytes) -> list[Batch] | None:
        """Rows of the `list_key` list, parsed a block of entries at a time (each block by orjson);
        on a re-save that kept the bytes read so far, only what it added. None when that list is
        not a plain list of flat entries (then the document is parsed whole, as any other)."""
        key = re.search(rb'"' + re.escape(self.list_key or b"") + rb'"\s*:\s*\[', data)
        if key is None:
            return None
        start = key.end()
        end = data.find(b"]", start)  # flat entries hold no list: the first ] closes this one
        if end < 0:  # cut off (mid-save, or a broken file): said while nothing was ever read
            if not self._parsed:
                self.once("incomplete JSON document")
            return []
        bad = _invalid_utf8_at(data)
        if bad is not None:
            self.once(f"invalid UTF-8 at byte {bad}; replaced")
        span, digest = self._span
        view = memoryview(data)
        kept = span and start + span <= end and hashlib.blake2b(view[start : start + span]).digest() == digest
        pos = start + span if kept else start
        if kept:
            sep = _SEP.match(data, pos)
            if sep is None:
                return None
            if sep.group(1) == b"]":
                return []  # nothing new
            pos = sep.end()
        last = data.rfind(b"}", pos, end) + 1
        batches: list[Batch] = []
        a = pos
        while 0 < a < last:
            cut = data.find(b"},", a + BLOCK_BYTES, last)
            b = last if cut < 0 else cut + 1
            typed = self.plain_batches(view[a:b])
            if typed is not None:
                batches += typed
            else:
                block = self._block(view[a:b])
                if block is None:
                    return None
                plain = _NOT_PLAIN.search(view[a:b]) is None  # only numbers (not NaN) and nulls as values
                batches += self.entry_batches(block, plain)  # a block at a time: its dicts are freed here
            a = b + 1 if cut >= 0 else last
        if not kept and last <= pos and data[start:end].strip():
            return None
        new_run = not kept and self._returned > 0
        self._span = (last - start, hashlib.blake2b(view[start:last]).digest()) if last > start else (0, b"")
        self._returned += sum(b.n for b in batches)
        if new_run and batches:
            batches[0].starts = (0,)
        return batches

    def _block(self, raw: memoryview) -> list[Any] | None:
        """A run of entries (`{...}, {...}`) as a list; None when it is not one."""
        doc = b"".join((b"[", raw, b"]"))  # one copy of the block
        try:
            out = orjson.loads(doc)
        except orjson.JSONDecodeError:
            try:  # NaN/Infinity as Python's json writes them
                out = json.loads(doc.decode("utf-8", errors="replace"))
            except (json.JSONDecodeError, RecursionError):
                return None
        return out if isinstance(out, list) else None

    def plain_batches(self, raw: memoryview) -> list[Batch] | None:
        """The records of a run of entries (`{...}, {...}`) decoded straight into columns, when
        every value is a number or null (subclasses); None: not so (or not implemented), then the
        entries are parsed into dicts and go through `entry_batches`."""
        return None

    def entry_batches(self, entries: list[Any], plain: bool = False) -> list[Batch]:
        """Batches of the records of `entry_row`, in batches of at most `BATCH_ROWS` (subclasses
        may do the same faster, column by column, when `plain`: every value a number other than NaN,
        or null)."""
        out: list[Batch] = []
        for a in range(0, len(entries), BATCH_ROWS):
            builder = BatchBuilder()
            for entry in entries[a : a + BATCH_ROWS]:
                row = self.entry_row(entry)
                if row is not None:
                    builder.add(row[0], step=row[1], epoch=row[2])
            out += self.built(builder)
        return out


def _invalid_utf8_at(data: bytearray) -> int | None:
    """The offset of the first invalid UTF-8 byte, checked a megabyte at a time (no copy kept)."""
    if data.isascii():  # (the usual case, at memory speed)
        return None
    dec = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    for at in range(0, len(data), step):
        try:
            dec.decode(view[at : at + step], at + step >= len(data))
        except UnicodeDecodeError as e:
            return at + e.start
    return None


def _describe(error: Exception, text: str) -> str:
    if isinstance(error, json.JSONDecodeError):
        at_end = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        if not at_end:
            return f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
    return "incomplete JSON document"
