"""Whether the logged loss is likely not a plain mean cross-entropy over the evaluated samples.

The cross-entropy arithmetic of the explanations (each mistake costs at least ln 2, a right answer
at most ln K, a mistake's average cost between two bounds) holds only for a mean cross-entropy.
Nothing in a log confirms that; two things can contradict it:

- the numbers: at the run's first evaluation (accuracy already above 0.6) AND at its lowest loss
  (after the first), a mean cross-entropy would need
  mistakes averaging over `ABSURD_NATS` nats each (geometric-mean probability below 2e-9 on their
  true class) for them to carry half of the loss, and right answers costing over ln K each (K
  unknown: over ln 10^4) for those to carry the other half. A model that is that sure of its mistakes
  at its best evaluation, and from its first one on, is not what a training loop makes; a sum over
  a batch (reduction='sum'), a loss scaled by a constant, class weights or an auxiliary term are
  (tester 21: a per-batch sum of 32, val_loss 46.1 at accuracy 0.69 at its first evaluation, 7.9
  at 0.937 at its lowest).
- the names: a configuration file beside the log (`classes.config_texts`) or a metric name that
  names an objective other than cross-entropy (focal loss, distillation, pos_weight, class weights,
  a sum reduction).

`doubt(ctx)` gives the sentence that says which, or "" (then the arithmetic is still conditional on
the loss being a mean cross-entropy, which the texts say).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.analysis.ce_premise import hedge_premise
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.classes import config_texts
from lossacc_tui.analysis.quantities import fmt, fmt_x

if TYPE_CHECKING:
    from lossacc_tui.analysis.detectors.base import Ctx

#: nats a mistake would average to carry half of the loss, past which a mean cross-entropy is not
#: read (-ln 2e-9: a float32 softmax reaches it only with logit gaps over 20 at every mistake)
ABSURD_NATS = 20.0
#: the accuracy at the first evaluation above which a model classifies (above chance for any K >= 2):
#: a run blowing up from its start (tester 21 bce_lr: BCE with logits at lr 0.3, val_loss 3112 at
#: accuracy 0.354, then 116 at 0.952; its mistakes really cost hundreds of nats) is below it
WELL_ABOVE_CHANCE = 0.6
#: ln of the class count a right answer's cost would need, K unknown (10^4 classes)
ABSURD_LN_K = math.log(1e4)

#: the usual reasons a logged loss is not a mean cross-entropy (named in every doubt)
CAUSES = (
    "a sum over the batch instead of a mean (reduction='sum'), class weights or pos_weight, focal "
    "loss, distillation, an auxiliary term added to it, or a multi-label loss averaged over its labels"
)

#: what the texts call a multi-label reading (`named_objective`, `doubt_sentence`)
MULTI_LABEL = "multi-label classification"
#: metric names that say a sample carries several labels: subset (exact-match) accuracy, Hamming
#: loss or score, micro-averaged F1 (tester 22: BCE averaged over 3 labels beside subset accuracy,
#: where the cheapest wrong sample cost 0.236 nats, not ln 2)
_MULTI_METRIC = re.compile(r"multi_?label|subset_?acc|exact_?match|hamming|f1_?micro|micro_?f1", re.I)

#: objectives named in a configuration file or a metric name: (pattern, what it is)
_NAMED = (
    (re.compile(r"focal", re.I), "focal loss"),
    # (not "distilbert": a model fine-tuned with plain cross-entropy)
    (re.compile(r"(?<![a-z])distill(?:ation)?(?![a-z])|(?<![a-z])kd(?![a-z])|kl_?div", re.I), "distillation"),
    (re.compile(r"pos_?weight", re.I), "pos_weight"),
    (re.compile(r"class_?weights?(?![a-z])", re.I), "class weights"),
    (re.compile(r"reduction\W{0,4}sum", re.I), "a sum reduction"),
    # a term the loop adds to the loss it logs: a metric of its own (`val_reg_loss`, `aux_loss`), a
    # coefficient (`l2_lambda`, `aux_weight`), a Keras layer regulariser (Keras adds it to `loss` and
    # `val_loss`). Not `weight_decay`: optimisers (AdamW, SGD's argument) apply it outside the loss
    (
        re.compile(
            r"(?<![a-z])(?:reg_?loss|l2_?(?:loss|reg|penalty|lambda)|lambda_?l2|aux(?:iliary)?_?(?:loss|weight)"
            r"|penalty|(?:kernel|bias|activity)_regularizer)(?![a-z])",
            re.I,
        ),
        "a term added to the loss",
    ),
    # (Hugging Face's problem_type; a loss class or flag named so)
    (re.compile(r"multi_?label", re.I), MULTI_LABEL),
)
#: what a coefficient set to 1 means: nothing for a weight (pos_weight 1 weighs nothing), a term at
#: full weight for an added one
_ONE_IS_ON = ("a term added to the loss",)


def named_objective(texts: Iterable[tuple[str, str]], names: Iterable[str]) -> str:
    """Where an objective other than a plain mean cross-entropy is named: "focal loss (named in
    config.json)", "distillation (metric val_kd_loss)", or ""."""
    for name in names:
        for pat, what in _NAMED:
            if pat.search(name):
                return f"{what} (metric {name})"
        if _MULTI_METRIC.search(name):
            return f"{MULTI_LABEL} (metric {name})"
    for file, text in texts:
        for pat, what in _NAMED:
            m = pat.search(text)
            if m and not _off(text, m.end(), what not in _ONE_IS_ON):
                return f"{what} (named in {file})"
    return ""


