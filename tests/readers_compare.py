"""Helpers of the reader comparison tests: everything a user sees of a source's runs, a log read in
given chunks, real structured logs, numbers written as training code writes them, bad JSON lines."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from lossacc_tui.readers.csvlike import CsvReader
from lossacc_tui.source import Source, discover
from tests.conftest import DEMO, REALWORLD, source_in_chunks

Snapshot = list[tuple[object, ...]]


def full_snapshot(src: Source) -> Snapshot:
    """Everything of a source's runs a user can see: names, first lines, series with role, scale,
    values and x, and the problems (line and message)."""

    def arr(a: np.ndarray) -> tuple[object, ...]:
        return tuple(None if v != v else float(v) for v in a)

    out: Snapshot = []
    for run in src.runs:
        series = [
            (s.name, s.source_name, s.role, s.scale, arr(s.values), arr(s.steps), arr(s.epochs), arr(s.times))
            for s in run.series.values()
        ]
        problems = [(p.line, p.message) for p in src.problems(run)]
        out.append((run.name, run.first_line, run.points, run.format, series, problems))
    return out


def read(path: Path, sizes: list[int]) -> Source:
    return source_in_chunks(path, sizes)


@functools.cache
def structured_logs(csv: bool = False) -> list[Path]:
    """Real JSONL logs (or with `csv`, logs of the CSV family) beside the repo, under 5 MB."""
    roots = [REALWORLD, REALWORLD.parent / "cases", DEMO]
    found = []
    for root in roots:
        for p in sorted(root.rglob("*")) if root.is_dir() else []:
            if p.is_file() and p.stat().st_size < 5_000_000:
                if not csv and b"{" not in p.read_bytes()[:4096]:
                    continue  # (no object in its head, in any encoding: not JSON lines)
                try:
                    (src,) = discover(p)
                except Exception:
                    continue
                if isinstance(src.files[0].reader, CsvReader) if csv else src.format == "jsonl":
                    found.append(p)
    return found


def float_texts(rng: np.random.Generator, n: int) -> list[str]:
    """Numbers the way training code writes them: float32 and float64 reprs, %g, %.4f, %e, ints."""
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 6, n)
    kind = rng.integers(0, 6, n)
    out = []
    for v, k in zip(x.tolist(), kind.tolist(), strict=True):
        if k == 0:
            out.append(repr(v))
        elif k == 1:
            out.append(repr(float(np.float32(v))))
        elif k == 2:
            out.append(f"{v:.6g}")
        elif k == 3:
            out.append(f"{v:.4f}")
        elif k == 4:
            out.append(f"{v:.3e}")
        else:
            out.append(str(int(v * 1000)))
    return out


JSON_BAD = [
    '{"step": 1, "loss": 0.5, "acc": true}',
    '{"step": 1, "loss": 0.5}',
    '{"step": 1, "acc": 0.5, "loss": 0.25}',
    '{"step": 1, "loss": 0.5, "acc": 0.5, "lr": 0.1}',
    '{"step": 1, "loss": 0.5, "loss": 0.7}',
    '{"step": 1, "loss": NaN, "acc": Infinity}',
    '{"step": 1, "loss": +1, "acc": .5}',
    '{"step": 01, "loss": 1., "acc": 0.5}',
    '{"step": 1, "loss": "0.5", "acc": null}',
    '{"step": 1, "loss": 1e400, "acc": 0.5}',
    '{"step": 1, "loss": {"a": 1}, "acc": 0.5}',
    "not json at all",
    "",
    "[1, 2, 3]",
    '{"step": 1, "loss": 0.5, "acc": 0.5}{"step": 2}',
    '{"step": 1, "loss1": 0.5, "acc": 0.5}',  # a key one digit off: not the first line's
    '{"step": 1, "loss":0 5, "acc": 0.5}',  # two numbers in one place, the line's shape kept
]
