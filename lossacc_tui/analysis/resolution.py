"""The resolution of a logged accuracy: the size n of the evaluation set when the values reveal it,
and what a change must exceed to be more than one sample or sampling noise.

An accuracy over n samples is a multiple of 1/n. The values logged so far reveal n when every one of
them lies on the grid k/n (within the precision it was printed with) and the chance that values
drawn at random would all fit that grid is small; the smallest such n is taken (a coarser grid the
values also fit would have been found first). From n follow two scales (fractions):

- the step 1/n: one sample changing sides;
- the binomial standard error sqrt(a (1 - a) / n): how much the accuracy of another evaluation set of
  the same size would differ (Wald interval, as in any statistics text).

A change of accuracy within max(1/n, standard error) is not a trend in any accuracy-based kind.
When the values do not reveal n (averaged per-batch accuracies, few values), nothing is assumed.

>>> g = GridEstimate()
>>> [g.feed(v) for v in (0.9, 0.915, 0.925, 0.93, 0.92, 0.905, 0.91)][-1]
200
>>> round(resolution(0.92, 200), 4)
0.0192
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np

from lossacc_tui.analysis.quantities import points

#: largest evaluation set searched (a step finer than 1/N_MAX is below what matters here)
N_MAX = 20000
#: the values must fit the grid with a chance below this if they were drawn at random
CHANCE = 1e-2
#: distinct values needed before a grid counts (a step is a difference between values)
MIN_VALUES = 3
#: distinct values after which the estimate is kept as it is (O(MAX_VALUES x N_MAX) in all)
MAX_VALUES = 256
#: the smallest common step counts as one sample only once it is this fine (1/50 = 2 points)
STEP_MIN_N = 50
#: float32 storage keeps values below 1 to about 6e-8 (2**-24)
_ABS = 6e-8
#: decimals the trend rule's grid reads values at: the same run's accuracy printed with 4 decimals
#: (Keras' console, most loops' text) and stored in full (its CSV, JSON lines) then reveals the same
#: n at the same evaluation, so the two logs raise the same alerts (a full-precision value reveals
#: a grid sooner: 0.840445 fits 1/539 by luck far less often than 0.8404)
TREND_DIGITS = 4


@functools.lru_cache(maxsize=8192)
def decimals(v: float) -> int:
    """Decimals `v` was printed with (at most 7: float32 storage keeps about 7 digits). (Remembered
    for the last 8,192 values: runs evaluated on sets of one size log the same fractions k/n.)"""
    for d in range(7):
        if abs(v - round(v, d)) <= _ABS:
            return d
    return 7


class GridEstimate:
    """Running estimate of n from accuracies fed one at a time (fractions in [0, 1]).

    The values are taken as printed with the most decimals any of them shows (a log that printed
    0.925 wrote 0.92 for 0.920). n is the smallest grid all distinct values fit when the chance
    that any grid up to it would fit values drawn at random is below CHANCE. Values drawn at random
    and printed with 3 or 4 decimals reveal a grid by luck in 3-8 % of 30-value series, for one value
    (the next one does not fit it); such a grid only makes a change need to be larger there.
    Feeding is O(N_MAX) per new distinct value (the first MAX_VALUES of them) and O(1) otherwise."""

    def __init__(self, digits: int | None = None) -> None:
        #: values are read rounded to this many decimals (None: as logged)
        self.digits = digits
        self._values: list[float] = []
        self._seen: set[float] = set()
        self._d = -1
        self._dead = False
        #: the grids n that every value so far fits, among those that can be revealed or that decide
        #: whether any grid fits at all (kept small: a ten-value run costs kilobytes, not N_MAX arrays)
        self._cand = np.empty(0, dtype=np.float64)
        self._all_fit_from = N_MAX + 1  # grids from this n on fit any printed value (never tested)
        self.n: int | None = None
        #: the smallest grid all values fit (the smallest common step is 1/n_fit), proven or not
        self.n_fit: int | None = None
        #: chance that some grid up to n_fit would fit the values by luck (1: none fits)
        self.luck = 1.0

    @property
    def printed_unit(self) -> float:
        """One unit of the last decimal the values were printed with when that is coarse (0.01 for
        0.97, 0.001 for 0.925: up to 3 decimals), else NaN (fraction): a change of one unit is the
        least the log can show."""
        return 10.0**-self._d if 0 <= self._d <= 3 else math.nan

    def _tol(self) -> float:
        return 0.5 * 10.0**-self._d + _ABS

    def _reset(self) -> None:
        self._all_fit_from, self._cand = _grids(self._tol())

    def _fit(self, v: float) -> None:
        n = self._cand
        key = (id(n), v, self._d)
        got = _FITS.get(key)
        if got is not None and got[0] is n:  # (another estimate fed the same values: a run's two grids)
            self._cand = got[1]
            return
        if len(n) >= SCRATCH_FROM:  # (the first fit after a reset: thousands of grids)
            k, r, lim, fit = _scratch(len(n))
            np.multiply(v, n, out=k)
            np.rint(k, out=r)
            np.subtract(k, r, out=k)
            np.abs(k, out=k)
            np.multiply(n, self._tol(), out=lim)
            lim += 1e-9
            self._cand = n[np.less_equal(k, lim, out=fit)]
        else:
            k = v * n
            self._cand = n[np.abs(k - np.rint(k)) <= n * self._tol() + 1e-9]
        self._cand.flags.writeable = False
        _FITS[key] = (n, self._cand)
        while len(_FITS) > _FITS_KEEP:
            try:
                _FITS.pop(next(iter(_FITS)), None)
            except (RuntimeError, StopIteration):  # (another thread changed it meanwhile)
                break

    def _luck(self, upto: int) -> float:
        """The chance that some grid 1..upto fits the values by luck: each of the m values lands on
        grid n with chance min(1, 2 n tol) (look-elsewhere sum over the grids)."""
        m, tol = len(self._values), self._tol()
        key = (m, tol, upto)
        got = _LUCK.get(key)
        if got is None:  # (a sum over up to N_MAX grids: the same for every estimate at this point)
            terms = _scratch(upto)[0] if upto >= SCRATCH_FROM else np.empty(upto)
            np.multiply(m, _log_fit_chance(tol)[:upto], out=terms)
            got = _LUCK[key] = float(np.exp(terms, out=terms).sum())
            while len(_LUCK) > _LUCK_KEEP:
                try:
                    _LUCK.pop(next(iter(_LUCK)), None)
                except (RuntimeError, StopIteration):  # (another thread changed it meanwhile)
                    break
        return got

    def feed(self, v: float) -> int | None:
        """Take one logged accuracy; returns n as known after it (None while not revealed)."""
        if self.digits is not None and math.isfinite(v):
            v = round(v, self.digits)
        if self._dead or not math.isfinite(v) or not 0.0 < v < 1.0 or v in self._seen:
            return self.n
        if len(self._values) >= MAX_VALUES:
            return self.n  # the grid is settled by now (bounds the cost of a long per-step series)
        self._seen.add(v)
        self._values.append(v)
        d = decimals(v)
        if d > self._d:
            self._d = d
            self._reset()
            for u in self._values:
                self._fit(u)
        else:
            self._fit(v)
        if len(self._cand) == 0 and self._all_fit_from > N_MAX:
            self._dead, self.n, self.n_fit, self.luck = True, None, None, 1.0
            return None
        # a grid nearly as fine as the printing (a step under 4 half-units) fits printed values by
        # construction, not by luck (every 4-decimal value lies within 0.4/8000 of a multiple of
        # 1/8000): such grids are never revealed
        # (the candidates ascend, and 2 n tol with them: the first one that passes is the first one,
        # or none does)
        cand = self._cand
        if len(cand) == 0 or not 2.0 * float(cand[0]) * self._tol() <= 0.5:
            self.n = self.n_fit = None
            self.luck = 1.0
            return None
        j = int(cand[0]) - 1
        self.n_fit = j + 1
        # look-elsewhere: the chance that some grid up to n fits by luck is the sum over those grids
        luck = self.luck = self._luck(j + 1)
        self.n = j + 1 if luck <= CHANCE and len(self._values) >= MIN_VALUES else None
        return self.n

    @property
    def settled(self) -> bool:
        """No value fed from now on can change the estimate."""
        return self._dead or len(self._values) >= MAX_VALUES

    @property
    def n_near(self) -> int | None:
        """The largest other grid within 10 % above n (not a multiple of n, which every value on 1/n
        fits by construction) that the values fit as well, or None when n is the only one: values k/500
        printed with 4 decimals can fit 1/495 and 1/499 too until enough distinct values rule them
        out, so the set's size is then known only as "about n to n_near"."""
        if self.n is None:
            return None
        top = 1.1 * self.n  # (a near grid: "about n"; far ones are another question)
        cand = self._cand  # (ascending: the grids above n up to top are one slice of it)
        c = cand[int(np.searchsorted(cand, self.n, "right")) : int(np.searchsorted(cand, top, "right"))]
        c = c[c % self.n != 0]
        c = c[2.0 * c * self._tol() <= 0.5]
        # grids from `limit` on are as fine as the printing (a step under 4 half-units): the values
        # cannot test them, so one of them may be the true size as well (k/500 printed with 3
        # decimals reveals 1/495 by luck and cannot test 1/500)
        limit = math.floor(0.5 / (2.0 * self._tol())) + 1
        hi = max(int(c[-1]) if len(c) else 0, limit if limit <= top else 0)
        return hi if hi > self.n else None

    @property
    def n_likely(self) -> int | None:
        """n, or the smallest grid the values fit when the chance that values drawn at random would
        fit it is below CHANCE, however few they are (one accuracy printed with 7 decimals, 52/53 =
        0.9811321, fits 1/53 by luck with a chance of 3e-4): a size to reason with, not a trend rule."""
        if self.n is not None:
            return self.n
        return self.n_fit if self.n_fit is not None and self.luck <= CHANCE else None


