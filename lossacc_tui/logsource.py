"""A Source: one log file or run folder, and the runs read from it so far (bytes in, runs out).

A log file may hold several runs (split at restarts: readers/split.py); a run folder of many metric
files (MLflow) is one run. Each file keeps its reader, its splitter and its text decoder; a file
rewritten in place is read again into the same runs, a new file at its path starts new runs.
Finding the sources under a path the user gave is `source.py`'s job. Logs are opened read-only.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossacc_tui.clean import clean, clean_name, shown_as_is
from lossacc_tui.detection import TextDecoder
from lossacc_tui.files import open_regular
from lossacc_tui.model import Batch, Problem, Run
from lossacc_tui.readers import Reader
from lossacc_tui.readers.audit import audit_source
from lossacc_tui.readers.file_split import FileSplitter
from lossacc_tui.readers.probe_sidecar import ProbeSidecar
from lossacc_tui.roles import RoleMap

CHUNK = 1 << 20


@dataclass
class LogFile:
    """One file of a Source and the state of reading it."""

    path: Path
    make: Callable[[], Reader]  # a fresh reader, for when the file starts over
    reader: Reader = field(init=False)
    splitter: FileSplitter = field(default_factory=FileSplitter)
    decoder: TextDecoder | None = field(init=False)
    base: int = 0  # index of this file's first run in the Source (a recreated file comes after)
    earlier_problems: list[Problem] = field(default_factory=list)
    #: a rotated copy read before the log it was rotated from (`source.with_copies`): read once, as
    #: it is, and not followed (a later rotation renames it or makes a new one: the log's Tail reads that)
    copy: bool = False
    #: the file was cut or replaced and a follower reads it on as the same run (`Source.cut`):
    #: its first record since decides whether it does (False: no cut pending)
    cut: bool = False

    def __post_init__(self) -> None:
        self.fresh()

    def fresh(self) -> None:
        self.reader = self.make()
        self.splitter = FileSplitter()
        self.decoder = None if self.reader.binary else TextDecoder()


Appended = list[tuple[Run, Batch]]  # (run, the points just appended to it)


@dataclass
class Parsed:
    """What `Source.parse` read from a file's new bytes, not yet placed in runs: its batches and
    the file's modification time then (seconds since the epoch)."""

    batches: list[Batch]
    written: float | None


