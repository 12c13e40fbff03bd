"""What one (loss, accuracy) pair forces and what it only allows, when the loss is mean
cross-entropy (nats) of the predictions the accuracy counts.

Bounds used (each sample's cross-entropy is -ln p_true):

- a misclassified sample puts at most 1/2 on its true class (another class scores at least as
  high), so it costs at least ln 2;
- a correctly classified sample puts at least 1/K on its true class, so it costs at most ln K;
- hence loss >= (1 - a) ln 2 always, and the share of the loss carried by mistakes is at least
  max((1 - a) ln 2, loss - a ln K) / loss and at most 1 (exactly 0 when a = 1).

A pair below the floor cannot be cross-entropy with accuracy of the same predictions (a glitched
evaluation, a loss that is not cross-entropy, labels the metric reads differently).

>>> lo, hi = wrong_share_bounds(0.20, 0.80, None)
>>> round(lo, 3), hi
(0.693, 1.0)
>>> wrong_share_bounds(0.05, 1.0, 10)
(0.0, 0.0)
>>> below_floor(1.1921e-07, 0.1190)
True
"""

from __future__ import annotations

import math

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.quantities import LN2, arrow, fmt, fmt_x, pct

#: a logged loss this far below the cross-entropy floor (relative, plus an absolute slack for
#: values printed with 4 decimals) is inconsistent with the accuracy beside it
FLOOR_REL_SLACK = 0.03
FLOOR_ABS_SLACK = 5e-4


def floor(acc: float) -> float:
    """Smallest mean cross-entropy (nats) compatible with accuracy `acc` (a fraction)."""
    return max(0.0, 1.0 - acc) * LN2


def below_floor(loss: float, acc: float) -> bool:
    """True when `loss` is clearly below (1 - acc) ln 2: not cross-entropy of the same predictions."""
    if not (math.isfinite(loss) and math.isfinite(acc)) or not 0.0 <= acc <= 1.0:
        return False
    return loss < floor(acc) * (1.0 - FLOOR_REL_SLACK) - FLOOR_ABS_SLACK


#: nats a right answer can cost only with more than a million classes (ln 10^6): beyond it, the
#: reading "right answers carry the loss" is no reading of a real classifier
RIGHT_PLAUSIBLE = math.log(1e6)


def wrong_share_bounds(loss: float, acc: float, k: int | None) -> tuple[float, float]:
    """Interval of the share of the loss that misclassified samples carry (fractions).

    Raises nothing; returns (nan, nan) when the numbers are not finite or the loss is not positive.
    """
    if not (math.isfinite(loss) and math.isfinite(acc)) or loss <= 0:
        return (math.nan, math.nan)
    if acc >= 1.0:
        return (0.0, 0.0)
    lo = (1.0 - acc) * LN2
    if k is not None:
        lo = max(lo, loss - acc * math.log(k))
    return (min(1.0, lo / loss), 1.0)


def mistake_cost_bounds(loss: float, acc: float, k: int | None) -> tuple[float, float]:
    """Interval of the mean cross-entropy of a misclassified sample (nats): at least ln 2 (and at
    least (loss - a ln K) / (1 - a) with K known), at most loss / (1 - a) (right answers free)."""
    if not (math.isfinite(loss) and math.isfinite(acc)) or acc >= 1.0:
        return (math.nan, math.nan)
    wrong = 1.0 - acc
    lo = LN2
    if k is not None:
        lo = max(lo, (loss - acc * math.log(k)) / wrong)
    return (lo, max(lo, loss / wrong))


def prob(nats: float) -> str:
    """exp(-nats) as people read a probability."""
    if not math.isfinite(nats):
        return "0"
    if nats > 300 * math.log(10):  # (below 1e-300 the float runs into its denormals: 4.9e-324 is
        return "below 1e-300"  # exp(-745) rounded, no probability the model computed)
    p = math.exp(-nats)
    return fmt(p, 3) if p >= 1e-3 else f"{p:.1e}"


def calibrated_loss_max(acc: float, k: int | None) -> float:
    """The most mean cross-entropy (nats) a calibrated model can have at accuracy `acc`: with
    confidence c on its top class a calibrated model costs H(c) + (1 - c) ln(K - 1) at most in
    expectation, concave in c, so by Jensen at most H(a) + (1 - a) ln(K - 1) on average. K unknown
    or 2: the two-class bound H(a). A loss above it cannot come from a calibrated model."""
    if not 0.0 < acc < 1.0:
        return 0.0
    h = -(acc * math.log(acc) + (1 - acc) * math.log(1 - acc))
    return h + ((1 - acc) * math.log(k - 1) if k is not None and k > 2 else 0.0)


