"""Per-step noise against real training (issue 9, point 3): how many healthy per-step runs raise a
warning, how many real divergences are found, and whether one run reads alike in two log formats.

numpy (default; ~1 min, no extra packages), runs trained by the tests' generators:

- `tail`: logistic regression on fresh data, evaluated every 60 steps on a fresh 16-64-sample batch
  with 2-5 % of labels swapped (`tests/numpy_batches.py`): healthy by construction (fresh samples
  at every step: nothing to overfit), its batch mean loss heavy-tailed;
- `batches`: the same without swapped labels, 400-4,000 steps, evaluated every 1-20 steps;
- `batch4`: softmax regression by 4-sample batches (`tests/numpy_fixed.py`), per-batch training loss
  every step, a fixed 64-sample validation set every 10 steps, written as a step-keyed JSONL and as
  a JSONL whose loop logs the epoch as a fraction with training and validation in separate records;
  healthy when the validation set's mistakes (per sample) do not grow;
- `diverge`: the same with the learning rate x20-x200 from step 1000 (the per-batch loss goes 10x
  its level and stays): `loss-explosion` on the training loss must open.

`--torch` adds plain PyTorch loops (needs torch and scikit-learn; ~2 min): an MLP on load_digits or
make_classification at a high learning rate, batch 4-32, a small evaluation subset (fixed or drawn
afresh) every 10-50 steps, written in six formats (JSONL and CSV, with a step key, without one, and
with the epoch as a fraction), the whole validation and training splits scored at each evaluation.
Each warning of `overfitting`, `val-loss-unstable` and `loss-explosion` is judged against those
splits at its own evaluations: overfitting is true when the whole validation loss at its end is 5 %
above that at its best while the whole training loss is lower; a swing when the whole validation
loss rose sqrt(3) x between its trough and high; an explosion when the whole split's loss at its
peak (the training one: within the next three evaluations) is 3 x that at its best, or not finite.

    python benchmarks/eval_per_step.py            # numpy
    python benchmarks/eval_per_step.py --torch    # numpy, then torch
"""

from __future__ import annotations

import bisect
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from numpy_batches import batch_eval_run  # noqa: E402
from numpy_batches import write_jsonl as batches_jsonl  # noqa: E402
from numpy_fixed import fixed_eval_run  # noqa: E402
from numpy_fixed import write_jsonl as fixed_jsonl  # noqa: E402

from lossacc_tui.analysis import Analyzer  # noqa: E402
from lossacc_tui.analysis.alerts import Alert  # noqa: E402
from lossacc_tui.source import discover  # noqa: E402

WARN = ("warning", "critical")
#: the kinds this benchmark is about (per-step noise); the others raised are counted apart
NOISE_KINDS = ("loss-explosion", "overfitting", "val-loss-unstable")


def analyse(path: Path) -> list[Alert]:
    """The alerts of the one run in `path`, read whole (as `check` reads it)."""
    (src,) = discover(path)
    src.feed(0, path.read_bytes())
    src.finish(0)
    (run,) = src.runs
    a = Analyzer(run)
    a.update()
    return a.alerts


def warned(alerts: list[Alert]) -> list[str]:
    return sorted({a.kind for a in alerts if a.severity in WARN})


def fractional_epochs(path: Path, rows: list[dict], per_epoch: int) -> Path:
    """A loop that logs `{"epoch": step / per_epoch, "step", "train_loss"}` each batch and the
    validation as a separate record."""
    with path.open("w") as f:
        for r in rows:
            ep = round(r["step"] / per_epoch, 4)
            f.write(json.dumps({"epoch": ep, "step": r["step"], "train_loss": r["train_loss"]}) + "\n")
            if "val_loss" in r:
                rec = {"epoch": ep, "step": r["step"], "val_loss": r["val_loss"], "val_acc": r["val_acc"]}
                f.write(json.dumps(rec) + "\n")
    return path


