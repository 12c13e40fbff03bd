"""A loss rise that one or two samples can account for: a sample flip, not a trend.

A mean loss over n samples that rose by d nats rose by d x n nats in total. When the evaluation set's
size n is known from the accuracy's grid (`resolution.GridEstimate.n_likely`), and that total is at
most what `flip_samples` confident mistakes cost (`flip_nats` each: ln 1000 = 6.9 nats, a mistake
putting 1/1000 on its true class) while accuracy moved by at most `flip_samples` samples, one or two
samples turning into (or growing as) confident mistakes explain the whole rise. The alert saying
the loss rose (`overfitting`, `loss-up-acc-up`) is then information with the reading named; it is a
warning once the rise grows past that total or keeps growing (`steady_run` evaluations in a row).

Worked example (the Lightning wine run of the truth corpus, 53 validation samples): val_loss
0.0245 -> 0.0697 is 0.045 x 53 = 2.4 nats in all, while accuracy went 1.0 -> 0.981 (one sample);
the per-sample facts show that one sample carrying 93-98 % of the loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.alerts import Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, classes_claim, value
from lossacc_tui.analysis.detectors.guess import guess_claim, guess_reading
from lossacc_tui.analysis.detectors.rise import coarse
from lossacc_tui.analysis.detectors.smoothing import rise_on_floor
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.model import Series


@dataclass(frozen=True)
class Flip:
    """A rise that few samples explain: its size in total nats and samples (n known)."""

    n: int  # evaluation-set size the accuracy's values reveal
    nats: float  # (highest loss of the span - best) x n, nats in total over the set
    moved: int  # samples the accuracy moved between the best and now
    bound: float  # flip_samples x flip_nats


def flip_reading(
    ctx: Ctx,
    series: Series | None,
    best: float,
    peak: float,
    acc0: float,
    acc1: float,
    i: int,
    trend: bool = False,
) -> Flip | None:
    """The sample-flip reading of a rise from `best` to `peak` (nats, mean) while accuracy went
    `acc0` -> `acc1` (fractions), judged at point i of `series`; None when n is unknown, the rise
    is larger than `flip_samples` confident mistakes, accuracy moved more samples, or the loss is
    still growing (steady), or `trend`: the alert's span held a slow rise (`rise.slow_rise`: the line
    through 10 or more evaluations since the best rises significantly), which is a trend, not a flip
    (a validation loss up 24 % over 70 epochs at 14 unchanged mistakes of 300, their share of the loss
    0.77 -> 0.92, had been called a sample flip and information)."""
    p = ctx.params
    n = ctx.acc_n_likely(i) if ctx.acc_n_likely is not None else None
    if n is None or not all(math.isfinite(v) for v in (best, peak, acc0, acc1)) or peak <= best:
        return None
    nats = (peak - best) * n
    moved = round(abs(acc1 - acc0) * n)
    bound = p.flip_samples * p.flip_nats
    if trend or nats > bound or moved > p.flip_samples or _growing(series, i, p.steady_run):
        return None
    return Flip(n, nats, moved, bound)


def _growing(series: Series | None, i: int, run: int) -> bool:
    """The loss grew at each of the last `run` evaluations up to i (a coarsely printed repeat neither
    breaks nor extends the run: `rise.rises_in_a_row`)."""
    if series is None or i < run:
        return False
    v = np.array([value(series, k) for k in range(i - run, i + 1)])
    with quiet(invalid="ignore"):
        rose = v[1:] > v[:-1]
        held = (v[1:] == v[:-1]) & coarse(v[1:])
    return bool((rose | held).all() and rose.any())


def grew_steadily(alert_data: dict[str, object], series: Series | None, idx: np.ndarray, run: int) -> None:
    """Latch `trend` in an open rise alert's data once the loss has grown at each of `run`
    evaluations in a row at any point of `idx` (point indices of the chunk the alert spans): the
    sample-flip reading, refuted there, stays refuted while the alert is open. Read only at the
    latest point, the refutation came and went with each evaluation that did not grow (tester 21's
    Lightning BCE run: overfitting warning -> info -> warning 8 times in 130 steps while the loss rose
    0.0626 -> 0.1). Every point is judged once, whatever the chunking, so live equals one-shot."""
    if alert_data.get("trend") or series is None:
        return
    for i in idx:
        if _growing(series, int(i), run):
            alert_data["trend"] = True
            return


def tiny_rise(
    ctx: Ctx, best: float, peak: float, acc0: float, acc1: float, i: int
) -> tuple[int, float] | None:
    """Whether a rise from `best` to `peak` (nats, mean) stays below `rise_rel` of the best (only the
    steady rule calls it risen) and costs less in all than one confident mistake (`flip_nats`) over the
    evaluation set's n samples (known from the accuracy's grid at point i), while accuracy `acc0` ->
    `acc1` (fractions) moved not one sample: however steadily it grows, not one prediction has changed
    class for it, so it is information until it amounts to a sample or to `rise_rel` (tester 15's
    `perstep`: val_loss 0.05866 -> 0.05956, +1.5 %, at every evaluation, 0.27 nats over 300 samples,
    the same 6 mistakes and not one prediction changed). Returns (n, the rise in nats over all n
    samples) when it is, else None."""
    p = ctx.params
    n = ctx.acc_n_likely(i) if ctx.acc_n_likely is not None else None
    if n is None or not all(math.isfinite(v) for v in (best, peak, acc0, acc1)) or not 0 < best < peak:
        return None
    small = peak < best * (1 + p.rise_rel) and (peak - best) * n < p.flip_nats
    return (n, (peak - best) * n) if small and round(abs(acc1 - acc0) * n) == 0 else None


def flip_claim(f: Flip, x0: float, x1: float, loss_name: str, unit: str) -> Claim:
    """The `predictions-crossing` claim naming the sample-flip reading (`possible`)."""
    who = "one sample" if f.moved <= 1 else f"{f.moved} samples"
    return Claim(
        "predictions-crossing",
        "possible",
        x0,
        x1,
        f"the rise is a sample flip, not a trend: over the {f.n} samples of the evaluation set "
        f"{loss_name} rose {fmt(f.nats, 3)} nats in all between {unit} {fmt_x(x0)} and {fmt_x(x1)}, less "
        f"than the {fmt(f.bound, 3)} nats two confident mistakes cost (probability 1/1000 on the true "
        f"class), and accuracy moved by {who if f.moved else 'no sample'}",
        evidence={"n": float(f.n), "rise_nats_total": f.nats, "samples_moved": float(f.moved)},
        others=(
            "Another reading: the start of a trend; the alert becomes a warning if the rise grows past "
            f"{fmt(f.bound, 3)} nats in all or keeps growing. Per-sample losses decide (lossacc_tui.probe)"
        ),
    )


def rise_severity(ctx: Ctx, flip: Flip | None, x0: float, x1: float, tiny: object = None) -> Severity:
    """A loss rise from x0 to x1 (`overfitting`, `loss-up-acc-up`) is information when a sample
    flip explains it, it is smaller than one confident mistake with no sample moved (`tiny`,
    `tiny_rise`), the model fits nothing (`base_rate.guess_reading`), or right answers settle at a
    smoothed training target's confidence with no more mistakes (`smoothing.rise_on_floor`), else a
    warning."""
    if flip is not None or tiny is not None:
        return "info"
    if guess_reading(ctx, x0, x1) is not None or rise_on_floor(ctx, x0, x1) is not None:
        return "info"
    return "warning"


def rise_readings(
    ctx: Ctx, flip: Flip | None, x0: float, x1: float, loss_name: str, unit: str
) -> list[Claim]:
    """The first claims of a loss rise from x0 to x1: the class count, then the sample-flip and the
    fits-nothing readings when they hold."""
    out = classes_claim(ctx, x0, x1)
    if flip is not None:
        out.append(flip_claim(flip, x0, x1, loss_name, unit))
    guess = guess_reading(ctx, x0, x1)
    if guess is not None:
        out.append(guess_claim(guess, x0, x1, loss_name))
    return out
