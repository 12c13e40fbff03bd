"""logrotate's `copytruncate` racing the follower: a seeded fuzz. In each trial a writer process
appends a real training log (each line in one write or two, a line often left half-written for a
moment), a rotator process copies the log and truncates it in place at seeded sizes (shifting
`log.1` to `log.2` first, as logrotate's `rotate N` does), and the real `Follower` (inotify, its own
pacing) hands what it reads to a recorder. Afterwards the rotated copies and the log say what could
be read: every line whole in one of them. Counted per trial:

- lost: a line whole in a copy or the log that never arrived;
- doubled: a line that arrived more than once;
- garbled: an arrived line that is no line the writer wrote (two halves joined wrongly);
- joined: a line cut in two by a rotation (its start ends a copy, its end begins the next piece)
  that arrived glued back together, silently (right only when the writer wrote nothing between
  logrotate's copy and its truncate: the follower cannot know);
- torn: lines cut by a rotation (their start ends a copy, or their start was written between the
  copy and the cut and the next piece begins with their end); `told`: the problems recorded.

    python benchmarks/bench_copytruncate.py [TRIALS] [SEED]    # default 60 trials (--long: 300), seed 0

Each trial waits on state (the writer and rotator ended, the follower read the log to its end),
never on a fixed sleep.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: appends the source's lines with O_APPEND; a line is written in two writes half the time, with a
#: pause between them, so a rotation often lands in the middle of a line
WRITER = r"""
import os, random, sys, time
path, source, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
for line in open(source, "rb").read().splitlines(keepends=True):
    if rng.random() < 0.5 and len(line) > 2:
        cut = rng.randrange(1, len(line) - 1)
        os.write(fd, line[:cut])
        time.sleep(rng.uniform(0, 0.003))
        line = line[cut:]
    os.write(fd, line)
    time.sleep(rng.uniform(0, 0.002))
os.close(fd)
open(path + ".done", "w").close()
"""

#: logrotate `copytruncate` with `rotate N`: log.(k) -> log.(k+1), copy log -> log.1, truncate log
#: to 0 in place; once the log has grown past a seeded size since the last rotation
ROTATOR = r"""
import os, random, shutil, sys, time
path, seed, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
done = path + ".done"
n = 0
while True:
    want = rng.randrange(low, high)
    while not os.path.exists(done):
        try:
            if os.stat(path).st_size >= want:
                break
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    else:
        break
    for k in range(n, 0, -1):
        os.rename(f"{path}.{k}", f"{path}.{k + 1}")
    shutil.copyfile(path, path + ".1")
    os.truncate(path, 0)
    n += 1
