"""Alert -> Markdown, built from the run's own numbers: what happened, why, what next, how sure."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.claims import render
from lossacc_tui.analysis.confirm import describe
from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.detectors.held_start import explain_held_start
from lossacc_tui.analysis.detectors.non_finite import train_diverged
from lossacc_tui.analysis.explain_explosion import EXPLAINERS as EXPLOSION_EXPLAINERS
from lossacc_tui.analysis.explain_pair import EXPLAINERS as PAIR_EXPLAINERS
from lossacc_tui.analysis.explain_parts import Names, below_baseline, worked_example
from lossacc_tui.analysis.explain_rise import EXPLAINERS as RISE_EXPLAINERS
from lossacc_tui.analysis.explain_still import still_plateau
from lossacc_tui.analysis.mdtext import md_names
from lossacc_tui.analysis.quantities import arrow, count, fmt, fmt_x, pts, times
from lossacc_tui.analysis.quantities import count as count_words

Builder = Callable[[Alert, Names], list[tuple[str, str]]]


def _non_finite(a: Alert, n: Names) -> list[tuple[str, str]]:
    e = a.evidence
    name = a.data.get("subject", n.loss)
    bad = a.data["bad"]
    count = int(e["non_finite_points"])
    lf, lfx = e["last_finite_value"], e["last_finite_x"]
    best, bx = e["best_value"], e["best_x"]
    if math.isfinite(lf) and math.isfinite(lfx):
        before = f" Its last finite value was {fmt(lf)} at {n.unit} {fmt_x(lfx)}"
        if math.isfinite(best) and math.isfinite(bx):
            before += f"; its best was {fmt(best)} at {n.unit} {fmt_x(bx)}"
        before += "."
    else:
        before = f" It has not been finite at any evaluation so far ({n.unit} {fmt_x(a.start)} is the first)."
    between = int(e.get("finite_points_between", 0))
    after, again_x = int(e.get("finite_points_after", 0)), e.get("first_finite_after_x", math.nan)
    recovered = bool(after) and not between and math.isfinite(again_x)  # finite again after one stretch
    if recovered:
        end_x = e.get("last_bad_x", a.start)
        span = (
            f"at {n.unit} {fmt_x(a.start)}"
            if not math.isfinite(end_x) or end_x == a.start
            else f"from {n.unit} {fmt_x(a.start)} to {n.unit} {fmt_x(end_x)}"
        )
        latest, latest_x = e.get("latest_finite_value", math.nan), e.get("latest_finite_x", math.nan)
        if not math.isfinite(lf):
            before = (
                f" {n.unit.capitalize()} {fmt_x(a.start)} is its first evaluation: no value of it before "
                f"{n.unit} {fmt_x(again_x)} is finite."
            )
        if after == 1:
            since = f"the evaluation after it, {n.unit} {fmt_x(again_x)}"
            since += f" ({fmt(latest)})" if math.isfinite(latest) else ""
        else:
            since = f"the {after} evaluations after it, from {n.unit} {fmt_x(again_x)} on"
            since += f" (latest {fmt(latest)} at {n.unit} {fmt_x(latest_x)})" if math.isfinite(latest) else ""
        stretch = count_words(count, "non-finite evaluation")
        what = f"{name} was {bad} {span} ({stretch}), and finite at {since}.{before}"
    elif between:
        seen = count + between
        what = (
            f"{name} is {bad} at {count} of the {seen} evaluations from {n.unit} {fmt_x(a.start)} to its "
            f"latest non-finite one, and finite at the other {between}: the fault comes and goes.{before}"
        )
        latest, latest_x = e.get("latest_finite_value", math.nan), e.get("latest_finite_x", math.nan)
        if math.isfinite(latest) and math.isfinite(latest_x):
            what += f" The latest finite value is {fmt(latest)} at {n.unit} {fmt_x(latest_x)}."
    else:
        what = (
            f"{name} is {bad} from {n.unit} {fmt_x(a.start)} on "
            f"({count_words(count, 'non-finite evaluation')} so far)."
            f"{before}"
        )
    if before.startswith(" Its last finite value"):
        what = what.replace(" Its last finite value was", " Before it, the last finite value was", 1)
    train = e.get("train_loss_now", math.nan)
    if a.kind == "eval-non-finite":
        t0 = e.get("train_loss_at_start", math.nan)
        tr = ""
        bad_x = e.get("train_bad_x", math.nan)
        if math.isfinite(t0) and math.isfinite(train):
            tr = f" The training loss on the same lines went {arrow(t0, train)}."
            if math.isfinite(bad_x):
                tr = tr[:-1] + f", and was not finite at {n.unit} {fmt_x(bad_x)} in between."
        if bad == "infinite":
            why = (
                "Training stays finite, so the weights are not diverging: only the loss computed on the "
                "validation split breaks. A mean cross-entropy is infinite (not NaN) only when some sample "
                "gets probability exactly 0 on its true class, so log(0) is taken: a confident mistake "
                "whose probability underflowed to zero, as in a half-precision softmax or probabilities "
                "clipped or rounded before the log. An empty batch or NaN inputs give NaN instead."
            )
            acc_now = e.get("acc_now", math.nan)
            if math.isfinite(acc_now):
                why += (
                    f" {n.acc} still reads {fmt(acc_now)}, so the predictions themselves are computed; "
                    "a few confident mistakes are enough to make the mean infinite."
                )
        else:
            why = (
                "Training stays finite, so the weights are not diverging: only the loss computed on the "
                "validation split breaks. That is an evaluation-side fault: an empty validation mask or "
                "batch (a mean over nothing is NaN), labels outside the model's classes, log(0) on a "
                "probability of exactly zero, or NaN in validation inputs."
            )
        if not math.isfinite(train) and math.isfinite(t0):  # training broke too, after this opened
            why = (
                f"The training loss was finite ({fmt(t0)}) when this opened, but it is not finite now: the "
                "weights have diverged too (see the non-finite alert on the training loss), so this is no "
                "longer a fault of the evaluation alone."
            )
        elif math.isfinite(bad_x) and math.isfinite(t0):  # training broke too, and came back
            why = (
                f"The training loss was finite ({fmt(t0)}) when this opened, but it was not finite at "
                f"{n.unit} {fmt_x(bad_x)} (see the non-finite alert on the training loss): the training "
                "step broke too, so this is not a fault of the evaluation alone."
            )
        return [
            ("What happened", what + tr),
            ("Why", why),
            (
                "What to check next",
                "Whether the validation loss is computed from probabilities instead of logits, or in half "
                "precision: a log-softmax on float32 logits (`from_logits=True`, the loss outside autocast) "
                "keeps every probability above zero. The worst-predicted validation samples show which "
                "ones underflow.",
            )
            if bad == "infinite"
            else (
                "What to check next",
                "The size of the validation split and mask, the range of its labels against the number of "
                "outputs, and whether the loss is computed from probabilities (log of 0) instead of logits. "
                "Accuracy on that split may still be computed, but a frozen accuracy beside a NaN loss "
                "usually means the predictions are NaN too.",
            ),
        ]
    if not math.isfinite(lf) and recovered:
        why = (
            f"A loss that was not finite from its first evaluation was broken from the start: the loss "
            f"computation or its inputs, more than the optimisation. It is finite from {n.unit} "
            f"{fmt_x(again_x)} on, so whatever broke it no longer does at the latest "
            f"{'evaluation' if after == 1 else 'evaluations'}; the values logged before then tell nothing "
            "of the loss."
        )
    elif not math.isfinite(lf):
        why = (
            "A loss that is never finite was broken from its first evaluation: the loss computation or "
            "its inputs, more than the optimisation."
        )
    elif math.isfinite(best) and best > 0 and lf >= 3 * best:
        why = "The loss was already rising before it overflowed: every gradient after it is NaN and the "
        why += "weights follow."
    elif train_diverged(e.get("train_high", math.nan), e.get("train_best", math.nan)):
        t0, tb = e["train_high"], e["train_best"]
        blew = f"{fmt(t0)}, {times(t0, tb)} its lowest value {fmt(tb)}"
        why = (
            f"{name} was near its best just before, but the training loss at {n.unit} "
            f"{fmt_x(e['train_high_x'])} was already {blew}: training blew up (see the training loss's "
            f"own alert), so {name} most likely broke with it rather than by a fault of the evaluation "
            "alone. Unless the step is skipped (an fp16 loss scaler skips it), every gradient after a NaN is "
            "NaN and the weights follow."
        )
    else:
        why = (
            "The value before it was near the best, so this is a sudden numerical fault (NaN or inf in a "
            "batch or a weight, log(0), fp16 overflow) at least as much as a divergence; unless the step "
            "is skipped (an fp16 loss scaler skips it), every gradient after it is NaN and the weights "
            "follow."
        )
    acc_now = e.get("acc_now", math.nan)
    if math.isfinite(acc_now) and not recovered:  # (finite now: the logits are not NaN now)
        why += (
            f" Meanwhile {n.acc} reads {fmt(acc_now)}: argmax over NaN logits picks a fixed class, so if the "
            "predictions are NaN too, that number only tells the share of that class."
        )
    if math.isfinite(lf) and math.isfinite(best) and best > 0:
        why += f" The last finite value is {times(lf, best)} the best."
    resume = (
        f"Resume from the checkpoint at or before {n.ckpt(bx)}, with a lower learning rate{n.lr_note(lfx)}, "
        if math.isfinite(bx)
        else "Lower the learning rate, add "
    )
    return [
        ("What happened", what),
        ("Why", why),
        (
            "What to check next",
            resume + "gradient clipping, and a check for log(0) or division by zero in a custom loss, fp16 "
            "overflow (loss scaling), or NaN in the input batch.",
        ),
        (
            "How sure",
            f"Certain that the logged {name} is {bad}: {count_words(count, 'value')} "
            f"{'says' if count == 1 else 'say'} so; noise cannot produce it. "
            "What caused it is the open question the checks above answer.",
        ),
    ]


def _plateau(a: Alert, n: Names) -> list[tuple[str, str]]:
    e = a.evidence
    acc_b = e.get("acc_at_best")
    acc_txt = f", where {n.acc} was {fmt(acc_b, 4)}" if acc_b is not None and math.isfinite(acc_b) else ""
    acc_now = e.get("acc_now")
    now_txt = f" and {n.acc} {fmt(acc_now, 4)}" if acc_now is not None and math.isfinite(acc_now) else ""
    since = int(e["evaluations_since_best"])
    pat, delta = n.params.plateau_patience, n.params.plateau_min_delta
    best = (
        f"The best {a.data.get('subject', n.loss)} is {fmt(e['best_value'])} at {n.unit} {fmt_x(e['best_x'])}"
    )
    if since == 0:
        # the latest evaluation is the best, by less than the delta each window asks for: no count
        # of evaluations "since" it to speak of (it read "0 evaluations later", "the last 0")
        happened = f"{best}, its latest evaluation{acc_txt}."
        why = (
            f"Each of the last windows of {pat} evaluations lowered the best by less than {delta:.1%}: "
            "progress at this learning rate has slowed to a crawl, though it has not stopped."
        )
        saves = "the compute of the evaluations still to come"
    else:
        now = fmt(e["value_now"]) if math.isfinite(e["value_now"]) else "not finite"
        later = "one evaluation later" if since == 1 else f"{since:,} evaluations later"
        happened = f"{best}{acc_txt}; {later} it is {now}{now_txt}."
        last = (
            "The evaluation after it did not beat"
            if since == 1
            else f"No evaluation in the last {since:,} beat"
        )
        why = (
            f"{last} {fmt(e['best_value'])} by more than {delta:.1%}: the model has not improved "
            "on this metric at this learning rate since; whether a later evaluation would beat it, the log "
            "cannot say."
        )
        saves = f"the next {count(since, 'evaluation')}' compute"
    if "still_x" in e:
        return still_plateau(a, n, happened)
    return [
        ("What happened", happened),
        ("Why", why),
        (
            "What to check next",
            f"The checkpoint at {n.ckpt(e['best_x'])}{n.since(e['best_x'])} is the one to keep if this "
            f"loss is what you select on; lowering the learning rate (ReduceLROnPlateau) or stopping "
            f"early saves {saves}, at the cost of any new best a longer patience would have reached. "
            "If accuracy still climbs, select on accuracy instead and say so."
            + below_baseline(e.get("acc_at_best", math.nan), e["best_x"], n),
        ),
        (
            "How sure",
            f"Patience is {pat} evaluations; plateaus end. This is informational: it "
            f"closes at the first new best below {fmt(e['best_value'] * (1 - delta))}.",
        ),
    ]


def _mismatch(a: Alert, n: Names) -> list[tuple[str, str]]:
    e = a.evidence
    gap = e["gap"]
    return [
        (
            "What happened",
            f"A later evaluation in this log reports accuracy {fmt(e['later_acc'], 4)} at {n.unit} "
            f"{fmt_x(e['x'])}, while the last logged {n.acc} before it was {fmt(e['logged_acc'], 4)} "
            f"({pts(gap)}).",
        ),
        (
            "Why",
            f"A gap of {abs(gap) * 100:.1f} points between two accuracies of the same model usually means "
            "they are not measuring the same thing: a different split (test vs validation), a different "
            "checkpoint (best restored vs last), train-mode layers during one of them, different "
            "preprocessing, or macro vs micro averaging in a report.",
        ),
        (
            "What to check next",
            f"Which checkpoint produced {fmt(e['later_acc'], 4)}; whether both evaluations use the same data "
            "and transforms; model.eval() / training=False; for a classification report, compare its "
            "'accuracy' row, not the macro average.",
        ),
        (
            "How sure",
            f"Both numbers are in the log; the gap exceeds the {n.params.mismatch_gap * 100:.0f}-point "
            "threshold. It would be expected (not a bug) if the later number is on a differently "
            "distributed test set.",
        ),
    ]


EXPLAINERS: dict[str, Builder] = {
    "non-finite": _non_finite,
    "eval-non-finite": _non_finite,
    "plateau": _plateau,
    "acc-held-start": explain_held_start,
    "metric-mismatch": _mismatch,
    **EXPLOSION_EXPLAINERS,
    **PAIR_EXPLAINERS,
    **RISE_EXPLAINERS,
}


def alert_end_x(alert: Alert, ctx: Ctx) -> float:
    """x of the point an alert's numbers describe (its last point when closed, the latest when open)."""
    i = alert.data.get("at_idx")
    if isinstance(i, int) and i >= 0:
        return ctx.x(ctx.loss if ctx.loss is not None else ctx.acc, i)
    return alert.end if alert.end is not None else alert.start


