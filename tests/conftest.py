"""Shared test helpers: where the real-world logs are, and reading a path into runs."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lossacc_tui.model import Run
from lossacc_tui.source import Source, discover

REPO = Path(__file__).resolve().parents[1]
REALWORLD = REPO.parent / "shared" / "realworld_logs"
DEMO = REPO / "demo_logs"


@pytest.fixture
def stop_all():  # type: ignore[no-untyped-def]
    """`stop_all(monitor)`: the monitor is stopped when the test ends, passed or failed."""
    from lossacc_tui.monitor import Monitor

    monitors: list[Monitor] = []
    yield monitors.append
    for m in monitors:
        m.stop()


def popen_ctrl_c(args: list[str], **kw: Any) -> subprocess.Popen[Any]:
    """`subprocess.Popen(args, **kw)` for a child the test ends with Ctrl-C's SIGINT (`ctrl_c`), started
    with SIGINT's default as from a terminal. A process started where SIGINT is ignored (pytest run as
    a background job of a script: `cmd &`) hands the ignoring on to its children, and a Python child
    then never raises KeyboardInterrupt: it ran on past the test's Ctrl-C until the test timed out.
    (Call it from the main thread: a handler set here is reset to the default in the child.)"""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(args, **kw)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def ctrl_c(proc: subprocess.Popen[Any], timeout: float) -> tuple[Any, Any]:
    """Ctrl-C's SIGINT to a child, then its (stdout, stderr) once it has ended. A child still running
    after `timeout` seconds is killed (not left behind) and the timeout raised."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


def realworld(rel: str) -> Path:
    """A file of ../shared/realworld_logs (the test is skipped where that folder is not present)."""
    p = REALWORLD / rel
    if not REALWORLD.is_dir():
        pytest.skip(
            f"real-world logs not found at {REALWORLD} (they live in the shared folder beside the repo)"
        )
    assert p.exists(), f"missing real-world log {p}"
    return p


def read_sources(path: Path, fmt: str | None = None, chunk_size: int = 1 << 20) -> list[Source]:
    sources = discover(path, fmt)
    for s in sources:
        s.read_all(chunk_size)
    return sources


def read_runs(path: Path, fmt: str | None = None, chunk_size: int = 1 << 20) -> list[Run]:
    return [r for s in read_sources(path, fmt, chunk_size) for r in s.runs]


def source_in_chunks(path: Path, sizes: list[int], finish: bool = True) -> Source:
    """A file read through its Source the follower's way, its bytes cut at the given chunk sizes
    (cycled); with `finish` the end of the file is then told, as a finished log's reading does."""
    (src,) = discover(path)
    data = path.read_bytes()
    pos, k = 0, 0
    while pos < len(data):
        n = max(1, sizes[k % len(sizes)])
        src.feed(0, data[pos : pos + n])
        pos, k = pos + n, k + 1
    if finish:
        src.finish(0)
    return src


def feed_in_chunks(path: Path, sizes: list[int]) -> list[Run]:
    """Read a file through its Source, cutting the bytes at the given chunk sizes (cycled)."""
    return source_in_chunks(path, sizes).runs


def snapshot(runs: list[Run]) -> list[tuple[str, dict[str, tuple[list[float], list[float], list[float]]]]]:
    """Everything a user would see of some runs, comparable with ==, NaN-safe."""

    def lst(a) -> list[float]:  # type: ignore[no-untyped-def]
        return [None if v != v else float(v) for v in a]  # type: ignore[misc]

    return [
        (r.name, {n: (lst(s.values), lst(s.steps), lst(s.epochs)) for n, s in r.series.items()}) for r in runs
    ]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Tests on the real-world logs skip when ../shared is absent: say so in the summary, loudly,
    so a run without them is never mistaken for a full one."""
    skipped = terminalreporter.stats.get("skipped", [])
    real = [r for r in skipped if "real-world logs" in str(getattr(r, "longrepr", ""))]
    if real:
        terminalreporter.write_sep(
            "!",
            f"{len(real)} tests SKIPPED: real-world logs not found at {REALWORLD}",
            yellow=True,
            bold=True,
        )


def live_analysis(path: Path, size: int | None = None) -> Any:
    """The log's analysis as a follower makes it: its bytes fed `size` at a time (None: a line at a
    time), the run's analysis updated after each piece, then the end told and one more update.
    Returns the `Analyzer` (of the log's first run)."""
    from lossacc_tui.analysis.analyzer import Analyzer

    (src,) = discover(path)
    data = path.read_bytes()
    pieces = (
        data.splitlines(keepends=True)
        if size is None
        else [data[pos : pos + size] for pos in range(0, len(data), size)]
    )
    live: Analyzer | None = None
    for piece in pieces:
        src.feed(0, piece)
        if src.runs:
            live = live or Analyzer(src.runs[0])
            live.update()
    src.finish(0)
    assert live is not None
    live.update()
    return live
