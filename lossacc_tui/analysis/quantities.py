"""The numbers that make loss and accuracy comparable: floor, chance loss, loss per mistake.

With accuracy a, at least a share 1 - a of the samples put probability <= 1/2 on their true class
(a mistake means another class scored at least as high), so mean cross-entropy is at least
(1 - a) * ln 2. If correct samples cost nothing, the mistakes average loss / (1 - a) nats, i.e.
a geometric-mean probability exp(-loss / (1 - a)) on their true class.

>>> round(loss_floor(0.7826), 4)
0.1507
>>> round(implied_p(0.4577, 0.7826), 3)
0.122
>>> [round(bce(p), 3) for p in (0.51, 0.49)]
[0.673, 0.713]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LN2 = math.log(2.0)


def loss_floor(acc: float) -> float:
    """Smallest mean cross-entropy compatible with accuracy `acc`: (1 - acc) ln 2."""
    return max(0.0, 1.0 - acc) * LN2


def chance_loss(k: int) -> float:
    """Cross-entropy of a uniform guess over k classes: ln k."""
    return math.log(k)


def loss_per_mistake(loss: float, acc: float) -> float:
    """Mean loss of the wrong samples if the right ones cost nothing: loss / (1 - acc)."""
    wrong = 1.0 - acc
    if wrong <= 0:
        return math.inf
    return loss / wrong


def implied_p(loss: float, acc: float) -> float:
    """Geometric-mean probability on the true class that loss / (1 - acc) implies."""
    m = loss_per_mistake(loss, acc)
    return 0.0 if m > 745 else math.exp(-m)


def bce(p: float) -> float:
    """Cross-entropy of one sample that puts probability p on its true class."""
    return -math.log(p)


@dataclass(frozen=True)
class Classes:
    """Number of classes and where it came from: 'given' (--classes), 'config' (a configuration file
    of the run), 'probe' (the `k` of every evaluation of the run's probe sidecar), 'inferred'
    (first evaluation at chance on both metrics) or None (unknown)."""

    k: int | None
    source: str | None
    basis: str = ""

    @property
    def chance(self) -> float | None:
        return None if self.k is None else 1.0 / self.k

    def describe(self) -> str:
        if self.k is None:
            return "the number of classes is unknown (pass --classes K)"
        if self.source == "given":
            return f"K = {self.k} classes (given)"
        if self.source in ("config", "probe"):
            return f"K = {self.k} classes (from {self.basis})"
        return f"K = {self.k} classes (inferred from {self.basis}; pass --classes to set it)"


def infer_classes(candidates: list[tuple[str, float, float | None]]) -> Classes:
    """K from the first evaluation, only when two independent signs agree: the loss near ln K
    *and* the accuracy near 1/K (an untrained model), and every split's first evaluation that has
    both agrees on the same K. A loss alone does not name K: a first evaluation after one epoch
    is already below ln K.

    `candidates` are (label, first loss, first accuracy or None), most trusted first.

    >>> infer_classes([("val", 1.8975, 0.166)]).k
    6
    >>> infer_classes([("val", 2.31, 0.1)]).k
    10
    >>> infer_classes([("val", 1.9, None)]).k is None
    True
    >>> infer_classes([("val", 0.5742, 0.87)]).k is None
    True
    """
    found: Classes | None = None
    for label, loss, acc in candidates:
        if not math.isfinite(loss):
            continue
        k = pair_chance_k(loss, acc)
        if k is None:
            if acc is not None and math.isfinite(acc):
                return Classes(None, None)  # a first evaluation not at chance: K is not named
            continue
        if found is not None and found.k != k:
            return Classes(None, None)  # the splits disagree
        if found is None:
            basis = (
                f"{label} loss {fmt(loss)} ~ ln {k} and accuracy {fmt(acc)} ~ 1/{k} at the first evaluation"
            )
            found = Classes(k, "inferred", basis)
    if found is not None:
        return found
    return Classes(None, None)


def pair_chance_k(loss: float, acc: float | None) -> int | None:
    """K when (loss, accuracy) is what an untrained K-class model gives: accuracy within 35 % of
    1/K and loss within 12 % of ln K, K the whole number nearest 1/accuracy (None otherwise). When
    1/accuracy lies well between two whole numbers and the other one fits both metrics too, K is
    ambiguous and None: accuracy 0.106 with loss 2.296 fits 9 classes (an untrained model's loss a
    little above ln 9 = 2.197) as well as 10 (a little below ln 10 = 2.303).

    >>> pair_chance_k(2.31, 0.1)
    10
    >>> pair_chance_k(2.296, 0.10625) is None
    True
    """
    if not 0.47 <= loss <= math.log(1000.0):
        return None
    if acc is None or not math.isfinite(acc) or not 0.0 < acc <= 0.6:
        return None

    def fits(k: int) -> bool:
        return k >= 2 and abs(acc * k - 1.0) <= 0.35 and abs(loss / math.log(k) - 1.0) <= 0.12

    inv = 1.0 / acc
    k = round(inv)
    if not fits(k):
        return None
    other = math.ceil(inv) if k < inv else math.floor(inv)
    if abs(inv - k) > 0.25 and other != k and fits(other):
        return None
    return k


def fmt(v: float | None, digits: int = 4) -> str:
    """A number as people read it in logs: 4 significant decimals, scientific when extreme."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 10 ** (-digits + 1)):
        return f"{v:.2e}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}f}".rstrip("0").rstrip(".")


def arrow(a: float | None, b: float | None, digits: int = 4) -> str:
    """'a -> b' with enough decimals that two different numbers never print alike (up to 8
    decimals), and 'a -> b (unchanged)' when they are equal: a pair printed side by side shows the
    change it claims ("val_acc 0.98 -> 0.98" hid 0.9812 -> 0.9835).

    >>> arrow(0.9812, 0.9835, 2), arrow(0.5, 0.5), arrow(0.41, 0.4148)
    ('0.981 -> 0.984', '0.5 -> 0.5 (unchanged)', '0.41 -> 0.4148')
    """
    for d in range(digits, 9):
        sa, sb = fmt(a, d), fmt(b, d)
        if sa != sb or a == b or not _finite(a) or not _finite(b):
            break
    if _finite(a) and _finite(b) and a == b:
        return f"{sa} -> {sb} (unchanged)"
    return f"{sa} -> {sb}"


def span(a: float | None, b: float | None, digits: int = 4, sep: str = "-") -> str:
    """A range 'a-b' with enough decimals that different ends never print alike, or the one value
    when both ends are equal ("flat at 0.981-0.981" said nothing).

    >>> span(0.98113, 0.98113, 3), span(0.9811, 0.9814, 3), span(0.5, 0.75, sep=" to ")
    ('0.981', '0.9811-0.9814', '0.5 to 0.75')
    """
    if _finite(a) and _finite(b) and a == b:
        return fmt(a, digits)
    for d in range(digits, 9):
        sa, sb = fmt(a, d), fmt(b, d)
        if sa != sb or not _finite(a) or not _finite(b):
            break
    return f"{sa}{sep}{sb}"


def within(a: float | None, b: float | None, digits: int = 4) -> str:
    """'within a-b', or 'at a' when both ends are equal (see `span`)."""
    return f"at {fmt(a, digits)}" if _finite(a) and _finite(b) and a == b else f"within {span(a, b, digits)}"


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def fmt_x(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


#: ratios beyond this are said as "more than 1e6x" (a ratio to a near-zero or overflowing value
#: printed as "infx" or "x3.12e+308" says nothing more)
RATIO_MAX = 1e6


def change(now: float, ref: float, signed: bool = True) -> str:
    """now against ref as a relative change ('+41%'); where no ratio can be printed (ref 0, or a
    change beyond 1e6 times) the two values themselves ('from 0 to 0.001').

    >>> change(0.7505, 0.5336), change(0.2, 0.0), change(float("nan"), 1.0), change(1e308, 0.42)
    ('+41%', 'from 0 to 0.2', 'to a non-finite value', 'from 0.42 to 1.00e+308')
    """
    if not math.isfinite(now):
        return "to a non-finite value"
    if not math.isfinite(ref):
        return "from a non-finite value"
    if ref == 0 or abs(now) > RATIO_MAX * abs(ref):
        return f"from {arrow(ref, now).replace(' -> ', ' to ', 1)}"
    r = now / ref - 1
    return f"{r:+.0%}" if signed else f"{r:.0%}"


def factor(r: float, digits: int = 2, lead: bool = False) -> str:
    """A ratio for prose, 'N.NNx' ('xN.NN' with `lead`), never 'infx' or 'nanx': above 1e6 times
    (an overflowed or zero-denominator ratio too) 'more than 1e6x', a positive ratio under 1e-6
    'less than 1e-6x', and 'an unknown factor' for NaN.

    >>> factor(3.125), factor(float("inf")), factor(1e-9), factor(0.0), factor(2.0, 1, lead=True)
    ('3.12x', 'more than 1e6x', 'less than 1e-6x', '0x', 'x2')
    """
    if math.isnan(r):
        return "an unknown factor"
    if r > RATIO_MAX:
        return "more than x1e6" if lead else "more than 1e6x"
    if 0 < r < 1 / RATIO_MAX:
        return "less than x1e-6" if lead else "less than 1e-6x"
    return f"x{fmt(r, digits)}" if lead else f"{fmt(r, digits)}x"


def times(a: float, b: float, digits: int = 2) -> str:
    """a / b as 'N.NNx' through `factor` (b = 0: 'more than 1e6x' for a > 0, '1x' for a = 0), or
    'n/a' when a or b is not finite."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return "n/a"
    if b == 0:
        return "1x" if a == 0 else factor(math.inf)
    return factor(float(a) / float(b), digits)  # (Python floats: an overflow is inf, not a warning)


def pts(d: float) -> str:
    """An accuracy difference in percentage points."""
    return f"{d * 100:+.1f} points"


def points(d: float) -> str:
    """The size of an accuracy difference `d` (fraction) in percentage points, never "1 points":
    "1.0 points", "0.33 points", "0.033 points"."""
    v = abs(d) * 100
    return f"{v:.1f} points" if v >= 0.95 or v == 0 else f"{v:.2g} points"


def pct(a: float) -> str:
    return f"{a * 100:.1f}%"


def count(n: int, noun: str) -> str:
    """`n` things in words that never read "0 evaluations" or "1 evaluations": "one evaluation",
    "12 evaluations", "no evaluations" (a caller with n = 0 usually says something else instead).

    >>> [count(k, "evaluation") for k in (0, 1, 12, 1500)]
    ['no evaluations', 'one evaluation', '12 evaluations', '1,500 evaluations']
    """
    if n == 1:
        return f"one {noun}"
    return f"no {noun}s" if n == 0 else f"{n:,} {noun}s"


def least_share(s: float) -> str:
    """A fraction that is a lower bound, as a percentage rounded down, with the fewest decimals
    (up to 3) that leave it above 0: "at least 0%" beside a positive share reads as a contradiction,
    and rounding up would overstate the bound. A share below 0.001% is given in scientific form.

    >>> least_share(0.98), least_share(0.0067), least_share(6.07e-05), least_share(0.0), least_share(2e-9)
    ('98%', '0.6%', '0.006%', '0%', '2.0e-07%')
    """
    if not s > 0:
        return "0%"
    for d in range(4):
        v = math.floor(s * 100 * 10**d) / 10**d
        if v > 0:
            return f"{v:.{d}f}%"
    return f"{s * 100:.1e}%"
