"""From paths to runs: find the logs under a path, pick each file's reader, and read bytes into Runs.

A `Source` is one thing that yields runs: a log file (which may hold several runs, split at
restarts) or an MLflow run folder (one run from many metric files). Logs are opened read-only.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lossacc_tui.clean import clean
from lossacc_tui.detection import (  # (also re-exported: where callers have always found them)
    HEAD,
    SKIP_SUFFIXES,
    TextDecoder,
    decoded_head,
    detect,
    skipped_name,
)
from lossacc_tui.files import open_regular, walk_files, why_not_regular
from lossacc_tui.model import Batch, Problem, Run
from lossacc_tui.readers import READERS, Reader, mlflow_server
from lossacc_tui.readers.audit import audit_source
from lossacc_tui.readers.base import MissingExtra
from lossacc_tui.readers.layouts import Claim, claim_folder, claim_for
from lossacc_tui.readers.probe_sidecar import SIDECAR, ProbeSidecar
from lossacc_tui.readers.split import FileSplitter
from lossacc_tui.roles import RoleMap

CHUNK = 1 << 20
FOLDER_MIN_SCORE = 0.5
VALIDATION_DIRS = frozenset({"validation", "val", "eval", "valid"})


class PathError(Exception):
    """A path the user gave that cannot be read as a log (one line for stderr, already cleaned of
    escape sequences: file names are data)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(clean(message))
        self.path = path  # the path it is about, where the raiser knows it


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

    def __post_init__(self) -> None:
        self.fresh()

    def fresh(self) -> None:
        self.reader = self.make()
        self.splitter = FileSplitter()
        self.decoder = None if self.reader.binary else TextDecoder()


