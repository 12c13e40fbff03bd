"""How the follower hands each followed file to the Monitor: a log appended to (complete lines
only), a JSON document saved whole again and again, a database its reader queries itself, one file
several sources read, a probe sidecar, and a path that is not (yet) a log. Each is a `TailHandler`
(`tail.py`), called on the follower's thread; each takes `monitor.lock` before touching runs.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lossacc_tui.detection import HEAD, head_text
from lossacc_tui.events import NO_RECORD_YET, AlertChanged, Event, Problem, Status
from lossacc_tui.files import open_regular
from lossacc_tui.model import Run
from lossacc_tui.readers.base import MissingExtra
from lossacc_tui.readers.probe_sidecar import ProbeSidecar
from lossacc_tui.settle import Handed, at_pause, read_again
from lossacc_tui.source import CHUNK, Source, formats_expected, open_file

if TYPE_CHECKING:
    from lossacc_tui.monitor import Monitor

WAIT_REPORT = 3.0  # seconds a given folder or file with no known log is waited on before it is reported
DETECT_AFTER = 64 << 10  # a new file not recognised by then is not a log


class Lines:
    """Feeds an appended-to log's new bytes to its source."""

    #: whether a cut's message waits for the first record after it (`_tell_cut`): an appended-to
    #: log's; a document read whole or a queried database is never cut and read on
    holds_cut = True

    def __init__(self, monitor: Monitor, src: Source, index: int) -> None:
        self.m, self.src, self.i = monitor, src, index
        #: the Tail hands over complete lines only (a rewritten last line is read as it ends up)
        self.lines = not src.files[index].reader.binary
        self.told: tuple[int, int] = (0, 0)  # (id of the reader, its problems told so far)
        #: what the Tail said of a cut it reads on as the run's continuation, said once the first
        #: record since has shown whether it is one (`Source.cut`, `_tell_cut`)
        self._cut_said = ""
        #: the bytes handed since the file was read from its start: what `settle.read_again` reads
        self.handed = Handed()

    def data(self, chunk: bytes) -> None:
        """Parsed without the feed's lock (only this thread reads the file: the reader's state is
        its own), which is taken only to place the records in their runs and tell them: a view's
        frame, and so a key, never waits for a block of a fast writer's lines to be parsed."""
        self.handed.add(chunk)
        parsed = self.src.parse(self.i, chunk)
        with self.m.lock:
            parts = self.src.ingest(self.i, parsed)
            if self.src.misread(self.i):  # (what a pause placed reads otherwise now: lossacc_tui/settle.py)
                read_again(self)
                return
            self._tell_cut()
            self.tell_problems()  # (before the records after it)
            self.m.source_read(self.src, parts)

    def _tell_cut(self) -> None:
        """One message per cut, true to what the file turned out to hold (lock held): the Tail's
        "its lines continue the run" when the first record since goes on from the run, else the
        file was written again from its start: a new run, read from its line 1."""
        verdicts, self.src.cut_verdicts[:] = list(self.src.cut_verdicts), []
        path = str(self.src.files[self.i].path)
        for _i, verdict in verdicts:
            if verdict == "continued" and self._cut_said:
                self.m.emit([Status(path, "rotated", self._cut_said)])
            elif verdict == "restarted":
                base = self.src.files[self.i].base  # (its run's name as Source._run gives it)
                new = self.src.name if base == 0 else f"{self.src.name}#{base + 1}"
                msg = f"{path}: written again from its start: a new run ({new}), read from its line 1"
                self.m.emit([Status(path, "restarted", msg)])
            # ("split": its records went back to where the run began past a line skipped at its
            # start, a header written again: the new run's own problem line says so, alone)
            self._cut_said = ""

    def tell_problems(self) -> None:
        """Each problem the reader recorded since the last call, as a `Problem` event (lock held):
        a bad line in a followed log is told as `check` tells it, never dropped silently."""
        reader = self.src.files[self.i].reader
        count = reader.problem_count
        told = self.told[1] if self.told[0] == id(reader) else 0  # (a new reader after a rewrite)
        if count <= told:
            return
        path = str(self.src.files[self.i].path)
        kept = reader.problems[told:]
        events = [Problem(path, p.line, p.message) for p in kept]
        if count - told > len(kept):  # past the reader's cap: counted, not listed
            events.append(Problem(path, None, f"{count - told - len(kept)} more problems, not listed"))
        self.told = (id(reader), count)
        self.m.emit(events)

    def problem(self, message: str) -> None:
        """A line the follower does not hand over (cut in two by a rotation): the reader's problem,
        told as its own are."""
        with self.m.lock:
            self.src.files[self.i].reader.problem(None, message)
            self.tell_problems()

    def reset(self, kind: str) -> None:
        path = str(self.src.files[self.i].path)
        self.handed.restart()
        with self.m.lock:
            if kind == "truncated":
                # what was read before the rewrite is analysed first: alerts that open on it are
                # told, then withdrawn below (the live analysis may not have seen it yet)
                self.m.emit(self.m.analyse_now(self.src.runs))
                emptied = self.src.rewind(self.i)
                msg = f"{path}: rewritten, reading it again"
                self.m.emit(
                    [*self._withdraw(emptied), *self.m.reset(emptied), Status(path, "rewritten", msg)]
                )
            else:
                self.src.restart(self.i)
                self.m.emit([Status(path, "restarted", f"{path}: a new file at this path: a new run")])

    def _withdraw(self, runs: list[Run]) -> list[Event]:
        """The open alerts of runs about to be read again from their start close, withdrawn (their
        numbers were of the history read before), before the `RunReset` that empties them: a
        stream's reader sees every alert it was told opened closed (lock held)."""
        from lossacc_tui.analysis.alert_events import REREAD, REREAD_TITLE, withdrawn  # (not at start-up)

        return [
            AlertChanged(r, "closed", withdrawn(a, REREAD_TITLE, REREAD))
            for r in runs
            for a in self.m.alerts(r)
            if a.active
        ]

    def status(self, state: str, message: str) -> None:
        path = str(self.src.files[self.i].path)
        if state == "folder":
            state, message = "error", f"{path}: now a folder, not the log it was"
        with self.m.lock:
            if state == "rotated" and self.holds_cut:  # (said once its first record decides: `_tell_cut`)
                self.handed.lost()
                self._cut_said = message
                self.src.cut(self.i)
                return
            self.m.emit([Status(path, state, message)])

    def end(self) -> None:
        """All there is for now was read: a cut whose lines since hold no record yet is said as
        the Tail saw it (nothing has told otherwise)."""
        if self._cut_said:
            with self.m.lock:
                if self._cut_said:
                    self.m.emit([Status(str(self.src.files[self.i].path), "rotated", self._cut_said)])
                    self._cut_said = ""
        at_pause(self)  # (a record held back is placed as `check` reads the log now: settle.py)


