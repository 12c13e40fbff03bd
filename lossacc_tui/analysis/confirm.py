"""Claims decided by per-sample facts logged beside the run (a probe sidecar, schema 1 of
`lossacc_probe.jsonl`): a claim the facts make true becomes `confirmed`, one they make false
`refuted`, with the facts as its evidence. Claims the facts cannot decide keep their strength.

The truth of each claim id (the same rules the truth corpus is scored with):

- mistakes-carry-loss: wrong_loss_share > 0.5; right-answers-carry-loss: < 0.5 (at `end`)
- confident-mistakes: confident_wrong_share >= 0.5
- one-class-predictor: pred_majority_share >= 0.9
- at-majority-rate: |accuracy - majority_rate| within max(0.01, 2 binomial standard errors)
- at-chance: accuracy within max(0.02, 2 s.e.) of 1/k and loss within 10 % of ln k
- overconfident / underconfident: mean confidence above / below accuracy by more than 0.02
- fewer-mistakes / more-mistakes: n_wrong at `end` below / above n_wrong at `start`
- predictions-crossing: flips summed over (start, end] above 1 % of n
- model-hardly-changed: the flips at `end` (samples that changed class since the evaluation before
  it) at most 1 % of n

>>> facts = {"n": 100, "k": 2, "accuracy": 0.9, "loss": 0.3, "n_wrong": 10, "wrong_loss_share": 0.8}
>>> c = Claim("mistakes-carry-loss", "possible", 3.0, 3.0, "mistakes may carry it")
>>> decide([c], lambda x: facts, "val")[0].strength
'confirmed'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.quantities import fmt, fmt_x

#: facts of one evaluation (a probe record) at or before x, or None
FactsAt = Callable[[float], dict[str, Any] | None]


#: the share of the samples changing class between two evaluations above which the model changed
FLIP_SHARE = 0.01


def _num(d: dict[str, Any] | None, key: str) -> float | None:
    if d is None:
        return None
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def share(s: float) -> str:
    """A fraction as a percentage with enough decimals that it reads 0% or 100% only when it is
    exactly that (0.9997 is '99.97%', not '100%').

    >>> share(0.9997), share(1.0), share(0.5), share(0.0004)
    ('99.97%', '100%', '50%', '0.04%')
    """
    for d in range(4):
        t = f"{s * 100:.{d}f}%"
        if s in (0.0, 1.0) or float(t[:-1]) not in (0.0, 100.0):
            return t
    return t


def _se(p: float, n: float) -> float:
    return 2.0 * math.sqrt(max(p * (1 - p), 0.0) / n) if n > 0 else 0.0


def truth(claim: Claim, end: dict[str, Any] | None, start: dict[str, Any] | None) -> bool | None:
    """Whether the facts make the claim true (None: they cannot tell)."""
    i = claim.id
    if i in ("mistakes-carry-loss", "right-answers-carry-loss"):
        s = _num(end, "wrong_loss_share")
        if s is None:
            return None
        return s > 0.5 if i == "mistakes-carry-loss" else s < 0.5
    if i == "confident-mistakes":
        s = _num(end, "confident_wrong_share")
        return None if s is None else s >= 0.5
    if i == "one-class-predictor":
        s = _num(end, "pred_majority_share")
        return None if s is None else s >= 0.9
    acc, n = _num(end, "accuracy"), _num(end, "n")
    if i == "model-hardly-changed":
        flips = _num(end, "flips")
        return None if flips is None or n is None or n <= 0 else flips <= FLIP_SHARE * n
    if i == "at-majority-rate":
        m = _num(end, "majority_rate")
        if acc is None or m is None or n is None:
            return None
        return abs(acc - m) <= max(0.01, _se(m, n))
    if i == "at-chance":
        k, loss = _num(end, "k"), _num(end, "loss")
        if acc is None or k is None or loss is None or n is None or k < 2:
            return None
        return abs(acc - 1 / k) <= max(0.02, _se(1 / k, n)) and abs(loss / math.log(k) - 1) <= 0.1
    if i in ("overconfident", "underconfident"):
        conf = _num(end, "mean_conf")
        if conf is None or acc is None:
            return None
        return conf > acc + 0.02 if i == "overconfident" else conf < acc - 0.02
    if i in ("fewer-mistakes", "more-mistakes"):
        w1, w0 = _num(end, "n_wrong"), _num(start, "n_wrong")
        if w1 is None or w0 is None or _num(end, "n") != _num(start, "n"):
            return None
        return w1 < w0 if i == "fewer-mistakes" else w1 > w0
    return None


def describe(facts: dict[str, Any], unit: str, x: float) -> str:
    """The per-sample facts of one evaluation, as the explanation quotes them."""
    parts = []
    n, wrong = _num(facts, "n"), _num(facts, "n_wrong")
    sh, conf_w = _num(facts, "wrong_loss_share"), _num(facts, "confident_wrong")
    if n is not None and wrong is not None and sh is not None:
        text = f"{share(sh)} of the loss comes from the {int(wrong)} misclassified samples of {int(n)}"
        if conf_w is not None:
            text += f", {int(conf_w)} of them wrong with confidence above 0.9"
        parts.append(text)
    cr, cw = _num(facts, "conf_right"), _num(facts, "conf_wrong")
    if cr is not None:
        parts.append(f"right answers are held with mean confidence {fmt(cr, 3)}")
    if cw is not None:
        parts.append(f"mistakes with {fmt(cw, 3)}")
    ece = _num(facts, "ece")
    if ece is not None:
        parts.append(f"ECE {fmt(ece, 3)}")
    flips = _num(facts, "flips")
    if flips is not None:
        to_r, to_w = _num(facts, "flips_to_right"), _num(facts, "flips_to_wrong")
        f = f"{int(flips)} samples changed class since the previous evaluation"
        if to_r is not None and to_w is not None:
            f += f" ({int(to_r)} to right, {int(to_w)} to wrong)"
        parts.append(f)
    pm = _num(facts, "pred_majority_share")
    if pm is not None:
        parts.append(f"{pm:.0%} of samples are predicted as the most predicted class")
    if not parts:
        return ""
    return f"At {unit} {fmt_x(x)}: " + "; ".join(parts) + "."


#: what each claim id asserts, said as a fact once the probe confirms it (the claim's own text may
#: hedge, "may carry", or give reasoning the probe does not check)
MEANING: dict[str, str] = {
    "mistakes-carry-loss": "mistakes carry most of the loss",
    "right-answers-carry-loss": "right answers carry most of the loss",
    "confident-mistakes": "at least half the mistakes are made with confidence above 0.9",
    "one-class-predictor": "at least 90% of samples are predicted as one class",
    "at-majority-rate": "accuracy is at the majority rate",
    "at-chance": "accuracy and loss are at chance",
    "overconfident": "mean confidence is above accuracy",
    "underconfident": "mean confidence is below accuracy",
    "fewer-mistakes": "fewer samples are wrong",
    "more-mistakes": "more samples are wrong",
    "model-hardly-changed": "the model hardly changed: at most 1% of the samples changed class",
}


def _fact(i: str, end: dict[str, Any] | None, start: dict[str, Any] | None) -> str:
    """The probe's numbers that decide claim id i (empty when it has none to quote)."""
    acc = _num(end, "accuracy")
    if i in ("mistakes-carry-loss", "right-answers-carry-loss"):
        s, w, n = _num(end, "wrong_loss_share"), _num(end, "n_wrong"), _num(end, "n")
        who = (
            f"the {int(w)} misclassified samples of {int(n)}"
            if w is not None and n is not None
            else "mistakes"
        )
        return f"{who} carry {share(s)} of the loss" if s is not None else ""
    if i == "confident-mistakes":
        s = _num(end, "confident_wrong_share")
        return f"{s:.0%} of the mistakes are made with confidence above 0.9" if s is not None else ""
    if i == "one-class-predictor":
        s = _num(end, "pred_majority_share")
        return f"{s:.0%} of samples are predicted as the most predicted class" if s is not None else ""
    if i == "at-majority-rate":
        m = _num(end, "majority_rate")
        return (
            f"accuracy {fmt(acc, 4)}, majority rate {fmt(m, 4)}" if acc is not None and m is not None else ""
        )
    if i in ("overconfident", "underconfident"):
        c = _num(end, "mean_conf")
        return (
            f"mean confidence {fmt(c, 4)} at accuracy {fmt(acc, 4)}"
            if c is not None and acc is not None
            else ""
        )
    if i in ("fewer-mistakes", "more-mistakes"):
        w0, w1 = _num(start, "n_wrong"), _num(end, "n_wrong")
        return f"{int(w0)} -> {int(w1)} misclassified samples" if w0 is not None and w1 is not None else ""
    if i == "model-hardly-changed":
        f, n = _num(end, "flips"), _num(end, "n")
        return (
            f"{int(f)} of its {int(n)} samples changed class since the evaluation before"
            if f is not None and n is not None
            else ""
        )
    return ""


