"""How often an open alert's severity changes, and comes back, for a reader of a growing log.

Each log is fed to the analysis a line at a time, an update after each line (as `check --follow`
reads a log being written); for each alert the severities the reader is told (opened, `severity`
events, closed) are kept, changes only. A *change* is one told severity after another; a *reversal*
is a severity told again after the alert had left it (info -> warning -> info: one reversal).

    python benchmarks/eval_severity_flips.py [LOG ...]

Without arguments: every log file under tests/data, demo_logs and ../shared/realworld_logs. Prints
one line per alert whose severity changed, then the totals per kind.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lossacc_tui.analysis.analyzer import Analyzer  # noqa: E402
from lossacc_tui.source import discover  # noqa: E402

SUFFIXES = (".jsonl", ".csv", ".log", ".txt", ".json")
SKIP = ("truth", "README", "predictions")


def told(path: Path) -> dict[tuple[str, str, float], list[str]]:
    """Per alert (kind, subject, start): the severities told to a line-by-line reader of `path`."""
    (src,) = discover(path)
    live: Analyzer | None = None
    seqs: dict[tuple[str, str, float], list[str]] = {}
    for line in path.read_bytes().splitlines(keepends=True):
        src.feed(0, line)
        if not src.runs:
            continue
        live = live or Analyzer(src.runs[0])
        for _what, a in live.update():
            seq = seqs.setdefault((a.kind, str(a.data.get("subject", "")), float(a.start)), [])
            if not seq or seq[-1] != a.severity:
                seq.append(a.severity)
    return seqs


def reversals(seq: list[str]) -> int:
    """Severities told again after the alert had left them."""
    return sum(1 for i in range(2, len(seq)) if seq[i] in seq[: i - 1])


def default_logs() -> list[Path]:
    roots = [ROOT / "tests" / "data", ROOT / "demo_logs", ROOT.parent / "shared" / "realworld_logs"]
    out = []
    for r in roots:
        if r.is_dir():
            out += [
                p
                for p in sorted(r.rglob("*"))
                if p.is_file()
                and p.suffix in SUFFIXES
                and p.stat().st_size < 3_000_000
                and not any(s in p.name for s in SKIP)
            ]
    return out


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore")
    logs = [Path(a) for a in argv] or default_logs()
    by: dict[str, list[int]] = {}
    for p in logs:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                seqs = told(p)
        except Exception:  # (a file no reader claims, or more than one run source: not a log here)
            continue
        for (kind, _subject, _start), seq in seqs.items():
            if len(seq) > 1:
                path = ">".join(s[0] for s in seq)
                print(f"{len(seq) - 1:2d} {reversals(seq):2d} {kind:22s} {path:12s} {p}")
                tally = by.setdefault(kind, [0, 0])
                tally[0] += len(seq) - 1
                tally[1] += reversals(seq)
    total = [sum(v[0] for v in by.values()), sum(v[1] for v in by.values())]
    print(f"logs {len(logs)}: changes {total[0]}, reversals {total[1]}; per kind {json.dumps(by)}")


if __name__ == "__main__":
    main(sys.argv[1:])
