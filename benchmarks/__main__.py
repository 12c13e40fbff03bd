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

import os
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
    "bench_analysis",
    "eval_alerts",
    "eval_noise_scale",
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
    """Run benchmarks/NAME.py in a fresh interpreter; (status, note, seconds)."""
    cmd = [sys.executable, str(HERE / f"{name}.py"), *(["--long"] if long else [])]
    path = [str(HERE.parent), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))
    started = time.perf_counter()
    last = ""
    try:
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        ) as proc:
            assert proc.stdout is not None
            timer = threading.Timer(TIMEOUT_S, proc.kill)
            timer.start()
            for line in proc.stdout:
                print(f"  {line}", end="", flush=True)
                if line.strip() and not line[:1].isspace():
                    last = line.strip()  # the last unindented line: a traceback's exception, a skip reason
            code = proc.wait()
            timed_out = not timer.is_alive()
            timer.cancel()
    except OSError as e:
        return "failed", f"could not start: {e}", time.perf_counter() - started
    took = time.perf_counter() - started
    if timed_out:
        return "failed", f"killed after {TIMEOUT_S} s", took
    if code == 0:
        return "ok", "", took
    if code == SKIPPED:
        return "skipped", last, took
    return "failed", f"exit code {code}: {last[:160]}", took


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