# what depends only on the printing's tolerance, computed once per tolerance (read-only arrays: a
# GridEstimate replaces its candidates, never changes them in place)
_GRIDS: dict[float, tuple[int, np.ndarray]] = {}
_LOG_CHANCE: dict[float, np.ndarray] = {}
#: the last fits made, (id of the candidates, value, decimals) -> (those candidates, the ones that fit):
#: the same values fed to another estimate (the trend rule's grid and a detector's own, which read
#: the same accuracies) find their fits here (each entry holds its candidates, so an id is not reused)
_FITS: dict[tuple[int, float, int], tuple[np.ndarray, np.ndarray]] = {}
_FITS_KEEP = 512
#: `GridEstimate._luck`'s answers, (values, tolerance, grids) -> chance: the trend rule's grid and a
#: detector's own reach the same ones, and runs evaluated on sets of one size reach the same ones
_LUCK: dict[tuple[int, float, int], float] = {}
_LUCK_KEEP = 4096


#: arrays of at least this many grids are worked on in a thread's scratch buffers (`_scratch`): a
#: fresh temporary of N_MAX floats (160 KB) is mapped and faulted in page by page at each call, ten
#: times the arithmetic on it (a run's first fit of its accuracy on every grid, 0.23 ms of 0.25)
SCRATCH_FROM = 4096
_SCRATCH = threading.local()