def numpy_part(tmp: Path) -> None:
    """The numpy families above: warned runs per family and kind, divergences found."""
    healthy: dict[str, list[int]] = {}
    kinds: Counter[str] = Counter()

    def count(family: str, alerts: list[Alert]) -> None:
        got = warned(alerts)
        healthy.setdefault(family, [0, 0, 0])
        healthy[family][0] += 1
        healthy[family][1] += bool(set(got) & set(NOISE_KINDS))
        healthy[family][2] += bool(got)
        kinds.update(got)

    for seed in range(20):
        for eb in (16, 32, 64):
            for flip in (0.02, 0.05):
                run = batch_eval_run(1800, seed=seed, eval_batch=eb, flip=flip, every=60, score_noise=0.1)
                count("tail", analyse(batches_jsonl(tmp / "t.jsonl", run)))
    for seed in range(4):
        for eb, every, steps in ((16, 1, 400), (32, 1, 1500), (64, 5, 2000), (32, 20, 4000), (128, 10, 3000)):
            for lr in (0.05, 0.5):
                run = batch_eval_run(steps, seed=seed, eval_batch=eb, every=every, lr=lr)
                count("batches", analyse(batches_jsonl(tmp / "b.jsonl", run)))
    differ = 0
    for seed in range(6):
        for k, lr in ((3, 1.0), (3, 0.5), (10, 0.5)):
            rows, truth = fixed_eval_run(
                2000, seed=seed, classes=k, n_val=64, every=10, batch=4, lr=lr, spread=4.0
            )
            wrong = np.array([t["n_wrong"] for t in truth])
            if wrong[100:].mean() > wrong[20:100].mean() + 0.5:
                continue  # (not healthy by its own per-sample truth: not scored)
            a = analyse(fixed_jsonl(tmp / "s.jsonl", rows))
            b = analyse(fractional_epochs(tmp / "e.jsonl", rows, 1250))
            count("batch4 (step key)", a)
            count("batch4 (fractional epoch)", b)
            differ += warned(a) != warned(b)
    found = found_any = total = 0
    for seed in range(4):
        for k, spread, lr, every, big in (
            (3, 1.5, 0.1, 10, 20.0),
            (3, 2.0, 0.1, 10, 50.0),
            (4, 1.5, 0.1, 20, 10.0),
        ):
            rows, _ = fixed_eval_run(
                2000,
                seed=seed,
                classes=k,
                n_val=64,
                every=every,
                batch=4,
                lr=lr,
                spread=spread,
                lr_from=(1000, big),
            )
            alerts = analyse(fixed_jsonl(tmp / "d.jsonl", rows))
            total += 1
            found_any += any(
                a.kind in ("loss-explosion", "non-finite") and a.severity in WARN for a in alerts
            )
            found += any(
                a.kind in ("loss-explosion", "non-finite")
                and a.data.get("subject") == "train_loss"
                and a.severity in WARN
                and 1000 <= (a.start or 0) <= 1100
                for a in alerts
            )
    print("numpy per-step runs, healthy by construction: runs with a warning/critical alert")
    print("| family | runs | warned: loss-explosion, overfitting, val-loss-unstable | warned: any kind |")
    print("|---|---|---|---|")
    for fam, (n, w, w_any) in healthy.items():
        print(f"| {fam} | {n} | {w} | {w_any} |")
    n_all, w_all, a_all = (sum(v[j] for v in healthy.values()) for j in range(3))
    print(f"| all | {n_all} | {w_all} | {a_all} |")
    print(f"warned kinds (runs): {dict(sorted(kinds.items()))}")
    print(f"batch4 runs whose two formats raise different kinds: {differ}")
    print(
        f"divergences (lr x10-x50 from step 1000) found: on any loss {found_any}/{total}, on the "
        f"per-batch training loss in 100 steps {found}/{total}"
    )


# ------------------------------------------------------------------------------------------------
# torch
# ------------------------------------------------------------------------------------------------

FORMATS = ("step.jsonl", "nostep.jsonl", "step.csv", "nostep.csv", "ep.jsonl", "ep.csv")