def _off(text: str, end: int, one_off: bool = True) -> bool:
    """Whether the key matched just before `end` is set off: `false`, `null`, `none`, 0 (and 1 when
    `one_off`: a weight of 1 weighs nothing)."""
    rest = re.match(r"""["']?\s*[:=]\s*["']?([A-Za-z0-9.]*)""", text[end : end + 40])
    off = ("false", "null", "none", "0", "0.0", "no") + (("1", "1.0") if one_off else ())
    return bool(rest) and rest.group(1).lower() in off  # type: ignore[union-attr]


def absurd(loss: float, acc: float, k: int | None) -> bool:
    """Whether a mean cross-entropy `loss` (nats) at accuracy `acc` needs both absurd readings:
    mistakes over ABSURD_NATS each to carry half of it, right answers over ln K each for the rest."""
    if not (math.isfinite(loss) and math.isfinite(acc)) or not 0.0 < acc < 1.0 or loss <= 0:
        return False
    cap = math.log(k) if k is not None and k >= 2 else ABSURD_LN_K
    return loss / (2 * (1 - acc)) > ABSURD_NATS and loss / (2 * acc) > cap


def _pairs(ctx: Ctx) -> tuple[np.ndarray, np.ndarray, int]:
    """The primary (loss, accuracy) values logged together (index i of both: they are logged at the
    same evaluations when their lengths differ by at most one) and the absolute index of the first."""
    loss, acc = ctx.loss, ctx.acc
    if loss is None or acc is None or abs(len(loss) - len(acc)) > 1:
        return np.empty(0), np.empty(0), 0
    lo, n = max(loss.base, acc.base), min(len(loss), len(acc))
    if n <= lo:
        return np.empty(0), np.empty(0), 0
    return loss.raw[lo - loss.base : n - loss.base], acc.raw[lo - acc.base : n - acc.base], lo


def _usable(lv: np.ndarray, av: np.ndarray) -> np.ndarray:
    """The pairs the numbers' test reads: finite, accuracy strictly between 0 and 1, loss above 0."""
    return np.isfinite(lv) & np.isfinite(av) & (av > 0) & (av < 1) & (lv > 0)