def mistake_share_if_right_no_costlier(
    loss0: float, acc0: float, loss1: float, acc1: float, k: int | None
) -> float:
    """The least share (fraction) of mean loss `loss1` that mistakes carry at accuracy `acc1`, if the
    samples right at both evaluations cost no more than they did at (loss0, acc0), nats and fractions.

    At the first evaluation the right answers carry at most loss0 - (1 - acc0) ln 2 (every mistake costs
    at least ln 2); samples right only at the second add at most ln K each (their class the most
    probable of K), so with accuracy risen and K unknown nothing follows (0.0). Then
    share >= 1 - (that right-answer cost) / loss1. A rise of a few percent on a loss the right answers
    may carry leaves it small (tester: 0.0326 -> 0.0344 at 0.984 gives 38 %, the truth 33 %).

    >>> round(mistake_share_if_right_no_costlier(0.3427, 0.84, 0.5458, 0.837, None), 3)
    0.575
    """
    if not all(math.isfinite(v) for v in (loss0, acc0, loss1, acc1)) or loss1 <= 0:
        return 0.0
    right = max(0.0, loss0 - (1.0 - acc0) * LN2)
    if acc1 > acc0:
        if k is None:
            return 0.0
        right += (acc1 - acc0) * math.log(k)
    return max(0.0, 1.0 - right / loss1)


def mistakes_change(
    acc0: float,
    acc1: float,
    x0: float,
    x1: float,
    noise: float,
    aname: str,
    unit: str,
    n: int | None = None,
    counts: tuple[int, int] = (10, 10),
    n_near: int | None = None,
) -> list[Claim]:
    """fewer-mistakes / more-mistakes between two evaluations of the same split (the sample set is
    the same, so accuracy moving is the count of mistakes moving), or nothing when it did not move.

    The id and strength together say what the numbers force: `follows` only when the net change is
    beyond twice `noise` (a fraction: the accuracy's own evaluation-to-evaluation noise over the
    span, `span_noise`; with `n`, the samples the accuracy is measured on, at least one sample), so
    predictions crossing both ways between evaluations cannot make it; `possible`, with the text
    saying so, when it is within that or the noise is unknown (tester 19: 80-166 flips at each
    evaluation of a 750-sample split beside a net change of 5 had read `fewer-mistakes (follows)`).
    With `n` the change is also given in samples. `counts`: how many evaluations the noise was read
    from at x0 and at x1 (`series_at.span_noise_counts`; under 3 gave none there), as the words say.
    `n_near`: another set size the values fit as well as `n` (`GridEstimate.n_near`): the size is
    then said as "about n-n_near", not as a fact (tester h19t: "of the 1,999 samples" where the
    values fit 1,999 to 2,001 and the set held 2,000).

    >>> [(c.id, c.strength) for c in mistakes_change(0.80, 0.78, 0, 9, 0.004, "acc", "epoch", 1000)]
    [('more-mistakes', 'follows')]
    >>> [(c.id, c.strength) for c in mistakes_change(0.7067, 0.7133, 0, 9, 0.004, "acc", "epoch", 750)]
    [('fewer-mistakes', 'possible')]
    """
    if not (math.isfinite(acc0) and math.isfinite(acc1)) or acc1 == acc0:
        return []
    d = acc1 - acc0
    known = math.isfinite(noise) and noise >= 0
    sig = max(noise if known else 0.0, 1.0 / n if n else 0.0)
    more = "fewer" if d > 0 else "more"
    c = _count(abs(d), n)
    # (in whole samples where they are known: 0.9825 -> 0.9708 printed to 4 decimals is 2 of 171,
    # which twice a one-sample noise does not exceed, whatever the rounding of the printed values)
    trend = known and (c > 2 * sig * n * (1 + 1e-9) if c and n else abs(d) > 2 * sig)
    net = "" if trend else "on net "
    text = f"{aname} went {arrow(acc0, acc1, 4)} from {unit} {fmt_x(x0)} to {fmt_x(x1)}: " + (
        f"{net}{c:,} {more} of the {_size(n, n_near)} samples are wrong ({_points(abs(d))} points)"
        if c and n
        else f"{net}{_points(abs(d))} points {more} samples are wrong"
    )
    others = ""
    # (which noise: one evaluation's, at the span's ends; named apart from the noise of a level, a
    # mean over several evaluations, that other sentences quote, and with its factor worked out)
    one = n is not None and n > 0 and (not known or noise < 1.0 / n)
    said = float(_points(sig)) / 100  # (as printed, so that "twice" checks)
    noise_words = f"{_points(2 * said)} points, twice " + (
        f"one sample of the {_size(n, n_near)} ({_points(sig)} points; {aname}'s "
        "evaluation-to-evaluation noise is less)"
        if one
        else f"{aname}'s single-evaluation noise at the span's ends ({_points(sig)} points: "
        f"{_noise_from(counts, x0, x1, unit)})"
    )
    if trend:
        text += f", beyond {noise_words}"
    else:
        if known:
            text += f", within {noise_words}"
        else:
            text += ", with too few evaluations to measure its own noise"
        text += ": predictions may cross both ways between evaluations, so this net count may not be a trend"
        others = "The next evaluations decide: a count that keeps moving the same way is a trend"
    return [
        Claim(
            "fewer-mistakes" if d > 0 else "more-mistakes",
            "follows" if trend else "possible",
            x0,
            x1,
            text,
            value=-d,
            evidence={"acc_start": acc0, "acc_end": acc1, "noise": sig if known else math.nan},
            others=others,
        )
    ]