Appended = list[tuple[Run, Batch]]  # (run, the points just appended to it)


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
    ) -> None:
        self.name = clean(name)  # file and folder names are data
        self.path = path
        self.format = fmt
        self.files = files
        self.role_map = role_map
        self.runs: list[Run] = []
        self._single_run = joined or len(files) > 1  # a run folder of many files is one run
        self.probe: ProbeSidecar | None = None  # the probe sidecar beside the log (readers/probe_sidecar.py)

    def attach_probe(self, sidecar: ProbeSidecar) -> None:
        """The probe sidecar of this log: its runs (and the ones still to come) look facts up in it."""
        self.probe = sidecar
        for run in self.runs:
            run.probe = sidecar

    def _run(self, seg: int, first_line: int | None) -> Run:
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
                format=self.format,
                role_map=self.role_map,
                role_hints=hints,
            )
            run.first_line = first_line
            run.probe = self.probe
            self.runs.append(run)
        return self.runs[seg]

    def feed(self, index: int, chunk: bytes) -> Appended:
        """New bytes of file `index`; returns what was appended to which run."""
        f = self.files[index]
        if f.decoder is not None:
            chunk = f.decoder.feed(chunk)
        return self._ingest(f, f.reader.feed(chunk) if chunk else [])

    def finish(self, index: int) -> Appended:
        """The end of file `index` for now: flush an unfinished last line."""
        f = self.files[index]
        batches: list[Batch] = []
        if f.decoder is not None:
            tail = f.decoder.feed(b"", final=True)
            if tail:
                batches += f.reader.feed(tail)
        batches += f.reader.finish()
        return self._ingest(f, batches)

    def _ingest(self, f: LogFile, batches: list[Batch]) -> Appended:
        out: Appended = []
        params: dict[str, str] | None = getattr(f.reader, "params", None)
        if params and self._single_run:  # MLflow: the run's parameters, as its store has them now
            self._run(0, None).params.update(params)
        for batch in batches:
            _clean_names(batch, f.reader.renamed)
            for seg, part in f.splitter.split(batch):
                first = int(part.line[0]) if part.line is not None and part.n else None
                run = self._run(seg, first)
                run.add_batch(part, f.reader.renamed, f.reader.loss_kinds)
                out.append((run, part))
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
        with a `backlog_chunk` method (CSV and JSONL, when polars is installed: readers/bulk.py)
        may ask for all of a large file in one read (no copy of a first part). Raises OSError."""
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


def _clean_names(batch: Batch, renamed: dict[str, str]) -> None:
    """Metric names are data: the one place they are cleaned, as a reader hands them over."""
    if all(n.isprintable() for n in batch.values):
        return
    names: dict[str, str] = {}
    for n in batch.values:
        c = base = clean(n) or "?"
        k = 2
        while c in names.values():  # two names that differ only in control characters stay two
            c, k = f"{base}~{k}", k + 1
        names[n] = c
    batch.values = {names[n]: v for n, v in batch.values.items()}
    batch.present = {names[n]: p for n, p in batch.present.items()}
    for k, v in list(renamed.items()):
        if not (k.isprintable() and v.isprintable()):
            del renamed[k]
            renamed[clean(k)] = clean(v)


def open_file(
    path: Path, name: str, fmt: str | None = None, role_map: RoleMap | None = None, min_score: float = 0.0
) -> Source | None:
    """A Source for one log file, or None when no reader recognises it (above min_score)."""
    if "tfevents" in path.name and not fmt:
        fmt = "tensorboard"
    found = detect(path, fmt=fmt)
    if found is None or (found[1] < min_score and not fmt):
        return None
    cls, _ = found
    make: Callable[[], Reader] = cls
    if cls.format_id == "tensorboard" and path.parent.name.lower() in VALIDATION_DIRS:
        make = functools.partial(cls, prefix="val_")  # type: ignore[call-arg]  # Keras TensorBoard layout
    return Source(name, path, cls.format_id, [LogFile(path=path, make=make)], role_map)


def open_claim(claim: Claim, name: str, role_map: RoleMap | None = None) -> Source:
    """The one-run Source of a folder layout a reader claimed (`readers.layouts`)."""
    files = [LogFile(path=p, make=make) for p, make in claim.files]
    return Source(name, claim.folder, claim.fmt, files, role_map, joined=claim.joined)


def follow_claim(
    sources: list[Source], path: Path, root: Path, fmt: str | None = None, role_map: RoleMap | None = None
) -> tuple[Source | None, list[int], bool] | None:
    """For the follower: a file that appeared under `root` and that a folder layout owns.
    Returns (source, indices of its files to start following, whether the source is new), or None
    when no layout claims the file. A new file of a run already followed joins its source; a newer
    copy of a successive history (`Claim.successive`) takes the old copy's place. The source is
    None when the claim only covers the file (a deleted MLflow run): nothing is read."""
    claim = claim_for(path, root, fmt)
    if claim is None:
        return None
    paths = {p for p, _ in claim.files}
    for src in sources:
        have = {f.path for f in src.files}
        if src.path != claim.folder and not (have & (paths | claim.covers)):
            continue
        if claim.successive:
            newest = claim.files[0][0]
            if newest in have:
                return src, [], False
            src.files[0].path = newest  # the same reader reads on: it returns only what is new
            return src, [0], False
        new = [p for p, make in claim.files if p not in have]
        for p, make in claim.files:
            if p not in have:
                src.files.append(LogFile(path=p, make=make))
        return src, [i for i, f in enumerate(src.files) if f.path in new], False
    if not claim.files:
        return None, [], False
    src = open_claim(claim, _claim_name(claim, root), role_map)
    return src, list(range(len(src.files))), True


def discover(
    path: Path, fmt: str | None = None, role_map: RoleMap | None = None, warnings: list[str] | None = None
) -> list[Source]:
    """Every run source under a path the user gave. Raises PathError for a bad path; files in a
    folder that cannot be read add a line to `warnings` and the others go on."""
    url = mlflow_server.server_url(path)
    if url is not None:  # an MLflow tracking server: its runs through its REST API
        return server_sources(mlflow_server.MlflowServer(url), role_map)
    why = why_not_regular(path) if not path.is_dir() else None
    if why:
        raise PathError(f"{path}: {why}")
    if not path.exists():
        raise PathError(f"{path}: no such file or folder")
    if not os.access(path, os.R_OK):
        raise PathError(f"{path}: permission denied (a log needs read access)")
    if path.is_file():
        if path.name == SIDECAR:
            raise PathError(f"{path}: a probe sidecar, not a log: give the log or its folder")
        # a file that holds several runs its reader claims (a W&B export): one source per run
        claims = [c for c in claim_folder(path.parent, fmt) if {p for p, _ in c.files} == {path}]
        if claims:
            names = [str(path.parent / c.name) if c.name else str(path) for c in claims]
            return [open_claim(c, n, role_map) for c, n in zip(claims, names, strict=True)]
        try:
            src = open_file(path, str(path), fmt, role_map)
        except MissingExtra as e:
            raise PathError(f"{path}: {e}") from None
        if src is None:
            raise PathError(
                f"{path}: not a training log this tool knows (expected one of: {', '.join(READERS)})"
            )
        return [src]
    return _discover_folder(path, fmt, role_map, [] if warnings is None else warnings)


def server_sources(server: mlflow_server.MlflowServer, role_map: RoleMap | None = None) -> list[Source]:
    """One source per run on an MLflow tracking server; PathError when it cannot be asked or has
    no run."""
    try:
        runs = server.refresh()
    except mlflow_server.ServerError as e:
        raise PathError(str(e)) from None
    if not runs:
        raise PathError(f"{server.url}: no runs on this MLflow tracking server yet")
    return [open_claim(c, c.name or server.url, role_map) for c in mlflow_server.claims(server, runs)]


def _discover_folder(
    root: Path, fmt: str | None, role_map: RoleMap | None, warnings: list[str]
) -> list[Source]:
    sources = list(iter_folder(root, fmt, role_map, warnings))
    if not sources and warnings:
        raise PathError(f"{root}: {warnings.pop(0)}")
    if not sources:
        raise PathError(
            f"{root}: no training logs found in this folder (expected one of: {', '.join(READERS)})"
        )
    return sources


def iter_folder(
    root: Path, fmt: str | None = None, role_map: RoleMap | None = None, warnings: list[str] | None = None
) -> Iterator[Source]:
    """The run sources under a folder, one at a time as the walk finds them (so a follower can
    start reading the first of thousands of run folders at once). Files that cannot be read add a
    line to `warnings`."""
    warnings = [] if warnings is None else warnings
    found: list[Source] = []  # claimed while the walk looks at a folder: handed out before its files
    claimed: set[Path] = set()

    def claim(folder: Path) -> None:
        """Folder layouts their readers claim (readers/layouts.py: TensorBoard, MLflow, HF
        checkpoints, ...): one source per claimed run; what a claim reads or covers is not read
        again file by file (a claim with no file only covers)."""
        for c in claim_folder(folder, fmt):
            try:
                if c.files:
                    found.append(open_claim(c, _claim_name(c, root), role_map))
            except MissingExtra as e:
                if str(e) not in warnings:
                    warnings.append(str(e))
            claimed.update(p for p, _ in c.files)
            claimed.update(c.covers)

    def skip_dir(parent: str, name: str) -> bool:
        if name.startswith(".") or name == "__pycache__" or Path(parent) / name in claimed:
            return True
        claim(Path(parent) / name)  # before any of its files is yielded
        return Path(parent) / name in claimed  # a folder its own claim covers whole

    def other(p: str, why: str) -> None:
        if not skipped_name(os.path.basename(p)):
            warnings.append(f"{p}: {why}")

    claim(root)
    for fp in walk_files(root, skip_dir, other):  # symlinks followed, each real folder once
        yield from found
        found.clear()
        p = Path(fp)
        if skipped_name(p.name) or p in claimed or p.parent in claimed:
            continue
        try:
            src = open_file(p, _rel(p, root), fmt, role_map, FOLDER_MIN_SCORE)
        except OSError as e:
            warnings.append(f"{p}: cannot read ({e.strerror or e})")
            continue
        except MissingExtra as e:
            if str(e) not in warnings:
                warnings.append(str(e))
            continue
        if src is not None:
            yield src
    yield from found


def _claim_name(claim: Claim, root: Path) -> str:
    """A claimed run's name: its folder's path from the root (or the root as given)."""
    base = str(root) if claim.folder == root else _rel(claim.folder, root)
    if claim.name is None:
        return base
    return str(Path(base).parent / claim.name) if claim.folder != root else claim.name


def _rel(p: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / p.relative_to(root))
    except ValueError:
        return str(p)


__all__ = [
    "CHUNK",
    "FOLDER_MIN_SCORE",
    "HEAD",
    "SKIP_SUFFIXES",
    "VALIDATION_DIRS",
    "Appended",
    "LogFile",
    "PathError",
    "Source",
    "TextDecoder",
    "decoded_head",
    "detect",
    "discover",
    "follow_claim",
    "iter_folder",
    "open_claim",
    "open_file",
    "server_sources",
]