def _decided_text(c: Claim, verdict: bool, fact: str, unit: str) -> str:
    """A decided claim's text: a confirmed one says what its id means, with the probe's numbers (no
    hedge, no unchecked reasoning); a refuted one keeps what it said and adds the numbers."""
    if verdict and c.id in MEANING:
        return f"at {unit} {fmt_x(c.end)} {MEANING[c.id]}" + (f": {fact}" if fact else "")
    return c.text.rstrip(".") + (f"; the probe at {unit} {fmt_x(c.end)}: {fact}" if fact else "")


def decide(claims: list[Claim], facts_at: FactsAt | None, split: str, unit: str = "x") -> list[Claim]:
    """Claims with their strength set to confirmed/refuted where the facts decide them; `unit`
    (epoch, step) names the claim's x in the text of a decided claim."""
    if facts_at is None:
        return claims
    out = []
    for c in claims:
        if c.id == "classes":  # (a `follows` claim is decided too: with K from the probe, the
            # K bound makes mistakes-carry-loss follow, and the probe's facts still check it)
            out.append(c)
            continue
        end = facts_at(c.end)
        start = facts_at(c.start) if c.start != c.end else end
        verdict = truth(c, end, start)
        if verdict is None:
            out.append(c)
            continue
        ev = dict(c.evidence)
        for key in ("wrong_loss_share", "confident_wrong_share", "pred_majority_share", "n_wrong", "n"):
            v = _num(end, key)
            if v is not None:
                ev[f"probe_{key}"] = v
        text = _decided_text(c, verdict, _fact(c.id, end, start), unit)
        out.append(
            replace(c, strength="confirmed" if verdict else "refuted", evidence=ev, others="", text=text)
        )
    return out
