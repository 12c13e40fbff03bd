"""Phenomena of a run, checked from its per-sample facts, and the alert kinds each one makes
expected, acceptable or forbidden.

A run's labels name the phenomena it was built to show AND that its facts show (both); one that
was built in but does not show is kept under `not_shown`, one that shows without being built in
under `also_shown` (its kinds become acceptable, never expected). Kind names are fnmatch
patterns so kinds added later under a descriptive name (`*chance*`, `*majority*`) are matched.
"""

from __future__ import annotations

import math
from typing import Any

#: phenomenon -> (what it means, kinds any one of which detects it, kinds also acceptable, forbidden)
PHENOMENA: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    "healthy": (
        "converges; validation loss at the end within 10 % of its best, nothing non-finite",
        [],
        [],
        [],
    ),
    "underconfident": (
        "early evaluations have mean confidence below accuracy - 0.02",
        ["underconfiden*", "acc-flat-loss-down"],
        [],
        ["high-loss-good-acc"],
    ),
    "label-smoothing": (
        "trained and evaluated with label-smoothed cross-entropy (healthy otherwise)",
        [],
        ["underconfiden*", "acc-flat-loss-down", "metric-mismatch", "*cross-entropy*"],
        ["high-loss-good-acc"],
    ),
    "overfitting": (
        "validation cross-entropy >= 1.1x its best at the last 2 evaluations while the "
        "training cross-entropy is below its value at the best",
        ["overfitting", "loss-up-acc-up", "val-*degrad*"],
        ["plateau", "high-loss-good-acc", "val-loss-unstable", "overconfiden*"],
        [],
    ),
    "confident-mistakes": (
        "at the last evaluation >= half the mistakes have confidence > 0.9",
        ["loss-up-acc-up", "high-loss-good-acc", "overfitting", "val-loss-unstable"],
        ["overconfiden*"],
        [],
    ),
    "label-noise": (
        "a share of all labels flipped to another class",
        ["overfitting", "loss-up-acc-up"],
        [
            "high-loss-good-acc",
            "val-loss-unstable",
            "acc-flat-loss-down",
            "loss-down-acc-down",
            "overconfiden*",
            "plateau",
        ],
        [],
    ),
    "unstable": (
        "a learning rate too high: after the second evaluation the validation cross-entropy reaches "
        ">= 2x its running best and drops by >= 20 % from one evaluation to the next at least twice",
        ["loss-explosion", "val-loss-unstable"],
        [
            "overfitting",
            "loss-up-acc-up",
            "loss-down-acc-down",
            "high-loss-good-acc",
            "acc-stuck",
            "plateau",
            "overconfiden*",
        ],
        [],
    ),
    "non-finite": (
        "NaN in the logged loss (huge learning rate or a NaN input)",
        ["non-finite"],
        ["loss-explosion", "acc-stuck", "*chance*", "*majority*", "plateau"],
        [],
    ),
    "loss-spike": (
        "after the first evaluation, the validation cross-entropy or the training loss as the loop logged "
        "it (the mean over an epoch's batches) reaches >= 5x its running best (loss-explosion's default "
        "factor): a learning rate too high for some steps",
        ["loss-explosion"],
        ["val-loss-unstable"],
        [],
    ),
    "at-majority-rate": (
        "last evaluation: accuracy at the majority rate and >= 90 % predicted as one class",
        ["acc-stuck", "*majority*"],
        ["acc-flat-loss-down", "*chance*", "underconfiden*", "plateau"],
        [],
    ),
    "at-chance": (
        "random labels: last evaluation at accuracy ~ 1/K with loss within 10 % of ln K",
        ["acc-stuck", "*chance*"],
        ["overfitting", "loss-up-acc-up", "*majority*", "plateau", "val-*degrad*"],
        [],
    ),
    "val-degrading": (
        "validation cross-entropy >= 1.1x its best and accuracy >= 2 points below its value there at the "
        "last 2 evaluations, while the training cross-entropy is within 5 % of its value at the best",
        ["val-*degrad*"],
        ["loss-explosion", "high-loss-good-acc", "val-loss-unstable", "plateau"],
        ["overfitting"],
    ),
    "prior-shift": (
        "the validation split's class shares are not the training split's (binary: the validation "
        "majority is the training minority), by construction",
        [],
        ["val-unlike-train", "*split*", "acc-stuck", "acc-flat-loss-down", "loss-down-acc-down"],
        ["*chance*"],
    ),
    "not-cross-entropy": (
        "the logged loss/accuracy pair is not cross-entropy and accuracy of the same "
        "predictions (MSE loss; sparse labels with a one-hot accuracy metric)",
        ["metric-mismatch", "*cross-entropy*", "*mismatch*"],
        ["acc-flat-loss-down", "plateau", "acc-stuck", "underconfiden*"],
        ["high-loss-good-acc", "loss-down-acc-down"],
    ),
}

