"""Generate the truth corpus: real small training runs written by Keras (torch backend), Lightning,
torch.utils.tensorboard and a plain PyTorch loop, each with `truth.jsonl` (per-sample facts of
every evaluation, schema 1) and `labels.json` (phenomena, alert kinds, tune/held-out split) beside
its logs.

    python -m benchmarks.truth.make_corpus            # all families into benchmarks/truth/corpus
    python -m benchmarks.truth.make_corpus --only overfit-keras nan-inject-torch
    python -m benchmarks.truth.make_corpus --jobs 2     # two families at a time

The families are listed in families.py (and blind.py: the held-out-only ones).

Needs torch==2.13.0 (CPU), keras, lightning, scikit-learn, tensorboard. Deterministic: the same
seeds give the same logs (values; Keras console timings and TensorBoard file names differ).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # 2 shared cores: threads only contend
os.environ.setdefault("KERAS_BACKEND", "torch")

from benchmarks.truth.families import SPLIT, Family, families  # noqa: E402 (after the thread settings)

ROOT = Path(__file__).resolve().parent / "corpus"


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
