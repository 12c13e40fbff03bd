"""Logs that are one JSON document rewritten whole (HF trainer_state.json, a Keras History dump):
`feed` collects the bytes, `finish` parses and returns the rows not returned before."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any, ClassVar

import orjson

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader

#: One record: (values, step, epoch).
Row = tuple[dict[str, float], float | None, float | None]

MAX_DOCUMENT = 256 << 20  # a JSON log larger than this is not read (256 MiB)


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

    def __init__(self) -> None:
        super().__init__()
        self._doc = bytearray()
        self._too_big = False
        self._seen: list[str] = []  # fingerprints of rows already returned
        self._parsed = False  # a document was parsed at least once
        self._told: set[str] = set()

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
        data, self._doc = bytes(self._doc), bytearray()
        if self._too_big:
            self._too_big = False
            self.once(f"JSON document larger than {MAX_DOCUMENT >> 20} MiB: not read")
            return []
        doc = self._load(data)
        if doc is None:
            return []
        self._parsed = True
        return self._emit(self.rows(doc))

    def rows(self, doc: Any) -> list[Row]:
        """The records of a parsed document (subclasses)."""
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


def _describe(error: Exception, text: str) -> str:
    if isinstance(error, json.JSONDecodeError):
        at_end = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        if not at_end:
            return f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
    return "incomplete JSON document"
