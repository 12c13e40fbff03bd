"""The explanation of val-loss-unstable: the validation loss swinging while accuracy holds, and how
often it rose and fell back."""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.explain_parts import STEP, Names, mistakes
from lossacc_tui.analysis.quantities import count, factor, fmt, fmt_x, within


def unstable(a: Alert, n: Names) -> list[tuple[str, str]]:
    """val-loss-unstable's explanation: (heading, paragraph) pairs, as `explain_pair.EXPLAINERS` give."""
    e = a.evidence
    a0, a1 = e.get("acc_at_low", math.nan), e["acc_at_high"]
    dl = e["loss_high"] - e["loss_low"]
    moved = abs(a1 - a0) if math.isfinite(a0) and math.isfinite(a1) else math.nan
    if math.isfinite(moved):
        crossing = moved * STEP
        counts = (
            f"From the trough to the high, {n.acc} went {fmt(a0, 4)} -> {fmt(a1, 4)}: net, "
            f"{moved * 100:.1f} points of the samples changed sides (samples moving both ways cancel in "
            f"this count). Had each of them only crossed the threshold (p = 0.51 <-> 0.49), they would move "
            f"the mean loss by about {moved:.4f} x {fmt(STEP, 3)} = {crossing:.4f} nats; the loss rose "
            f"{fmt(dl)}, so the rest is predictions whose confidence changed, not their count."
        )
    else:
        counts = ""
    return [
        (
            "What happened",
            f"{n.loss} rose from {fmt(e['loss_low'])} ({n.unit} {fmt_x(e['loss_low_x'])}) to "
            f"{fmt(e['loss_high'])} ({n.unit} {fmt_x(e['loss_high_x'])}), "
            f"{factor(e['ratio'], 1, lead=True)}, while "
            f"{n.acc} stayed {within(e['acc_low'], e['acc_high'], 4)}.",
        ),
        (
            "Why",
            "Accuracy counts only which side of the threshold each prediction lands on; cross-entropy also "
            f"charges for confidence, without bound for a confident mistake. {counts} Either a handful of "
            "extremely confident wrong predictions dominate an unbounded mean, or many predictions were "
            "pushed far towards one class at once. "
            f"{mistakes(e['loss_high'], e['acc_at_high'], n, 'At the high point')}",
        ),
        (
            "What to check next",
            "The learning rate and momentum (large steps on weights of rare, large-valued inputs), input "
            "normalisation, evaluation mode, and numerics (logits in the hundreds overflow float16). List "
            f"the validation rows with the highest loss at {n.unit} {fmt_x(e['loss_high_x'])} and the "
            "classes "
            "they were predicted as: a few rows carrying most of it, or one class for most rows, tells the "
            "two readings apart.",
        ),
        (
            "How sure",
            f"That the rise is confidence more than counts follows from the logged numbers (a "
            f"{factor(e['ratio'], 1, lead=True)} swing with accuracy within "
            f"{(e['acc_high'] - e['acc_low']) * 100:.1f} points); which samples carry it, per-row losses "
            f"decide. {_repeats(e, n)}{_held_critical(e, n)}",
        ),
    ]


def _repeats(e: dict[str, float], n: Names) -> str:
    """How often the loss rose and fell (`ValLossUnstable.moves`), and what that is evidence of."""
    rises, fell = e.get("rises", math.nan), bool(e.get("fell_back"))
    if rises == 1 and fell:
        return (
            f"So far {n.loss} rose once and fell back: one spike, which one evaluation set drawing a "
            "few more costly samples, or one bad step, also gives. It is information until the loss "
            "rises again after falling (a loss that keeps swinging is a warning); a spike far above "
            "the best is loss-explosion's."
        )
    if rises == 1:
        return f"{n.loss} has not fallen back from this rise yet."
    if rises >= 2:
        return f"{n.loss} rose {count(int(rises), 'time')} with a fall between: it keeps swinging."
    return ""


def _held_critical(e: dict[str, float], n: Names) -> str:
    """Why the alert is critical when the swing it describes is not: an earlier high of its span."""
    if "critical_x" not in e:
        return ""
    return (
        f" At {n.unit} {fmt_x(e['critical_x'])} {n.loss} {fmt(e['critical_loss'])} needed "
        f"{fmt(e['critical_per_mistake'], 3)} nats a mistake even if right answers cost nothing: that "
        "made the span critical, and it stays so while the alert is open."
    )