def _scratch(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three float buffers and a bool one of m values each, this thread's own (reused: contents
    undefined; never handed out beyond the call that asked)."""
    got: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = getattr(_SCRATCH, "bufs", None)
    if got is None or len(got[0]) < m:
        size = max(m, N_MAX)
        got = (np.empty(size), np.empty(size), np.empty(size), np.empty(size, dtype=bool))
        _SCRATCH.bufs = got
    return got[0][:m], got[1][:m], got[2][:m], got[3][:m]


def _grids(tol: float) -> tuple[int, np.ndarray]:
    """(the n from which every grid fits any value, the candidate grids n before any value) for
    values printed to within `tol`."""
    got = _GRIDS.get(tol)
    if got is None:
        # a value is always within 0.5 of a multiple, so grids with n tol + 1e-9 >= 0.5 fit anything
        all_fit_from = max(1, math.ceil((0.5 - 1e-9) / tol))
        top = N_MAX if all_fit_from > N_MAX else min(N_MAX, int(0.25 / tol) + 1)
        n = np.arange(1, top + 1, dtype=np.float64)
        cand = n[(n < all_fit_from) & ((2.0 * n * tol <= 0.5) | (all_fit_from > N_MAX))]
        cand.flags.writeable = False
        got = _GRIDS[tol] = (all_fit_from, cand)
    return got


def _log_fit_chance(tol: float) -> np.ndarray:
    """ln min(1, 2 n tol) for n = 1 .. N_MAX: the log chance that one random value fits grid n."""
    got = _LOG_CHANCE.get(tol)
    if got is None:
        n = np.arange(1, N_MAX + 1, dtype=np.float64)
        got = _LOG_CHANCE[tol] = np.log(np.minimum(1.0, 2.0 * n * tol))
        got.flags.writeable = False
    return got


def step_floor(n_fit: int | None) -> float:
    """The smallest common step 1/n_fit of the values logged so far when it is one sample of a set
    of at least STEP_MIN_N (a coarser step from a few values says nothing yet), else NaN: a change
    of one step is one sample changing sides, not a trend."""
    return 1.0 / n_fit if n_fit is not None and n_fit >= STEP_MIN_N else math.nan


def resolution(acc: float, n: int | None) -> float:
    """max(1/n, sqrt(a (1 - a) / n)) for accuracy `acc` on n samples (fraction); NaN without n."""
    if n is None or not math.isfinite(acc):
        return math.nan
    a = min(max(acc, 0.0), 1.0)
    return max(1.0 / n, math.sqrt(a * (1.0 - a) / n))


def describe(acc: float, n: int | None, n_near: int | None = None) -> str:
    """How sure text: where n comes from and what it makes of a change. `n_near`
    (`GridEstimate.n_near`): another grid the values fit as well; the size is then said to be
    "about" n, with the fits named, never one of them as fact."""
    if n is None:
        return ""
    r = resolution(acc, n)
    if n_near is not None and n_near > n:
        grid = (
            f"The logged accuracies all lie on a grid of 1/{n}, and as well on grids up to 1/{n_near} "
            f"(an evaluation set of about {n}-{n_near} samples; the values do not decide which: one "
            f"sample is about {points(1.0 / n)}), so "
        )
    else:
        grid = (
            f"The logged accuracies all lie on a grid of 1/{n} (an evaluation set of {n} samples: one "
            f"sample is {points(1.0 / n)}), so "
        )
    se = math.sqrt(min(max(acc, 0.0), 1.0) * (1.0 - min(max(acc, 0.0), 1.0)) / n) if math.isfinite(acc) else 0
    if se < 1.0 / n:  # (at 0 or 1 the standard error is 0: the step of one sample is the resolution)
        return grid + (
            f"at {acc:.4g} the binomial standard error ({points(se)}) is below one sample; a change "
            "smaller than one sample is not a trend"
        )
    return grid + (
        f"at {acc:.4g} another evaluation set of that size would differ by about {points(r)} "
        "(binomial standard error); a change smaller than that is not a trend"
    )
