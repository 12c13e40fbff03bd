"""What every reader is: bytes in (`feed`), Batches out, problems recorded, never an exception."""

from __future__ import annotations

import math
import re
from typing import ClassVar

from lossacc_tui.clean import clean, clean_lines
from lossacc_tui.model import Batch, BatchBuilder, LossKind, Problem
from lossacc_tui.readers.bulk import count_byte

MAX_PROBLEMS = 1000

#: Strip escape sequences and control characters from log text, keeping tabs and newlines.
clean_text = clean_lines


_MSVC_SPECIAL = re.compile(r"[-+]?(?:\d*\.?\d*#(?:(?P<inf>inf)|qnan|snan|ind)\d*|nan\((?:ind|snan|qnan)?\))$")


def to_float(text: str) -> float | None:
    """A number from a log cell: `0.41`, `1e-04`, `nan`, `inf`, `83.1%` (-> 0.831), and the
    Microsoft C runtime's `1.#QNAN`, `-1.#IND`, `1.#INF`, `nan(ind)`, each also wrapped in terminal
    escape sequences (ANSI colours); else None."""
    t = text.strip()
    if not t:
        return None
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    try:
        v = float(t)
    except ValueError:
        low = t.lower()
        if low in ("nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            return float(low.replace("infinity", "inf"))
        m = _MSVC_SPECIAL.match(low)
        if m:  # the Microsoft C runtime's spellings: 1.#QNAN, -1.#IND, 1.#INF, nan(ind), -nan(snan)
            return -math.inf if m["inf"] and low.startswith("-") else math.inf if m["inf"] else math.nan
        if "\x1b" in t or "\x9b" in t:  # a number in colour (`\x1b[1m3\x1b[0m`): that number
            return to_float(clean(t))
        return None
    return v / 100.0 if pct and math.isfinite(v) else v


_NULS = re.compile(rb"\0+")

BIG = 1 << 22  # bytes: a block this large has its newlines counted with numpy (`bulk.count_byte`)


class MissingExtra(RuntimeError):
    """An optional dependency is not installed; the message (one line) says how to install it."""


def missing_extra(package: str, message: str, error: ImportError) -> MissingExtra:
    """The error for an optional reader whose imports failed: `message` (how to install the extra)
    when `package` is not installed, else the import's own error, which an install command would
    not cure (a broken or half-upgraded install: the reason had been hidden behind "needs the
    extra", and a file read in the same minutes became 0 runs with nothing to go on)."""
    import importlib.util

    try:
        installed = importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        installed = False
    if not installed:
        return MissingExtra(message)
    return MissingExtra(f"{package} is installed but could not be imported: {error}")


class LineBuffer:
    """Splits a byte stream into complete lines; keeps the unfinished tail until its newline comes.

    Line ends `\\n`, `\\r\\n` and a lone `\\r` (old Mac, `\\r\\r`, progress bars) all end a line.
    `feed` returns a block of complete lines joined by `\\n`, and the number of the block's first line.
    A chunk's last `\\r` may be the first half of `\\r\\n` and waits for the next byte, except in a
    stream whose lines so far all ended in a lone `\\r` (Excel for Mac's CSV): a live writer's last
    row is handed out as it comes, not when the next one does.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []  # the unfinished line, in the pieces it came in
        self.lines_done = 0  # lines handed out so far
        self._cr_only = False  # every line end seen so far was a lone \r (and there was one)
        self._lf_seen = False
        self._cut_cr = False  # the last chunk was cut after a \r that ended it
        #: runs of NUL bytes left out, (line, count), not yet taken (`holes`)
        self._holes: list[tuple[int, int]] = []
        self._hole: tuple[int, int] | None = None  # a run of NULs that reached the chunk's end

    @property
    def holding(self) -> bool:
        """Whether part of a line is waiting for its end (the last chunk did not end a line)."""
        return bool(self._parts)

    def holes(self) -> list[tuple[int, int]]:
        """The runs of NUL bytes left out since the last call, each (line it was on, bytes): a
        run still open at the last chunk's end is told once it ends (or at `finish`), so a hole
        is told once however the bytes were cut."""
        out, self._holes = self._holes, []
        return out

    def _drop_nuls(self, chunk: bytes) -> bytes:
        """`chunk` without its NUL bytes, each run of them noted (`holes`). A writer that did not
        open its log for appending (O_APPEND) writes on at its own offset after a `copytruncate`,
        and the file then begins with a hole that reads as NULs; a crash can leave a block of them
        too. No text log holds them: kept, they had become part of a line, a key or a value (a
        JSON line after a hole was no JSON). (UTF-16 is decoded before a reader sees the bytes.)"""
        if b"\0" not in chunk:
            if chunk and self._hole is not None:
                self._holes.append(self._hole)
                self._hole = None
            return chunk
        line = self.lines_done + 1  # (the held pieces hold no line end: `feed` hands those out)
        at = 0
        for m in _NULS.finditer(chunk):
            start, end = m.span()
            if self._hole is not None and start > 0:
                self._holes.append(self._hole)
                self._hole = None
            line += chunk.count(b"\n", at, start)
            at = start
            if self._hole is None:
                self._hole = (line, end - start)
            else:
                self._hole = (self._hole[0], self._hole[1] + end - start)
            if end < len(chunk):
                self._holes.append(self._hole)
                self._hole = None
        return chunk.replace(b"\0", b"")

    def feed(self, chunk: bytes) -> tuple[bytes, int]:
        """Only the new chunk is searched and the held pieces are joined once, when their line
        ends: a line of N bytes arriving in k chunks costs O(N), not O(N k). NUL bytes are left
        out (`_drop_nuls`)."""
        chunk = self._drop_nuls(chunk)
        if chunk and self._cut_cr:  # only the byte right after a \r handed out can be its \n
            self._cut_cr = False
            if chunk[:1] == b"\n":  # the second half of that \r\n
                chunk = chunk[1:]
        if not chunk:
            return b"", self.lines_done + 1
        if not self._lf_seen and self._parts and self._parts[-1].endswith(b"\r") and chunk[:1] != b"\n":
            self._cr_only = True  # the held \r was a lone CR line end
        lf = chunk.rfind(b"\n")
        if lf >= 0:
            self._lf_seen, self._cr_only = True, False
        # a trailing \r may be the first half of \r\n: wait for the next byte (unless CR-only)
        cr = chunk.rfind(b"\r", 0, len(chunk) - (0 if self._cr_only else 1))
        if cr >= 0 and not self._lf_seen and cr < len(chunk) - 1:
            self._cr_only = True  # a \r followed by a byte that is not \n: a lone CR line end
            cr = chunk.rfind(b"\r")
        cut = max(lf, cr)
        self._cut_cr = cut == len(chunk) - 1 and cr == cut
        if cut < 0:
            if self._parts and self._parts[-1].endswith(b"\r"):  # a held \r not followed by \n
                block, self._parts = b"".join(self._parts), [chunk]
                return self._normalize(block)
            self._parts.append(chunk)
            return b"", self.lines_done + 1
        head = chunk[: cut + 1]
        block = b"".join([*self._parts, head]) if self._parts else head
        self._parts = [chunk[cut + 1 :]] if cut + 1 < len(chunk) else []
        return self._normalize(block)

    def finish(self) -> tuple[bytes, int]:
        """The unfinished last line (a file that does not end in a newline)."""
        if self._hole is not None:  # (NULs up to the end: a hole the writer has not written past yet)
            self._holes.append(self._hole)
            self._hole = None
        data, self._parts = b"".join(self._parts), []
        if not data:
            return b"", self.lines_done + 1
        return self._normalize(data if data.endswith((b"\n", b"\r")) else data + b"\n")

    def _normalize(self, block: bytes) -> tuple[bytes, int]:
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        first = self.lines_done + 1
        self.lines_done += block.count(b"\n") if len(block) < BIG else count_byte(block, b"\n")
        return block, first


class Reader:
    """Base class of every format reader.

    Subclasses implement `_lines(block, first_line)` (line formats) or override `feed`/`finish`.
    `feed` and `finish` return the Batches parsed so far; problems accumulate in `problems`.
    """

    format_id: ClassVar[str] = ""
    #: True for formats whose file is rewritten whole (a JSON document): the same reader instance is
    #: fed the file again from the start and returns only the rows it had not returned before.
    whole_file: ClassVar[bool] = False
    #: True for binary formats (TensorBoard): bytes go to the reader undecoded.
    binary: ClassVar[bool] = False
    #: Role hints for source names this format defines (fastai's `accuracy` is a validation metric).
    role_hints: ClassVar[dict[str, str]] = {}
    #: What it means when a file of this format holds no record, where `--format`/`--map` cannot
    #: help (a tracker's run that logged nothing yet); None: the generic advice.
    empty_hint: ClassVar[str | None] = None

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        """How sure (0..1) this reader is that a file named `name` starting with `head` is its format."""
        return 0.0

    def __init__(self) -> None:
        #: display name -> source name, for series a reader derives (fastai `1-error_rate`)
        self.renamed: dict[str, str] = {}
        #: series name -> what that loss measures, where the format says (`model.LossKind`)
        self.loss_kinds: dict[str, LossKind] = {}
        #: series name -> the evaluation-set size its values were measured on, where the format
        #: prints it exactly (`Series.eval_size`; the PyTorch example's `Accuracy: k/N`); 0: it
        #: printed more than one size
        self.eval_sizes: dict[str, int] = {}
        #: the log said its training ended (a format's own end-of-training record: `Run.ended`)
        self.ended = False
        self.problems: list[Problem] = []
        self.problem_count = 0
        self._buf = LineBuffer()
        self._told: set[str] = set()  # problems recorded once (`once`)

    def problem(self, line: int | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, clean(message[:300])))

    def once(self, message: str) -> None:
        """Record a problem only the first time (a rewritten file or a database is read many times)."""
        if message not in self._told:
            self._told.add(message)
            self.problem(None, message)

    def feed(self, chunk: bytes) -> list[Batch]:
        block, first = self._buf.feed(chunk)
        self._tell_holes()
        return self._lines(block, first) if block else []

    def finish(self) -> list[Batch]:
        block, first = self._buf.finish()
        self._tell_holes()
        out = self._lines(block, first) if block else []
        return out + self._flush()

    def _tell_holes(self) -> None:
        """A problem for each run of NUL bytes the line buffer left out."""
        for line, count in self._buf.holes():
            self.problem(line, f"{count} NUL byte{'s' if count != 1 else ''} (a hole in the file) left out")

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        raise NotImplementedError

    def _flush(self) -> list[Batch]:
        """Anything held back until the end of the input (override where needed)."""
        return []

    @staticmethod
    def decode(line: bytes) -> str:
        return line.decode("utf-8", errors="replace")

    @staticmethod
    def text_lines(block: bytes) -> list[str]:
        """A block of complete lines as text lines (invalid UTF-8 replaced, not fatal)."""
        lines = block.decode("utf-8", errors="replace").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    @staticmethod
    def built(builder: BatchBuilder) -> list[Batch]:
        """What a builder holds, as the list `feed` returns."""
        batch = builder.build()
        return [] if batch is None else [batch]


STRUCTURED_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson")


def looks_structured(name: str, head: str) -> bool:
    """A CSV/JSON file by name or by its first bytes: not for the free-text readers."""
    return name.lower().endswith(STRUCTURED_SUFFIXES) or head.lstrip()[:2] in ('{"', "[{", "[]")