class Queried(Lines):
    """A database its reader queries itself (MLflow's SQLite store): after any change of the file,
    the reader reads what is new; the bytes and SQLite's header rewrites mean nothing here."""

    holds_cut = False

    def data(self, chunk: bytes) -> None:
        pass

    def reset(self, kind: str) -> None:
        pass

    def end(self) -> None:
        with self.m.lock:
            parts = self.src.finish(self.i)
            self.tell_problems()
            self.m.source_read(self.src, parts)


class Fanout(Lines):
    """One followed file read by several sources: every event goes to each of their handlers."""

    def __init__(self, monitor: Monitor, parts: list[Lines]) -> None:
        super().__init__(monitor, parts[0].src, parts[0].i)
        self.parts = parts

    def data(self, chunk: bytes) -> None:
        for h in self.parts:
            h.data(chunk)

    def reset(self, kind: str) -> None:
        for h in self.parts:
            h.reset(kind)

    def problem(self, message: str) -> None:
        self.parts[0].problem(message)

    def status(self, state: str, message: str) -> None:
        self.parts[0].status(state, message)

    def end(self) -> None:
        for h in self.parts:
            h.end()


def handler_for(monitor: Monitor, src: Source, i: int) -> Lines:
    """How the follower hands file `i` of a source to its reader."""
    reader = src.files[i].reader
    if getattr(reader, "reads_itself", False):
        return Queried(monitor, src, i)
    return WholeFile(monitor, src, i) if reader.whole_file else Lines(monitor, src, i)


class WholeFile(Lines):
    """A log rewritten whole at each save (JSON documents): read it whole after every change; the
    reader returns only the records it had not returned before.

    A document that ends too soon may be caught mid-save (a non-atomic writer): like a half-written
    line, it is waited on; only one that stays so for `WAIT_REPORT` seconds is a problem."""

    #: read whole at each change, never by lines: a new file at the path (an atomic save) is
    #: decided on at once, with no first line to wait for (`tail_cut.Cut._decide_cut`)
    whole_document = True
    holds_cut = False

    def __init__(self, monitor: Monitor, src: Source, index: int) -> None:
        super().__init__(monitor, src, index)
        reader = src.files[index].reader
        if hasattr(reader, "wait_incomplete"):
            reader.wait_incomplete = True
        self._timer: threading.Timer | None = None

    def data(self, chunk: bytes) -> None:
        pass

    def reset(self, kind: str) -> None:
        """Saving writes a new file over the old one: not a restart. The reader itself notices a
        history that no longer begins like the one it read (a new training run) and starts a run."""

    def end(self) -> None:
        """Read the file again from its start, a chunk at a time (a streamed `log_history` never
        holds the document: readers/jsonstream.py); the reader returns only what is new."""
        f = self.src.files[self.i]
        try:
            with open_regular(f.path) as fh, self.m.lock:
                while chunk := fh.read(CHUNK):
                    self.m.source_read(self.src, self.src.feed(self.i, chunk))
                self.m.source_read(self.src, self.src.finish(self.i))
                self.tell_problems()
        except OSError as e:
            with self.m.lock:  # the document read so far is closed: the next change is read anew
                self.m.source_read(self.src, self.src.finish(self.i))
            self.status("error", f"{f.path}: cannot read ({e.strerror or e})")
            return
        if getattr(f.reader, "incomplete", "") and self._timer is None:
            self._timer = threading.Timer(WAIT_REPORT, self._still_incomplete, (_signature(f.path),))
            self._timer.daemon = True
            self._timer.start()
        self._say_why()

    def _still_incomplete(self, signature: tuple[int, int]) -> None:
        """`WAIT_REPORT` seconds after a document was read incomplete: if the file has not changed
        since, it is cut off for good (a problem); if it has, its next reading decides."""
        with self.m.lock:
            self._timer = None
            reader = self.src.files[self.i].reader
            if self.m.follower.stopping or not getattr(reader, "incomplete", ""):
                return
            now = _signature(self.src.files[self.i].path)
            if now != signature:  # still being written: wait on it again
                self._timer = threading.Timer(WAIT_REPORT, self._still_incomplete, (now,))
                self._timer.daemon = True
                self._timer.start()
                return
            reader.tell_incomplete()
            self.tell_problems()
        self._say_why()

    def _say_why(self) -> None:
        f = self.src.files[self.i]
        problems = f.reader.problems
        if problems and not any(r.points for r in self.src.runs):  # nothing read: say why
            why = f"{f.path}: {problems[-1].message}"
            if why != getattr(self, "_said", None):
                self._said = why
                self.status("error", why)


