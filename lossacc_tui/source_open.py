"""One log file to a Source: the reader its first lines name (`detection.detect`), a CSV whose header
sits in the rotated copy beside it, Keras' validation TensorBoard folder; and why a path that is not
a log is not one (`PathError`, a compressed file). Files are opened read-only."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from lossacc_tui.clean import clean
from lossacc_tui.detection import decoded_head, detect
from lossacc_tui.headerless import borrowed_note, header_beside
from lossacc_tui.logsource import LogFile, Source
from lossacc_tui.readers import READERS, Reader
from lossacc_tui.roles import RoleMap
from lossacc_tui.side_files import facts_beside_log, side_facts

VALIDATION_DIRS = frozenset({"validation", "val", "eval", "valid"})


class PathError(Exception):
    """A path the user gave that cannot be read as a log (one line for stderr, already cleaned of
    escape sequences: file names are data). `short`: the same in a whole short sentence (for a
    status line), when the message is long."""

    def __init__(self, message: str, path: Path | None = None, short: str = "") -> None:
        super().__init__(clean(message))
        self.path = path  # the path it is about, where the raiser knows it
        self.short = clean(short)


def formats_expected() -> str:
    """What `check` appends to "not a training log": the formats this tool reads."""
    return f"(expected one of: {', '.join(READERS)})"


def open_file(
    path: Path,
    name: str,
    fmt: str | None = None,
    role_map: RoleMap | None = None,
    min_score: float = 0.0,
    head: str | None = None,
) -> Source | None:
    """A Source for one log file, or None when no reader recognises it (above min_score). `head`:
    the text its format is told from, when not the file's own start (a follower that read a rotated
    copy's lines first)."""
    if "tfevents" in path.name and not fmt:
        fmt = "tensorboard"
    found = detect(path, head=head, fmt=fmt)
    borrowed = header_beside(path) if found is None and head is None else None
    if borrowed is not None:  # a copytruncate's log: named from the header in the copy beside it
        found = detect(path, head=borrowed[0] + decoded_head(path), fmt=fmt)
    if found is None or (found[1] < min_score and not fmt):
        return None
    cls, _ = found
    if min_score and not fmt:  # (a folder's file of facts beside its log, not a run: `side_files`)
        text = decoded_head(path) if head is None else head
        if cls.format_id == "jsonl" and side_facts(text):
            return None
        if facts_beside_log(path, text, cls):
            return None
    make: Callable[[], Reader] = cls
    if borrowed is not None and hasattr(cls, "_set_header"):
        make = functools.partial(_with_header, cls, *borrowed)
    if cls.format_id == "tensorboard" and path.parent.name.lower() in VALIDATION_DIRS:
        make = functools.partial(cls, prefix="val_")  # type: ignore[call-arg]  # Keras TensorBoard layout
    return Source(name, path, cls.format_id, [LogFile(path=path, make=make)], role_map)


def _with_header(cls: type[Reader], header: str, copy: str) -> Reader:
    """A CSV reader that has read `header` already (taken from the rotated copy `copy`): the file's
    own lines are its rows, numbered as in the file; a problem says where the names came from."""
    from lossacc_tui.readers.csvlike import split_header  # (only for such a log: not at start-up)

    reader = cls()
    hdr = split_header(header)
    assert hdr is not None  # (header_beside returns headers only)
    reader._set_header(*hdr)  # type: ignore[attr-defined]
    reader.problem(None, borrowed_note(copy, len(hdr[1])))
    return reader


#: magic bytes of compressed files a log may be kept in (a compressed log is not read as text)
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
)


def compressed(path: Path) -> str | None:
    """The compression a file's first bytes show ('gzip', 'bzip2', 'xz', 'zstd', 'zip'), or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)
