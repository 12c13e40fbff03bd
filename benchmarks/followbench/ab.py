"""`check --follow` on this tree against another, in the same minutes (`bench_follow.py --against`):

    python benchmarks/bench_follow.py --against /tmp/trunk [--rounds 2] [--window 20] [--windows 3]

1. CPU of a growing log (10 and 200 lines/s, with no history and with 200,000 lines of it): both
   trees' `check --follow --json` run at once, each on its own copy of the log with its own writer
   (`bench_follow.GROW`), so the machine's load is the same for both; which one starts first
   alternates. After both have read the history, the share of a core each used is read over
   `--windows` windows of `--window` seconds with the process' nanosecond CPU clock
   (`viewbench/cpuclock.py`: every thread, those ended too), and per thread from /proc's ticks over
   all the windows together.
2. Latency a user sees: a record's line (a line written, at 10 lines/s, to its record printed) and
   an alert's (a loss spike written into a steady 10 lines/s stream, to its `loss-explosion` alert
   printed), `--rounds` trials each, both trees at once.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
from bench_follow import threads_cpu
from viewbench.cpu_ab import clocks

HERE = Path(__file__).resolve().parents[1]  # benchmarks/
CLOCK = HERE / "viewbench" / "cpuclock.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _option(name: str, default: str) -> str:
    args = sys.argv[1:]
    return args[args.index(name) + 1] if name in args[:-1] else default


WINDOW = float(_option("--window", "20"))
WINDOWS = int(_option("--windows", "3"))
ROUNDS = int(_option("--rounds", "2"))
CASES = [(10.0, 0), (10.0, 200_000), (200.0, 0), (200.0, 200_000)]  # (lines/s, lines of history)

#: a steady writer at 10 lines/s (the columns of `bench_follow.GROW`, a little noise) that writes a
#: loss spike (x40 its level) at line SPIKE_AT and notes the wall time it wrote it in a side file;
#: every line's wall time goes to a second side file (a record's latency, without a metric for it)
SPIKY = """
import random, sys, time
path, times = sys.argv[1], sys.argv[2]
rate, seconds, spike_at = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rng = random.Random(7)
t0 = time.monotonic(); i = 0
with open(path, "a") as f, open(times, "a") as t:
    while time.monotonic() - t0 < seconds:
        loss = 2.0 / (1 + i / 50) * (1 + 0.01 * rng.gauss(0, 1))
        if i == spike_at:
            loss *= 40
        f.write('{"step": %d, "loss": %.6f, "accuracy": %.4f, "val_loss": %.6f, "val_accuracy": %.4f}\\n'
                % (i, loss, 1 - min(loss, 2) / 3, 1.1 * 2.0 / (1 + i / 50), 1 - 2.0 / (1 + i / 50) / 2.8))
        f.flush()
        t.write("%d %.6f\\n" % (i, time.time())); t.flush()
        i += 1
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""
SPIKE_AT = 120  # (12 s into the stream: the follower and its analysis are in their steady state)


