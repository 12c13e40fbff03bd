"""False alerts at scale: real minibatch-SGD runs evaluated after every step, healthy and overfitting.

Softmax regression trained in numpy (tests/numpy_sgd.py), its validation loss and accuracy logged
after every step of a small fixed validation set (200 samples), so the curves are as noisy as a
per-step validation log is:

- healthy: every minibatch is fresh data; the model cannot overfit. Every warning or critical
  alert of a rise kind (`overfitting`, `loss-up-acc-up`) on it is false;
- overfitting: 60 samples, 60 features (56 pure noise), reused without regularisation: the training
  loss goes to 0 and the validation loss turns up from its best (printed) and keeps rising.
  `overfitting` must be found, and how many evaluations after the best it opened is printed.

The alerts come from `lossacc-tui check --json` on the CSV. Prints one row per run: its length, the
warnings per kind, and for the overfitting runs the step of the validation loss's best and of the
first `overfitting` warning.

    python benchmarks/eval_noise_scale.py          # 1,000 and 10,000 steps (about a minute)
    python benchmarks/eval_noise_scale.py --long   # and 100,000 steps (several minutes)
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from numpy_sgd import sgd_run, write_csv  # noqa: E402

from benchmarks.truth.score import check_json  # noqa: E402

RISE = ("overfitting", "loss-up-acc-up")


def one(steps: int, seed: int, overfit: bool, tmp: Path) -> str:
    kw = {"overfit": True, "features": 60} if overfit else {}
    run = sgd_run(steps, seed=seed, **kw)
    path = write_csv(tmp / f"{'overfit' if overfit else 'healthy'}-{steps}-{seed}.csv", run)
    t0 = time.perf_counter()
    (res,) = check_json([path])["runs"]
    took = time.perf_counter() - t0
    loud = [a for a in res["alerts"] if a["severity"] in ("warning", "critical")]
    per = collections.Counter(a["kind"] for a in loud)
    info = collections.Counter(a["kind"] for a in res["alerts"] if a["severity"] == "info")
    row = (
        f"| {'overfitting' if overfit else 'healthy'} | {steps:,} | {seed} | "
        f"{', '.join(f'{k} {v}' for k, v in sorted(per.items())) or 'none'} | "
        f"{', '.join(f'{k} {v}' for k, v in sorted(info.items())) or 'none'} |"
    )
    if overfit:
        best = int(np.argmin(run["val_loss"]))
        first = min((a["start"] for a in loud if a["kind"] == "overfitting"), default=None)
        row += f" best at {best}; first overfitting warning {'none' if first is None else f'at {first:g}'} |"
    else:
        row += f" false rise warnings: {sum(per[k] for k in RISE)} |"
    return row + f" {took:.1f} s |"


def main(argv: list[str]) -> int:
    sizes = [(1000, (1, 2, 3)), (10000, (1, 2))] + ([(100000, (1,))] if "--long" in argv else [])
    print("| run | steps | seed | warnings per kind | info per kind | verdict | check time |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for steps, seeds in sizes:
            for seed in seeds:
                for overfit in (False, True):
                    print(one(steps, seed, overfit, Path(d)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