def _size(n: int, n_near: int | None) -> str:
    """A set's size as the words give it: "2,000", or "about 1,999-2,001" when another size fits."""
    if n_near is None or n_near == n:
        return f"{n:,}"
    lo, hi = sorted((n, n_near))
    return f"about {lo:,}-{hi:,}"


def _noise_from(counts: tuple[int, int], x0: float, x1: float, unit: str) -> str:
    """Where a span's noise was read: "the larger of its noise over the 4 evaluations up to epoch 3
    and over the 10 up to epoch 299", or the one end with 3 or more evaluations."""
    ends = [(c, x) for c, x in zip(counts, (x0, x1), strict=True) if c >= 3]
    if len(ends) == 2:
        (c0, e0), (c1, e1) = ends
        return (
            f"the larger of its noise over the {c0} evaluations up to {unit} {fmt_x(e0)} and over the "
            f"{c1} up to {unit} {fmt_x(e1)}"
        )
    if ends:
        c, e = ends[0]
        return f"its noise over the {c} evaluations up to {unit} {fmt_x(e)}"
    return "too few evaluations at either end to read it"


def _count(d: float, n: int | None) -> int:
    """The count of samples an accuracy change `d` (a fraction) is on `n` samples when d x n is a
    whole number (within 0.05), else 0."""
    if not n or not math.isfinite(d):
        return 0
    c = d * n
    return round(c) if abs(c - round(c)) <= 0.05 else 0


def _points(d: float) -> str:
    """A non-negative accuracy change in points, with the digits that keep it from reading 0.0."""
    return f"{d * 100:.1f}" if d * 100 >= 0.05 else f"{d * 100:.2g}"


def rise_claims(
    best: float, now: float, noise: float, x0: float, x1: float, name: str, unit: str
) -> list[Claim]:
    """loss-rises-beyond-noise: `follows` when the rise is over twice the series' own noise,
    `possible` when the run is too short to measure that noise, nothing otherwise."""
    rise = now - best
    if not math.isfinite(rise) or rise <= 0:
        return []
    span = f"{name} rose {arrow(best, now)} from {unit} {fmt_x(x0)} to {fmt_x(x1)}"
    if not math.isfinite(noise):
        return [
            Claim(
                "loss-rises-beyond-noise",
                "possible",
                x0,
                x1,
                f"{span}, but there are too few evaluations to measure its own noise",
                value=rise,
                others="A few more evaluations decide whether the rise holds",
            )
        ]
    if rise <= 2 * noise:
        return []
    z = ""
    if noise <= 1e-9 * max(abs(best), abs(now)):  # float rounding, not a measurement (4.97e-17)
        z = ", where its evaluations vary by no measurable amount"
    elif noise > 0:
        # a smooth curve's second differences are tiny: past 100 the ratio says nothing more
        times = f"{rise / noise:.1f} times" if rise / noise < 100 else "over 100 times"
        z = f", {times} its own evaluation noise {fmt(noise)}"
    return [
        Claim("loss-rises-beyond-noise", "follows", x0, x1, span + z, value=rise, evidence={"noise": noise})
    ]


def not_cross_entropy(loss: float, acc: float, x: float, names: tuple[str, str, str]) -> Claim:
    """The pair is below the cross-entropy floor: the claim that says so (always `follows`)."""
    lname, aname, unit = names
    return Claim(
        "not-cross-entropy",
        "follows",
        x,
        x,
        f"at {unit} {fmt_x(x)} {lname} {fmt(loss)} is below (1 - {fmt(acc, 4)}) x ln 2 = "
        f"{fmt(floor(acc))}, the least that mean cross-entropy can be when {pct(1.0 - acc)} of the "
        f"predictions are wrong, so {lname} and {aname} are not a single-label cross-entropy and the "
        "accuracy of the same predictions at that evaluation (one way to get such a pair: a multi-label "
        "loss averaged over its labels beside subset accuracy)",
        evidence={"loss": loss, "acc": acc, "floor": floor(acc)},
    )


def training_fall_says_sharper(train_then: float, train_now: float, val_now: float) -> bool:
    """Whether a fall of the training loss (nats, `train_then` -> `train_now`) may be read as the
    model growing more confident, the reason the rise kinds give for `mistakes-carry-loss`: only
    when it fell and is not above the validation loss now. A training loss that stays above the
    validation loss of the same model carries terms the validation loss does not (label
    smoothing's floor, mixup, dropout, a regulariser added in): its fall says nothing of how
    confident the model's held-out answers are (tester 9: label smoothing 0.1, the training loss
    0.92 -> 0.39 while held-out confidence fell 0.955 -> 0.843)."""
    return (
        math.isfinite(train_then)
        and math.isfinite(train_now)
        and train_now < train_then
        and not training_floored(train_now, val_now)
    )


def training_floored(train: float, val: float) -> bool:
    """Whether the training loss (nats) is above the validation loss of the same model at the same
    x: the training objective carries terms the validation loss does not (label smoothing's floor,
    mixup, dropout, a regulariser), so right answers may be held at less confidence on purpose.
    False when either is NaN."""
    return bool(train > val)