#: phenomena that a kind at info severity detects (the others need warning or critical)
INFO_PHENOMENA = {"underconfident"}


def _val(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["split"] == "val"]


def _train(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["split"] == "train"]


def _loss(r: dict) -> float:
    """The evaluation's loss for the phenomena of its course: the logged loss where the run's objective
    weights its samples or adds a term (`objective_loss`: what it minimises and logs), else the
    mean cross-entropy."""
    v = r.get("objective_loss", r.get("loss"))
    return math.nan if v is None else float(v)


def checks(rows: list[dict]) -> dict[str, dict[str, Any]]:
    """Each phenomenon's check on the facts: {"shown": bool, "evidence": {...}}."""
    val, train = _val(rows), _train(rows)
    vl = [_loss(r) for r in val]
    tl = [_loss(r) for r in train]
    out: dict[str, dict[str, Any]] = {}
    nonfinite = any(not math.isfinite(v) for v in vl + tl)
    out["non-finite"] = {
        "shown": nonfinite,
        "evidence": {"non_finite_evaluations": sum(not math.isfinite(v) for v in vl)},
    }
    fin = [v for v in vl if math.isfinite(v)]
    best_i = min(range(len(vl)), key=lambda i: vl[i] if math.isfinite(vl[i]) else math.inf)
    best = vl[best_i]
    tail = vl[-2:]
    over = (
        not nonfinite
        and len(vl) >= 3
        and all(v >= 1.1 * best for v in tail)
        and all(t < tl[best_i] for t in tl[-2:])
    )
    out["overfitting"] = {
        "shown": over,
        "evidence": {"best_eval": best_i, "best_loss": best, "last_losses": tail},
    }
    va = [r["accuracy"] for r in val]
    degr = (
        not nonfinite
        and len(vl) >= 3
        and all(v >= 1.1 * best for v in tail)
        and all(a is not None and va[best_i] is not None and a <= va[best_i] - 0.02 for a in va[-2:])
        and all(abs(t - tl[best_i]) <= 0.05 * tl[best_i] for t in tl[-2:])
    )
    out["val-degrading"] = {
        "shown": degr,
        "evidence": {
            "best_eval": best_i,
            "acc_at_best": va[best_i],
            "last_accs": va[-2:],
            "last_train": tl[-2:],
        },
    }
    # unstable: far above its running best at some point, and swinging (not a steady climb): at least
    # two drops of >= 20 % between consecutive evaluations after the second
    fin_pairs = [(e, vl[e], min(vl[:e])) for e in range(2, len(vl)) if all(map(math.isfinite, vl[: e + 1]))]
    jump = max((v / m for _, v, m in fin_pairs if m > 0), default=None)
    drops = sum(1 for e, v, _ in fin_pairs if v <= 0.8 * vl[e - 1])
    unstable = jump is not None and jump >= 2.0 and drops >= 2
    out["unstable"] = {
        "shown": unstable,
        "evidence": {"max_over_running_best": jump, "drops_over_20pct": drops},
    }

    # a spike of the validation loss, or of the logged training loss (inside an epoch: the
    # end-of-epoch facts do not see it)
    def spikes(vals: list) -> list[int]:
        return [
            e
            for e in range(1, len(vals))
            if vals[e] is not None
            and all(v is not None and math.isfinite(v) for v in vals[: e + 1])
            and vals[e] >= 5 * min(vals[:e])
        ]

    sp_val, sp_train = spikes(vl), spikes([r.get("logged_loss") for r in train])
    out["loss-spike"] = {
        "shown": bool(sp_val or sp_train),
        "evidence": {"val_evaluations": sp_val, "logged_train_evaluations": sp_train},
    }
    last = val[-1]
    cws = last.get("confident_wrong_share")
    out["confident-mistakes"] = {
        "shown": cws is not None and cws >= 0.5 and last["n_wrong"] > 0,
        "evidence": {"confident_wrong_share": cws},
    }
    half = val[: max(1, len(val) // 2)]
    under = [
        r["epoch"]
        for r in half
        if r["mean_conf"] is not None and r["accuracy"] is not None and r["mean_conf"] < r["accuracy"] - 0.02
    ]
    out["underconfident"] = {"shown": bool(under), "evidence": {"epochs": under}}
    a, n, k = last["accuracy"], last["n"], last["k"]
    maj = (
        a is not None
        and abs(a - last["majority_rate"]) <= max(0.01, 2 * math.sqrt(a * (1 - a) / n))
        and last["pred_majority_share"] >= 0.9
    )
    out["at-majority-rate"] = {
        "shown": bool(maj),
        "evidence": {
            "accuracy": a,
            "majority_rate": last["majority_rate"],
            "pred_majority_share": last["pred_majority_share"],
        },
    }
    lk = math.log(k)
    ch = (
        a is not None
        and abs(a - 1 / k) <= max(0.02, 2 * math.sqrt(a * (1 - a) / n))
        and last["loss"] is not None
        and abs(last["loss"] - lk) <= 0.1 * lk
    )
    out["at-chance"] = {"shown": bool(ch), "evidence": {"accuracy": a, "loss": last["loss"], "ln_k": lk}}
    healthy = (
        not nonfinite
        and not over
        and not degr
        and not out["unstable"]["shown"]
        and fin
        and vl[-1] <= 1.1 * best
        and not maj
        and not ch
    )
    out["healthy"] = {"shown": bool(healthy), "evidence": {"last_loss": vl[-1], "best_loss": best}}
    # known to the generator, not visible in the facts: shown whenever built in
    for p in ("label-smoothing", "label-noise", "not-cross-entropy", "prior-shift"):
        out[p] = {"shown": True, "evidence": {"by_construction_only": True}}
    return out


def label(built: list[str], rows: list[dict], loss_is_ce: bool) -> dict[str, Any]:
    """labels.json content (without file/split keys) for a run built to show `built`."""
    c = checks(rows)
    shown = [p for p in built if c[p]["shown"]]
    not_shown = [p for p in built if not c[p]["shown"]]
    also = [
        p
        for p, v in c.items()
        if v["shown"] and p not in built and not v["evidence"].get("by_construction_only") and p != "healthy"
    ]
    expected: list[str] = []
    acceptable: set[str] = set()
    forbidden: set[str] = set()
    for p in shown:
        _, det, acc, forb = PHENOMENA[p]
        acceptable |= set(det) | set(acc)
        forbidden |= set(forb)
    for p in not_shown + also:
        _, det, acc, _ = PHENOMENA[p]
        acceptable |= set(det) | set(acc)
    for p in shown:
        expected += [f"{p}: any of {', '.join(PHENOMENA[p][1])}"] if PHENOMENA[p][1] else []
    return {
        "phenomena": shown,
        "not_shown": not_shown,
        "also_shown": also,
        "checks": c,
        "expected": expected,
        "acceptable": sorted(acceptable | {"plateau"}),
        "forbidden": sorted(forbidden),
        "loss_is_cross_entropy": loss_is_ce,
    }