class Source:
    """One log file or run folder, and the runs read from it so far."""

    def __init__(
        self,
        name: str,
        path: Path,
        fmt: str,
        files: list[LogFile],
        role_map: RoleMap | None = None,
        joined: bool = False,
        sequential: bool = False,
    ) -> None:
        self.name = clean(name)  # file and folder names are data
        self.path = path
        self.format = fmt
        self.files = files
        self.role_map = role_map
        self.runs: list[Run] = []
        # a run folder of many files is one run, unless they are the successive parts of one log
        # (`Claim.sequential`): then one splitter reads them all, as if they were one file
        self.sequential = sequential
        self._single_run = (joined or len(files) > 1) and not sequential
        self.probe: ProbeSidecar | None = None  # the probe sidecar beside the log (readers/probe_sidecar.py)
        #: the modification time of the file read last, as its bytes were handed over (`Run.written`)
        self.written: float | None = None
        #: (file index, "continued" | "restarted" | "split") for each cut decided since the caller took
        #: them (`cut`): a follower says one message per cut, once its first record has decided it
        self.cut_verdicts: list[tuple[int, str]] = []

    def attach_probe(self, sidecar: ProbeSidecar) -> None:
        """The probe sidecar of this log: its runs (and the ones still to come) look facts up in it."""
        self.probe = sidecar
        for run in self.runs:
            run.probe = sidecar

    def _run(self, seg: int, first_line: int | None, went_back: bool = False) -> Run:
        if self._single_run:
            seg = 0
        seg += max((f.base for f in self.files), default=0) if not self._single_run else 0
        while len(self.runs) <= seg:
            k = len(self.runs)
            hints: dict[str, str] = {}
            for f in self.files:
                hints.update(f.reader.role_hints)
            run = Run(
                name=self.name if k == 0 else f"{self.name}#{k + 1}",
                path=clean(str(self.path)),
                source_path=str(self.path),
                format=self.format,
                role_map=self.role_map,
                role_hints=hints,
            )
            run.first_line = first_line
            run.probe = self.probe
            if k > 0 and went_back:  # (why the log reads as another run from here: never a silent split)
                run.problems.append(Problem(first_line or None, f"{NEW_RUN} ({run.name})"))
            self.runs.append(run)
        self.runs[seg].written = self.written  # (it gets points now: they were written then)
        return self.runs[seg]

    def feed(self, index: int, chunk: bytes) -> Appended:
        """New bytes of file `index`; returns what was appended to which run."""
        return self.ingest(index, self.parse(index, chunk))

    def parse(self, index: int, chunk: bytes) -> Parsed:
        """New bytes of file `index` parsed into batches, no run touched: only the file's own
        reading state (decoder, reader) changes, so a follower, the one thread that reads the
        file, may call this without the feed's lock and take it only for `ingest`."""
        f = self.files[index]
        written = _written(f.path)  # (after the bytes were read: when the last of them was written)
        return Parsed(self._parse(index, chunk), written)

    def ingest(self, index: int, parsed: Parsed) -> Appended:
        """Batches `parse` read from file `index` into their runs (the feed's lock held; called
        right after it, on the same thread, the file not read again from its start in between);
        returns what was appended to which run."""
        self.written = parsed.written
        return self._ingest(self.files[index], parsed.batches)

    def _parse(self, index: int, chunk: bytes) -> list[Batch]:
        """New bytes of file `index` read into batches (the file's decoder and reader move on).
        After a cut (`cut`), the first record decides: one that goes back to where the run began
        (`starts_over`) makes the file a new one, read from its line 1 into a run of its own (its
        reader and splitter start afresh: state of this file, which only its follower's thread
        touches, so this holds without the feed's lock too)."""
        f = self.files[index]
        raw = chunk
        if f.decoder is not None:
            chunk = f.decoder.feed(chunk)
        batches = f.reader.feed(chunk) if chunk else []
        if f.cut and any(b.n for b in batches):
            f.cut = False
            if not starts_over(f.splitter, batches):
                self.cut_verdicts.append((index, "continued"))
            elif _begins_with(f.path, raw):  # (read from its byte 0: a fresh reader reads it whole)
                self.restart(index)
                self.cut_verdicts.append((index, "restarted"))
                return self._parse(index, raw)
            else:  # (a header or a hole skipped before it: the splitter's new run, said by it)
                self.cut_verdicts.append((index, "split"))
        return batches

    def cut(self, index: int) -> None:
        """A follower found file `index` cut or replaced, and reads what it holds now as the
        run's continuation (a `copytruncate`, a rotation): the first record read next decides
        whether it is one (`cut_verdicts` then says "continued", "restarted" or "split")."""
        self.files[index].cut = True

    def finish(self, index: int) -> Appended:
        """The end of file `index` for now: flush an unfinished last line."""
        f = self.files[index]
        self.written = _written(f.path)
        batches: list[Batch] = []
        if f.decoder is not None:
            tail = f.decoder.feed(b"", final=True)
            if tail:
                batches += f.reader.feed(tail)
        batches += f.reader.finish()
        return self._ingest(f, batches, final=True)

    def holding(self, index: int) -> bool:
        """Whether file `index`'s splitter holds back a record going back into a run until the next
        record comes (readers/strays.py): `settle` would place it."""
        return not self.sequential and self.files[index].splitter.holding

    def settle(self, index: int) -> Appended:
        """A follower read all there is of file `index` and its writer pauses: a record its splitter
        holds back is placed as `check` reads the file now, provisionally (`misread` says when the
        records after it read it otherwise). Not for a log read with its rotated copies through one
        splitter (the end of one of its files is not the end of what was read)."""
        if self.sequential:
            return []
        return self._ingest(self.files[index], [], settle=True)

    def misread(self, index: int) -> bool:
        """Whether what `settle` placed reads otherwise with the records after it: file `index` must
        be read again from its start (`rewind`); nothing was placed since."""
        return self.files[index].splitter.misread

    def _ingest(
        self, f: LogFile, batches: list[Batch], final: bool = False, settle: bool = False
    ) -> Appended:
        """Batches read from file `f` into their runs; `final`: the end of the file for now (a
        record the splitter held back is placed: readers/strays.py); `settle`: the same,
        provisionally (a follower's writer pauses: `settle`)."""
        out: Appended = []
        params: dict[str, str] | None = getattr(f.reader, "params", None)
        if params and self._single_run:  # MLflow: the run's parameters, as its store has them now
            self._run(0, None).params.update(params)
        splitter = self.files[0].splitter if self.sequential else f.splitter
        for batch in batches:
            _clean_names(batch, f.reader.renamed)
        pairs = [pair for batch in batches for pair in splitter.split(batch)]
        if final:
            pairs += splitter.flush()
        elif settle:
            pairs += splitter.settle()
        for line, message in splitter.take_strays():  # records kept out of a run: said, never silent
            f.reader.problem(line, message)
        back = splitter.went_back if pairs else set()
        for seg, part in pairs:
            first = int(part.line[0]) if part.line is not None and part.n else None
            run = self._run(seg, first, seg in back)
            if part.resume is not None:
                _resume(run, part, first)
            if part.reaxis is not None:  # its step restarts each epoch: x is now the epoch
                out.append((run, run.reaxis(*part.reaxis)))
                part.reaxis = None
            run.add_batch(part, f.reader.renamed, f.reader.loss_kinds, f.reader.eval_sizes)
            out.append((run, part))
        if f.reader.ended:  # (its training ended: said by the format itself)
            for run in self.runs[:1] if self._single_run else self.runs[f.base :]:
                run.ended = True
        return out

    def rewind(self, index: int) -> list[Run]:
        """File `index` was rewritten in place (Lightning adds a column, HF saves its state): read
        it again from the start into the same runs, emptied first. Returns the emptied runs."""
        f = self.files[index]
        f.fresh()
        if self._single_run:  # one metric file of a run folder: only its series starts over
            name = getattr(f.reader, "name", None)
            if self.runs and name in self.runs[0].series:
                run = self.runs[0]
                run.points -= len(run.series.pop(name))
            return self.runs[:1]
        emptied = self.runs[f.base :]
        for run in emptied:
            run.clear()
        return emptied

    def restart(self, index: int) -> None:
        """A new file was made at the path of file `index` (a restarted training job): its runs
        come after the ones read so far, never glued onto them."""
        f = self.files[index]
        f.earlier_problems += f.reader.problems
        f.fresh()
        f.base = len(self.runs)

    def read_all(
        self, chunk_size: int = CHUNK, on_parts: Callable[[int, Appended], None] | None = None
    ) -> list[Run]:
        """Read every file to its end (a finished log); `on_parts(file index, parts)` is told what
        each chunk added (how a feed reads: `feed.Feed.read_source`). Before each read, a reader
        with a `backlog_chunk` method (a large JSONL backlog: readers/jsonl_backlog.py; a large CSV
        one: readers/csv_backlog.py) may ask for all of a large file in one read (no copy of a first
        part). Raises OSError."""
        tell = on_parts or (lambda _i, _parts: None)
        for i, f in enumerate(self.files):
            if not getattr(f.reader, "reads_itself", False):  # a database reader queries it itself
                with open_regular(f.path) as fh:  # read-only, always
                    left = os.fstat(fh.fileno()).st_size
                    wants = getattr(f.reader, "backlog_chunk", None)
                    size = max(chunk_size, (wants(left) or 0) if wants else 0)
                    while chunk := fh.read(size):
                        tell(i, self.feed(i, chunk))
                        left -= len(chunk)
                        size = max(chunk_size, (wants(left) or 0) if wants else 0)
            tell(i, self.finish(i))
        if not self.runs:
            self._run(0, None)
        audit_source(self)
        return self.runs

    def problems(self, run: Run) -> list[Problem]:
        """The problems of the file lines that belong to `run`."""
        all_problems = [p for f in self.files for p in (*f.earlier_problems, *f.reader.problems)]
        if len(self.runs) <= 1:
            return all_problems + run.problems
        k = self.runs.index(run)
        lo = 0 if k == 0 else run.first_line or 0
        hi = self.runs[k + 1].first_line if k + 1 < len(self.runs) else None
        mine = [p for p in all_problems if (p.line or 0) >= lo and (hi is None or (p.line or 0) < hi)]
        return mine + run.problems


