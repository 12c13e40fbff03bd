"""The explanation of `loss-explosion`: a loss far above its best, on an epoch-level series (its
best level against its lowest single value) or on a per-step one (its held level: the median or
mean of its last batches, `analysis/held.py`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.explosion import level_differs
from lossacc_tui.analysis.explain_parts import Names, mistakes
from lossacc_tui.analysis.quantities import arrow, factor, fmt, fmt_x, points, pts
from lossacc_tui.analysis.track import x_column

#: a logged learning rate that rose this many times over one evaluation is a schedule's restart (or a
#: step up), not a rate that drifted
LR_JUMP = 2.0


def _explosion_held(a: Alert, n: Names, name: str) -> list[tuple[str, str]]:
    """`loss-explosion` on a per-step series: its held level (the median of its last batches)."""
    e = a.evidence
    w = int(e["held_of"])
    now = e["value_now"]
    back = math.sqrt(n.params.explosion_factor)  # (where it closes, relative to its lowest)
    stat = "mean" if e.get("held_mean") else "median"
    why = (
        f"Most of {w} batches standing that high is the loss itself moving: a divergence step (a "
        "learning rate too large for the current curvature) or numerics, rather than one bad batch, "
        "which moves a per-batch loss by x10-x100 and not this median, or slow overfitting, which "
        "moves by percents."
        if stat == "median"
        else f"The mean of {w} batches, where one bad batch weighs 1/{w}, is the training loss as an "
        "epoch's mean counts it: its costly batches grew more frequent or costlier and stayed (a "
        "learning rate too large, confidently wrong samples growing more confident), while most "
        "batches may still be cheap."
    )
    return [
        (
            "What happened",
            f"The {stat} of {name}'s last {w} logged values reached {fmt(e['peak_value'])} at {n.unit} "
            f"{fmt_x(e['peak_x'])}, {factor(e['ratio'], 1)} the lowest such {stat} {fmt(e['best_level'])} "
            f"(around {n.unit} {fmt_x(e['best_x'])}); it is "
            + (f"{fmt(now)} now." if math.isfinite(now) else "not known now (no finite values)."),
        ),
        ("Why", why),
        (
            "What to check next",
            f"Compare with the checkpoint at {n.ckpt(e['best_x'])}; lower the learning "
            f"rate{n.lr_note(e['peak_x'])} or add warmup and gradient clipping; look for the first "
            "batches that rose, and for non-finite gradients.",
        ),
        (
            "How sure",
            f"The {stat} of {w} batches rose {factor(e['ratio'], 1)}: a few bad batches cannot do that. It "
            f"closes once this {stat} is back below {fmt(back * e['best_level'])} ({factor(back, 2)} its "
            "lowest) and the other held level of the "
            "loss is back within as much of its own; a level that stays there is a run that diverged.",
        ),
    ]


#: accuracy this much lower at a loss explosion's peak than at its best (a fraction of all samples)
#: is many mistakes more: the text no longer says a few extreme predictions can explain the rise
MANY_CROSSED = 0.1


def _lowest(e: dict[str, float], n: Names) -> str:
    """', the mean of its values there; its lowest single value was V at x' when an explosion's
    best level differs from its lowest value (`explosion.level_differs`), else ''."""
    if not level_differs(e):
        return ""
    return (
        f": a level, the mean of neighbouring values; its lowest single value was {fmt(e['lowest_value'])}"
        f" at {n.unit} {fmt_x(e['lowest_x'])}"
    )


def lr_jump(n: Names, x0: float, x1: float) -> str:
    """The sentence naming a logged learning rate that rose `LR_JUMP` times or more in one
    evaluation at an x in [x0, x1] (from the best level to the peak), as the favoured reading of the
    loss's jump: a schedule's restart (tester h19t 5d: CosineAnnealingWarmRestarts, 3.4e-4 -> 0.02 at
    epoch 11, the training loss x27 two epochs later, read as a divergence); '' when none rose so."""
    lr = n.lr
    if lr is None or not len(lr) or not (math.isfinite(x0) and math.isfinite(x1)):
        return ""
    col = x_column(lr, n.axis)
    if col is None:
        return ""
    raw = np.asarray(lr.raw, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        up = raw[1:] / raw[:-1]
        jumps = np.flatnonzero((raw[:-1] > 0) & (up >= LR_JUMP)) + 1
    lo, hi = int(np.searchsorted(col, x0, side="left")), int(np.searchsorted(col, x1, side="right"))
    here = [int(j) for j in jumps if lo <= j < hi]
    if not here:
        return ""
    j = max(here, key=lambda k: float(up[k - 1]))
    more = (
        f"; the logged rate rose like this {len(jumps)} times in the run, a restarting schedule"
        if len(jumps) > 1
        else ""
    )
    return (
        f"The logged learning rate rose {fmt(float(raw[j - 1]))} -> {fmt(float(raw[j]))} "
        f"({factor(float(up[j - 1]), 0)}) at {n.unit} {fmt_x(float(col[j]))}, before this jump{more}. A "
        "schedule that raises the rate (warm restarts, a cyclic or stepped-up schedule) throws the model "
        "out of the minimum it settled in: the loss jumps, then comes back down as the rate decays (the "
        "favoured reading: the schedule's doing, not a divergence). "
    )


def _explosion(a: Alert, n: Names) -> list[tuple[str, str]]:
    e = a.evidence
    name = a.data.get("subject", n.loss)
    ratio = e["ratio"]
    if "held_of" in e:  # a per-step series, judged on the median of its last batches
        return _explosion_held(a, n, name)
    out = [
        (
            "What happened",
            f"{name} reached {fmt(e['peak_value'])} at {n.unit} {fmt_x(e['peak_x'])}, {factor(ratio, 1)} its "
            f"best level {fmt(e['best_level'])} (around {n.unit} {fmt_x(e['best_x'])}{_lowest(e, n)}); it is "
            + (f"{fmt(e['value_now'])} now." if math.isfinite(e["value_now"]) else "not finite now."),
        )
    ]
    restart = lr_jump(n, e["best_x"], e["peak_x"])
    if "step_acc_before" in e:  # (the step rule: a training-loss step with the accuracy falling)
        out.append(_step(e, n, name))
    elif "acc_at_peak" in e and math.isfinite(e["acc_at_peak"]):
        acc_p, acc_b = e["acc_at_peak"], e["acc_at_best"]
        unbounded = (
            "Cross-entropy has no upper bound: a few predictions that put almost no probability on their "
            "true class can multiply the mean while hardly changing which side of the threshold most "
            "samples fall on."
            if not acc_b - acc_p >= MANY_CROSSED
            # (accuracy fell by a tenth of the samples or more: many mistakes, never "a few")
            else f"Accuracy fell with it: {points(acc_b - acc_p)} more of the samples are on the wrong "
            "side of the threshold, so many predictions went wrong, not only a few extreme ones; how the "
            "loss is spread over them, per-sample losses decide."
        )
        out.append(
            (
                "Why",
                f"{n.acc} went {arrow(acc_b, acc_p, 3)} ({pts(acc_p - acc_b)}) while the loss grew "
                f"{factor(ratio, 1)}. {mistakes(e['peak_value'], acc_p, n, 'At the peak')} {unbounded}",
            )
        )
    else:
        out.append(
            (
                "Why",
                restart
                + (
                    "If the loss does not come back down, the other readings of a jump of "
                    f"{factor(ratio, 1)} "
                    "in one evaluation: a divergence step (the raised rate too large for the current "
                    "curvature), a bad batch, or numerics."
                    if restart
                    else f"A jump of {factor(ratio, 1)} in one evaluation is a divergence step (a learning "
                    "rate too large for the current curvature), a bad batch, or numerics, rather than "
                    "slow overfitting, which moves by percents."
                ),
            )
        )
    out += [
        (
            "What to check next",
            f"Compare with the checkpoint at {n.ckpt(e['best_x'])}; look at the most confident "
            f"mistakes at {n.unit} {fmt_x(e['peak_x'])}; "
            + (
                f"if the spikes cost more than the restarts give back, lower the restart's peak rate"
                f"{n.lr_note(e['peak_x'])} or lengthen its cycles"
                if restart
                else f"lower the learning rate{n.lr_note(e['peak_x'])}"
            )
            + " or add warmup and gradient clipping; check evaluation mode "
            "(dropout, batch-norm statistics) if only validation jumps.",
        ),
    ]
    if "step_acc_before" in e:
        out.append(
            (
                "How sure",
                f"The step is far beyond both series' noise. The alert closes at the next evaluation below "
                f"{fmt(e['best_level'] * 2.24)}, which is no recovery: compare {n.acc} now with "
                f"{fmt(e['step_acc_before'])} before the step, and the checkpoint at {n.ckpt(e['best_x'])} "
                "with the last one.",
            )
        )
    else:
        out.append(
            (
                "How sure",
                f"The jump is {factor(ratio, 1)}, far beyond the series' own noise. If {name} comes back "
                f"below {fmt(e['best_level'] * 2.24)} it closes; a spike that returns is less worrying than "
                "a level that stays.",
            )
        )
    return out


def _step(e: dict[str, float], n: Names, name: str) -> tuple[str, str]:
    """'Why' of an alert `explosion_step` opened: the step against the loss's own
    noise, the accuracy's fall at the same evaluation against its own."""
    z = (e["peak_value"] - e["step_loss_before"]) / e["step_loss_noise"]
    a_b, a_a = e["step_acc_before"], e["step_acc_after"]
    a_z = (a_b - a_a) / e["step_acc_noise"]
    lr = (
        " The logged learning rate did not rise there, so a scheduled restart does not explain it."
        if e.get("step_lr_logged")
        else ""
    )
    return (
        "Why",
        f"{name} went {fmt(e['step_loss_before'])} -> {fmt(e['peak_value'])} from {n.unit} "
        f"{fmt_x(e['step_acc_before_x'])} to {n.unit} {fmt_x(e['peak_x'])}, {z:.0f} times its own "
        f"evaluation-to-evaluation noise ({fmt(e['step_loss_noise'])}), and at that same evaluation "
        f"{n.acc} went {arrow(a_b, a_a, 3)} ({pts(a_a - a_b)}), {a_z:.0f} times its own noise: one "
        "event, not noise or a slow drift. A step this size need not multiply the loss: a resumed run "
        "that lost its optimiser or normalisation state, a change of data or augmentation, or a "
        f"corrupted update moves both at once.{lr}",
    )


EXPLAINERS: dict[str, Callable[[Alert, Names], list[tuple[str, str]]]] = {"loss-explosion": _explosion}
