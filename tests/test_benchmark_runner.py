"""`python -m benchmarks`: runs every benchmark script, says which failed or was skipped and why,
and exits non-zero when one crashed (benchmarks/__main__.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

RUN = """
import sys
from pathlib import Path
from benchmarks.__main__ import main
sys.exit(main(sys.argv[2:], ["bench_ok", "bench_skip", "bench_crash", "bench_after"], Path(sys.argv[1])))
"""
SCRIPTS = {
    "bench_ok": "print('ok: 1.0 s')\n",
    "bench_skip": "import sys\nprint('skipped: needs the bench extra')\nsys.exit(77)\n",
    "bench_crash": "raise RuntimeError('reference missing')\n",
    "bench_after": "print('ran after the crash')\n",
}


def test_the_runner_runs_all_reports_each_and_fails_when_one_crashed(tmp_path: Path) -> None:
    for name, code in SCRIPTS.items():
        (tmp_path / f"{name}.py").write_text(code)
    res = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert "ran after the crash" in res.stdout  # a crash does not stop the run
    summary = res.stdout.split("== summary", 1)[1]
    lines = {line.split()[0]: line for line in summary.splitlines() if line.startswith("  ")}
    assert lines["bench_ok"].split()[1] == "ok"
    assert lines["bench_skip"].split()[1] == "skipped" and "needs the bench extra" in lines["bench_skip"]
    assert (
        lines["bench_crash"].split()[1] == "failed"
        and "RuntimeError: reference missing" in lines["bench_crash"]
    )
    assert "4 benchmarks: 2 ok, 1 skipped, 1 failed" in summary


def test_the_runner_lists_every_benchmark_script_of_the_repo() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--list"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert res.returncode == 0, res.stderr
    listed = {line.split()[0] for line in res.stdout.splitlines()[:-1]}
    scripts = {p.stem for p in (REPO / "benchmarks").glob("*.py")} - {"__init__", "__main__"}
    assert listed == scripts, res.stdout
    assert res.stdout.splitlines()[-1].endswith("scripts not run by the runner: none")


#: a benchmark that leaves a process behind holding its output (a server it started), then ends
LEAVES_ONE = """
import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print("left", p.pid, flush=True)
"""
RUN_LEFT = """
import sys
from pathlib import Path
import benchmarks.__main__ as runner
runner.DRAIN_S = 0.5
sys.exit(runner.main(sys.argv[2:], ["bench_leaves", "bench_after"], Path(sys.argv[1])))
"""


def test_a_process_left_holding_the_output_does_not_hold_the_runner(tmp_path: Path) -> None:
    (tmp_path / "bench_leaves.py").write_text(LEAVES_ONE)
    (tmp_path / "bench_after.py").write_text("print('the next one ran')\n")
    # (stdin not a terminal, as in a background job; the bound only keeps a failure from hanging CI)
    res = subprocess.run(
        [sys.executable, "-c", RUN_LEFT, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "the next one ran" in res.stdout
    summary = res.stdout.split("== summary", 1)[1]
    lines = {line.split()[0]: line for line in summary.splitlines() if line.startswith("  ")}
    assert lines["bench_leaves"].split()[1] == "ok" and "output stayed open" in lines["bench_leaves"]
    left = int(res.stdout.split("left ", 1)[1].split()[0])
    # the process left behind was ended with the benchmark's session (or is a zombie about to be reaped)
    for _ in range(200):
        try:
            state = Path(f"/proc/{left}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"process {left} left running")
