"""Logs that are one JSON document rewritten whole (HF trainer_state.json, a Keras History dump):
`feed` collects the bytes, `finish` parses and returns the rows not returned before."""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from typing import Any, ClassVar

import orjson

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.jsonstream import HEAD, ListStream

#: One record: (values, step, epoch).
Row = tuple[dict[str, float], float | None, float | None]

MAX_DOCUMENT = 256 << 20  # a JSON log larger than this is not read (256 MiB)
BATCH_ROWS = 50_000  # a long history comes out in batches of this many rows (bounded builder memory)
KEEP_BYTES = 16 << 20  # a streamed document this small is also kept, to be parsed whole if need be
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
        self._stream = ListStream(self.list_key, self.stream_batches) if self.list_key is not None else None
        self._whole = self._stream is None  # this document is parsed whole (not streamed)
        self._utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
        self._fed = 0  # bytes of this document fed so far
        #: set by a follower: a document that ends too soon is held back in `incomplete` (it may be
        #: caught mid-save) instead of being a problem at once; `tell_incomplete` records it
        self.wait_incomplete = False
        self.incomplete = ""

    def feed(self, chunk: bytes) -> list[Batch]:
        out: list[Batch] = []
        if not self._whole and self._stream is not None:
            if len(self._doc) + len(chunk) <= KEEP_BYTES:
                self._doc += chunk  # a small document is kept too: parsed whole if it cannot be streamed
            else:
                self._doc = bytearray()
                self._too_big = True  # (no whole parse of it any more)
            self._check_utf8(chunk)
            got = self._stream.feed(chunk)
            if got is not None:
                return self._streamed(got)
            self._whole = True  # not streamable: parsed whole at finish (when kept), else said there
            return []
        if len(self._doc) + len(chunk) > MAX_DOCUMENT:
            self._too_big = True
        elif not self._too_big:
            self._doc += chunk
        return out

    def _check_utf8(self, chunk: bytes) -> None:
        """Invalid UTF-8 anywhere in a streamed document is said once (its offset), as a whole parse
        says it (the decoder keeps no text: a chunk is checked and dropped)."""
        if self._utf8 is None or chunk.isascii():
            self._fed += len(chunk)
            return
        try:
            self._utf8.decode(chunk)
        except UnicodeDecodeError as e:
            self.once(f"invalid UTF-8 at byte {self._fed + e.start}; replaced")
            self._utf8 = None
        self._fed += len(chunk)

    def _streamed(self, got: list[Batch]) -> list[Batch]:
        st = self._stream
        if got and st is not None and st.rewritten and st.skipped:
            self.once("log_history was rewritten after its first entries: read again from where it differs")
        if got:
            self._parsed = True
        return got

    def finish(self) -> list[Batch]:
        data, self._doc = self._doc, bytearray()
        too_big, self._too_big = self._too_big, False
        st = self._stream
        self._utf8, self._fed = codecs.getincrementaldecoder("utf-8")(), 0
        self.incomplete = ""
        if st is not None and not self._whole and st.phase != HEAD:  # (no list found: parsed whole)
            if not st.end() and not self._parsed:
                self._cut_short(INCOMPLETE)
            st.begin()
            return []
        if st is not None:  # this document could not be streamed: whole, when it was small enough
            st.end()
            st.begin()
            self._whole = False
            if too_big:
                self.once(f"JSON document over {KEEP_BYTES >> 20} MiB that cannot be streamed: not read")
                return []
        elif too_big:
            self.once(f"JSON document larger than {MAX_DOCUMENT >> 20} MiB: not read")
            return []
        if len(data) == 0:
            return []
        doc = self._load(bytes(data))
        if doc is None:
            return []
        self._parsed = True
        return self._emit(self.rows(doc), skip=st.returned if st is not None else 0)

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
                why = _describe(e, text)
                if why == INCOMPLETE:
                    self._cut_short(why)
                else:
                    self.once(why)
            return None

    def _cut_short(self, message: str) -> None:
        """A document that ends before it is complete: a problem, or held back (`wait_incomplete`)."""
        if self.wait_incomplete:
            self.incomplete = message
        else:
            self.once(message)

    def tell_incomplete(self) -> None:
        """The document held back as incomplete stayed so: record it as the problem it is."""
        if self.incomplete:
            self.once(self.incomplete)
            self.incomplete = ""

    def _emit(self, rows: list[Row], skip: int = 0) -> list[Batch]:
        """The rows not returned before (`skip`: how many the streamed path returned from this
        history before it had to parse documents whole)."""
        prints = [repr(r) for r in rows]
        seen = self._seen or prints[:skip]
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
    def stream_batches(self, raw: memoryview) -> list[Batch] | None:
        """The records of a run of entries (`{...}, {...}`) of the streamed list: decoded straight
        into columns when every value is a number or null (`plain_batches`), else through dicts;
        None when they are not a run of flat entries."""
        typed = self.plain_batches(raw)
        if typed is not None:
            return typed
        block = self._block(raw)
        if block is None:
            return None
        plain = _NOT_PLAIN.search(raw) is None  # only numbers (not NaN) and nulls as values
        return self.entry_batches(block, plain)

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


INCOMPLETE = "incomplete JSON document"


def _describe(error: Exception, text: str) -> str:
    if isinstance(error, json.JSONDecodeError):
        at_end = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        if not at_end:
            return f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
    return INCOMPLETE
