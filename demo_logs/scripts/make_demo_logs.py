"""Make the demo logs in ``demo_logs/`` from real (tiny) training runs.

Every curve in ``demo_logs/`` comes from training a numpy model (softmax regression or a small
ReLU MLP, ``training.py``) with mini-batch SGD or Adam on generated data (``data.py``): two
moons, a checkerboard, Gaussian classes. Each epoch the real train/validation cross-entropy
(mean over samples) and accuracy are taken from the model's own predictions. Nothing is drawn
by hand.

The runs are then written in the byte format a real framework writes (``writers_keras.py``,
``writers.py``): Keras ``CSVLogger`` and ``verbose=1`` stdout (``\\r`` and backspace progress
bars), a Lightning ``CSVLogger`` folder, a HuggingFace ``trainer_state.json``, a fastai
printed table, JSON lines, free-text prints and an MLflow file store. Wall-clock numbers
(timestamps, ``2ms/step``, ``00:01``) come from a simulated clock with a fixed seed, so
running the script twice writes identical bytes (on the same machine and numpy build).

One function per case folder lives in ``cases.py``, its summary line in ``summaries.py``
(with the diagnostics of ``diagnostics.py``), the README text in ``readme.py``.

Run from the repository root::

    python demo_logs/scripts/make_demo_logs.py

It rewrites the case folders and ``demo_logs/README.md`` and prints one summary line per case.
"""

from __future__ import annotations

import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread (before numpy loads): fast, reproducible
sys.dont_write_bytecode = True  # importing the sibling modules must leave no __pycache__ here

import shutil  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from cases import CASES, Case  # noqa: E402
from readme import write_readme  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent  # demo_logs/


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    started = time.perf_counter()
    for name in CASES:
        shutil.rmtree(ROOT / name, ignore_errors=True)
    cases: list[Case] = []
    for name, make in CASES.items():
        case = make(ROOT / name)
        cases.append(case)
        print(f"{case.name:20s} {case.summary}", flush=True)
    write_readme(ROOT, cases)
    total = folder_size(ROOT)
    print(f"demo_logs: {total / 1024:.0f} KiB in {len(cases)} cases, {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
