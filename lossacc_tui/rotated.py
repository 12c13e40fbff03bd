"""What a log rotation leaves beside a followed file, and how to read it: logrotate's
`copytruncate` copies the log (`log.1`, `log-20261129`, ...) and cuts it in place, so the lines the
writer added between the follower's last look and the cut are in the copy only. A writer that did
not open its log for appending writes on at its own offset after the cut, leaving a hole (NUL bytes)
at the start of the file.

Used by `tail.Tail`; knows nothing of handlers or formats. Copies are opened read-only, no lock.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from lossacc_tui.files import open_regular

READ_CHUNK = 1 << 20  # bytes per read

#: a range of a copy handed over: (its path, its (st_dev, st_ino), start, end), bytes
Segment = tuple[str, tuple[int, int], int, int]


#: what log rotation appends to a log's name: `.1` (logrotate, RotatingFileHandler), `-20261130` or
#: `.2026-11-30` (dateext, TimedRotatingFileHandler), optionally compressed (`.1.gz`)
_ROTATION = re.compile(
    r"(?:\.\d{1,4}|-\d{8}(?:\d{2,6})?|\.\d{4}-\d{2}-\d{2}(?:_\d{2}(?:-\d{2}){0,2})?)(\.(?:gz|bz2|xz|zst))?"
)


def rotation_of(path: Path | str) -> str | None:
    """The log a rotated copy's name says it was rotated from (`metrics.csv.1`, `train.log-20261130`,
    `train.log.2.gz` -> the path of `metrics.csv` / `train.log`, same folder), or None when the name
    is no rotation name. Whether that log exists is not asked."""
    folder, name = os.path.split(os.fspath(path))
    for cut in range(len(name) - 1, 0, -1):
        if name[cut] in ".-" and _ROTATION.fullmatch(name[cut:]):
            return os.path.join(folder, name[:cut])
    return None


def rotated_copies(path: Path | str, listings: Listings | None = None) -> list[str]:
    """The uncompressed regular files beside a log whose names say they are its rotated copies,
    oldest first (by modification time; then `.3` before `.1`, `-20261129` before `-20261130`):
    the parts of its history a rotation moved out, in the order they were written. `listings`:
    the folder's names as a walk listed them (`beside`)."""
    log_path = os.fspath(path)
    found: list[tuple[int, int, str, str]] = []
    for other in beside(Path(log_path), listings):
        rest = other[len(log_path) :]
        m = _ROTATION.fullmatch(rest)
        if m is None or m.group(1) or not os.path.isfile(other):
            continue
        try:
            mtime = os.stat(other).st_mtime_ns
        except OSError:
            continue
        number = -int(rest[1:]) if rest[1:].isdigit() else 0  # `.N`: the higher, the older
        found.append((mtime, number, rest, other))
    return [other for *_, other in sorted(found)]


class Listings:
    """Each folder's names, sorted, listed once and kept (a folder walk's: `source.iter_folder`
    asks `rotated_copies` of every log it finds, and 5,000 logs in one folder had listed and sorted
    it 5,000 times: 57 s of a 120 s `check`, h19t). Only for a walk's time: a follower looks again."""

    def __init__(self) -> None:
        self._by: dict[str, list[str]] = {}

    def __call__(self, folder: str) -> list[str]:
        names = self._by.get(folder)
        if names is None:
            try:
                names = sorted(os.listdir(folder or "."))
            except OSError:
                names = []
            self._by[folder] = names
        return names


def beside(path: Path, listings: Listings | None = None) -> list[str]:
    """The paths beside `path` whose name is its name and a suffix starting with `.`, `-` or `_`
    (`log.1`, `log-20261129`, `log_old`), in name order: where a rotation leaves the log.
    `listings`: the folder's names as a walk listed them (else listed now). O(log names + found)
    on a listing: the names that start with the log's follow it in sorted order."""
    folder, name = os.path.split(os.fspath(path))
    if listings is not None:
        names = listings(folder)
    else:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return []
    out = []
    for k in range(bisect.bisect_right(names, name), len(names)):
        other = names[k]
        if not other.startswith(name):
            break
        if other[len(name) : len(name) + 1] in ".-_":
            out.append(os.path.join(folder, other))
    return out


