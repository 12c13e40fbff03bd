"""Run every benchmark in turn: `python -m benchmarks` (needs the bench extra for the references)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

SCRIPTS = [
    "bench_readers",
    "bench_mlflow_db",
    "bench_follow",
    "bench_analysis",
    "eval_alerts",
    "bench_app",
    "bench_probe",
    "bench_keys",
]

if __name__ == "__main__":
    only = sys.argv[1:]
    for name in SCRIPTS:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        runpy.run_path(str(Path(__file__).with_name(f"{name}.py")), run_name="__main__")