#: why a file's records from a line on are read as a run of their own (`name#2`, ...)
NEW_RUN = (
    "a new run begins here: its step or epoch goes back to where the run before began, or below: a "
    "restart from scratch, a resume that counts from 0 again, or a second process writing to the same file"
)


def _begins_with(path: Path, raw: bytes) -> bool:
    """Whether the file at `path` begins with the first bytes of `raw` (up to 256): a chunk a
    follower handed over from the file's start, not from past a header or a hole it skipped."""
    head = raw[:256]
    try:
        with open_regular(path) as fh:
            return bool(head) and fh.read(len(head)) == head
    except OSError:
        return False


def starts_over(splitter: FileSplitter, batches: list[Batch]) -> bool:
    """Whether the first record of `batches` goes back to where a run of `splitter` began, or below
    (the splitter would begin a new run there: `FileSplitter.went_back`). Asked of a copy: the file's
    splitter is not moved on."""
    first = next(b for b in batches if b.n)  # (whole: a lone record may be held back as a stray)
    probe = copy.deepcopy(splitter)
    pairs = probe.split(first)
    if not pairs or pairs[0][0] not in probe.went_back - splitter.went_back:
        return False
    part = pairs[0][1]
    return first.line is None or part.line is None or int(part.line[0]) == int(first.line[0])