def copies(path: Path) -> Iterator[tuple[str, BinaryIO, os.stat_result]]:
    """The regular files `beside` a path, each open (read-only) while the caller looks at it:
    (path, file, its fstat)."""
    for full in beside(path):
        try:
            fh = open_regular(Path(full))
        except OSError:
            continue
        with fh:
            yield full, fh, os.fstat(fh.fileno())


def find_renamed(path: Path, ident: tuple[int, int]) -> tuple[str, BinaryIO] | None:
    """The file `beside` a path whose (st_dev, st_ino) is `ident`, open read-only, and its path:
    where a rotation renamed the log a follower read (`log` -> `log.1`). None if it is gone."""
    for full in beside(path):
        try:
            st = os.stat(full)
            if (st.st_dev, st.st_ino) != ident:
                continue
            fh = open_regular(Path(full))
        except OSError:
            continue
        fst = os.fstat(fh.fileno())
        if (fst.st_dev, fst.st_ino) == ident:
            return full, fh
        fh.close()
    return None


def prefix_digest(fh: BinaryIO, n: int, stop: threading.Event | None) -> bytes:
    """BLAKE2 digest of the first n bytes of a file (b'' when it is shorter, or on `stop`)."""
    h = hashlib.blake2b()
    pos = 0
    while pos < n:
        if stop is not None and stop.is_set():
            return b""
        chunk = os.pread(fh.fileno(), min(READ_CHUNK, n - pos), pos)
        if not chunk:
            return b""
        h.update(chunk)
        pos += len(chunk)
    return h.digest()


def hand_range(
    fh: BinaryIO, pos: int, end: int, data: Callable[[bytes], None], stop: threading.Event | None
) -> None:
    """Hand bytes [pos, end) of a file to `data`, a chunk at a time (memory stays bounded)."""
    while pos < end and not (stop is not None and stop.is_set()):
        chunk = os.pread(fh.fileno(), min(READ_CHUNK, end - pos), pos)
        if not chunk:
            break
        pos += len(chunk)
        data(chunk)


def replay(seg: Segment, path: Path, data: Callable[[bytes], None], stop: threading.Event | None) -> None:
    """Hand a range of a copy over again, if that copy (the same inode) is still there: where it
    was, or renamed again beside `path` (the followed log) by a later rotation."""
    name, ident, start, end = seg
    with suppress(OSError):
        fh = open_regular(Path(name))
        fst = os.fstat(fh.fileno())
        if (fst.st_dev, fst.st_ino) != ident:
            fh.close()
            found = find_renamed(path, ident)
            if found is None:
                return
            fh = found[1]
        with fh:
            hand_range(fh, start, end, data, stop)


def hole_end(fh: BinaryIO, digest: hashlib.blake2b, stop: threading.Event | None) -> int:
    """Where the NUL bytes at the start of a file end (0: none); they are added to `digest`."""
    pos = 0
    while not (stop is not None and stop.is_set()):
        chunk = os.pread(fh.fileno(), READ_CHUNK, pos)
        rest = chunk.lstrip(b"\0")
        pos += len(chunk) - len(rest)
        digest.update(chunk[: len(chunk) - len(rest)])
        if rest or not chunk:
            break
    return pos


def line_end(fh: BinaryIO, pos: int, limit: int) -> int:
    """Where the line that goes on at `pos` ends (the position after its `\\n` or `\\r`), looked for
    in at most `limit` bytes (`\r\n` is one line end); -1 when none is there (yet)."""
    chunk = os.pread(fh.fileno(), limit + 1, pos)
    ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if 0 <= i < limit]
    if not ends:
        return -1
    at = min(ends)
    return pos + at + (2 if chunk[at : at + 2] == b"\r\n" else 1)


def last_line_end(fh: BinaryIO, begin: int, end: int) -> int:
    """Where the last complete line of bytes [begin, end) of a file ends (after its `\\n` or
    `\\r`); `begin` when no line in them ends."""
    while end > begin:
        start = max(begin, end - READ_CHUNK)
        chunk = os.pread(fh.fileno(), end - start, start)
        at = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if at >= 0:
            return start + at + 1
        end = start
    return begin


def newer_copies(path: Path, name: str) -> list[str]:
    """The rotated copies of `path` made after its copy `name` (a `log.1` renamed `log.2` by a later
    rotation, and the new `log.1`), oldest first: what later rotations copied away, none of it read."""
    order = rotated_copies(path)
    return order[order.index(name) + 1 :] if name in order else []
