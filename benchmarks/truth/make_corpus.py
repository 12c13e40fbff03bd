"""Generate the truth corpus: real small training runs written by Keras (torch backend), Lightning,
torch.utils.tensorboard and a plain PyTorch loop, each with `truth.jsonl` (per-sample facts of
every evaluation, schema 1) and `labels.json` (phenomena, alert kinds, tune/held-out split) beside
its logs.

    python -m benchmarks.truth.make_corpus            # all families into benchmarks/truth/corpus
    python -m benchmarks.truth.make_corpus --only overfit-keras nan-inject-torch
    python -m benchmarks.truth.make_corpus --jobs 2     # two families at a time

Needs torch==2.13.0 (CPU), keras, lightning, scikit-learn, tensorboard. Deterministic: the same
seeds give the same logs (values; Keras console timings and TensorBoard file names differ).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # 2 shared cores: threads only contend
os.environ.setdefault("KERAS_BACKEND", "torch")

ROOT = Path(__file__).resolve().parent / "corpus"
SEEDS = (0, 1, 2, 3)
SPLIT = {0: "tune", 1: "tune", 2: "heldout", 3: "heldout"}


@dataclass
class Family:
    """Runs of one phenomenon, one per seed; `built` names the phenomena the construction aims at."""

    spec: object  # a Spec with seed 0; copied per seed
    built: list[str]
    about: str
    loss_is_ce: bool = True
    sweep_lrs: tuple[float, ...] = ()
    seeds: tuple[int, ...] = SEEDS
    extra: dict = field(default_factory=dict)
    split: str = ""  # every seed in this split ("heldout": a blind family), else by SPLIT


def families() -> dict[str, Family]:
    from benchmarks.truth.blind import blind
    from benchmarks.truth.spec import Spec

    f: dict[str, Family] = {}

    def add(
        name: str,
        fw: str,
        data: str,
        built: list[str],
        about: str,
        loss_is_ce: bool = True,
        sweep_lrs: tuple[float, ...] = (),
        **kw: object,
    ) -> None:
        data_kw = kw.pop("data_kw", {})
        seeds = kw.pop("seeds", SEEDS)
        split = kw.pop("split", "")
        extra = {"nan_cause": kw.pop("nan_cause")} if "nan_cause" in kw else {}
        if "split_unlike_training" in kw:
            extra["split_unlike_training"] = kw.pop("split_unlike_training")
        f[name] = Family(
            Spec(name, 0, fw, data, data_kw=data_kw, **kw),
            built,
            about,
            loss_is_ce,  # type: ignore[arg-type]
            sweep_lrs,
            seeds,  # type: ignore[arg-type]
            extra=extra,
            split=split,  # type: ignore[arg-type]
        )

    add(
        "healthy-keras",
        "keras",
        "digits",
        ["healthy"],
        "digits, 64 hidden, Adam 1e-3, 20 epochs",
        epochs=20,
        batch=64,
    )
    add(
        "slow-underconfident-torch",
        "torch",
        "breast_cancer",
        ["healthy", "underconfident"],
        "breast cancer, 16 hidden, plain SGD 3e-3 from a tiny last layer: accuracy first, confidence later",
        hidden=(16,),
        optimizer="sgd",
        lr=3e-3,
        epochs=30,
        batch=32,
        init_scale=0.01,
    )
    add(
        "label-smoothing-lightning",
        "lightning",
        "digits",
        ["healthy", "label-smoothing"],
        "digits, label smoothing 0.1 in training and validation loss, Adam 1e-3, 15 epochs",
        loss_is_ce=False,
        label_smoothing=0.1,
        epochs=15,
        batch=64,
    )
    add(
        "overfit-keras",
        "keras",
        "digits",
        ["overfitting", "confident-mistakes"],
        "digits with 100 training samples, 256x256 hidden, Adam 1e-2, 30 epochs: memorises, mistakes "
        "grow confident",
        data_kw={"train_limit": 100},
        hidden=(256, 256),
        lr=1e-2,
        epochs=30,
        batch=16,
    )
    add(
        "label-noise-tensorboard",
        "tensorboard",
        "blobs4",
        ["label-noise", "overfitting"],
        "4-class make_classification with 30 % of labels flipped, 256x256 hidden, Adam 3e-3, 40 epochs",
        data_kw={"flip": 0.3},
        hidden=(256, 256),
        lr=3e-3,
        epochs=40,
        batch=32,
    )
    add(
        "high-lr-torch",
        "torch",
        "digits",
        ["unstable"],
        "digits, SGD momentum 0.9 at lr 0.25: the loss jumps at high accuracy",
        optimizer="sgd",
        lr=0.25,
        momentum=0.9,
        epochs=20,
        batch=32,
    )
    add(
        "nan-weights-keras",
        "keras",
        "wine",
        ["non-finite"],
        "wine, Adam 1e-2; at the start of epoch 5 one first-layer weight becomes NaN",
        nan_cause="nan-weight",
        lr=1e-2,
        nan_at=5,
        epochs=10,
        batch=16,
    )
    add(
        "nan-lr-torch",
        "torch",
        "digits",
        ["non-finite", "unstable"],
        "digits, SGD momentum 0.9 at lr 0.5: the loss jumps, then overflows to NaN",
        nan_cause="learning-rate",
        optimizer="sgd",
        lr=0.5,
        momentum=0.9,
        epochs=20,
        batch=32,
    )
    add(
        "nan-inject-torch",
        "torch",
        "digits",
        ["non-finite"],
        "digits, Adam 1e-3; at epoch 6 one training sample carries a NaN feature",
        nan_cause="nan-input",
        nan_at=6,
        epochs=12,
        batch=32,
    )
    add(
        "majority-lightning",
        "lightning",
        "imbalanced",
        ["at-majority-rate"],
        "make_classification 90/10 with a weak signal (class_sep 0.3), 16 hidden, Adam 1e-3",
        hidden=(16,),
        epochs=15,
        batch=64,
    )
    for k, shares in (("2", "85/15"), ("3", "75/15/10"), ("4", "60/20/10/10")):
        add(
            f"collapse-k{k}-torch",
            "torch",
            f"skewed{k}",
            ["at-majority-rate"],
            f"{k}-class make_classification {shares} with a usable signal (class_sep 0.8), 64x64 hidden, "
            "Adam at lr 0.3 (far too high): the network collapses to predicting the most frequent class",
            hidden=(64, 64),
            lr=0.3,
            epochs=15,
            batch=32,
        )
    add(
        "collapse-k3-keras",
        "keras",
        "skewed3",
        ["at-majority-rate"],
        "3-class make_classification 75/15/10 with a usable signal (class_sep 0.8), 64x64 hidden, Adam at "
        "lr 0.3 (far too high): the rule written on the torch collapse runs, tried on Keras's logs",
        hidden=(64, 64),
        lr=0.3,
        epochs=15,
        batch=32,
    )
    add(
        "collapse-k2-lightning",
        "lightning",
        "skewed2",
        ["at-majority-rate"],
        "2-class make_classification 85/15 with a usable signal (class_sep 0.8), 64x64 hidden, Adam at "
        "lr 0.3 (far too high), Lightning's logs (per-step training loss, no training accuracy); "
        "generated after the at-majority-rate rules were written, as a blind check",
        hidden=(64, 64),
        lr=0.3,
        epochs=15,
        batch=32,
    )
    add(
        "chance-keras",
        "keras",
        "blobs4",
        ["at-chance"],
        "4-class make_classification with every label replaced by a random class, linear model, SGD 0.1",
        data_kw={"random_labels": True},
        hidden=(),
        optimizer="sgd",
        lr=0.1,
        epochs=12,
        batch=64,
    )
    add(
        "short-healthy-keras",
        "keras",
        "digits",
        ["healthy"],
        "fine-tune-like: 5 epochs, digits, Adam 3e-3",
        lr=3e-3,
        epochs=5,
        batch=32,
    )
    add(
        "short-overfit-torch",
        "torch",
        "digits",
        ["overfitting"],
        "fine-tune-like: 5 epochs, digits with 60 training samples, 512 hidden, Adam 1e-2",
        data_kw={"train_limit": 60},
        hidden=(512,),
        lr=1e-2,
        epochs=5,
        batch=8,
    )
    add(
        "mse-keras",
        "keras",
        "digits",
        ["healthy", "not-cross-entropy"],
        "digits, softmax outputs trained with MSE on one-hot targets, logged with accuracy",
        loss_is_ce=False,
        loss="mse",
        lr=3e-3,
        epochs=15,
        batch=32,
    )
    add(
        "label-mismatch-keras",
        "keras",
        "digits",
        ["not-cross-entropy"],
        "digits, sparse labels of shape (n, 1) with CategoricalAccuracy: accuracy pinned near the "
        "share predicted as class 0 while the loss falls",
        loss_is_ce=False,
        sparse_metric_mismatch=True,
        epochs=12,
        batch=32,
    )
    add(
        "val-shift-torch",
        "torch",
        "digits",
        ["val-degrading"],
        "digits, Adam 1e-3 for 6 epochs, then the learning rate x 0.01 (training flat); from epoch 12 "
        "the validation inputs drift (Gaussian noise growing by 0.25 standard deviations an epoch)",
        lr=1e-3,
        epochs=20,
        batch=32,
        lr_drop_at=7,
        val_shift_at=12,
        val_shift_step=0.25,
        split_unlike_training=True,
    )
    add(
        "sweep-lightning",
        "lightning",
        "wine",
        ["healthy"],
        "one folder of Lightning versions: 2 seeds x learning rates 3e-4, 3e-3, 3e-2 (Adam, wine)",
        sweep_lrs=(3e-4, 3e-3, 3e-2),
        hidden=(32,),
        epochs=12,
        batch=16,
    )
    blind(add)
    return f


def _train(spec: object, out: Path, version: int = 0) -> tuple[Path, list[dict], list[dict]]:
    """Run one spec; return (folder of its logs, truth rows, log descriptions)."""
    from benchmarks.truth import data as D

    data = D.make(spec.data, spec.seed, **spec.data_kw)  # type: ignore[attr-defined]
    fw = spec.framework  # type: ignore[attr-defined]
    if fw == "keras":
        from benchmarks.truth import fw_keras

        rows = fw_keras.train(spec, data, out)  # type: ignore[arg-type]
        logs = [
            {"file": "training.csv", "format": "keras-csv", "epoch_offset": 0},
            {"file": "console.txt", "format": "keras-stdout", "epoch_offset": 1},
        ]
        return out, rows, logs
    if fw == "lightning":
        from benchmarks.truth import fw_lightning

        folder, rows = fw_lightning.train(spec, data, out, version)  # type: ignore[arg-type]
        return folder, rows, [{"file": "metrics.csv", "format": "lightning-csv", "epoch_offset": 0}]
    if fw == "step":
        from benchmarks.truth import fw_step

        rows = fw_step.train(spec, data, out)  # type: ignore[arg-type]
        return (
            out,
            rows,
            [
                {"file": "train.log", "format": "text-kv", "epoch_offset": 0},
                {"file": "train.jsonl", "format": "jsonl", "epoch_offset": 0},
            ],
        )
    from benchmarks.truth import fw_torch

    rows = fw_torch.train(spec, data, out, tensorboard=fw == "tensorboard")  # type: ignore[arg-type]
    if fw == "tensorboard":
        (ev,) = out.glob("events.out.tfevents.*")
        ev.rename(out / "events.out.tfevents.truth")  # no host name or time in the committed name
        return out, rows, [{"file": "events.out.tfevents.truth", "format": "tensorboard", "epoch_offset": 0}]
    return (
        out,
        rows,
        [
            {"file": "train.log", "format": "text-kv", "epoch_offset": 0},
            {"file": "train.jsonl", "format": "jsonl", "epoch_offset": 0},
        ],
    )


def _write(
    folder: Path, fam_name: str, fam: Family, spec: object, rows: list[dict], logs: list[dict], split: str
) -> dict:
    from benchmarks.truth.labels import label

    with (folder / "truth.jsonl").open("w") as f:
        for r in rows:
            f.write(json.dumps(r, allow_nan=False) + "\n")
    val = [r for r in rows if r["split"] == "val"]
    truth_epoch = (
        "step (epochs 1-based)"
        if spec.framework == "step"  # type: ignore[attr-defined]
        else "0-based"
        if spec.framework in ("keras", "lightning")  # type: ignore[attr-defined]
        else "1-based"
    )
    lab = {
        "schema": 1,
        "family": fam_name,
        "about": fam.about,
        "seed": spec.seed,  # type: ignore[attr-defined]
        "split": split,
        "framework": spec.framework,  # type: ignore[attr-defined]
        "data": spec.data,  # type: ignore[attr-defined]
        "k": val[0]["k"],
        "n_val": val[0]["n"],
        "majority_rate": val[0]["majority_rate"],
        "truth_epoch": truth_epoch,
        "logs": logs,
        "spec": {k: v for k, v in asdict(spec).items() if k not in ("family", "run_dir")},  # type: ignore[call-overload]
        "built": fam.built,
        # known to the generator: how NaN entered (None: it did not or no NaN), and that every
        # evaluation is the model's own forward pass on a random share of the same data
        "nan_cause": fam.extra.get("nan_cause"),
        "evaluation_broken": False,
        "split_unlike_training": bool(fam.extra.get("split_unlike_training", False)),
        # a blind family (benchmarks/truth/blind.py): every seed held out, generated after the rules
        "blind": fam.split == "heldout",
    } | label(fam.built, judged(rows), fam.loss_is_ce)
    (folder / "labels.json").write_text(json.dumps(lab, indent=1) + "\n")
    return lab


def make(name: str, fam: Family, root: Path = ROOT) -> None:
    import torch

    torch.set_num_threads(1)
    base = root / name
    if base.exists():
        shutil.rmtree(base)
    if fam.sweep_lrs:  # one folder per split, holding every (seed, lr) as a Lightning version
        for split in ("tune", "heldout"):
            seeds = [s for s in fam.seeds if SPLIT[s] == split]
            members = []
            v = 0
            for s in seeds:
                for lr in fam.sweep_lrs:
                    spec = replace(fam.spec, seed=s, lr=lr)  # type: ignore[type-var]
                    folder, rows, logs = _train(spec, base / split, v)
                    lab = _write(folder, name, fam, spec, rows, logs, split)
                    members.append(
                        {"folder": folder.name, "seed": s, "lr": lr, "phenomena": lab["phenomena"]}
                    )
                    v += 1
            (base / split / "sweep.json").write_text(
                json.dumps(
                    {
                        "schema": 1,
                        "family": name,
                        "split": split,
                        "runs": members,
                        "acceptable_across_runs": ["runs-disagree"],
                    },
                    indent=1,
                )
                + "\n"
            )
        return
    for s in fam.seeds:
        spec = replace(fam.spec, seed=s)  # type: ignore[type-var]
        folder, rows, logs = _train(spec, base / f"s{s}")
        _write(folder, name, fam, spec, rows, logs, fam.split or SPLIT[s])


def main(argv: list[str]) -> int:
    import argparse

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    fams = families()
    ap = argparse.ArgumentParser(prog="make_corpus", description="generate the truth corpus")
    ap.add_argument("--only", nargs="+", choices=list(fams), metavar="FAMILY", help="these families only")
    ap.add_argument("--jobs", type=int, default=1, help="families trained at the same time")
    ap.add_argument(
        "--relabel", action="store_true", help="recompute labels.json from truth.jsonl, no training"
    )
    args = ap.parse_args(argv)
    if args.relabel:
        return relabel(ROOT)
    only = args.only or list(fams)
    if args.jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for line in pool.imap_unordered(_one, only):
                print(line, flush=True)
    else:
        for name in only:
            print(_one(name), flush=True)
    return 0


def relabel(root: Path) -> int:
    """Recompute every labels.json's derived fields from its truth.jsonl (after a change to labels.py)."""
    from benchmarks.truth.labels import label

    n = 0
    fams = families()
    for p in sorted(root.rglob("labels.json")):
        lab = json.loads(p.read_text())
        rows = [json.loads(x) for x in (p.parent / "truth.jsonl").read_text().splitlines() if x.strip()]
        lab |= label(lab["built"], judged(rows), lab["loss_is_cross_entropy"])
        lab["blind"] = fams[lab["family"]].split == "heldout" if lab["family"] in fams else False
        p.write_text(json.dumps(lab, indent=1) + "\n")
        n += 1
    print(f"relabelled {n} runs")
    return 0


def judged(rows: list[dict]) -> list[dict]:
    """The rows a run's phenomena are judged on: where a run evaluated small validation batches
    (fw_step.py), the whole validation split (`val_full`) stands for `val`, so a label says what
    the model did, not what one batch's noise shows; claims are still judged on the batches."""
    if not any(r["split"] == "val_full" for r in rows):
        return rows
    return [dict(r, split="val") if r["split"] == "val_full" else r for r in rows if r["split"] != "val"]


def _one(name: str) -> str:
    t = time.perf_counter()
    make(name, families()[name])
    return f"{name}: {time.perf_counter() - t:.1f} s"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
