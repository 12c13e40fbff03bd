"""Long seeded sequences of the writer events the follower knows, against `check`'s reading of the
files they leave: a sibling of `bench_copytruncate.py` (which races real processes on one event).

In each trial one CSV writer keeps its whole history and does 4-10 events drawn at random (append,
logrotate `copytruncate`, a rewrite in place from the start, an atomic save, delete and recreate,
`create` rotation with and without its header again, its last row overwritten in place), each
followed by two rows; a `Tail` looks after each step with probability one half, and at the end.
The writer's history (its rows, last values) is what `check` reads of the log's folder, the copies
oldest first then the log. Counted over the trials (rows):

- lost: an epoch of the history the follower's run (the rows handed since its last reset, the
  last of each epoch) lacks, or holds with other values;
- doubled: a row handed more often than the copies and the log hold it;
- resets: the follower's resets (each one re-sends its run; not wrong, but work and noise).

    python benchmarks/bench_writer_sequences.py [TRIALS] [SEED] [--against TREE]   # default 2000, 0

With `--against TREE` the same trials run with TREE's lossacc_tui too (a process each), one line each.
No timing: looks are made by the bench, so a trial is exactly what its seed says.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEADER = "epoch,loss,val_loss,val_acc\n"
EVENTS = ["append", "copytruncate", "rewrite", "atomic", "recreate", "create", "create-header", "overwrite"]


def row(epoch: int, fix: int = 0) -> str:
    loss = 1.0 / (epoch + 1) + fix * 1e-4
    return f"{epoch},{loss:.6f},{1.1 * loss:.6f},{0.5 + epoch / 1000 + fix * 1e-4:.4f}\n"


class Recorder:
    """A TailHandler that keeps the rows handed since the last reset."""

    lines = True

    def __init__(self) -> None:
        self.text = b""
        self.resets = 0

    def data(self, chunk: bytes) -> None:
        self.text += chunk

    def reset(self, kind: str) -> None:
        self.text, self.resets = b"", self.resets + 1

    def status(self, state: str, message: str) -> None:
        pass

    def end(self) -> None:
        pass


class Writer:
    """One job writing `metrics.csv` and keeping its whole history."""

    def __init__(self, path: Path) -> None:
        self.path, self.rows, self.copies, self.fixes = path, [], 0, 0

    def append(self, n: int = 2) -> None:
        new = [row(len(self.rows) + k) for k in range(n)]
        self.rows += new
        with open(self.path, "a", encoding="utf-8") as f:
            f.writelines(new)

    def _shift(self) -> Path:
        for k in range(self.copies, 0, -1):
            os.rename(f"{self.path}.{k}", f"{self.path}.{k + 1}")
        self.copies += 1
        return Path(f"{self.path}.1")

    def event(self, kind: str) -> None:
        p, whole = self.path, HEADER + "".join(self.rows)
        if kind == "append":
            self.append()
        elif kind == "copytruncate":
            self._shift().write_bytes(p.read_bytes())
            os.truncate(p, 0)
        elif kind in ("create", "create-header"):
            os.rename(p, self._shift())
            p.write_text(HEADER if kind == "create-header" else "")
        elif kind == "rewrite":
            p.write_text(whole)
        elif kind == "atomic":
            tmp = p.with_name("metrics.tmp")
            tmp.write_text(whole)
            os.replace(tmp, p)
        elif kind == "recreate":
            p.unlink()
            p.write_text(whole)
        elif kind == "overwrite":
            text = p.read_text()
            last = text[text.rstrip("\n").rfind("\n") + 1 :]
            if self.rows and last == self.rows[-1]:
                self.fixes += 1
                self.rows[-1] = row(len(self.rows) - 1, self.fixes)
                with open(p, "r+b") as f:
                    f.seek(len(text) - len(last))
                    f.write(self.rows[-1].encode())

    def files(self) -> str:
        names = [Path(f"{self.path}.{k}") for k in range(self.copies, 0, -1)] + [self.path]
        return "".join(n.read_text() for n in names)


def trial(folder: Path, rng: random.Random) -> Counter[str]:
    from lossacc_tui.tail import Tail

    p = folder / "metrics.csv"
    w = Writer(p)
    p.write_text(HEADER)
    w.append(3)
    h = Recorder()
    t = Tail(p, h)

    def look() -> None:
        while t.read():
            pass

    look()
    for _ in range(rng.randint(4, 10)):
        w.event(rng.choice(EVENTS))
        if rng.random() < 0.5:
            look()
        w.append()
        if rng.random() < 0.5:
            look()
    look()
    t.close()
    handed = [ln for ln in h.text.decode().splitlines(keepends=True) if ln[:1].isdigit()]
    last = {int(ln.split(",")[0]): ln for ln in handed}
    lost = sum(last.get(e) != r for e, r in enumerate(w.rows))
    held = Counter(ln for ln in w.files().splitlines(keepends=True) if ln[:1].isdigit())
    doubled = sum((Counter(handed) - held).values())
    return Counter(
        rows=len(w.rows), lost=lost, doubled=doubled, resets=h.resets, bad=int(bool(lost or doubled))
    )


def main(trials: int, seed: int) -> None:
    totals: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as d:
        for i in range(trials):
            folder = Path(d) / f"t{i}"
            folder.mkdir()
            totals += trial(folder, random.Random(seed * 100_003 + i))
    print(
        f"{trials} trials (seed {seed}): {totals['bad']} not as check reads them; {totals['rows']:,} rows:"
        f" lost {totals['lost']}, doubled {totals['doubled']}; resets {totals['resets']}"
    )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    trials, seed = (int(args[0]) if args else 2000), (int(args[1]) if len(args) > 1 else 0)
    if "--against" in sys.argv:
        other = sys.argv[sys.argv.index("--against") + 1]
        args = [a for a in args if a != other]
        for tree in (str(REPO), other):
            env = {**os.environ, "PYTHONPATH": tree}
            out = subprocess.run(
                [sys.executable, __file__, str(trials), str(seed)], env=env, capture_output=True, text=True
            )
            print(f"{tree}: {out.stdout.strip() or out.stderr.strip()}")
    else:
        sys.path.insert(0, os.environ.get("PYTHONPATH") or str(REPO))
        main(trials, seed)