def tiny_sentence(data: dict[str, object], rise_rel: float, flip_nats: float) -> str:
    """Why a rise `tiny_rise` found is information (from `data["tiny"]`, (n, nats), which the alert's
    severity stored: `detectors.flip.tiny_rise`), or ""."""
    tiny = data.get("tiny")
    if not isinstance(tiny, tuple):
        return ""
    n, nats = tiny
    return (
        f"Information, not a warning: the rise, under {rise_rel:.0%} of the best, comes to {fmt(nats, 3)} "
        f"nats over all {n} samples, less than one confident mistake costs ({fmt(flip_nats, 2)} nats), "
        "and accuracy moved not one sample; it becomes a warning when any of these no longer holds."
    )


_ASK_PROBE = re.compile(r" ?\((?:log them with |logged with )?lossacc_tui\.probe(?: logs them)?\)")


def _probe_there(text: str) -> str:
    """A text that asks for the probe, where the probe's facts are there but do not meet the log."""
    return _ASK_PROBE.sub(" (the probe beside this log has them, but they do not meet its evaluations)", text)


def explain_alert(alert: Alert, ctx: Ctx) -> str:
    """The Markdown explanation of one alert of a run."""
    names = Names.of(ctx, alert)
    build = EXPLAINERS.get(alert.kind)
    logged = [s.name for s in (ctx.loss, ctx.acc, ctx.train, ctx.train_acc, ctx.lr) if s is not None]
    logged.append(str(alert.data.get("subject") or ""))

    def md(text: str) -> str:  # names from the log are data: escaped wherever they enter the Markdown
        return md_names(text, logged)

    if build is None:
        return f"**{md(alert.title)}**"
    parts = [f"**{md(alert.title)}**", ""]
    sections = build(alert, names)
    claimed = tiny_sentence(alert.data, names.params.rise_rel, names.params.flip_nats)
    claimed = (claimed + " " + render(alert.claims)).strip()
    if claimed:
        heads = [h for h, _ in sections]
        if "How sure" in heads:
            k = heads.index("How sure")
            sections[k] = ("How sure", f"{sections[k][1]} {claimed}")
        else:
            sections.append(("How sure", claimed))
    # the probe's facts at the x its claims are about (a val-loss-unstable alert's claims are about
    # its high point, not its end), else at the point the alert's numbers describe
    about = {c.end for c in alert.claims if c.id != "classes" and math.isfinite(c.end)}
    at_x = about.pop() if len(about) == 1 else alert_end_x(alert, ctx)
    facts = ctx.facts(at_x) if ctx.facts is not None else None
    quoted = describe(facts, names.unit, float(facts.get("epoch") or facts.get("step") or 0)) if facts else ""
    note = ctx.facts.note() if ctx.facts is not None and hasattr(ctx.facts, "note") else ""
    if note and not facts:  # a probe is there: do not ask for one
        sections = [(h, _probe_there(b)) for h, b in sections]
    quoted = " ".join(filter(None, (quoted, note)))
    if quoted:
        k = next((j for j, (h, _) in enumerate(sections) if h == "What to check next"), len(sections))
        sections.insert(k, ("Per-sample facts (probe)", quoted))
    for head, body in sections:
        parts += [f"**{head}.** {md(body)}", ""]
    if alert.kind in ("loss-up-acc-up", "loss-down-acc-down", "acc-flat-loss-down"):
        example = worked_example(alert, names)
        if example:
            parts += [md(example), ""]
    return "\n".join(parts).rstrip() + "\n"