def _text(raw: bytes) -> str:
    """The first bytes of a log as text, decoded as `detection.decoded_head` decodes a file's."""
    return head_text(raw)


def _signature(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


class ProbeTail:
    """Feeds a probe sidecar's new lines to it. Its absence is normal: no status is reported."""

    def __init__(self, monitor: Monitor, sidecar: ProbeSidecar) -> None:
        self.m, self.sc = monitor, sidecar

    def data(self, chunk: bytes) -> None:
        with self.m.lock:
            if self.sc.feed(chunk):
                self.m.probe_added(self.sc)

    def reset(self, kind: str) -> None:
        with self.m.lock:
            self.sc.reset()

    def status(self, state: str, message: str) -> None:
        pass

    def end(self) -> None:
        pass


class Pending:
    """A path that does not exist yet, or whose format cannot be told yet: wait for its first bytes."""

    def __init__(self, monitor: Monitor, path: Path, name: str) -> None:
        self.m, self.path, self.name = monitor, path, name
        self.size = 0
        self.done = False
        self._timer: threading.Timer | None = None
        #: the first bytes read, and whether some came from a rotated copy (a `copytruncate` since
        #: the last look): then the format is told from them, not from the file's start (no header)
        self.head = b""
        self.rotated = False

    def data(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if len(self.head) < HEAD:
            self.head += chunk[: HEAD - len(self.head)]

    def reset(self, kind: str) -> None:
        self.size = 0
        self.head, self.rotated = b"", False

    def status(self, state: str, message: str) -> None:
        if state == "folder":  # the path appeared as a folder: follow it as one
            if not self.done:
                self.done = True
                self.m.follower.forget(self.path)  # (its folder's mtime is no file's change)
                with self.m.lock:
                    warnings: list[str] = []
                    self.m._follow_folder(self.path, warnings)
                    self.m.emit([Status(str(self.path), "live", f"{self.path}: following the folder")])
                    self.m.emit([Status(str(self.path), "error", w) for w in warnings])
            return
        if state == "rotated":
            self.rotated = True
        if state == "live" and not self.done:  # it exists, but no record can be read from it yet
            state, message = "waiting", f"{self.path}: {NO_RECORD_YET}"
        with self.m.lock:
            self.m.emit([Status(str(self.path), state, message)])

    def end(self) -> None:
        if self.done or self.size == 0:
            return
        try:
            head = _text(self.head) if self.rotated else None
            src = open_file(self.path, self.name, self.m.fmt, self.m.role_map, head=head)
        except (OSError, MissingExtra) as e:
            src, err = None, str(e)
        else:
            err = ""
        with self.m.lock:
            if src is not None:
                self.done = True
                self.m._add_source(src)  # follows it anew, from its first byte
            elif err or self.size > DETECT_AFTER:
                self.done = True
                why = err or "not a training log this tool knows"
                self.m.emit([Status(str(self.path), "error", f"{self.path}: {why}")])
            elif self._timer is None:  # too short to tell: if it stays so, say what check would say
                self._timer = threading.Timer(WAIT_REPORT, self._report, (self.size,))
                self._timer.daemon = True
                self._timer.start()

    def _report(self, size: int) -> None:
        with self.m.lock:
            self._timer = None
            if self.done or self.m.follower.stopping:
                return
            if self.size != size:  # it grew meanwhile: give it another moment
                self.end()
                return
            short = f"{self.path}: not a training log this tool knows"  # the words `check` uses
            self.m.emit([Status(str(self.path), "error", f"{short} {formats_expected()}", short)])


__all__ = [
    "DETECT_AFTER",
    "WAIT_REPORT",
    "Fanout",
    "Lines",
    "Pending",
    "ProbeTail",
    "WholeFile",
    "handler_for",
]
