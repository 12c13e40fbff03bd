"""What a mean cross-entropy and an accuracy of the same predictions allow about confidence.

Notation: n samples, accuracy `a` (fraction), mean cross-entropy `L` (nats), K classes (or unknown).
For sample i, t_i is the probability on its true class (its cost is -ln t_i) and m_i the top
class's probability, its *confidence* (Guo, Pleiss, Sun and Weinberger 2017, "On Calibration of
Modern Neural Networks", section 2: confidence is the predicted class's probability; the model is
*underconfident* when its mean confidence is below its accuracy, *overconfident* above).

Facts every bound below rests on:

1. A right answer has m_i = t_i >= 1/K; a mistake has another class at least as probable, so
   t_i <= 1/2 (cost >= ln 2) and m_i >= t_i, m_i >= 1/K, m_i <= 1 - t_i. Hence
   L >= (1 - a) ln 2 (`evidence.floor`).
2. Jensen's inequality for the convex exp(-x) (Cover and Thomas, "Elements of Information
   Theory", 2nd ed., theorem 2.6.2; the AM-GM inequality): the arithmetic mean of t_i is at least
   their geometric mean, which is exactly exp(-L). So the mean probability on the true class, and
   the mean confidence above it, are at least exp(-L).
3. Below ln 2 the floor binds: every mistake costs ln 2 or more, so the right answers share at most
   L - (1 - a) ln 2 nats (their mean at most r = (L - (1 - a) ln 2) / a) and, by (2) on them alone,
   their mean confidence is at least exp(-r).

The least mean confidence (`confidence_low`) is the minimum of a e^{-r} + (1 - a) g(w) over the
mean costs r of right answers and w >= ln 2 of mistakes with a r + (1 - a) w = L, where g(w) =
max(e^{-w}, 1/K) is the least mean confidence of mistakes costing w on average (a mistake with
t <= 1/K can have m = 1/K, and mixing mistakes is convex). The problem is convex, so (derived here;
the optimum spreads the loss evenly, or puts mistakes at ln 2 when L < ln 2):

    C_low = exp(-L)                                            if L >= ln 2
          = a exp(-(L - (1 - a) ln 2) / a) + (1 - a) / 2        if L < ln 2 (a < 1)
    and with K known, max(C_low, 1/K).

It is the infimum: right answers and mistakes all costing L (K large enough to spread the rest)
come as near as one likes. The most (`confidence_high`): right answers at confidence 1 (cost 0),
mistakes costing L / (1 - a) on average with m = 1 - t (two classes), 1 - t concave, so

    C_high = 1 - (1 - a) exp(-L / (1 - a)),

which is never below `a`: **a loss and an accuracy alone never force underconfidence** (every
right answer may be certain and the mistakes carry the loss). They can only rule it out, where
C_low >= a - tol (`underconfidence_possible`), or force overconfidence, where C_low > a + tol.
What decides inside [C_low, C_high] is per-sample confidences (`lossacc-tui probe`).

Confident mistakes (a mistake with confidence above `c`, t <= 1 - c, cost >= -ln(1 - c)): a share
s of mistakes that confident needs L >= (1 - a) (s (-ln(1 - c)) + (1 - s) ln 2)
(`confident_mistakes_least_loss`); with K unknown no loss forces them (a right answer's cost
ln K has no bound, and a mistake can cost much with its top class below c when K >= 3).

>>> round(confidence_low(0.2, 0.95, None), 4)
0.8232
>>> round(confidence_low(1.0, 0.6, None), 4) == round(math.exp(-1.0), 4)
True
>>> confidence_high(0.2, 0.95) > 0.95
True
>>> underconfidence_possible(0.03, 0.99, None), underconfidence_possible(0.2, 0.95, None)
(False, True)
>>> round(underconfidence_least_loss(0.95, None), 4)
0.0808
"""

from __future__ import annotations

import math

from lossacc_tui.analysis.quantities import LN2, fmt

#: a mean confidence within this of the accuracy (fraction) counts as calibrated: `underconfident`
#: says it is below accuracy by more (the truth corpus judges it so; `train_readings.CAL_TOL`)
CAL_TOL = 0.02
#: a mistake made with confidence above this is a confident mistake (`probe.stats.CONFIDENT`)
CONFIDENT = 0.9
#: the share of mistakes the `confident-mistakes` claim says are confident
CONFIDENT_SHARE = 0.5