#: how a file whose x goes back into its run is read: a reading, not a fact the log states
RESUME_READING = (
    "read as a resume from a checkpoint (the log does not say so: another training appended to the "
    "same file from there reads alike)"
)


def _resume(run: Run, part: Batch, line: int | None) -> None:
    """The run's x went back into it at `part.resume`, read as a resume from a checkpoint: the
    points it logged from that x on are replaced by the later ones (TensorBoard purges them alike
    on a restart), said in a problem so no value goes silently."""
    assert part.resume is not None
    axis, x = part.resume
    shown = run.x_axis  # (said on the axis the run is shown on: the records may carry both)
    said = _on_axis(run, axis, x, shown) if shown != axis else None
    dropped, top = run.cut_from(axis, x)
    if dropped:
        first = _first_on(part, shown) if said is not None else None
        lo = x
        if said is not None and first is not None:
            axis, x, (lo, top) = shown, first, said
            part.resume = (axis, x)  # (a follower's "back to" line says it on that axis too)
        span = f"{axis} {lo:g}" if top == lo else f"{axis}s {lo:g}-{top:g}"
        run.problems.append(
            Problem(
                line or None,  # (a binary log's records have no line: never "line 0")
                f"{axis} went back to {x:g}, into the run: {RESUME_READING}: the {dropped} values logged "
                f"before for {span} are replaced by the later ones",
            )
        )


def _on_axis(run: Run, axis: str, x: float, shown: str) -> tuple[float, float] | None:
    """The lowest and highest x on the `shown` axis of the points whose `axis` x is `x` or more
    (the points a resume at `x` replaces); None when none of them has an x on that axis."""
    lo, hi = math.inf, -math.inf
    for s in run.series.values():
        col, other = s.x_or_none(axis), s.x_or_none(shown)
        if col is None or other is None:
            continue
        vals = other[(col >= x) & ~np.isnan(other)]
        if len(vals):
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
    return None if lo > hi else (lo, hi)


def _first_on(part: Batch, axis: str) -> float | None:
    """The first x on `axis` ('step' or 'epoch') of a batch's records, or None."""
    col = part.step if axis == "step" else part.epoch
    if col is None or not part.n:
        return None
    known = col[~np.isnan(col)]
    return float(known[0]) if len(known) else None


def _clean_names(batch: Batch, renamed: dict[str, str]) -> None:
    """Metric names are data: the one place they are cleaned, as a reader hands them over
    (`clean_name`: escape sequences, bidirectional marks and every invisible character go, combining
    marks are composed with their letters: `va\u0301l_acc` and `v\xe1l_acc` are one name). Keys
    that show alike once cleaned are one metric when no record carries both (a logger that wrote
    `val_loss` with a right-to-left mark in some records): their values join in one column. Two
    that one record carries side by side are two metrics and stay two (`loss`, `loss~2`)."""
    if all(shown_as_is(n) for n in batch.values):
        return
    values: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray | None] = {}
    for n, v in batch.values.items():
        c = base = clean_name(n) or "?"
        k = 2
        mine = batch.present.get(n)
        while c in values:
            had = present[c]
            if had is not None and mine is not None and not (had & mine).any():
                values[c] = np.where(mine, v, values[c])  # (new arrays: a batch's are never changed)
                joined = had | mine
                present[c] = None if joined.all() else joined
                break
            c, k = f"{base}~{k}", k + 1
        else:
            values[c], present[c] = v, mine
    batch.values, batch.present = values, present
    for k, v in list(renamed.items()):
        if not (shown_as_is(k) and shown_as_is(v)):
            del renamed[k]
            renamed[clean_name(k)] = clean_name(v)


def _written(path: Path) -> float | None:
    """A log file's modification time (seconds since the epoch), or None when it cannot be asked
    (standard input, a tracking server, a file gone meanwhile)."""
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return None


__all__ = ["CHUNK", "Appended", "LogFile", "Parsed", "Source"]
