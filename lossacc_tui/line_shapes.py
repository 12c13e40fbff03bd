"""What a line of a followed log looks like, in bytes: enough to tell a whole line from the end of
one a rotation cut in two (`tail_cut.Cuts._torn_rest`), a CSV header from a data row, and a copy
from the file it was copied from. Knows no format beyond the delimiters and JSON's brackets."""

from __future__ import annotations

import os
import re
import threading
from typing import BinaryIO

from lossacc_tui.rotated import prefix_digest

FIRST_LINE_MAX = 64 << 10  # after a cut, the new first line is compared with the old one (this much)

_FIELDS = re.compile(rb"[,\t;|]")
_SHAPE = b',;\t|:"{}[]= '  # the bytes whose counts are a line's shape (`tail_cut.Cuts._torn_rest`)


def shape(line: bytes) -> tuple[int, ...]:
    body = line.rstrip(b"\r\n")
    return tuple(body.count(c) for c in _SHAPE)


def begins_with(fh: BinaryIO, copy: BinaryIO, n: int, stop: threading.Event | None) -> bool:
    """Whether a file begins with the first n bytes of another (a copy of it, not cut since)."""
    return prefix_digest(fh, n, stop) == prefix_digest(copy, n, stop) != b""


def last_line(fh: BinaryIO, begin: int, end: int) -> bytes:
    """The last line of bytes [begin, end) of a file, which end with a line end (b'' when none,
    or longer than `FIRST_LINE_MAX`)."""
    n = min(end - begin, FIRST_LINE_MAX)
    body = os.pread(fh.fileno(), n, end - n).rstrip(b"\r\n")
    nl = max(body.rfind(b"\n"), body.rfind(b"\r"))
    return body[nl + 1 :] if nl >= 0 or n == end - begin else b""


def kind(line: bytes) -> bytes:
    """How a line begins: a digit, a letter, or that byte (a line of a log after a rotation that
    begins otherwise than the copy's last line, `,0.5` after `12,0.4`, is the end of a line)."""
    first = line[:1]
    if first.isdigit():
        return b"0"
    return b"a" if first.isalpha() or first >= b"\x80" else first


def whole(line: bytes, model: bytes) -> bool:
    """Whether a line looks like a whole line of the log whose last whole line is `model`: it
    begins the same way, has as many fields (CSV), and the same separators, or, a JSON record
    (`{`), begins with `{` as every record does (a record with more keys, `val_loss` every 50
    steps, is still one)."""
    if kind(line) != kind(model) or fields(line) != fields(model):
        return False
    return kind(model) in (b"{", b"[") or shape(line) == shape(model)


def fields(line: bytes) -> int:
    """How many fields a delimited line (CSV, TSV) has by its most common delimiter; 0 for a line
    that is not one (JSON, free text: their lines differ from one another)."""
    body = line.rstrip(b"\r\n")
    if body[:1] in (b"{", b"["):
        return 0
    n = max(body.count(d) for d in b",\t;")
    return n + 1 if n else 0


def same_line(first: bytes, old: bytes) -> bool:
    """Whether a file's first line is `old` (a line kept whole, or the first bytes of a longer one)."""
    return first == old or (not old.endswith(b"\n") and first.startswith(old) and old != b"")


def shown(part: bytes) -> str:
    """Half of a line, as a problem quotes it."""
    return repr(part.rstrip(b"\r\n").decode("utf-8", "replace"))


def header_like(line: bytes) -> bool:
    """A delimited line of names, no numbers (a CSV/TSV header), as opposed to a data row, a JSON
    record or a free-text line."""
    text = line.strip()
    if not text or text[:1] in (b"{", b"[") or not _FIELDS.search(text):
        return False
    for f in _FIELDS.split(text):
        f = f.strip().strip(b'"')
        if not f or any(c in f for c in b"{}:") or not any(chr(c).isalpha() for c in f):
            return False  # (a name has a letter; `:0.93` or `"acc":0.7}` is the end of a JSON line)
        try:
            float(f)
            return False
        except ValueError:
            pass
    return True


__all__ = [
    "FIRST_LINE_MAX",
    "begins_with",
    "fields",
    "header_like",
    "kind",
    "last_line",
    "same_line",
    "shape",
    "shown",
    "whole",
]