print(n)
"""


COUNTS = ("rotations", "expected", "lost", "doubled", "garbled", "joined", "torn", "told", "resets")


class Recorder:
    """A TailHandler that keeps every complete line handed over, and the problems told."""

    lines = True

    def __init__(self) -> None:
        self.text = bytearray()
        self.resets: list[str] = []
        self.problems: list[str] = []
        self.ends = 0
        self.cond = threading.Condition()

    def data(self, chunk: bytes) -> None:
        with self.cond:
            self.text += chunk

    def reset(self, kind: str) -> None:
        with self.cond:
            self.resets.append(kind)

    def status(self, state: str, message: str) -> None:
        pass

    def problem(self, message: str) -> None:
        with self.cond:
            self.problems.append(message)

    def end(self) -> None:
        with self.cond:
            self.ends += 1
            self.cond.notify_all()


@dataclass
class Outcome:
    """One trial's counts (lines)."""

    rotations: int = 0
    expected: int = 0
    lost: int = 0
    doubled: int = 0
    garbled: int = 0
    joined: int = 0
    torn: int = 0
    told: int = 0
    resets: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing lost, doubled, garbled or joined silently; every torn line told."""
        return not (self.lost or self.doubled or self.garbled or self.resets) and self.told == self.torn


def pieces(log: Path) -> list[bytes]:
    """The rotated copies, oldest first (`log.N` ... `log.1`), then the log: in writing order."""
    n = 0
    while log.with_name(f"{log.name}.{n + 1}").exists():
        n += 1
    return [log.with_name(f"{log.name}.{k}").read_bytes() for k in range(n, 0, -1)] + [log.read_bytes()]


def readable(source: bytes, parts: list[bytes]) -> tuple[list[bytes], int]:
    """The lines whole in one of the pieces (each piece is a stretch of what the writer wrote), in
    order, and how many lines a rotation cut in two (a piece that ends mid-line)."""
    starts = {0}
    pos = 0
    for i, ch in enumerate(source):
        if ch == 0x0A:
            starts.add(i + 1)
    out: list[bytes] = []
    torn = 0
    ended = True  # the piece before ended with a whole line
    for k, part in enumerate(parts):
        if not part:
            continue
        at = source.find(part, pos)
        if at < 0:
            raise AssertionError("a piece is no stretch of what the writer wrote")
        pos = at + len(part)
        first = 0
        if part[:1] == b"\n" and source[at - 1 : at] == b"\r":
            first = 1  # (the `\n` of a `\r\n` cut between the pieces: the line ended before it)
        elif at not in starts:
            if ended and k > 0:
                torn += 1  # a line begun between logrotate's copy and its cut: its end only here
            first = part.find(b"\n") + 1  # a line's end: not whole here
            if first == 0:
                continue
        last = part.rfind(b"\n") + 1
        if part.endswith(b"\r") and source[pos : pos + 1] == b"\n":
            last = len(part)  # (a line that ends in `\r\n`, cut between the two: whole)
        ended = last == len(part)
        if not ended and k < len(parts) - 1:
            torn += 1
        out.extend(part[first:last].splitlines(keepends=True))
        if out and out[-1].endswith(b"\r"):
            out[-1] += b"\n"  # (as the reader has it: its `\n` came with the next piece)
    return out, torn


def trial(tmp: Path, source: Path, seed: int, low: int = 1500, high: int = 6000) -> Outcome:
    """One writer, one rotator, the real Follower; the counts of what the follower handed over."""
    from lossacc_tui.follow import Follower

    log = tmp / "metrics.log"
    log.touch()
    rec = Recorder()
    follower = Follower()
    follower.add(log, rec)
    follower.start()
    try:
        with rec.cond:  # the follower has looked at the empty log before anything is written
            rec.cond.wait_for(lambda: rec.ends > 0, timeout=30)
        rot = subprocess.Popen(
            [sys.executable, "-c", ROTATOR, str(log), str(seed), str(low), str(high)],
            stdout=subprocess.PIPE,
            text=True,
        )
        subprocess.run(
            [sys.executable, "-c", WRITER, str(log), str(source), str(seed)], check=True, timeout=120
        )
        out, _ = rot.communicate(timeout=120)
        key = os.fspath(log.absolute())
        tail = follower._tails[key]
        size = log.stat().st_size
        deadline = time.monotonic() + 15
        with rec.cond:
            while not (tail.offset == size and not tail._cut and rec.ends):
                rec.ends = 0
                follower._wake.set()
                if not rec.cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                    break
    finally:
        follower.stop()
    src = source.read_bytes()
    want, torn = readable(src, pieces(log))
    got = bytes(rec.text).splitlines(keepends=True)
    lines = set(src.splitlines(keepends=True))
    w, g = Counter(want), Counter(got)
    o = Outcome(rotations=int(out or 0), expected=len(want), torn=torn, told=len(rec.problems))
    o.resets = len(rec.resets)
    o.lost = sum(max(0, n - g[ln]) for ln, n in w.items())
    o.doubled = sum(max(0, n - max(w[ln], 1)) for ln, n in g.items() if ln in lines)
    o.joined = sum(1 for ln in g if ln in lines and ln not in w)
    o.garbled = sum(n for ln, n in g.items() if ln not in lines)
    o.notes = [ln.decode(errors="replace")[:80] for ln in g if ln not in lines][:3]
    missing = [i for i, ln in enumerate(want) if not g[ln]]
    if missing:
        o.notes.append(f"lines {missing[0]}..{missing[-1]} of {len(want)} missing ({len(missing)})")
    return o


def sources(folder: Path, steps: int = 600) -> dict[str, Path]:
    """Two real logs: a Keras CSVLogger run (150 epochs) and a numpy SGD run's JSON lines (`steps`)."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_follow_keep import sgd_log

    jsonl = folder / "sgd.jsonl"
    sgd_log(jsonl, steps, seed=3)
    return {"csv": REPO / "tests" / "app" / "data" / "training.log", "jsonl": jsonl}


def main(trials: int = 300, seed: int = 0) -> None:
    t0, c0 = time.monotonic(), time.process_time()
    load = os.getloadavg()[0]
    totals: Counter[str] = Counter()
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        srcs = sources(Path(d))
        for i in range(trials):
            fmt = "csv" if i % 2 == 0 else "jsonl"
            tmp = Path(d) / f"t{i}"
            tmp.mkdir()
            rng = random.Random(seed * 100_003 + i)
            o = trial(tmp, srcs[fmt], rng.randrange(1 << 30))
            for k in (
                "rotations",
                "expected",
                "lost",
                "doubled",
                "garbled",
                "joined",
                "torn",
                "told",
                "resets",
            ):
                totals[k] += getattr(o, k)
            if not o.clean:
                bad += 1
                if bad <= 5 or o.lost or o.doubled or o.resets:
                    print(f"  trial {i} ({fmt}): {o}", flush=True)
    print(
        f"{trials} trials (seed {seed}): {bad} not clean; {totals['rotations']} rotations,"
        f" {totals['expected']:,} lines readable: lost {totals['lost']}, doubled {totals['doubled']},"
        f" garbled {totals['garbled']}, joined silently {totals['joined']}, resets {totals['resets']};"
        f" torn {totals['torn']}, told {totals['told']}"
    )
    print(
        f"  wall {time.monotonic() - t0:.0f} s, this process' CPU {time.process_time() - c0:.1f} s,"
        f" load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))  # (this tree's lossacc_tui, not an installed one)
    args = [a for a in sys.argv[1:] if a != "--long"]
    # (`python -m benchmarks`: 60 trials, about a minute; `--long` the README's 300)
    if args:
        main(*(int(a) for a in args[:2]))
    else:
        main(300 if "--long" in sys.argv else 60)
