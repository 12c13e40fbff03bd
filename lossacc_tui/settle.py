"""A followed log's writer pauses right after a record that goes back into a run: until the next
record comes, the Splitter cannot tell a run resumed from a checkpoint from a stray record written
late (readers/strays.py), and held it back: for as long as the writer paused (an hour-long epoch,
or for good once the training ended), the view was a record behind what `check` reads.

So when the follower has read all there is (the Tail's `end`), what is held is placed as `check`
reads the file now: as a resume (`Source.settle`). The next records decide as before; when they
read it otherwise (the records after it carry on where the run was: a stray), the file is read
again from its start up to where the follower is (`read_again`): the runs end as `check` reads the
file, the ones read so far emptied first and said so, as for a log rewritten in place. That costs
a read of the file; a resume costs nothing. A log that had one such stray record may have more (a
second process writing late lines now and then): from then on its records going back into a run
wait for the next one again, so it is read again once at most.

What is read again must be what was read: the bytes handed to the source since the file was read
from its start are counted and checksummed (`Handed`); after a cut (a `copytruncate` read on as the
run's continuation) or a handover whose bytes were not the file's, nothing is placed at a pause
(the record waits for the next one, as before)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from lossacc_tui.events import Status
from lossacc_tui.files import open_regular

if TYPE_CHECKING:
    from lossacc_tui.handlers import Lines

#: bytes read at a time when the file's start is read again
READ = 1 << 20


class Handed:
    """The bytes of a followed file handed to its source since it was read from its start: how
    many, and their CRC-32; `size` -1 once that is no longer the file's start (a cut read on)."""

    def __init__(self) -> None:
        self.size = 0
        self.crc = 0
        self.settles = True  # (False once a record placed at a pause was a stray: `read_again`)

    def add(self, chunk: bytes) -> None:
        if self.size >= 0:
            self.size += len(chunk)
            self.crc = zlib.crc32(chunk, self.crc)

    def restart(self) -> None:
        """The file is read from its start again (rewritten, a new file at the path)."""
        self.size, self.crc, self.settles = 0, 0, True

    def lost(self) -> None:
        """What comes next is not the file's start read on (a cut read as the run's continuation)."""
        self.size = -1

    def read(self, path: Path) -> bytes | None:
        """The file's first `size` bytes when they are what was handed, else None (and `lost`)."""
        if self.size <= 0 or not self.settles:
            return None
        parts, crc, left = [], 0, self.size
        try:
            with open_regular(path) as fh:
                while left > 0 and (chunk := fh.read(min(READ, left))):
                    parts.append(chunk)
                    crc = zlib.crc32(chunk, crc)
                    left -= len(chunk)
        except OSError:
            return None
        if left or crc != self.crc:
            self.lost()
            return None
        return b"".join(parts)


def at_pause(h: Lines) -> None:
    """The follower read all there is of `h`'s file: a record its splitter holds back is placed
    as `check` reads the file now, when the file's start is what was handed (else it waits)."""
    if h.src.holding(h.i) and h.handed.read(h.src.files[h.i].path) is not None:
        with h.m.lock:
            parts = h.src.settle(h.i)
            if h.src.misread(h.i):
                read_again(h)
                return
            h.tell_problems()
            h.m.source_read(h.src, parts)


def read_again(h: Lines) -> None:
    """A record placed at a pause reads otherwise with the records after it (a stray record, not a
    resume): `h`'s file is read again from its start to where the follower is, into its runs
    emptied first, as a log rewritten in place is (lock held)."""
    path = h.src.files[h.i].path
    raw = h.handed.read(path)
    h.handed.settles = False
    h.m.emit(h.m.analyse_now(h.src.runs))
    emptied = h.src.rewind(h.i)
    msg = (
        f"{path}: a record read as a resume when the writer paused is a stray record, the records "
        "after it say: reading the log again"
    )
    h.m.emit([*h._withdraw(emptied), *h.m.reset(emptied), Status(str(path), "rewritten", msg)])
    parts = h.src.ingest(h.i, h.src.parse(h.i, raw or b""))
    h.tell_problems()
    h.m.source_read(h.src, parts)


__all__ = ["READ", "Handed", "at_pause", "read_again"]