def first_and_best(ctx: Ctx, lv: np.ndarray, av: np.ndarray, lo: int) -> tuple[int, int] | None:
    """(the first usable pair, the usable pair of the lowest loss: the earliest of equals), as
    indices into `lv` and `av`, or None when no pair is usable. Kept in `ctx.shared` and extended
    by the pairs logged since (a live summary asks at every frame: a scan of the whole history was
    1 ms at 100,000 points; the analysis' scan of its snapshot serves the live series of the same
    names); scanned again whole when the series start elsewhere, are shorter, or the kept pairs no
    longer read the same (a scale read again: percent accuracies).

    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(shared={}, loss=None, acc=None)
    >>> lv, av = np.array([2.0, 0.5, 0.7, 0.5]), np.array([0.7, 0.8, np.nan, 0.9])
    >>> first_and_best(ctx, lv[:2], av[:2], 0), first_and_best(ctx, lv, av, 0)
    ((0, 1), (0, 1))
    """
    names = (getattr(ctx.loss, "name", None), getattr(ctx.acc, "name", None))
    key = ("mean_ce_scan", *names)  # (by name: the analysis' snapshot of a series, then the live one)
    kept = ctx.shared.get(key)
    n = len(lv)
    if kept is not None:
        k_lo, k_n, first, best, seen = kept
        same = k_lo == lo and k_n <= n and (first is None or seen == _pair_at(lv, av, first, best))
        if not same:
            kept = None
    if kept is None:
        k_n, first, best = 0, None, None
    if n > k_n:
        seg_ok = _usable(lv[k_n:], av[k_n:])
        if seg_ok.any():
            if first is None:
                first = k_n + int(np.argmax(seg_ok))
            j = k_n + int(np.argmin(np.where(seg_ok, lv[k_n:], np.inf)))
            if best is None or lv[j] < lv[best]:
                best = j
    ctx.shared[key] = (lo, n, first, best, _pair_at(lv, av, first, best) if first is not None else None)
    return None if first is None or best is None else (first, best)


def _pair_at(lv: np.ndarray, av: np.ndarray, first: int, best: int | None) -> tuple[float, ...]:
    """The kept pairs' values, to tell the same history from a rescaled one."""
    b = first if best is None else best
    return float(lv[first]), float(av[first]), float(lv[b]), float(av[b])


def numbers_doubt(ctx: Ctx) -> str:
    """The sentence saying why the logged numbers contradict a mean cross-entropy, or ""."""
    lv, av, lo = _pairs(ctx)
    got = first_and_best(ctx, lv, av, lo)
    if got is None:
        return ""
    first, best = got
    k = ctx.classes.k
    lb, ab = float(lv[best]), float(av[best])
    # (the loss must have fallen to its lowest after the first evaluation: a run diverging from its
    # first evaluation on, its lowest the first, is a mean cross-entropy blowing up: truth corpus nan-lr)
    if (
        best == first
        or av[first] < WELL_ABOVE_CHANCE
        or not absurd(float(lv[first]), float(av[first]), k)
        or lb / (2 * (1 - ab)) <= ABSURD_NATS
    ):
        return ""
    assert ctx.loss is not None and ctx.acc is not None
    ln, an, unit = ctx.loss.name, ctx.acc.name, ctx.unit

    def at(i: int) -> str:
        x = ctx.x(ctx.loss, lo + i)
        return f"{fmt(float(lv[i]))} at {an} {fmt(float(av[i]), 3)} ({unit} {fmt_x(x)})"

    k_words = f"to cost over ln {k}, more than K = {k} allows" if k else "more than 10^4 classes"
    return (
        f"{ln} {at(first)} at the first evaluation and still {at(best)} at its lowest: as a mean "
        f"cross-entropy its mistakes would average over {ABSURD_NATS:.0f} nats each (under 2e-9 on their "
        f"true class) to carry half of it at both, and right answers would need {k_words} to carry the "
        "other half at the first"
    )


def probe_ce(ctx: Ctx) -> bool:
    """Whether the run's probe confirms the loss is a single-label mean cross-entropy of the
    evaluated samples: its own (per-sample mean) loss is the logged one at every evaluation they
    share (`probe_align.FactsLookup.ce_confirmed`; tester 25 F8)."""
    confirmed = getattr(ctx.facts, "ce_confirmed", None)
    return bool(confirmed()) if callable(confirmed) else False


