"""Memory per logged number: `check --follow` and the terminal view holding a Keras CSVLogger run
(5 numbers a record: epoch, accuracy, loss, val_accuracy, val_loss), on a first load of the whole
file and on live growth of the same history, against the 8 bytes a float64 takes.

    python -m benchmarks bench_memory [--long] [--keep N]

Each figure is the growth of the process' resident memory (VmRSS) between holding SMALL and LARGE
records, divided by the numbers added, so the interpreter, the imports and the first frame are not
counted. Default 20,000 and 120,000 records; --long 20,000 and 520,000. Goal: under 100 bytes per
logged number.

With `--keep N`: `check --follow` growing live with and without `--keep N` side by side (the same
log), RSS at SMALL records and at LARGE: with the cap, RSS stops growing once every metric holds
about 3N points, however long the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_app import HEADER, Terminal, row

SMALL = 20_000
LARGE = 520_000 if "--long" in sys.argv else 120_000
NUMBERS = 5  # per record
APPEND_PER_WRITE = 2_000


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def settled_rss(pid: int, quiet: float = 1.5, timeout: float = 60.0) -> int:
    """VmRSS once it has stopped changing by more than 1 % for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = rss_kb(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = rss_kb(pid)
        if abs(now - last) > last / 100:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    return rss_kb(pid)


def write(log: Path, start: int, stop: int, live: bool) -> None:
    """Records start..stop-1; with `live`, in writes of APPEND_PER_WRITE records, as a writer would."""
    with log.open("a") as f:
        step = APPEND_PER_WRITE if live else stop - start
        for k in range(start, stop, step):
            f.write("".join(row(i) for i in range(k, min(stop, k + step))))
            f.flush()
            if live:
                time.sleep(0.01)


class Follow:
    """`lossacc-tui check --follow --json` on a log; counts the records it printed."""

    def __init__(self, log: Path, extra: tuple[str, ...] = ()) -> None:
        exe = str(Path(sys.executable).with_name("lossacc-tui"))
        self.proc = subprocess.Popen(
            [exe, "check", "--follow", "--json", *extra, str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.records = 0
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(b'{"event":"record"'):
                with self.cond:
                    self.records += 1
                    self.cond.notify_all()

    def wait_records(self, n: int, timeout: float = 900.0) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.records < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.records} of {n} records printed")
                self.cond.wait(left)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def read_to_end(pid: int, log: Path, timeout: float = 300.0) -> None:
    """Wait until process `pid` has read `log` to its end (its file position, from /proc/PID/fdinfo)."""
    size, deadline = log.stat().st_size, time.monotonic() + timeout
    while time.monotonic() < deadline:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != str(log):
                    continue
                pos = Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split()[1]
            except OSError:
                continue
            if int(pos) >= size:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{log} not read to its end")


def start(kind: str, log: Path) -> tuple[Follow | Terminal, Callable[[int], object]]:
    """The process for `kind` on `log`, and a function that waits until it holds n records (the
    follower printed them; the view read the file to its end, then its memory settles)."""
    if kind == "follow":
        f = Follow(log)
        return f, f.wait_records
    t = Terminal(["watch", str(log)])
    return t, lambda n: read_to_end(t.proc.pid, log)


def per_number(kind: str, live: bool) -> tuple[float, int, int]:
    """(bytes per logged number, RSS at SMALL records in KB, at LARGE) for 'follow' or 'view'."""
    with TemporaryDirectory() as d:
        log = Path(d) / "training.log.csv"
        log.write_text(HEADER)
        write(log, 0, SMALL, live=False)
        proc, wait = start(kind, log)
        try:
            wait(SMALL)
            small = settled_rss(proc.proc.pid)
            if live:
                write(log, SMALL, LARGE, live=True)
            else:  # first load: the whole file read by a second process
                proc.close()
                write(log, SMALL, LARGE, live=False)
                proc, wait = start(kind, log)
            wait(LARGE)
            large = settled_rss(proc.proc.pid)
        finally:
            proc.close()
    return (large - small) * 1024 / ((LARGE - SMALL) * NUMBERS), small, large


def capped(keep: int) -> int:
    """`check --follow` with and without `--keep` on one log growing live from SMALL to LARGE."""
    print(
        f"load average {os.getloadavg()[0]:.1f}; check --follow, live growth {SMALL:,} -> {LARGE:,} records"
    )
    with TemporaryDirectory() as d:
        log = Path(d) / "training.log.csv"
        log.write_text(HEADER)
        write(log, 0, SMALL, live=False)
        procs = {"without a cap": Follow(log), f"--keep {keep:,}": Follow(log, ("--keep", str(keep)))}
        try:
            small: dict[str, int] = {}
            for name, f in procs.items():
                f.wait_records(SMALL)
                small[name] = settled_rss(f.proc.pid)
            marks = [SMALL + (LARGE - SMALL) * k // 4 for k in range(1, 5)]
            seen: dict[str, list[int]] = {name: [] for name in procs}
            done = SMALL
            for m in marks:
                write(log, done, m, live=True)
                done = m
                for name, f in procs.items():
                    f.wait_records(m)
                    seen[name].append(settled_rss(f.proc.pid))
        finally:
            for f in procs.values():
                f.close()
    print("records: " + "  ".join(f"{n:>9,}" for n in [SMALL, *marks]))
    for name in procs:
        col = "  ".join(f"{kb / 1024:7.0f}MB" for kb in [small[name], *seen[name]])
        print(f"{name}: {col}")
    return 0


def main() -> int:
    if "--keep" in sys.argv:
        return capped(int(sys.argv[sys.argv.index("--keep") + 1]))
    print(
        f"load average {os.getloadavg()[0]:.1f}; records of {NUMBERS} numbers; {SMALL:,} -> {LARGE:,} records"
    )
    print("reference: a float64 is 8 bytes; the goal is under 100 bytes per logged number")
    for kind, label in (("follow", "check --follow"), ("view", "the terminal view")):
        for live in (False, True):
            b, small, large = per_number(kind, live)
            how = "live growth" if live else "first load"
            print(
                f"{label}, {how}: {b:.0f} bytes per logged number "
                f"(RSS {small / 1024:.0f} MB at {SMALL:,} records, {large / 1024:.0f} MB at {LARGE:,})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