def torch_run(out: Path, dname: str, seed: int, lr: float, batch: int, every: int, eval_n: int, fresh: bool,
              steps: int = 2000, blowup_at: int | None = None) -> list[dict]:  # fmt: skip
    """Train an MLP by plain SGD; write the six formats; return the per-evaluation truth (the whole
    validation split's loss, accuracy and mistakes, the whole training split's loss)."""
    import torch
    import torch.nn.functional as F
    from sklearn import datasets

    torch.set_num_threads(1)
    if dname == "digits":
        b = datasets.load_digits()
        x, y = b.data, b.target
    else:
        k = 2 if dname == "noisy2" else 4
        x, y = datasets.make_classification(
            n_samples=6000, n_features=12, n_informative=4 if k == 2 else 6, n_redundant=0, n_classes=k,
            n_clusters_per_class=1, class_sep=0.8 if k == 2 else 1.0, flip_y=0.1 if k == 2 else 0.05,
            random_state=seed,
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    nv = len(y) * 3 // 10
    sd = np.where(x.std(0) > 1e-8, x.std(0), 1.0)
    x = ((x - x.mean(0)) / sd).astype(np.float32)
    xt, yt = torch.from_numpy(x[order[nv:]]), torch.from_numpy(y[order[nv:]].astype(np.int64))
    xv, yv = torch.from_numpy(x[order[:nv]]), torch.from_numpy(y[order[:nv]].astype(np.int64))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    pick = np.random.default_rng(seed + 7)
    k = int(y.max()) + 1
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, k))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    fixed = np.sort(pick.permutation(len(yv))[:eval_n])
    rows: list[dict] = []
    truth: list[dict] = []
    step = 0
    while step < steps:
        perm = torch.randperm(len(yt), generator=gen)
        for i in range(0, len(perm) - batch + 1, batch):
            if step >= steps:
                break
            if blowup_at is not None and step == blowup_at:
                for g in opt.param_groups:
                    g["lr"] = lr * 50
            idx = perm[i : i + batch]
            model.train()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            rec = {
                "step": step,
                "epoch": round(step * batch / len(yt), 4),
                "train_loss": float(loss.detach()),
            }
            if step % every == 0:
                sub = np.sort(pick.choice(len(yv), eval_n, replace=False)) if fresh else fixed
                model.eval()
                with torch.no_grad():
                    lg = model(xv[sub])
                    rec["val_loss"] = float(F.cross_entropy(lg, yv[sub]))
                    rec["val_acc"] = float((lg.argmax(1) == yv[sub]).float().mean())
                    lf = model(xv)
                    truth.append({
                        "step": step,
                        "val": float(F.cross_entropy(lf, yv)),
                        "acc": float((lf.argmax(1) == yv).double().mean()),
                        "train": float(F.cross_entropy(model(xt), yt)),
                    })  # fmt: skip
            rows.append(rec)
    write_formats(out, rows)
    return truth


def write_formats(out: Path, rows: list[dict]) -> None:
    """The six formats of one run's rows (non-finite values as JSON strings / CSV tokens)."""
    out.mkdir(parents=True, exist_ok=True)

    def js(v: float) -> float | str:
        return v if math.isfinite(v) else str(v)

    def lines(keys: tuple[str, ...]) -> list[str]:
        return [json.dumps({c: js(r[c]) for c in keys if c in r}) for r in rows]

    (out / "step.jsonl").write_text("\n".join(lines(("step", "train_loss", "val_loss", "val_acc"))) + "\n")
    (out / "nostep.jsonl").write_text("\n".join(lines(("train_loss", "val_loss", "val_acc"))) + "\n")
    for name, cols in (("step.csv", ("step",)), ("nostep.csv", ()), ("ep.csv", ("epoch", "step"))):
        cols = (*cols, "train_loss", "val_loss", "val_acc")
        text = [",".join(cols)] + [",".join(repr(r[c]) if c in r else "" for c in cols) for r in rows]
        (out / name).write_text("\n".join(text) + "\n")
    with (out / "ep.jsonl").open("w") as f:  # training and validation as separate records
        for r in rows:
            f.write(
                json.dumps({"epoch": r["epoch"], "step": r["step"], "train_loss": js(r["train_loss"])}) + "\n"
            )
            if "val_loss" in r:
                rec = {
                    "epoch": r["epoch"],
                    "step": r["step"],
                    "val_loss": js(r["val_loss"]),
                    "val_acc": r["val_acc"],
                }
                f.write(json.dumps(rec) + "\n")