def doubt(ctx: Ctx) -> str:
    """Why the logged loss is likely not a plain mean cross-entropy ("" when nothing says so, or
    when the probe confirms it is one: `probe_ce`): the numbers (`numbers_doubt`) or an objective
    the run's configuration or metric names name. Cached per analysis context and series lengths."""
    if probe_ce(ctx):
        return ""
    loss, acc = ctx.loss, ctx.acc
    key = ("mean_ce", len(loss) if loss else 0, len(acc) if acc else 0, loss.base if loss else 0)
    got = ctx.shared.get(key)
    if isinstance(got, str):
        return got
    said = numbers_doubt(ctx)
    if not said and ctx.objective:
        said = f"the run names {ctx.objective}"
    ctx.shared[key] = said
    return said


@functools.lru_cache(maxsize=4096)
def objective_of(log_path: str, names: tuple[str, ...]) -> str:
    """`named_objective` over the configuration files beside the log (`classes.config_texts`)."""
    return named_objective(config_texts(log_path), names)


def doubt_sentence(ctx: Ctx, said: str) -> str:
    """The sentence the explanations give for a doubt `said` (from `doubt`)."""
    ln = ctx.loss.name if ctx.loss is not None else "the loss"
    if MULTI_LABEL in said:
        return (
            f"{ln} is likely not a single-label cross-entropy (one decision per sample): {said}. Averaged "
            "over L labels and scored by subset accuracy, a wrong sample costs at least ln 2 / L, not ln 2 "
            "(one wrong label of L), and a right one up to ln 2 (every label barely right), so no cost per "
            "sample is read from this loss."
        )
    return (
        f"{ln} is likely not a mean cross-entropy over the evaluated samples: {said}. The usual causes: "
        f"{CAUSES}. The cross-entropy arithmetic (a mistake costs at least ln 2, a right answer at most "
        "ln K) holds only for a single-label mean cross-entropy, so no cost per sample is read from this "
        "loss."
    )


#: claims that read the loss as a mean cross-entropy
_CE = ("mistakes-carry-loss", "right-answers-carry-loss", "confident-mistakes", "underconfident")


def mean_ce_claims(ctx: Ctx, claims: list[Claim]) -> list[Claim]:
    """`claims` with those resting on the cross-entropy arithmetic hedged when the loss is likely not
    a mean cross-entropy (`doubt`): who carries the loss stays a `possible` reading without the costs
    per sample (which would be the arithmetic's), confident mistakes and underconfidence are dropped
    (nothing left supports them). When nothing doubts it, the readings that hold only for a plain mean
    cross-entropy are `likely` only if the loss's name says it is one (`ce_premise.hedge_premise`)."""
    if not any(c.id in _CE for c in claims):
        return claims
    said = doubt(ctx)
    if not said:
        if probe_ce(ctx):  # (the probe measured it: nothing left to hedge)
            return claims
        return hedge_premise(ctx.loss.name if ctx.loss is not None else "the loss", claims)
    out: list[Claim] = []
    why = doubt_sentence(ctx, said)
    ln = ctx.loss.name if ctx.loss is not None else "the loss"
    what = "a multi-label loss" if MULTI_LABEL in said else "not a mean cross-entropy"
    for c in claims:
        if c.id in ("confident-mistakes", "underconfident"):
            continue
        if c.id not in _CE:
            out.append(c)
            continue
        loss, acc = c.evidence.get("loss", math.nan), c.evidence.get("acc", math.nan)
        where = f"at {ctx.unit} {fmt_x(c.end)}"
        if math.isfinite(loss) and math.isfinite(acc):
            where += f" ({ln} {fmt(loss)}, {ctx.acc.name if ctx.acc else 'accuracy'} {fmt(acc, 4)})"
        who = "mistakes" if c.id == "mistakes-carry-loss" else "right answers"
        out.append(
            Claim(
                c.id,
                "possible",
                c.start,
                c.end,
                f"{where} {who} may carry most of the loss; what each sample costs cannot be read from "
                f"{ln}: it is likely {what}",
                value=c.value,
                evidence=c.evidence,
                others=why + " Per-sample losses decide (log them with lossacc_tui.probe)",
            )
        )
    return out
