"""What every log writer needs: float32 values, a simulated wall clock and file output."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from data import F32

T0 = 1718000000.0  # simulated wall clock starts here (2024-06-10)


def f32(x: float) -> float:
    """The Python float a framework gets from a float32 tensor (``tensor.item()``)."""
    return float(F32(x))


class Clock:
    """Simulated wall clock: deterministic durations with a little jitter."""

    def __init__(self, seed: int, start: float = T0) -> None:
        self.t = start
        self.rng = np.random.default_rng(seed)

    def advance(self, seconds: float, jitter: float = 0.15) -> float:
        self.t += seconds * max(0.2, 1.0 + jitter * float(self.rng.standard_normal()))
        return self.t


def write_text(path: Path, text: str) -> None:
    """Write ``text`` exactly as given (no newline translation), creating the folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def write_csv(path: Path, keys: Sequence[str], rows: Sequence[Mapping[str, object]]) -> None:
    """``csv.DictWriter`` output as the frameworks' CSV loggers leave it: header, CRLF rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