def judge(a: Alert, truth: list[dict]) -> bool | None:
    """Whether a warning of one of the three kinds holds on the whole splits (module docstring)."""
    fv, ft = [t["val"] for t in truth], [t["train"] for t in truth]
    steps = [t["step"] for t in truth]
    d = a.data
    if a.kind == "overfitting":
        b, e = d["best_idx"], d.get("end_idx", d.get("at_idx"))
        return fv[e] >= 1.05 * fv[b] and ft[e] < ft[b]
    if a.kind == "val-loss-unstable":
        lo, hi, _ = d["swing"]
        return not math.isfinite(fv[hi]) or fv[hi] >= math.sqrt(3) * fv[lo]
    if a.kind == "loss-explosion":
        peak = d.get("peak", (0, 0, d.get("at_idx")))[2]
        if d.get("subject") == "train_loss":

            def row(i: int) -> int:  # (the evaluation at or after training step i + 1)
                return min(len(truth) - 1, bisect.bisect_left(steps, i + 1))

            seg = ft[row(peak) : row(peak) + 3]
            return any(not math.isfinite(v) for v in seg) or max(seg) >= 3 * ft[row(d["best_idx"])]
        return not math.isfinite(fv[peak]) or fv[peak] >= 3 * fv[d["best_idx"]]
    return None


def torch_part(tmp: Path) -> None:
    """The torch sweep: per-alert truth of the three kinds, divergences found, format agreement."""
    specs = []
    for seed in range(5):
        for dname, lr, batch, every, eval_n, fresh in (
            ("digits", 0.2, 4, 25, 32, False), ("digits", 0.1, 4, 10, 64, True),
            ("noisy2", 0.2, 4, 25, 32, True), ("noisy4", 0.5, 16, 20, 48, False),
            ("noisy2", 1.0, 32, 10, 32, True), ("digits", 0.5, 16, 50, 32, True),
            ("noisy4", 0.3, 4, 10, 32, True), ("digits", 1.0, 32, 20, 48, False),
        ):  # fmt: skip
            specs.append(
                (
                    f"{dname}-lr{lr}-b{batch}-e{every}-n{eval_n}-s{seed}",
                    dname,
                    seed,
                    lr,
                    batch,
                    every,
                    eval_n,
                    fresh,
                    None,
                )
            )
    for seed in range(3):
        for dname, batch in (("digits", 4), ("noisy4", 16)):
            specs.append((f"jump-{dname}-b{batch}-s{seed}", dname, seed, 0.05, batch, 25, 64, False, 1000))
    right: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    differ = found = diverged = 0
    for name, dname, seed, lr, batch, every, eval_n, fresh, jump in specs:
        truth = torch_run(tmp / name, dname, seed, lr, batch, every, eval_n, fresh, blowup_at=jump)
        went = any(not math.isfinite(t["train"]) for t in truth)
        per_format = []
        for f in FORMATS:
            alerts = analyse(tmp / name / f)
            per_format.append(warned(alerts))
            if went:
                diverged += 1
                found += any(
                    a.kind in ("loss-explosion", "non-finite") and a.severity in WARN for a in alerts
                )
            for a in alerts:
                if a.severity in WARN:
                    ok = judge(a, truth)
                    if ok is not None:
                        (right if ok else wrong)[a.kind] += 1
        differ += len({tuple(k) for k in per_format}) > 1
    print(f"\ntorch per-step runs: {len(specs)} runs x {len(FORMATS)} formats")
    print("| kind | warnings true on the whole splits | false |")
    print("|---|---|---|")
    for kind in ("loss-explosion", "overfitting", "val-loss-unstable"):
        print(f"| `{kind}` | {right[kind]} | {wrong[kind]} |")
    print(f"logs whose run went non-finite, found (explosion/non-finite): {found}/{diverged}")
    print(f"runs whose six formats raise different kinds: {differ}/{len(specs)}")


def main(argv: list[str]) -> None:
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d:
        numpy_part(Path(d))
        if "--torch" in argv:
            torch_part(Path(d))
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
