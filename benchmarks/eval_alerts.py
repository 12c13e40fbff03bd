"""Labelled evaluation of the analyzer through `lossacc-tui check --json`.

First the truth corpus (benchmarks/truth/corpus: real Keras, Lightning, TensorBoard and plain
PyTorch runs with per-sample facts beside each log; see benchmarks/truth/README.md): warning/critical
precision per kind, recall per phenomenon, alerts on healthy runs, the two logs of one run, and the
truth of every claim per id and per strength, tune and held-out split apart. After it the same claim
tables for runs written by testers (benchmarks/truth/testers: their own runs and per-sample facts,
never tuned on; benchmarks/truth/testers.py), with every false follows/likely claim listed.

Then the older labelled sources, one table of precision and recall per kind:

- generated: small numpy networks (the demo generator's MLP) in benchmarks/eval_data/, labelled
  from per-sample predictions by the rules in `rules` -- never from the analyzer;
- the demo logs, labelled from demo_logs/README.md;
- ../shared/realworld_logs, labelled from MANIFEST.tsv (what each file's curves do).

`plateau` is informational and always acceptable there; it is scored only where a label expects it.

    python -m benchmarks eval_alerts             # corpus, then the older sources
    python benchmarks/eval_alerts.py --truth     # the truth corpus only
    python benchmarks/eval_alerts.py --quiet     # tables without the per-log lists
    python benchmarks/eval_alerts.py --classes   # the corpus with --classes K (the generator's K) given
    python benchmarks/eval_alerts.py --regenerate  # retrain benchmarks/eval_data (numpy)
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "eval_data"
DEMO = REPO / "demo_logs"
REAL = REPO.parent / "shared" / "realworld_logs"
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json, report  # noqa: E402
from benchmarks.truth.testers import testers_part  # noqa: E402

SCORED = [
    "non-finite",
    "loss-explosion",
    "val-loss-unstable",
    "loss-up-acc-up",
    "overfitting",
    "loss-down-acc-down",
    "acc-flat-loss-down",
    "high-loss-good-acc",
    "acc-stuck",
    "runs-disagree",
    "metric-mismatch",
    "plateau",
]  # the twelve kinds these labels were written for; other kinds raised are listed as unlabelled
INFO = {"plateau", "acc-flat-loss-down"}  # informational kinds a healthy run may raise


@dataclass
class Labelled:
    """One run (or group of runs) with what it should raise."""

    source: str  # generated | demo | real
    name: str
    alerts: list[dict]  # as check --json writes them (a run's alerts, or a group's comparisons)
    expected: set[str]
    acceptable: set[str] = field(default_factory=set)
    healthy: bool = False


# ------------------------------------------------------------------------------------------------
# generated runs
# ------------------------------------------------------------------------------------------------


def _trainer() -> tuple[object, object]:
    scripts = DEMO / "scripts"
    sys.path.insert(0, str(scripts))
    import data as d  # type: ignore[import-not-found]
    import training as t  # type: ignore[import-not-found]

    return d, t


def facts_fn(n_classes: int) -> Callable[[np.ndarray, np.ndarray], dict[str, float]]:
    """Per-epoch facts from the validation predictions (the previous epoch's kept for flips)."""
    prev: dict[str, np.ndarray] = {}

    def facts(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
        z = z.astype(np.float64)
        with np.errstate(all="ignore"):
            s = z - z.max(1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(1, keepdims=True))
        n = len(y)
        loss = -logp[np.arange(n), y]
        p = np.exp(logp)
        p_true = p[np.arange(n), y]
        other = p.copy()
        other[np.arange(n), y] = -1
        margin = p_true - other.max(1)
        right = z.argmax(1) == y
        wrong = ~right
        out = {
            "wrong_share": float(loss[wrong].sum() / loss.sum()) if wrong.any() else 0.0,
            "wrong_mean": float(loss[wrong].mean()) if wrong.any() else 0.0,
            "right_mean": float(loss[right].mean()) if right.any() else 0.0,
            "confident_mistakes": float(np.mean(wrong & (p_true < 0.05))),
            "top5_share": float(np.sort(loss)[-5:].sum() / loss.sum()),
            "top_class_share": float(np.bincount(z.argmax(1), minlength=n_classes).max() / n),
        }
        if "right" in prev:
            flipped = prev["right"] & wrong
            out["flip_to_wrong"] = float(flipped.mean())
            out["flip_to_wrong_near"] = float((flipped & (np.abs(prev["margin"]) < 0.2)).mean())
        prev["right"], prev["margin"] = right, margin
        return out

    return facts


def generate(out: Path) -> None:
    """Train the evaluation runs and write them with their per-epoch facts."""
    d, t = _trainer()
    out.mkdir(parents=True, exist_ok=True)
    specs = [(f, s) for f, seeds in FAMILIES.items() for s in seeds]
    for family, seed in specs:
        rng = np.random.default_rng(1000 + seed)
        data, model, opt, epochs, batch, lr_fn, extra = BUILD[family](d, t, rng)
        hist = t.fit(model, data, opt, epochs, batch, seed, lr_fn=lr_fn, val_metrics=facts_fn(data.n_classes))
        cols = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc"] + (
            ["test_accuracy"] if "test" in extra else []
        )
        lines = [",".join(cols)]
        for e in hist:  # CSV: nan and inf written as Python prints them
            vals = [e.epoch + 1, e.train_loss, e.train_acc, e.val_loss, e.val_acc]
            lines.append(
                ",".join(repr(float(v)) if i else str(v) for i, v in enumerate(vals))
                + ("," if "test" in extra else "")
            )
        if "test" in extra:
            z, _ = model.forward(extra["test"][0])
            acc = float(np.mean(z.argmax(1) == extra["test"][1]))
            lines.append(f"{epochs},,,,,{acc!r}")  # a later evaluation on a test set
        name = f"{family}-{seed}"
        (out / f"{name}.csv").write_text("\n".join(lines) + "\n")
        facts = [
            {
                k: float(f"{v:.6g}")
                for k, v in (e.extra | {"val_loss": e.val_loss, "val_acc": e.val_acc}).items()
            }
            | {"train_loss": float(f"{e.train_loss:.6g}")}
            for e in hist
        ]
        meta = {"facts": facts, "n_classes": data.n_classes, "majority": extra.get("majority")}
        if "test" in extra:
            meta["test_acc"] = acc
        (out / f"{name}.facts.json").write_text(json.dumps(meta, allow_nan=True))
        print(f"  generated {name}: {epochs} epochs", flush=True)


def _blobs(d, rng, k, dim, sep, n, std=1.0, weights=None):  # type: ignore[no-untyped-def]
    centers = rng.standard_normal((k, dim))
    centers *= sep / np.linalg.norm(centers, axis=1, keepdims=True)
    return d.train_val(lambda m: d.gaussian_classes(m, centers, std, rng, weights), n, n, k), centers


def b_healthy_moons(d, t, rng):  # type: ignore[no-untyped-def]
    data = d.train_val(lambda n: d.two_moons(n, 0.2, rng), 1500, 500, 2)
    model = t.MLP([2, 32, 32, 2], rng)
    return data, model, t.Adam(model.params, 1e-3), 25, 64, None, {}


def b_healthy_blobs(d, t, rng):  # type: ignore[no-untyped-def]
    data, _ = _blobs(d, rng, 3, 8, 3.0, 800)
    model = t.MLP([8, 16, 3], rng)
    return data, model, t.SGD(model.params, 0.02, momentum=0.9), 20, 32, None, {}


def b_noisy_val(d, t, rng):  # type: ignore[no-untyped-def]
    data = d.checkerboard_noisy_val(4, 1200, 1500, rng)
    model = t.MLP([2, 64, 64, 2], rng)
    return data, model, t.Adam(model.params, 3e-3), 90, 50, None, {}


def b_underreported(d, t, rng):  # type: ignore[no-untyped-def]
    data, _ = d.under_reported_positives(16, rng)
    model = t.MLP([16, 2], rng, init_scale=0.01)
    return data, model, t.SGD(model.params, 0.005), 50, 50, None, {}


def b_calibrating(d, t, rng):  # type: ignore[no-untyped-def]
    c = np.array([[-0.9, -0.9], [0.9, 0.9]])
    data = d.train_val(lambda n: d.gaussian_classes(n, c, 1.0, rng), 1000, 2000, 2)
    model = t.MLP([2, 2], rng, init_scale=0.01)
    return data, model, t.SGD(model.params, 0.002), 40, 50, None, {}


def b_spiky(d, t, rng):  # type: ignore[no-untyped-def]
    data = d.train_val(lambda n: d.spiky_data(n, rng), 2000, 500, 2)
    model = t.MLP([6, 2], rng)
    return data, model, t.SGD(model.params, 0.02, momentum=0.9), 16, 64, None, {}


def b_memorise(d, t, rng):  # type: ignore[no-untyped-def]
    data = d.noisy_blobs(3, 100, 1000, 0.08, rng)
    model = t.MLP([100, 256, 3], rng)
    total = 12 * math.ceil(1000 / 16)
    return data, model, t.Adam(model.params, 2e-2), 12, 16, lambda _e, s: 2e-2 * (total - s) / total, {}


def b_lr_doubling(d, t, rng):  # type: ignore[no-untyped-def]
    data = d.train_val(lambda n: d.two_moons(n, 0.2, rng), 1024, 256, 2)
    model = t.MLP([2, 64, 64, 2], rng)
    return data, model, t.SGD(model.params, 0.02, momentum=0.9), 14, 32, lambda e, _s: 0.02 * 2.0**e, {}


def b_imbalanced(d, t, rng):  # type: ignore[no-untyped-def]
    c = np.array([[0.0, 0.0, 0.0], [1.0, 0.7, 0.0]])
    data = d.train_val(lambda n: d.gaussian_classes(n, c, 1.0, rng, [0.9, 0.1]), 3000, 1000, 2)
    model = t.MLP([3, 16, 2], rng)
    return (
        data,
        model,
        t.Adam(model.params, 1e-3),
        25,
        64,
        None,
        {"majority": float(np.mean(data.y_val == 0))},
    )


def b_test(shift: float):  # type: ignore[no-untyped-def]
    def build(d, t, rng):  # type: ignore[no-untyped-def]
        data = d.train_val(lambda n: d.two_moons(n, 0.25, rng), 1500, 2000, 2)
        xt, yt = d.two_moons(4000, 0.25, rng)
        xt = xt + np.float32(shift)  # a test set from a shifted distribution
        model = t.MLP([2, 32, 32, 2], rng)
        return data, model, t.Adam(model.params, 2e-3), 20, 64, None, {"test": (xt, yt)}

    return build


FAMILIES = {
    "healthy-moons": (1, 2, 3),
    "healthy-blobs": (4, 5),
    "noisy-val": (6, 7),
    "underreported": (8, 9),
    "calibrating": (10, 11),
    "spiky": (12, 13),
    "memorise": (14, 15),
    "lr-doubling": (16, 17),
    "imbalanced": (18, 19),
    "shifted-test": (20,),
    "same-test": (21,),
}
BUILD = {
    "healthy-moons": b_healthy_moons,
    "healthy-blobs": b_healthy_blobs,
    "noisy-val": b_noisy_val,
    "underreported": b_underreported,
    "calibrating": b_calibrating,
    "spiky": b_spiky,
    "memorise": b_memorise,
    "lr-doubling": b_lr_doubling,
    "imbalanced": b_imbalanced,
    "shifted-test": b_test(0.6),
    "same-test": b_test(0.0),
}


def _windows(n: int, w: int) -> range:
    return range(0, max(0, n - w + 1))


def rules(f: list[dict[str, float]], meta: dict[str, object], s: float) -> set[str]:
    """Kinds whose defining facts hold; `s` = 1 strict, 0.75 relaxed (margins scaled by s)."""
    vl = np.array([r["val_loss"] for r in f], dtype=float)
    va = np.array([r["val_acc"] for r in f], dtype=float)
    tl = np.array([r["train_loss"] for r in f], dtype=float)
    get = lambda key: np.array([r.get(key, np.nan) for r in f], dtype=float)  # noqa: E731
    k = int(meta["n_classes"])  # type: ignore[arg-type]
    out: set[str] = set()
    fin = np.isfinite(vl) & np.isfinite(tl)
    if not fin.all():
        out.add("non-finite")
    for series in (vl, tl):
        best = np.fmin.accumulate(np.where(np.isfinite(series), series, np.nan))
        if np.any(series[1:] >= (10 * s) * best[:-1]):
            out.add("loss-explosion")
    if fin.any():
        m = int(np.nanargmin(np.where(fin, vl, np.nan)))
        hold = max(1, round(3 * s))
        risen = (vl >= (1 + 0.1 * s) * vl[m]) & fin
        conf, top5 = get("confident_mistakes"), get("top5_share")
        for e in range(m + 1, len(vl) - hold + 1):
            win = slice(e, e + hold)
            # a rise carried by the whole tail of mistakes, not by five extreme rows (that is unstable)
            if risen[win].all() and (top5[win] < 0.5 / s).all():
                if va[e + hold - 1] >= va[m] - 0.01 / s and conf[e + hold - 1] > conf[m]:
                    out.add("loss-up-acc-up")
                if tl[e + hold - 1] <= (1 - 0.1 * s) * tl[m]:
                    out.add("overfitting")
    near, flips, top5 = get("flip_to_wrong_near"), get("flip_to_wrong"), get("top5_share")
    for e1 in range(len(vl)):
        for e2 in range(e1 + 5, len(vl)):
            if top5[e2] >= 0.5 / s:
                continue
            if va[e2] <= va[e1] - 0.015 * s and vl[e2] <= (1 - 0.03 * s) * vl[e1]:
                fw = np.nansum(flips[e1 + 1 : e2 + 1])
                if fw > 0 and np.nansum(near[e1 + 1 : e2 + 1]) >= 0.5 * s * fw:
                    out.add("loss-down-acc-down")
    right = get("right_mean")
    for e in _windows(len(vl), 8):
        a, lw = va[e : e + 8], vl[e : e + 8]
        if a.max() - a.min() <= 0.01 / s and lw[-1] <= (1 - 0.05 * s) * lw[0] and right[e + 7] < right[e]:
            out.add("acc-flat-loss-down")
    top5 = get("top5_share")
    for e in _windows(len(vl), 6):
        lw, a = vl[e : e + 6], va[e : e + 6]
        swing = np.isfinite(lw).all() and lw.max() >= (3 * s) * lw.min() and a.max() - a.min() <= 0.10 / s
        if swing and top5[e + int(np.argmax(lw))] >= 0.5 * s:
            out.add("val-loss-unstable")
    good = 1 / k + 0.5 * (1 - 1 / k)
    wm, ws = get("wrong_mean"), get("wrong_share")
    # mistakes made with near-certainty (p < 1% on the true class) carrying the loss
    ok = (va >= good - 0.05 * (1 - s)) & (wm >= 5 * s) & (ws >= 0.8 * s)
    if any(ok[e : e + 3].all() for e in _windows(len(vl), 3)):
        out.add("high-loss-good-acc")
    one = get("top_class_share") >= 0.95 * s + 0.5 * (1 - s)
    if meta.get("majority") is not None and any(one[e : e + 6].all() for e in _windows(len(vl), 6)):
        out.add("acc-stuck")
    if "test_acc" in meta and abs(float(meta["test_acc"]) - va[-1]) > 0.03 * s:  # type: ignore[arg-type]
        out.add("metric-mismatch")
    return out


def load_generated(regenerate: bool) -> list[Labelled]:
    if regenerate or not DATA.is_dir() or not any(DATA.glob("*.csv")):
        print(f"training the evaluation runs into {DATA.relative_to(REPO)} ...", flush=True)
        generate(DATA)
    out = []
    for path in sorted(DATA.glob("*.csv")):
        meta = json.loads(path.with_name(path.stem + ".facts.json").read_text())
        strict = rules(meta["facts"], meta, 1.0)
        relaxed = rules(meta["facts"], meta, 0.75) | {"plateau"}
        extra = ["--majority", str(meta["majority"])] if meta.get("majority") else []
        alerts = [a for r in check_json([path], extra)["runs"] for a in r["alerts"]]
        healthy = not (strict | relaxed) - INFO
        out.append(Labelled("generated", path.stem, alerts, strict, relaxed - strict, healthy))
    return out


# ------------------------------------------------------------------------------------------------
# demo and real-world logs, labelled from their READMEs
# ------------------------------------------------------------------------------------------------

#: demo case -> (expected, acceptable), read off demo_logs/README.md
DEMO_LABELS: dict[str, tuple[set[str], set[str]]] = {
    "loss_up_acc_up": ({"loss-up-acc-up", "overfitting"}, {"high-loss-good-acc", "plateau"}),
    "loss_down_acc_down": ({"loss-down-acc-down"}, {"plateau", "acc-flat-loss-down"}),
    "acc_flat_loss_down": ({"acc-flat-loss-down"}, set()),
    "val_loss_unstable": ({"val-loss-unstable"}, {"loss-explosion", "plateau"}),
    "high_loss_good_acc": ({"high-loss-good-acc"}, {"loss-up-acc-up", "overfitting", "plateau"}),
    "imbalanced": ({"acc-stuck"}, {"acc-flat-loss-down", "plateau"}),
    "nan_run": ({"non-finite", "loss-explosion", "acc-stuck"}, {"plateau"}),
    "long_run": ({"loss-up-acc-up", "overfitting"}, {"high-loss-good-acc", "plateau", "acc-stuck"}),
    "healthy_keras": (set(), set()),
    "healthy_lightning": (set(), set()),
    "eight_runs": (set(), {"plateau"}),
}

H = (set(), set())  # healthy
#: realworld file (or folder) -> run label -> (expected, acceptable); '*' = every run of the file.
#: From MANIFEST.tsv.
REAL_LABELS: dict[str, dict[str, tuple[set[str], set[str]]]] = {
    "keras_csvlogger/Car-Prediction-CNN-Model__training.log": {
        "*": ({"loss-up-acc-up"}, {"overfitting", "plateau"})
    },
    "keras_csvlogger/CatClassifier__training.log": {
        "#1": H,
        "#2": ({"high-loss-good-acc"}, {"acc-flat-loss-down", "loss-down-acc-down", "plateau"}),
    },
    "keras_csvlogger/Plant-disease-detection__training_log.csv": {
        "*": ({"overfitting"}, {"loss-up-acc-up", "plateau"})
    },
    "keras_csvlogger/digit-recognizer__history.csv": {"*": H},
    "keras_csvlogger/dissertation_deep_learning__train.log": {
        "*": ({"overfitting"}, {"loss-up-acc-up", "plateau"})
    },
    "keras_history_pandas/Cat_Dog__history.csv": {"*": ({"loss-up-acc-up"}, {"overfitting", "plateau"})},
    "keras_history_pandas/dogbreedai__history.csv": {
        "*": ({"plateau"}, {"overfitting", "val-loss-unstable"})
    },
    "keras_history_pandas/dogbreedai__history.json": {
        "*": ({"plateau"}, {"overfitting", "val-loss-unstable"})
    },
    "keras_history_pandas/testeimgbirds__history.csv": {"*": (set(), {"acc-flat-loss-down", "plateau"})},
    "keras_stdout/cat-or-dog-keras__training_log.txt": {"*": H},
    "keras_stdout/ki-keras-belgian-traffic-sign__training_log.txt": {
        "#1": (set(), {"overfitting", "loss-up-acc-up", "plateau"}),  # CNN1: "mild overfit"
        "*": H,
    },
    "keras_stdout/Road-Surface-Condition-CNN__training_log.txt": {
        "*": ({"loss-explosion"}, {"val-loss-unstable", "plateau", "overfitting", "loss-up-acc-up"})
    },
    # broken validation (accuracy 0.06-0.44, loss 3.8-19.7, erratic): no kind names it exactly
    "keras_stdout/Leukemia-Detection__training_log.txt": {
        "*": (set(), {"overfitting", "val-loss-unstable", "loss-explosion", "plateau"})
    },
    "lightning_csv/asl_project__version_0__metrics.csv": {"*": (set(), {"acc-flat-loss-down", "plateau"})},
    "lightning_csv/cv-image-classification__version_0__metrics.csv": {"*": H},
    "lightning_csv/trash-project__version_0__metrics.csv": {
        "*": ({"high-loss-good-acc"}, {"acc-flat-loss-down"})
    },
    "hf_trainer_state/Financial-News-Sentiment-Analysis__trainer_state.json": {
        "*": ({"loss-up-acc-up"}, {"overfitting", "plateau", "high-loss-good-acc", "loss-down-acc-down"})
    },
    "hf_trainer_state/Sentiment-Analysis-for-Customer-Feedback__trainer_state.json": {"*": H},
    "hf_trainer_state/image_classification_irrigation_systems__trainer_state.json": {"*": H},
    "fastai/fastai-sportsball-classifier__history.csv": {
        "*": ({"loss-up-acc-up"}, {"overfitting", "plateau", "high-loss-good-acc", "val-loss-unstable"})
    },
    "jsonl/music-genre-classification__training_log.jsonl": {  # very noisy validation
        "*": (set(), {"val-loss-unstable", "loss-explosion", "plateau", "overfitting", "loss-up-acc-up"})
    },
    "jsonl/CF-ViT__output_log.txt": {
        "*": (set(), {"loss-explosion", "acc-stuck", "plateau"})
    },  # a jump at 201
    "jsonl/SFT-Training-LLM__trainer_log.jsonl": {"*": H},
    "mlflow/Swahili-Speech-To-Text__mlruns": {"*": H},
    "mlflow/keras-mlflow-sentences-classification__mlruns": {"*": H},
    "tensorboard/Brain_tumor_disease__version_1__events.out.tfevents.1737343473.LAPTOP-15GQC47K.24996.0": {
        "*": H
    },
    "tensorboard/Brain_tumor_disease__version_1__events.out.tfevents.1737343482.LAPTOP-15GQC47K.24996.1": {
        "*": H
    },
    "tensorboard/Brain_tumor_disease__version_3__events.out.tfevents.1737344201.LAPTOP-15GQC47K.9232.0": {
        "*": ({"non-finite"}, {"acc-stuck"})
    },
    "tensorboard/Brain_tumor_disease__version_3__events.out.tfevents.1737344245.LAPTOP-15GQC47K.9232.1": {
        "*": ({"non-finite"}, set())
    },
    "tensorboard/Swahili-Speech-To-Text__train__events.out.tfevents.1628697775."
    "DESKTOP-V1DB051.21044.31250.v2": {"*": H},
    "tensorboard/cv-image-classification__mnist_cnn_version_1__events.out.tfevents.1785443425."
    "squirrels-iMac.local.1798.6": {"*": H},
}
#: left out: fastai/multifit__Training_qrnn_on_ML.txt holds 17 printed tables (language-model
#: fine-tuning and per-language classifiers) that the reader's run splitter merges into runs
#: mixing phases, so no single label describes a run.


def load_demo() -> list[Labelled]:
    out = []
    for case, (exp, acc) in DEMO_LABELS.items():
        extra = ["--majority", "0.890"] if case == "imbalanced" else []
        for run in check_json([DEMO / case], extra)["runs"]:
            out.append(Labelled("demo", run["name"], run["alerts"], exp, acc, not exp))
    group = check_json([DEMO / "eight_runs"])["comparisons"]
    out.append(Labelled("demo", "eight_runs (together)", group, {"runs-disagree"}, set(), False))
    seeds = sorted(DATA.glob("healthy-moons-*.csv"))
    group = check_json(seeds)["comparisons"]
    out.append(Labelled("generated", "healthy-moons x3 (together)", group, set(), set(), True))
    return out


def load_real() -> list[Labelled]:
    if not REAL.is_dir():
        print(f"(real-world logs not found at {REAL}; skipped)")
        return []
    out = []
    for rel, per_run in REAL_LABELS.items():
        for run in check_json([REAL / rel])["runs"]:
            name = run["name"]
            tag = "#" + name.rsplit("#", 1)[1] if "#" in name else "#1"
            exp, acc = per_run[tag] if tag in per_run else per_run["*"]
            healthy = not exp and not acc - INFO
            out.append(Labelled("real", name, run["alerts"], exp, acc, healthy))
    return out


# ------------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    lab: Labelled
    raised: dict[str, str]  # kind -> highest severity


def analyse(lab: Labelled) -> Outcome:
    rank = {"info": 0, "warning": 1, "critical": 2}
    raised: dict[str, str] = {}
    for al in lab.alerts:
        if al["kind"] not in raised or rank[al["severity"]] > rank[raised[al["kind"]]]:
            raised[al["kind"]] = al["severity"]
    return Outcome(lab, raised)


def score(outcomes: list[Outcome]) -> tuple[str, list[str]]:
    rows, notes = [], []
    tot = {"tp": 0, "fp": 0, "fn": 0}
    for kind in SCORED:
        tp = fp = fn = 0
        for o in outcomes:
            exp, ok, got = (
                kind in o.lab.expected,
                kind in o.lab.acceptable or kind == "plateau",
                kind in o.raised,
            )
            if exp and got:
                tp += 1
            elif exp:
                fn += 1
                notes.append(f"missed   {kind:20s} {o.lab.source:9s} {_short(o.lab.name)}")
            elif got and not ok:
                fp += 1
                notes.append(f"false    {kind:20s} {o.lab.source:9s} {_short(o.lab.name)} ({o.raised[kind]})")
        tot["tp"], tot["fp"], tot["fn"] = tot["tp"] + tp, tot["fp"] + fp, tot["fn"] + fn
        rows.append(
            f"| `{kind}` | {tp + fn} | {tp} | {fp} | {fn} | {_ratio(tp, tp + fp)} | {_ratio(tp, tp + fn)} |"
        )
    all_row = (
        f"| all kinds | {tot['tp'] + tot['fn']} | {tot['tp']} | {tot['fp']} | {tot['fn']} | "
        f"{_ratio(tot['tp'], tot['tp'] + tot['fp'])} | {_ratio(tot['tp'], tot['tp'] + tot['fn'])} |"
    )
    head = "| kind | labelled | found | false alerts | missed | precision | recall |\n" + "|---" * 7 + "|"
    return "\n".join([head, *rows, all_row]), notes


def _short(name: str) -> str:
    return name.replace(str(REAL) + "/", "").replace(str(DEMO) + "/", "")


def _ratio(a: int, b: int) -> str:
    return "-" if b == 0 else f"{a / b:.2f}"


def healthy_report(outcomes: list[Outcome]) -> str:
    healthy = [o for o in outcomes if o.lab.healthy]
    loud = [(o, k, s) for o in healthy for k, s in o.raised.items() if s != "info"]
    info = sum(1 for o in healthy for s in o.raised.values() if s == "info")
    by_source = {src: sum(1 for o in healthy if o.lab.source == src) for src in ("generated", "demo", "real")}
    lines = [
        f"healthy runs: {len(healthy)} ({', '.join(f'{v} {k}' for k, v in by_source.items())}); "
        f"warning/critical alerts on them: {len(loud)}; info alerts on them: {info}"
    ]
    lines += [f"  {_short(o.lab.name)}: {k} ({s})" for o, k, s in loud]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print("== truth corpus (benchmarks/truth)")
    print(report(quiet="--quiet" in argv, known_k="--classes" in argv))
    print("\n".join(testers_part(quiet="--quiet" in argv)))
    if "--truth" in argv:
        print(f"\n({time.perf_counter() - started:.0f} s)")
        return 0
    print("\n== older labelled sources (numpy-generated, demo, real-world)")
    labelled = load_generated("--regenerate" in argv) + load_demo() + load_real()
    outcomes = [analyse(lab) for lab in labelled]
    table, notes = score(outcomes)
    n = {src: sum(1 for x in labelled if x.source == src) for src in ("generated", "demo", "real")}
    print(
        f"labelled runs: {len(labelled)} "
        f"({n['generated']} generated, {n['demo']} demo, {n['real']} real-world)"
    )
    print()
    print(table)
    print()
    print(healthy_report(outcomes))
    other = sorted({k for o in outcomes for k in o.raised} - set(SCORED))
    if other:
        print(f"kinds raised that these labels do not cover (not scored): {', '.join(other)}")
    if notes and "--quiet" not in argv:
        print("\nper-run misses and false alerts:")
        print("\n".join(f"  {x}" for x in notes))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
