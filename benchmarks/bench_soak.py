"""Soak: a log growing at 100 lines/s for a long time, followed by `check --follow` and by the
terminal view (`watch`, in a tmux pane); CPU (% of one core) and resident memory of each are
sampled every interval, so a cost that grows with history shows as a rising column.

    python benchmarks/bench_soak.py                 # 2 minutes
    python benchmarks/bench_soak.py --minutes 60    # the README's figure
    python benchmarks/bench_soak.py --no-app        # check --follow only
    python benchmarks/bench_soak.py --keep 10000    # both capped (`--keep N`): memory must level off

The writer trains a real model as it writes (numpy softmax regression, one SGD step per line: train
loss and accuracy of the batch; every 50th line also the held-out loss and accuracy), so the
analysis sees a real run, not a drawn curve. Reference in the same run: `tail -F` of the same file
(what following costs at the least: read and print every line).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
TMUX_NEW = ["tmux", "-L"]

WRITER = r"""
import sys, time
import numpy as np
path, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(0)
K, D = 10, 32
centers = rng.normal(0, 0.6, size=(K, D))
w, b = np.zeros((D, K)), np.zeros(K)
yv = rng.integers(0, K, 2000); xv = centers[yv] + rng.normal(0, 1.0, (2000, D))

def stats(x, y):
    z = x @ w + b; z -= z.max(1, keepdims=True); p = np.exp(z); p /= p.sum(1, keepdims=True)
    return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean()), float((p.argmax(1) == y).mean()), p

t0 = time.monotonic(); i = 0
with open(path, "a") as f:
    while time.monotonic() - t0 < seconds:
        y = rng.integers(0, K, 64); x = centers[y] + rng.normal(0, 1.0, (64, D))
        loss, acc, p = stats(x, y)
        p[np.arange(64), y] -= 1
        w -= 0.05 * x.T @ p / 64; b -= 0.05 * p.mean(0)
        rec = '{"step": %d, "epoch": %.4f, "loss": %.6f, "accuracy": %.4f' % (i, i / 1000, loss, acc)
        if i % 50 == 49:
            vl, va, _ = stats(xv, yv)
            rec += ', "val_loss": %.6f, "val_accuracy": %.4f' % (vl, va)
        f.write(rec + "}\n"); f.flush(); i += 1
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


class Watched:
    """A process whose CPU and RSS are sampled."""

    def __init__(self, name: str, pid: int) -> None:
        self.name, self.pid = name, pid
        self.last = (time.monotonic(), cpu_seconds(pid))

    def sample(self) -> tuple[float, float]:
        """(% of one core since the last sample, RSS in MB now)."""
        now, cpu = time.monotonic(), cpu_seconds(self.pid)
        pct = (cpu - self.last[1]) / (now - self.last[0]) * 100
        self.last = (now, cpu)
        return pct, rss_mb(self.pid)


def app_pid(server: str) -> int | None:
    """The pid of `lossacc-tui watch` in the tmux pane (the pane's shell execs it)."""
    out = subprocess.run(
        ["tmux", "-L", server, "list-panes", "-F", "#{pane_pid}"], capture_output=True, text=True
    ).stdout.split()
    return int(out[0]) if out else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--rate", type=float, default=100.0, help="lines per second")
    ap.add_argument("--interval", type=float, default=0.0, help="seconds between samples")
    ap.add_argument("--no-app", action="store_true", help="only check --follow (no tmux)")
    ap.add_argument("--long", action="store_true", help="(runner flag) 60 minutes")
    ap.add_argument("--keep", type=int, default=0, help="pass --keep N to both (0: no cap)")
    args = ap.parse_args()
    minutes = 60.0 if args.long else args.minutes
    seconds = minutes * 60
    interval = args.interval or max(10.0, seconds / 24)
    exe = str(Path(sys.executable).with_name("lossacc-tui"))
    use_app = not args.no_app and shutil.which("tmux") is not None
    server = f"soak{os.getpid()}"
    keep = ["--keep", str(args.keep)] if args.keep else []
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "train.jsonl"
        log.write_text("")
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(args.rate), str(seconds + 30)])
        follow = subprocess.Popen(
            [exe, "check", "--follow", "--json", *keep, str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        tail = subprocess.Popen(["tail", "-n", "+1", "-F", str(log)], stdout=subprocess.DEVNULL)
        procs = [Watched("check --follow", follow.pid), Watched("tail -F (reference)", tail.pid)]
        if use_app:
            subprocess.run(
                [
                    *TMUX_NEW,
                    server,
                    "new-session",
                    "-d",
                    "-x",
                    "120",
                    "-y",
                    "40",
                    " ".join(["exec", exe, "watch", *keep, str(log)]),
                ],
                check=True,
            )
            time.sleep(1.0)
            pid = app_pid(server)
            if pid is not None:
                procs.insert(1, Watched("watch (tmux)", pid))
        print(
            f"soak: {args.rate:g} lines/s for {minutes:g} min{f' (--keep {args.keep})' if keep else ''}; "
            f"sample every {interval:g} s; "
            f"{'+'.join(p.name for p in procs)}",
            flush=True,
        )
        time.sleep(min(20.0, interval))  # start-up is not the steady state
        for p in procs:
            p.sample()
        rows: list[tuple[float, int, list[tuple[float, float]]]] = []
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < seconds - 20:
                time.sleep(interval)
                with open(log, "rb") as fh:
                    lines = sum(1 for _ in fh)
                got = [p.sample() for p in procs]
                rows.append((time.monotonic() - t0, lines, got))
                cells = "  ".join(
                    f"{p.name}: {c:5.2f}% {m:6.1f} MB" for p, (c, m) in zip(procs, got, strict=True)
                )
                print(f"{rows[-1][0] / 60:6.1f} min  {lines:>8} lines  {cells}", flush=True)
        finally:
            for proc in (writer, follow, tail):
                proc.terminate()
                proc.wait()
            if use_app:
                subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
    if len(rows) < 2:
        return
    k = max(1, len(rows) // 6)  # first and last sixth of the samples
    print(f"summary (first {k} vs last {k} samples; lines {rows[k - 1][1]} vs {rows[-1][1]}):")
    for j, p in enumerate(procs):
        c0 = sum(r[2][j][0] for r in rows[:k]) / k
        c1 = sum(r[2][j][0] for r in rows[-k:]) / k
        m0, m1 = rows[k - 1][2][j][1], rows[-1][2][j][1]
        grow = (m1 - m0) / max(1e-9, (rows[-1][0] - rows[k - 1][0]) / 60)
        print(
            f"  {p.name}: CPU {c0:.2f}% -> {c1:.2f}% of a core;"
            f" RSS {m0:.1f} -> {m1:.1f} MB ({grow:+.2f} MB/min)"
        )


if __name__ == "__main__":
    main()
