"""The run's current state in its own numbers (what the app shows when no alert is selected)."""

from __future__ import annotations

from lossacc_tui.analysis.alerts import Alert, StateSegment
from lossacc_tui.analysis.detectors.base import Ctx, value
from lossacc_tui.analysis.explain_parts import Names, mistakes
from lossacc_tui.analysis.mdtext import md_names
from lossacc_tui.analysis.quantities import fmt, fmt_x

STATE_WORDS = {
    "warming-up": "too few evaluations to judge trends yet",
    "both-improving": "the loss improves and accuracy rises or holds (or the loss holds and accuracy rises)",
    "loss-better-acc-worse": "the loss improves while accuracy gets worse",
    "loss-worse-acc-better": "the loss gets worse while accuracy rises or holds",
    "both-worse": "the loss gets worse and accuracy falls (or the loss holds and accuracy falls)",
    "flat": "neither loss nor accuracy moves beyond its own noise",
    "acc-stuck": (
        "accuracy is held where the acc-stuck warning says it is stuck (the count of right answers "
        "does not move, whatever the loss does)"
    ),
    "worse-than-chance": (
        "the loss is above what a uniform guess costs, as the loss-above-chance alert says, whatever "
        "its trend"
    ),
}


def _classes_line(n: Names, ctx: Ctx, active: list[Alert]) -> str:
    """What is known of K, and, when it is not known but an open alert reads one from the run's levels
    (`acc-at-chance`: both splits at 1/K and ln K), that K with its source: one K on the screen, the
    alert's and the summary's (tester 17: "K = 10" in the alert beside "unknown" here)."""
    if ctx.classes.k is None:
        read = sorted({int(a.data["k"]) for a in active if a.kind == "acc-at-chance" and a.data.get("k")})
        if len(read) == 1:
            k = read[0]
            return (
                f"the number of classes is not known (pass --classes K); acc-at-chance reads K = {k} from "
                f"the run's levels (the losses about ln {k}, the accuracies about 1/{k}), not from a "
                "configuration"
            )
    return n.chance()


def run_summary(
    name: str,
    ctx: Ctx,
    state: StateSegment | None,
    active: list[Alert],
    best: tuple[int, int] = (-1, -1),
    unread: tuple[str, list[str]] | None = None,
) -> str:
    """`best`: indices of the best loss and the best accuracy so far (from the tracks). `unread`:
    the words for a run none of whose metrics was read as a loss or an accuracy (`unread.unread_note`)
    and the metric names in them (escaped), said instead of the metrics' split and "No active
    alerts." (nothing was analysed)."""
    n = Names.of(ctx)
    if unread is not None:
        return (
            f"**{md_names(name, [name])}** (no loss or accuracy read, x = {ctx.unit})\n\n"
            f"Not analysed: {md_names(unread[0], [*unread[1], 'val_loss=NAME', 'val_acc=NAME'])}\n"
        )
    lines = [f"**{md_names(name, [name])}** ({ctx.split} metrics, x = {ctx.unit})", ""]
    loss, acc = ctx.loss, ctx.acc
    if loss is not None and len(loss):
        i = len(loss) - 1
        bi = best[0] if best[0] >= 0 else i
        lines.append(
            f"- {loss.name}: {fmt(value(loss, i))} at {ctx.unit} {fmt_x(ctx.x(loss, i))}; best "
            f"{fmt(value(loss, bi))} at {ctx.unit} {fmt_x(ctx.x(loss, bi))}"
            + (
                f" (where {acc.name} was {fmt(value(acc, bi), 4)})"
                if acc is not None and bi < len(acc)
                else ""
            )
        )
    if acc is not None and len(acc):
        j = len(acc) - 1
        bj = best[1] if best[1] >= 0 else j
        lines.append(
            f"- {acc.name}: {fmt(value(acc, j), 4)} at {ctx.unit} {fmt_x(ctx.x(acc, j))}; best "
            f"{fmt(value(acc, bj), 4)} at {ctx.unit} {fmt_x(ctx.x(acc, bj))}"
        )
    if state is not None:
        words = STATE_WORDS[state.state]
        if state.state == "warming-up" and any(a.severity in ("warning", "critical") for a in active):
            # (an alert below judged a trend from these few evaluations: the band's rule waits for
            # more, which "too few to judge trends" beside the warning had read as a contradiction)
            words = (
                "too few evaluations for the state band's own trend reading yet; the alerts below are "
                "judged by their own rules and say how sure they are"
            )
        lines.append(f"- state since {ctx.unit} {fmt_x(state.start)}: **{state.state}**, {words}")
    lines.append(f"- {_classes_line(n, ctx, active)}")
    if loss is not None and acc is not None and len(loss) and len(acc):
        k = min(len(loss), len(acc)) - 1
        lines += ["", mistakes(value(loss, k), value(acc, k), n, f"At {ctx.unit} {fmt_x(ctx.x(loss, k))}")]
    lines.append("")
    if active:
        lines.append(
            f"Active alerts ({len(active)}): " + "; ".join(f"{a.severity}: {a.title}" for a in active)
        )
    else:
        lines.append("No active alerts.")
    # names from the log are data: escaped wherever they enter this Markdown
    logged = [s.name for s in (ctx.loss, ctx.acc, ctx.train, ctx.train_acc, ctx.lr) if s is not None]
    logged += [str(a.data.get("subject") or "") for a in active]
    return "\n".join(lines[:1] + [md_names(line, logged) for line in lines[1:]]) + "\n"
