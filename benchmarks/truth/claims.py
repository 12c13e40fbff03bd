"""Is a claim of `check --json` true of the run? Judged from the per-sample facts in truth.jsonl,
with the truth conditions of FACTS_AND_CLAIMS.md (issue 9).

A claim is `{"id", "strength", "start", "end", "value"?, "evidence"}` with start/end in the log's own
x; a state claim is judged at the evaluation at `end`, a change claim on the change from `start` to
`end`. Judging returns True, False, or None with a reason when the facts cannot decide.
"""

from __future__ import annotations

import math
from typing import Any

CHANGE_IDS = {"fewer-mistakes", "more-mistakes", "predictions-crossing", "loss-rises-beyond-noise"}


class Truth:
    """The facts of one run for one log: rows of one split, mapped to the log's x."""

    def __init__(self, rows: list[dict], labels: dict, epoch_offset: int, x_axis: str) -> None:
        self.rows = rows
        self.labels = labels
        self.offset = epoch_offset
        self.axis = x_axis

    def _key(self, r: dict) -> float | None:
        if self.axis == "step":
            return None if r.get("step") is None else float(r["step"])
        return None if r.get("epoch") is None else float(r["epoch"]) + self.offset

    def at(self, x: Any, split: str = "val") -> dict | None:
        """The evaluation of `split` at log x, else the latest one before it (None if none)."""
        if x is None:
            return None
        best = None
        for r in self.rows:
            k = self._key(r)
            if r["split"] != split or k is None:
                continue
            if k <= float(x) + 1e-9 and (best is None or k >= self._key(best)):  # type: ignore[operator]
                best = r
        return best

    def between(self, start: Any, end: Any, split: str = "val") -> list[dict]:
        """Evaluations of `split` with start < x <= end."""
        out = []
        for r in self.rows:
            k = self._key(r)
            if r["split"] == split and k is not None and float(start) + 1e-9 < k <= float(end) + 1e-9:
                out.append(r)
        return out


def _split(claim: dict) -> str:
    ev = claim.get("evidence") or {}
    for key in ("split", "series", "role"):
        v = claim.get(key, ev.get(key) if isinstance(ev, dict) else None)
        if isinstance(v, str) and v.lower().startswith("train"):
            return "train"
    return "val"


