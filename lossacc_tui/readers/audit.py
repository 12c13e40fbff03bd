"""Nothing lost silently: after a file is read, say what reading it could not use.

Each finding becomes a `problem` of the file (so `check`, the JSON report and the app show it):
- a file that yielded no record at all from its lines (and which `--format`/`--map` may help);
- a file that fell apart into many runs of one or two points (its x went back at almost every
  record: the x column is not what it looks like);
- a source whose runs hold exactly the numbers of another source's (the same data twice).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lossacc_tui.readers.registry import READERS

if TYPE_CHECKING:
    from lossacc_tui.model import Run
    from lossacc_tui.source import Source

#: A file split into at least this many runs, most of them this short, is reported.
MANY_RUNS = 5
SHORT_RUN = 2


def audit_source(src: Source) -> None:
    """Problems for a source read to its end (called by `Source.read_all`)."""
    points = sum(r.points for r in src.runs)
    if points == 0:
        for f in src.files:
            lines = f.reader._buf.lines_done
            if f.reader.empty_hint:
                f.reader.problem(None, f"no metric in {f.path.name}: {f.reader.empty_hint}")
                continue
            f.reader.problem(
                None,
                f"no record read from {f.path.name} ({lines} line{'s' if lines != 1 else ''}) as "
                f"{src.format}; if it holds metrics, name its format with --format (one of "
                f"{len(READERS)}: see --help) or its columns with --map ROLE=METRIC",
            )
        return
    short = sum(1 for r in src.runs if r.points and max(len(s) for s in r.series.values()) <= SHORT_RUN)
    if len(src.runs) >= MANY_RUNS and short > len(src.runs) // 2 and src.files:
        src.files[0].reader.problem(
            None,
            f"this file split into {len(src.runs)} runs, {short} of them with at most {SHORT_RUN} points: "
            "its x (step or epoch) went back at almost every record. It may be one run whose x column "
            "is not a step; try --format to read it another way",
        )


def fingerprint(run: Run) -> str:
    """A digest of a run's numbers (series values, in name order), independent of names' prefixes."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(run.series, key=lambda n: n.rsplit("/", 1)[-1]):
        s = run.series[name]
        h.update(name.rsplit("/", 1)[-1].encode())
        h.update(s.values.tobytes())
    return h.hexdigest()


def audit_duplicates(sources: Iterable[Source]) -> None:
    """A problem on each source whose every run repeats the numbers of an earlier source's run."""
    seen: dict[str, str] = {}
    for src in sources:
        prints = [fingerprint(r) for r in src.runs if r.points]
        if prints and all(p in seen for p in prints) and src.files:
            src.files[0].reader.problem(
                None,
                f"the same numbers as {seen[prints[0]]}: the same data twice (a copy, or a training run "
                "again with the same seed that gave every number again: the numbers cannot tell which)",
            )
            continue
        for p in prints:
            seen.setdefault(p, src.name)