def _ok(loss: float, acc: float) -> bool:
    return math.isfinite(loss) and math.isfinite(acc) and loss >= 0.0 and 0.0 <= acc <= 1.0


def true_prob_geomean(loss: float) -> float:
    """The geometric mean of the probabilities on the true class (fraction) at mean cross-entropy
    `loss` (nats): exactly exp(-loss). NaN when `loss` is not finite or negative."""
    if not math.isfinite(loss) or loss < 0:
        return math.nan
    return math.exp(-loss)


def right_confidence_low(loss: float, acc: float, k: int | None) -> float:
    """The least mean confidence (fraction) of the right answers alone at mean cross-entropy `loss`
    (nats) and accuracy `acc` (fraction): exp(-(loss - (1 - acc) ln 2) / acc) (the right answers
    share what the mistakes' ln 2 each leaves; Jensen on them), and 1/K with K known. NaN when the
    numbers are not finite, `acc` is 0 or the pair is below the cross-entropy floor."""
    if not _ok(loss, acc) or acc <= 0.0:
        return math.nan
    left = loss - (1.0 - acc) * LN2
    if left < 0.0:
        return math.nan
    low = math.exp(-left / acc)
    return max(low, 1.0 / k) if k is not None and k >= 2 else low


def confidence_low(loss: float, acc: float, k: int | None) -> float:
    """The least mean confidence (fraction, an infimum) of predictions whose mean cross-entropy is
    `loss` nats at accuracy `acc` (fraction), K = `k` classes or unknown (None):
    exp(-loss) from ln 2 up, a exp(-(loss - (1 - a) ln 2) / a) + (1 - a) / 2 below it, and at least
    1/K with K known (module docstring). NaN when the numbers are not finite or the pair is below
    the cross-entropy floor (then it is no cross-entropy of these predictions)."""
    if not _ok(loss, acc) or loss < (1.0 - acc) * LN2 * (1 - 1e-12):
        return math.nan
    if loss >= LN2 or acc >= 1.0:
        low = math.exp(-loss)
    else:
        left = max(0.0, loss - (1.0 - acc) * LN2)
        low = acc * math.exp(-left / acc) + (1.0 - acc) / 2.0
    return max(low, 1.0 / k) if k is not None and k >= 2 else low


def confidence_high(loss: float, acc: float) -> float:
    """The most mean confidence (fraction, a supremum) at mean cross-entropy `loss` (nats) and
    accuracy `acc` (fraction): 1 - (1 - a) exp(-loss / (1 - a)) (right answers certain, the loss on
    the mistakes), never below `acc`. 1.0 at acc = 1; NaN when the numbers are not finite."""
    if not _ok(loss, acc):
        return math.nan
    if acc >= 1.0:
        return 1.0
    return 1.0 - (1.0 - acc) * math.exp(-loss / (1.0 - acc))


def confidence_range(loss: float, acc: float, k: int | None) -> tuple[float, float]:
    """(least, most) mean confidence (fractions) a mean cross-entropy `loss` (nats) allows at
    accuracy `acc` (fraction) with `k` classes or unknown: (`confidence_low`, `confidence_high`)."""
    return confidence_low(loss, acc, k), confidence_high(loss, acc)


def underconfidence_possible(loss: float, acc: float, k: int | None, tol: float = CAL_TOL) -> bool:
    """Whether `loss` (nats, a plain mean cross-entropy of the predictions `acc` counts) allows a
    mean confidence below `acc` - `tol` (fractions): `confidence_low` < acc - tol. True when the
    numbers cannot tell (not finite, below the floor): only a bound rules it out."""
    low = confidence_low(loss, acc, k)
    return not math.isfinite(low) or low < acc - tol


def overconfidence_forced(loss: float, acc: float, k: int | None, tol: float = CAL_TOL) -> bool:
    """Whether every model with mean cross-entropy `loss` (nats) at accuracy `acc` (fraction) has
    its mean confidence above acc + tol: `confidence_low` > acc + tol. False when not finite."""
    low = confidence_low(loss, acc, k)
    return math.isfinite(low) and low > acc + tol


