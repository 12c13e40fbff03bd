"""From paths to sources: find the logs under a path the user gave and pick each file's reader.

A `Source` (lossacc_tui/logsource.py, re-exported here) is one thing that yields runs: a log file
(which may hold several runs, split at restarts) or an MLflow run folder (one run from many metric
files). Folder layouts are claimed through readers/layouts.py. Logs are opened read-only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lossacc_tui.detection import (  # (also re-exported: where callers have always found them)
    HEAD,
    SKIP_SUFFIXES,
    TextDecoder,
    decoded_head,
    detect,
    other_kind,
    skipped_name,
)
from lossacc_tui.files import OWN_OUTPUT, is_alias, walk_files, why_not_regular
from lossacc_tui.headerless import headerless_csv
from lossacc_tui.logsource import CHUNK, Appended, LogFile, Source  # (re-exported: where callers find them)
from lossacc_tui.own_report import OWN_REPORT, own_report
from lossacc_tui.readers import mlflow_server
from lossacc_tui.readers.base import MissingExtra
from lossacc_tui.readers.hparams_dump import hyperparameter_dump
from lossacc_tui.readers.layouts import Claim, claim_folder, claim_for
from lossacc_tui.readers.probe_sidecar import SIDECAR
from lossacc_tui.roles import RoleMap
from lossacc_tui.rotated import Listings, rotated_copies, rotation_of
from lossacc_tui.side_files import document_note, side_note
from lossacc_tui.source_open import (
    VALIDATION_DIRS,
    PathError,
    compressed,
    formats_expected,
    open_file,
)

FOLDER_MIN_SCORE = 0.5
#: Names that say a file holds one record per line: such a file in a folder that no reader takes
#: for a log is said to be skipped (`NOT_RECORDS`), never passed over without a word.
RECORD_SUFFIXES = (".jsonl", ".ndjson")
#: what `check` says of a file named as records whose first line is not ended yet (being written)
PARTIAL_LINE = "not read: its first line is not ended yet (still being written?); check --follow waits for it"
NOT_RECORDS = (
    "skipped: named as JSON lines, but its records are not a training log this tool knows (one "
    "number per metric a line); `--format jsonl` reads it as one"
)


def open_claim(claim: Claim, name: str, role_map: RoleMap | None = None) -> Source:
    """The one-run Source of a folder layout a reader claimed (`readers.layouts`)."""
    files = [LogFile(path=p, make=make) for p, make in claim.files]
    return Source(
        name, claim.folder, claim.fmt, files, role_map, joined=claim.joined, sequential=claim.sequential
    )


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
    # (compared as absolute paths: a source found by the first scan of a relative root and a file
    # the follower saw appear under the same folder given otherwise are the same file)
    paths = {p.absolute() for p, _ in claim.files}
    covers = {p.absolute() for p in claim.covers}
    for src in sources:
        have = {f.path.absolute() for f in src.files}
        if src.path.absolute() != claim.folder.absolute() and not (have & (paths | covers)):
            continue
        if claim.successive:
            newest = claim.files[0][0]
            if newest.absolute() in have:
                return src, [], False
            src.files[0].path = newest  # the same reader reads on: it returns only what is new
            return src, [0], False
        new = [p for p, make in claim.files if p.absolute() not in have]
        if claim.sequential:  # a log's next part (a SummaryWriter reopened): read on as one file
            src.sequential = True
        for p in new:
            src.files.append(LogFile(path=p, make=dict(claim.files)[p]))
        return src, [i for i, f in enumerate(src.files) if f.path in new], False
    if not claim.files:
        return None, [], False
    src = open_claim(claim, _claim_name(claim, root), role_map)
    return src, list(range(len(src.files))), True


def discover(
    path: Path,
    fmt: str | None = None,
    role_map: RoleMap | None = None,
    warnings: list[str] | None = None,
    notes: list[str] | None = None,
) -> list[Source]:
    """Every run source under a path the user gave. Raises PathError for a bad path; files in a
    folder that cannot be read add a line to `warnings` and the others go on; a file skipped
    because it is no log though its name says records (`NOT_RECORDS`) adds one to `notes` (to
    `warnings` when no `notes` is given)."""
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
            packed = compressed(path)
            if packed:
                raise PathError(
                    f"{path}: {packed}-compressed: decompress it first", short=f"{path}: {packed}-compressed"
                )
            if path.stat().st_size == 0:
                raise PathError(
                    f"{path}: empty, nothing written yet (watch PATH or check --follow PATH waits for it)",
                    short=f"{path}: empty",
                )
            if own_report(decoded_head(path)):
                raise PathError(f"{path}: {OWN_REPORT}", short=f"{path}: lossacc-tui's own report")
            if hyperparameter_dump(path.name, decoded_head(path)):
                short = f"{path}: the run's hyperparameters (one JSON object, no loss or accuracy), not a log"
                raise PathError(f"{short}: give the log beside it or its folder", short=short)
            headless = headerless_csv(path)
            if headless:
                raise PathError(f"{path}: {headless}", short=f"{path}: a CSV without its header row")
            doc = document_note(path) if not fmt else None
            if doc is not None:  # notes, a README: no log by its name, said plainly
                raise PathError(f"{path}: not a training log: {doc}", short=f"{path}: not a training log")
            from lossacc_tui.readers.text_kv import prose_note  # (only for a file no reader took)

            notes = prose_note(path.name, decoded_head(path)) if not fmt else None
            if notes is not None:  # a notes file that quotes metrics: said why, not the format list
                short = f"{path}: not a training log: {notes}"
                raise PathError(f"{short}; --format text-kv reads it as one", short=short)
            kind = other_kind(path.name) if not fmt else None
            if kind is not None:  # (`check run/config.yaml`: said what it is, not the format list)
                short = f"{path}: not a training log: {kind} by its name ({path.name})"
                raise PathError(short, short=short)
            short = f"{path}: not a training log this tool knows"
            raise PathError(f"{short} {formats_expected()}", short=short)
        return [src]
    return _discover_folder(path, fmt, role_map, [] if warnings is None else warnings, notes)


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
    root: Path, fmt: str | None, role_map: RoleMap | None, warnings: list[str], notes: list[str] | None = None
) -> list[Source]:
    sources = list(iter_folder(root, fmt, role_map, warnings, notes=notes))
    if not sources and warnings:
        raise PathError(f"{root}: {warnings.pop(0)}")
    if not sources:
        short = f"{root}: no training logs found in this folder"
        raise PathError(f"{short} {formats_expected()}", short=short)
    return sources


def iter_folder(
    root: Path,
    fmt: str | None = None,
    role_map: RoleMap | None = None,
    warnings: list[str] | None = None,
    on_other: Callable[[str, str], None] | None = None,
    notes: list[str] | None = None,
) -> Iterator[Source]:
    """The run sources under a folder, one at a time as the walk finds them (so a follower can
    start reading the first of thousands of run folders at once). Files that cannot be read add a
    line to `warnings`; files that are not read by design (FIFOs, devices, sockets, symlink loops,
    this process' own redirected output) go to `on_other(path, why)` when it is given, else to
    `warnings` too; a file named as records that no reader takes (`NOT_RECORDS`) goes to
    `on_other`, else to `notes` (a line that is no error: `check`'s exit status stays), else to
    `warnings`."""
    warnings = [] if warnings is None else warnings
    found: list[Source] = []  # claimed while the walk looks at a folder: handed out before its files
    claimed: set[Path] = set()

    def claim(folder: Path, again: bool = False) -> None:
        """Folder layouts their readers claim (readers/layouts.py: TensorBoard, MLflow, HF
        checkpoints, ...): one source per claimed run; what a claim reads or covers is not read
        again file by file (a claim with no file only covers). `again`: a folder looked at before,
        whose claims already made are not made twice."""
        for c in claim_folder(folder, fmt):
            if again and any(p in claimed for p, _ in c.files):
                continue
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
        if os.path.islink(Path(parent) / name) and is_alias(Path(parent) / name, root):
            return True  # (`latest/ -> run3/`: run3 is read under its own name, claimed or not)
        claim(Path(parent) / name)  # before any of its files is yielded
        return Path(parent) / name in claimed  # a folder its own claim covers whole

    def other(p: str, why: str) -> None:
        if skipped_name(os.path.basename(p)):
            return
        if on_other is not None:
            on_other(p, why)
        elif why == OWN_OUTPUT and notes is not None:
            notes.append(f"{p}: {why}")  # (`check DIR > DIR/report.txt`: a redirection, no error)
        else:
            warnings.append(f"{p}: {why}")

    began = time.time()
    claim(root)
    joined: set[str] = set()  # rotated copies read as the earlier part of their log (`with_copies`)
    listings = Listings()  # (each folder listed once for them: thousands of logs may share one)
    for fp in walk_files(root, skip_dir, other):  # symlinks followed, each real folder once
        yield from found
        found.clear()
        p = Path(fp)
        if skipped_name(p.name) or p in claimed or p.parent in claimed or fp in joined:
            continue
        if os.path.islink(p) and is_alias(p, root):  # a file read under its own name (or by a layout)
            continue
        if _made_since(p, began):  # it may have made its folder a layout after the folder was looked at
            claim(p.parent, again=True)
            yield from found
            found.clear()
            if p in claimed:
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
            yield with_copies(src, fmt, role_map, joined, listings)
            continue
        head = decoded_head(p)
        mine = own_report(head)  # (before the facts rule: a streamed alert's `"active": true` is a bool)
        side = side_note(p, head) if not fmt and not mine else None
        if mine or side:  # (`check --json runs/ > runs/report.json`; a truth file beside a log)
            why = OWN_REPORT if mine else side
            if on_other is None and notes is not None:
                notes.append(f"{p}: {why}")
            else:
                other(fp, why)
        elif why := headerless_csv(p):  # (a metrics log that lost its header is said, not passed over)
            warnings.append(f"{p}: {why}")
        elif p.name.lower().endswith(RECORD_SUFFIXES) and "\n" not in head:
            # its first record still being written (mid-line at this moment): no verdict on it; a
            # follower reads it once the line ends (its growth is seen), `check` says it is unread
            if on_other is None and notes is not None:
                notes.append(f"{p}: {PARTIAL_LINE}")
        elif p.name.lower().endswith(RECORD_SUFFIXES):  # named a log of records, read as none: said
            if on_other is None and notes is not None:
                notes.append(f"{p}: {NOT_RECORDS}")
            else:
                other(fp, NOT_RECORDS)
    yield from found


def with_copies(
    src: Source,
    fmt: str | None,
    role_map: RoleMap | None,
    joined: set[str],
    listings: Listings | None = None,
) -> Source:
    """A one-file log with its rotated copies beside it (`log.csv.2`, `log.csv.1`, `log.csv`:
    logrotate's copytruncate or create, a RotatingFileHandler): one source that reads the copies,
    oldest first, then the log, through one splitter, as if they were one file; the copies' paths
    go to `joined` (not read again as runs of their own). A copy in another format is left alone.
    A copy's `LogFile.copy` is set: a follower reads it once, it does not follow it. `listings`:
    the folders' names as the walk listed them (`rotated.Listings`)."""
    if len(src.files) != 1 or not src.files[0].path.is_file() or rotation_of(src.files[0].path):
        return src
    parts = []
    for copy in rotated_copies(src.files[0].path, listings):
        try:
            part = open_file(Path(copy), copy, fmt, role_map)
        except (OSError, MissingExtra):
            continue
        if part is None or part.format != src.format:
            continue
        part.files[0].copy = True
        parts.append(part.files[0])
        joined.add(copy)
    if not parts:
        return src
    return Source(src.name, src.path, src.format, [*parts, *src.files], role_map, sequential=True)


def _claim_name(claim: Claim, root: Path) -> str:
    """A claimed run's name: its folder's path from the root's own name, as the files beside it are
    named (`hf_noise` beside `hf_noise/console.txt`; the root given as a whole path had named the
    run by that path, and the view's short names then cut it to its first folder)."""
    at_root = claim.folder.absolute() == root.absolute()  # (a folder the follower saw appear: absolute)
    base = (root.absolute().name or str(root)) if at_root else _rel(claim.folder, root)
    if claim.name is None:
        return base
    return str(Path(base).parent / claim.name) if not at_root else claim.name


def _made_since(p: Path, t: float) -> bool:
    """Whether a file was made (or changed) at or after time `t` (a second's slack: coarse clocks)."""
    try:
        return os.stat(p).st_ctime >= t - 1.0
    except OSError:
        return False


def _rel(p: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / p.absolute().relative_to(root.absolute()))
    except ValueError:
        return str(p)


__all__ = [
    "CHUNK",
    "FOLDER_MIN_SCORE",
    "HEAD",
    "NOT_RECORDS",
    "PARTIAL_LINE",
    "RECORD_SUFFIXES",
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
    "formats_expected",
    "iter_folder",
    "open_claim",
    "open_file",
    "server_sources",
]