def judge(claim: dict, truth: Truth) -> tuple[bool | None, str]:
    """(verdict, reason): True/False per the facts, or None with why it cannot be judged."""
    cid = claim.get("id")
    split = _split(claim)
    if cid == "not-cross-entropy":
        return (not truth.labels.get("loss_is_cross_entropy", True)), "generator's record"
    if cid == "classes":
        v = claim.get("value")
        if v is None:
            return None, "no value"
        return round(float(v)) == int(truth.labels["k"]), f"claimed {v}, k={truth.labels['k']}"
    if cid == "evaluation-broken":  # every evaluation here is the model's own forward pass on its split
        return bool(truth.labels.get("evaluation_broken", False)), "generator's record"
    if cid == "split-unlike-training":  # validation is a random share of the same data
        return bool(truth.labels.get("split_unlike_training", False)), "generator's record"
    if cid == "label-smoothing":  # the generator's recipe (spec.label_smoothing), as the claim says decides
        return "label-smoothing" in truth.labels.get("built", []), "generator's record"
    if cid == "diverging":
        return _diverging(claim, truth)
    end = truth.at(claim.get("end", claim.get("start")), split)
    if end is None:
        return None, f"no {split} evaluation at or before x={claim.get('end')}"
    if cid in CHANGE_IDS:
        start = truth.at(claim.get("start"), split)
        if start is None:
            return None, f"no {split} evaluation at or before x={claim.get('start')}"
        if cid == "fewer-mistakes":
            return end["n_wrong"] < start["n_wrong"], f"n_wrong {start['n_wrong']} -> {end['n_wrong']}"
        if cid == "more-mistakes":
            return end["n_wrong"] > start["n_wrong"], f"n_wrong {start['n_wrong']} -> {end['n_wrong']}"
        if cid == "loss-rises-beyond-noise":  # the facts can refute the rise, not measure the noise
            # (of the loss the log shows: a weighted one or one with a term added, `objective_loss`)
            key = "objective_loss" if "objective_loss" in end else "loss"
            l0, l1 = start.get(key), end.get(key)
            if l0 is None or l1 is None:
                return None, "loss not finite"
            return l1 > l0, f"loss {l0} -> {l1}"
        flips = [r["flips"] for r in truth.between(claim.get("start"), claim.get("end"), split)]
        known = [f for f in flips if f is not None]
        if not known:
            return None, "no flips recorded in the span"
        return sum(known) > 0.01 * end["n"], f"flips {sum(known)} of n={end['n']}"
    a, n, k = end["accuracy"], end["n"], end["k"]
    if cid in ("mistakes-carry-loss", "right-answers-carry-loss") and "objective_wrong_loss_share" in end:
        # (a weighted loss or one with a term added: the shares of the loss the log shows, which need
        # not sum to 1: the added term carries the rest)
        key = "objective_wrong_loss_share" if cid == "mistakes-carry-loss" else "objective_right_loss_share"
        s = end.get(key)
        if s is None:
            return None, "loss sum 0 or non-finite"
        return s > 0.5, f"{key} {s}"
    if cid in ("mistakes-carry-loss", "right-answers-carry-loss"):
        # (the loss the log shows: under label smoothing, cross-entropy against the smoothed target)
        key = "smoothed_wrong_loss_share" if "smoothed_wrong_loss_share" in end else "wrong_loss_share"
        s = end.get(key)
        if s is None:
            return None, "loss sum 0 or non-finite"
        return (s > 0.5 if cid == "mistakes-carry-loss" else s < 0.5), f"{key} {s}"
    if cid == "confident-mistakes":
        s = end.get("confident_wrong_share")
        return (s is not None and s >= 0.5), f"confident_wrong_share {s}"
    if cid == "one-class-predictor":
        return end["pred_majority_share"] >= 0.9, f"pred_majority_share {end['pred_majority_share']}"
    if a is None:
        return None, "accuracy unknown"
    if cid == "at-majority-rate":
        p = end["majority_rate"]
        tol = max(0.01, 2 * math.sqrt(p * (1 - p) / n))
        return abs(a - p) <= tol, f"accuracy {a} vs majority {p} (tolerance {tol:.3f})"
    if cid == "at-chance":
        p = 1 / k
        tol = max(0.02, 2 * math.sqrt(p * (1 - p) / n))
        loss = end.get("loss")
        ok = abs(a - p) <= tol and loss is not None and abs(loss - math.log(k)) <= 0.1 * math.log(k)
        return ok, f"accuracy {a} vs 1/K {p:.3f}, loss {loss} vs ln K {math.log(k):.3f}"
    if cid in ("overconfident", "underconfident"):
        c = end.get("mean_conf")
        if c is None:
            return None, "mean confidence unknown"
        return (c > a + 0.02 if cid == "overconfident" else c < a - 0.02), f"mean_conf {c} at accuracy {a}"
    return None, f"unknown claim id {cid!r}"


def _diverging(claim: dict, truth: Truth) -> tuple[bool | None, str]:
    """A NaN run diverged when the learning rate took it there (`nan_cause` in labels.json), not when
    the generator injected the NaN; otherwise the run is diverging over the claim's span when its
    training cross-entropy rose."""
    cause = truth.labels.get("nan_cause")
    if cause is not None:
        return cause == "learning-rate", f"NaN entered through: {cause}"
    start, end = truth.at(claim.get("start"), "train"), truth.at(claim.get("end"), "train")
    if start is None or end is None or start.get("loss") is None or end.get("loss") is None:
        return None, "no training facts in the span"
    return end["loss"] > start["loss"], f"training loss {start['loss']} -> {end['loss']}"