def underconfidence_least_loss(acc: float, k: int | None, tol: float = CAL_TOL) -> float:
    """The least mean cross-entropy (nats) at accuracy `acc` (fraction) whose predictions can have a
    mean confidence below c = acc - tol: the loss where `confidence_low` reaches c,
    (1 - a) ln 2 - a ln((c - (1 - a) / 2) / a) for c >= 1/2, -ln c below. inf when no loss allows
    it (c <= 0, or c <= 1/K with K known)."""
    c = acc - tol
    if not math.isfinite(c) or c <= 0.0 or (k is not None and k >= 2 and c <= 1.0 / k):
        return math.inf
    if c < 0.5 or acc >= 1.0:
        return -math.log(c)
    return (1.0 - acc) * LN2 - acc * math.log((c - (1.0 - acc) / 2.0) / acc)


def confident_mistakes_least_loss(
    acc: float, share: float = CONFIDENT_SHARE, conf: float = CONFIDENT
) -> float:
    """The least mean cross-entropy (nats) at accuracy `acc` (fraction) with a share `share` of the
    mistakes made with confidence above `conf`: each such mistake puts at most 1 - conf on its true
    class (cost over -ln(1 - conf)), the other mistakes cost ln 2 at least, right answers 0:
    (1 - a) (share (-ln(1 - conf)) + (1 - share) ln 2). 0.0 at acc = 1."""
    if not math.isfinite(acc):
        return math.nan
    wrong = max(0.0, 1.0 - acc)
    return wrong * (share * -math.log(1.0 - conf) + (1.0 - share) * LN2)


def range_text(loss: float, acc: float, k: int | None) -> str:
    """'a mean confidence anywhere from LO to HI' for the pair, with the bound's reason, or '' when
    the numbers give no range (not finite, below the floor)."""
    lo, hi = confidence_range(loss, acc, k)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    why = "exp(-loss), Jensen"
    if loss < LN2 and acc < 1.0:
        why = "the mistakes at ln 2 each, the rest by Jensen"
    if k is not None and k >= 2 and lo <= 1.0 / k + 1e-12:
        why = f"1/K with {k} classes"
    return (
        f"loss and accuracy alone allow a mean confidence anywhere from {fmt(lo, 4)} ({why}) to "
        f"{fmt(hi, 4)} (right answers certain, the loss on the mistakes)"
    )


def ruled_out_text(loss: float, acc: float, k: int | None, loss_name: str, acc_name: str) -> str:
    """The sentence saying that the pair rules underconfidence out (`underconfidence_possible`
    False), with the bound and the condition it rests on; '' when the pair allows it."""
    if underconfidence_possible(loss, acc, k):
        return ""
    low = confidence_low(loss, acc, k)
    if k is not None and k >= 2 and low <= 1.0 / k + 1e-12:
        why = f"a top class of {k} holds at least 1/{k}"
    elif loss >= LN2 or acc >= 1.0:
        why = "the mean probability on the true class is at least exp(-mean loss), Jensen's inequality"
    else:
        why = (
            "each mistake costs at least ln 2, and the right answers' mean probability on the true class "
            "is at least exp(-their mean loss), Jensen's inequality"
        )
    least = underconfidence_least_loss(acc, k)
    # (the loss underconfidence would need, where it is a number: an accuracy within CAL_TOL of 0
    # leaves no confidence below it, and no loss is large enough (tester h19t: "a mean confidence
    # below -0.02 needs a loss above inf nats" on a regression compiled with accuracy)
    needs = (
        f"; a mean confidence below {fmt(acc - CAL_TOL, 4)} needs a loss above {fmt(least)} nats."
        if acc - CAL_TOL > 0 and math.isfinite(least)
        else "; no confidence lies below an accuracy this low."
    )
    return (
        "Underconfidence (mean confidence below accuracy) is no reading here: if "
        f"{loss_name} is a plain mean cross-entropy of the predictions {acc_name} counts, its {fmt(loss)} at "
        f"{fmt(acc, 4)} puts the model's mean confidence at {fmt(low, 4)} or more ({why}), "
        + ("above the accuracy" if low >= acc else f"within {CAL_TOL * 100:.0f} points of the accuracy")
        + needs
    )