def _cmd(tree: Path, clock_out: Path, log: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return [sys.executable, str(CLOCK), str(clock_out), "check", "--follow", "--json", str(log)], env


def _clocks(pid: int, out: Path) -> tuple[float, float]:
    """(monotonic s, process CPU s, every thread's, those ended too) read inside the process (the
    view's SIGUSR1 clock, `viewbench.cpu_ab.clocks`; `check --follow` answers it alike)."""
    mono, proc, _main = clocks(pid, out)
    return mono, proc


def _ticks(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _threads(pid: int) -> dict[str, float]:
    """CPU seconds of each live thread (`bench_follow.threads_cpu`), named without `lossacc-`."""
    out: dict[str, float] = {}
    for name, cpu in threads_cpu(pid).items():
        key = name.removeprefix("lossacc-")
        out[key] = out.get(key, 0.0) + cpu
    return out


def _settled(pids: list[int], limit: float = 180.0) -> None:
    """Wait until a second's CPU of each process says its backlog is read and analysed."""
    deadline = time.monotonic() + limit
    last = [_ticks(p) for p in pids]
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = [_ticks(p) for p in pids]
        if all(b - a < 0.05 for a, b in zip(last, now, strict=True)):
            return
        last = now


def cpu_case(
    trees: dict[str, Path], rate: float, past: int, flip: bool
) -> dict[str, tuple[list[float], dict[str, float]]]:
    """Each tree's shares of a core over the windows, and its threads' shares over all of them."""
    from bench_follow import GROW, history

    names = list(trees)[::-1] if flip else list(trees)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    writers: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as d:
        try:
            logs = {}
            for k, name in enumerate(names):
                logs[name] = Path(d) / f"train_{k}.jsonl"
                history(logs[name], past)
            for k, name in enumerate(names):
                cmd, env = _cmd(trees[name], Path(d) / f"clock_{k}.txt", logs[name])
                procs[name] = subprocess.Popen(
                    cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            time.sleep(3.0 + past / 50_000)
            _settled([p.pid for p in procs.values()])
            span = WINDOW * WINDOWS + 30
            writers = [
                subprocess.Popen([sys.executable, "-c", GROW, str(logs[n]), str(rate), str(span), "0"])
                for n in names
            ]
            time.sleep(3.0)
            clock_out = {n: Path(d) / f"clock_{k}.txt" for k, n in enumerate(names)}
            shares: dict[str, list[float]] = {n: [] for n in names}
            t0 = {n: _threads(procs[n].pid) for n in names}
            m0 = time.monotonic()
            for _ in range(WINDOWS):
                c0 = {n: _clocks(procs[n].pid, clock_out[n]) for n in names}
                time.sleep(WINDOW)
                c1 = {n: _clocks(procs[n].pid, clock_out[n]) for n in names}
                for n in names:
                    shares[n].append((c1[n][1] - c0[n][1]) / (c1[n][0] - c0[n][0]) * 100)
            dt = time.monotonic() - m0
            out = {}
            for n in names:
                t1 = _threads(procs[n].pid)
                per = {k: (v - t0[n].get(k, 0.0)) / dt * 100 for k, v in t1.items()}
                out[n] = (shares[n], per)
            return out
        finally:
            for p in [*procs.values(), *writers]:
                p.terminate()
                p.wait()


def _split(per: dict[str, float]) -> str:
    parts = [f"{k} {v:.2f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.005]
    return ", ".join(parts) or "none"


def latency_trial(trees: dict[str, Path], flip: bool) -> dict[str, tuple[list[float], float | None]]:
    """Both trees following their own copy of a spiky 10 lines/s stream: for each, (each record's
    delay from its line written to its record printed, in s; the delay of the spike's alert)."""
    names = list(trees)[::-1] if flip else list(trees)
    seconds = SPIKE_AT / 10 + 12
    got: dict[str, tuple[list[float], float | None]] = {}
    with tempfile.TemporaryDirectory() as d:
        procs, writers, readers = {}, [], []
        arrivals: dict[str, list[tuple[float, dict[str, object]]]] = {n: [] for n in names}
        try:
            for k, name in enumerate(names):
                log, times = Path(d) / f"l{k}.jsonl", Path(d) / f"t{k}.txt"
                log.write_text("")
                cmd, env = _cmd(trees[name], Path(d) / f"clock_{k}.txt", log)
                procs[name] = p = subprocess.Popen(
                    cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                )

                def read(p: subprocess.Popen[bytes] = p, into: list = arrivals[name]) -> None:  # type: ignore[type-arg]
                    assert p.stdout is not None
                    for line in p.stdout:
                        into.append((time.time(), orjson.loads(line)))

                readers.append(threading.Thread(target=read, daemon=True))
                readers[-1].start()
            time.sleep(2.0)  # (both up: imports done, the empty logs followed)
            for k in range(len(names)):
                log, times = Path(d) / f"l{k}.jsonl", Path(d) / f"t{k}.txt"
                writers.append(
                    subprocess.Popen(
                        [sys.executable, "-c", SPIKY, str(log), str(times), "10", str(seconds), str(SPIKE_AT)]
                    )
                )
            for w in writers:
                w.wait()
            time.sleep(8.0)  # (the last alert pass)
        finally:
            for p in procs.values():
                p.terminate()
                p.wait()
        for k, name in enumerate(names):
            sent = {
                int(a): float(b)
                for a, b in (ln.split() for ln in (Path(d) / f"t{k}.txt").read_text().splitlines())
            }
            recs: list[float] = []
            alert = None
            for at, ev in arrivals[name]:
                if ev.get("event") == "record" and ev.get("step") in sent:
                    recs.append(at - sent[int(ev["step"])])  # type: ignore[arg-type]
                spike = ev.get("event") == "alert" and ev.get("decided_at") == SPIKE_AT
                if spike and ev.get("kind") == "loss-explosion" and alert is None:
                    alert = at - sent[SPIKE_AT]
            got[name] = (recs, alert)
    return got


def against(tree: Path) -> None:
    ours = HERE.parent
    trees = {"this tree": ours, "against": tree}
    print(
        f"check --follow, this tree ({ours}) against {tree}: both running at once on their own logs;"
        f" CPU over {WINDOWS} windows of {WINDOW:g} s (process CPU clock), {ROUNDS} rounds; % of a core",
        flush=True,
    )
    k = 0
    for r in range(ROUNDS):
        for rate, past in CASES:
            load0 = os.getloadavg()[0]
            got = cpu_case(trees, rate, past, flip=k % 2 == 1)
            k += 1
            load1 = os.getloadavg()[0]
            parts = []
            for name in trees:
                shares, per = got[name]
                each = " ".join(f"{s:.3f}" for s in shares)
                parts.append(
                    f"{name} {statistics.median(shares):.3f}% (windows {each}; threads {_split(per)})"
                )
            print(
                f"  round {r + 1}, {rate:g} lines/s, {past:,} lines of history: "
                + "   ".join(parts)
                + f"   (load {load0:.1f}-{load1:.1f})",
                flush=True,
            )
    recs: dict[str, list[float]] = {n: [] for n in trees}
    alerts: dict[str, list[float]] = {n: [] for n in trees}
    for r in range(ROUNDS):
        load0 = os.getloadavg()[0]
        got_l = latency_trial(trees, flip=r % 2 == 1)
        print(
            f"  latency trial {r + 1} (load {load0:.1f}-{os.getloadavg()[0]:.1f}): "
            + "   ".join(
                f"{n}: alert {'none' if a is None else f'{a:.2f} s'}, records median"
                f" {statistics.median(rs) * 1000:.0f} ms"
                if rs
                else f"{n}: no record"
                for n, (rs, a) in got_l.items()
            ),
            flush=True,
        )
        for n, (rs, a) in got_l.items():
            recs[n] += rs
            if a is not None:
                alerts[n].append(a)
    for n in trees:
        ms = sorted(x * 1000 for x in recs[n])
        if not ms:
            continue
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        al = " ".join(f"{a:.2f}" for a in alerts[n]) or "none"
        print(
            f"  {n}: a line at 10 lines/s to its record printed: median {statistics.median(ms):.0f} ms,"
            f" p99 {p99:.0f} ms, max {ms[-1]:.0f} ms ({len(ms)} records); a loss spike to its alert: {al} s",
            flush=True,
        )
