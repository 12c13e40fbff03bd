"""Run every benchmark, each in its own process: `python -m benchmarks [--long] [NAME ...]`;
`python -m benchmarks --list` names them (with each one's first docstring line) and runs none.

A benchmark that exits 0 passed; one that exits with `SKIPPED` (77, the code test harnesses use)
was skipped, its last line saying why (a reference or an extra that is not installed); any other
exit (a crash, an exception, a timeout) is a failure. The runner always runs them all, prints one
line per benchmark at the end, and exits 1 if any failed.

`--long` passes `--long` on to every benchmark: the large sizes (1,000,000-row logs and events)
that the README's figures quote. Without it each benchmark runs its short sizes.
References come with the bench extra: pip install 'lossacc-tui[bench]'.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

#: In running order: readers first (they need the most memory), the app last.
SCRIPTS = [
    "bench_imports",
    "bench_readers",
    "bench_memory",
    "bench_mlflow_db",
    "bench_tensorboard",
    "bench_follow",
    "bench_copytruncate",  # 1 minute; with --long the README's 300 trials (5 minutes)
    "bench_writer_sequences",  # 2,000 seeded sequences of writer events, under a minute
    "bench_analysis",
    "bench_check",
    "eval_alerts",
    "eval_noise_scale",
    "eval_per_step",
    "eval_severity_flips",
    "bench_app",
    "bench_probe",
    "bench_keys",
    "bench_reliability",
    "bench_soak",  # 2 minutes; with --long the README's 60
]
SKIPPED = 77
TIMEOUT_S = 1800
HERE = Path(__file__).resolve().parent


def run_one(name: str, long: bool) -> tuple[str, str, float]:
    """Run benchmarks/NAME.py in a fresh interpreter; (status, note, seconds).

    The runner never waits on anything but the benchmark itself: its output is read on a thread
    (echoed line by line), and the runner waits for the process to end (at most TIMEOUT_S). A
    process it started that outlives it and still holds its output (a server left behind) cannot
    hold the runner: after the benchmark ended the output gets `DRAIN_S` to close, then the
    benchmark's whole process group (its own session) is killed. Its stdin is /dev/null: a
    benchmark never reads the runner's terminal (a background job would be stopped for it)."""
    cmd = [sys.executable, str(HERE / f"{name}.py"), *(["--long"] if long else [])]
    path = [str(HERE.parent), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))
    started = time.perf_counter()
    last = [""]
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    except OSError as e:
        return "failed", f"could not start: {e}", time.perf_counter() - started
    reader = threading.Thread(target=_echo, args=(proc, last), daemon=True)
    reader.start()
    note = ""
    try:
        code = proc.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        code = proc.wait()
        note = f"killed after {TIMEOUT_S} s"
    except BaseException:  # (Ctrl-C: the benchmark is in a session of its own, so it is ended here)
        _kill_group(proc)
        raise
    reader.join(DRAIN_S)
    if reader.is_alive():  # (something it started still holds the output: it goes too)
        _kill_group(proc)
        reader.join(DRAIN_S)
        note = note or "its output stayed open after it ended (a process it started): killed"
    took = time.perf_counter() - started
    if note.startswith("killed after"):
        return "failed", note, took
    if code == 0:
        return "ok", note, took
    if code == SKIPPED:
        return "skipped", last[0], took
    return "failed", f"exit code {code}: {last[0][:160]}", took


#: seconds the output of an ended benchmark may stay open before what holds it is killed
DRAIN_S = 5.0


def _echo(proc: subprocess.Popen[bytes], last: list[str]) -> None:
    """Echo the benchmark's output, indented, until it closes; keep its last unindented line in
    last[0] (a traceback's exception, a skip reason). A closed terminal does not stop the reading."""
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode("utf-8", errors="replace")
        with contextlib.suppress(OSError, ValueError):
            print(f"  {line}", end="", flush=True)
        if line.strip() and not line[:1].isspace():
            last[0] = line.strip()
    proc.stdout.close()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the benchmark's process group (its session: every process it started that did not
    leave it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def summary_line(path: Path) -> str:
    """The first line of a benchmark script's docstring (read, not imported)."""
    text = path.read_text(encoding="utf-8").lstrip()
    return text[3:].split("\n", 1)[0].strip() if text.startswith('"""') else ""


def main(argv: list[str], scripts: list[str] | None = None, here: Path | None = None) -> int:
    global HERE
    scripts, HERE = scripts or SCRIPTS, here or HERE
    long = "--long" in argv
    only = [a for a in argv if not a.startswith("-")]
    unknown = [a for a in only if a not in scripts]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(scripts)}", file=sys.stderr)
        return 2
    if "--list" in argv:
        for name in scripts:
            print(f"{name:<18} {summary_line(HERE / f'{name}.py')}")
        others = sorted(
            p.stem
            for p in HERE.glob("*.py")
            if p.stem not in scripts and p.stem not in ("__init__", "__main__")
        )
        print(f"{len(scripts)} benchmarks; scripts not run by the runner: {', '.join(others) or 'none'}")
        return 0
    results = []
    for name in scripts:
        if only and name not in only:
            continue
        print(f"== {name}{' --long' if long else ''}", flush=True)
        results.append((name, *run_one(name, long)))
    print("\n== summary")
    for name, status, note, took in results:
        print(f"  {name:<18} {status:<8} {took:6.0f} s  {note}".rstrip())
    count = {s: sum(1 for r in results if r[1] == s) for s in ("ok", "skipped", "failed")}
    print(
        f"{len(results)} benchmarks: {count['ok']} ok, {count['skipped']} skipped, {count['failed']} failed"
    )
    return 1 if count["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
