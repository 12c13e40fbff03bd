"""`python -m benchmarks`: runs every benchmark script, says which failed or was skipped and why,
and exits non-zero when one crashed (benchmarks/__main__.py)."""

from __future__ import annotations

import subprocess
import sys
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
