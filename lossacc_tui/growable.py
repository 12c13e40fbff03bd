"""Storage for a metric's points: `Growable` (a float64 array that grows in place, amortised O(1)
per appended value, able to borrow a large array and hand out copy-free snapshots) and `LazyColumn`
(an x column that costs no memory until a value is known). Series (lossacc_tui/series.py) keeps its
values and x columns in them."""

from __future__ import annotations

import numpy as np


class Growable:
    """A float64 array that grows by half its size when full: appending N values costs amortised
    O(1) each, and at most a third of the memory is slack.

    An empty Growable may borrow a large array instead of copying it (`extend(..., borrow=True)`:
    a backlog read at once, where the copy and its page faults cost as much as the parse). The
    borrowed array is never written: the first append copies it, and `writable()` does too."""

    __slots__ = ("_borrowed", "_buf", "_n")

    def __init__(self, capacity: int = 16) -> None:
        self._buf = np.empty(max(capacity, 1), dtype=np.float64)
        self._n = 0
        self._borrowed = False

    def __len__(self) -> int:
        return self._n

    def extend(self, values: np.ndarray | float, count: int | None = None, borrow: bool = False) -> None:
        """Append an array, or `count` copies of one value. With `borrow`, an empty Growable keeps a
        contiguous float64 array of at least `BORROW_MIN` values as it is (the caller must not change it)."""
        k = len(values) if count is None else count  # type: ignore[arg-type]
        if (
            borrow
            and self._n == 0
            and k >= BORROW_MIN
            and isinstance(values, np.ndarray)
            and values.dtype == np.float64
            and values.ndim == 1
            and values.flags.c_contiguous
        ):
            self._buf, self._n, self._borrowed = values, k, True
            return
        need = self._n + k
        if need > len(self._buf) or self._borrowed:
            cap = len(self._buf)
            cap = max(need, cap + cap // 2 + 1)  # a large batch (a backlog read at once): no slack
            buf = np.empty(cap, dtype=np.float64)
            buf[: self._n] = self._buf[: self._n]
            self._buf, self._borrowed = buf, False
        self._buf[self._n : need] = values
        self._n = need

    def view(self) -> np.ndarray:
        """The filled part (a view: do not keep it across appends, do not write it: `writable`)."""
        return self._buf[: self._n]

    def writable(self) -> np.ndarray:
        """The filled part, to change in place: always a new copy of the array first (a borrowed
        array is never written, and a `frozen` view of this one, which the live analysis reads on
        another thread, must not see values change under it; a rescale is O(n) all the same)."""
        buf = np.empty(max(len(self._buf), self._n), dtype=np.float64)
        buf[: self._n] = self._buf[: self._n]
        self._buf, self._borrowed = buf, False
        return self._buf[: self._n]

    def frozen(self) -> Growable:
        """A Growable holding the values there are now, sharing this one's array: appends here
        write past its end or into a new array, and `writable` copies, so what it holds never
        changes (a snapshot that costs no copy). It must not be appended to (it is borrowed)."""
        g = Growable.__new__(Growable)
        g._buf, g._n, g._borrowed = self._buf, self._n, True
        return g

    def nbytes(self) -> int:
        return self._buf.nbytes

    @classmethod
    def of(cls, values: np.ndarray, capacity: int) -> Growable:
        """A new array holding `values`, with room for `capacity` values in all."""
        g = cls(max(capacity, len(values)))
        g.extend(values)
        return g


#: Fewest values a Growable borrows rather than copies (smaller batches are cheap to copy).
BORROW_MIN = 4096


class LazyColumn:
    """An x column (step, epoch, wall time) that costs no memory until a value is known."""

    __slots__ = ("_arr", "_n")

    def __init__(self) -> None:
        self._arr: Growable | None = None
        self._n = 0

    def extend(self, values: np.ndarray | None, count: int, borrow: bool = False) -> None:
        """Append `count` x values (None: all unknown); `borrow` as in `Growable.extend`."""
        if self._arr is None:
            if values is None or np.isnan(values).all():
                self._n += count
                return
            self._arr = Growable(16 if borrow and not self._n else max(16, self._n + count))
            self._arr.extend(np.nan, self._n)
        if values is None:
            self._arr.extend(np.nan, count)
        else:
            self._arr.extend(values, borrow=borrow)

    def view(self) -> np.ndarray:
        return np.full(self._n, np.nan) if self._arr is None else self._arr.view()

    def known(self) -> np.ndarray | None:
        """The values, or None when none was ever given (without building a NaN column)."""
        return None if self._arr is None else self._arr.view()

    def nbytes(self) -> int:
        return 0 if self._arr is None else self._arr.nbytes()

    def frozen(self) -> LazyColumn:
        """The column as it is now, sharing its array (`Growable.frozen`)."""
        col = LazyColumn.__new__(LazyColumn)
        col._n, col._arr = self._n, None if self._arr is None else self._arr.frozen()
        return col

    def select(self, rows: np.ndarray, capacity: int) -> LazyColumn:
        """A new column of the given rows (positions), with room for `capacity` values."""
        col = LazyColumn()
        col._n = len(rows)
        if self._arr is not None:
            col._arr = Growable.of(self._arr.view()[rows], capacity)
        return col
