"""How many decimals a log format prints every metric value with, where the format fixes it.

A value read back from text loses its trailing zeros: Keras' console prints 485/510 = 0.950980 as
`0.9510`, which parses to 0.951, a number that by its own digits could be 39/41 as well. Where the
writer is known to print a fixed number of decimals, the analysis reads each value at that
precision (`majority.least_n`), so the console copy of a run pins the same evaluation-set grid as
its CSV copy. Sources: Keras' `Progbar` (keras/src/utils/progbar.py, Keras 2 and 3 alike) formats
each metric with `%.4f` when its magnitude is above 1e-3 and `%.4e` below it; fastai's progress
table (`ProgressCallback._write_stats`, fastai 2; v1's `format_stats` alike) writes every float
with `.6f`.
"""

from __future__ import annotations

#: format name (as the readers register it) -> decimals of every value above 1e-3 in magnitude
FIXED_DECIMALS: dict[str, int] = {"keras-stdout": 4, "fastai-table": 6}


def printed_decimals(fmt: str | None) -> int | None:
    """The decimals the format `fmt` prints every value (above 1e-3) with, or None when the format
    does not fix them (a plain loop's own print, a CSV that stores the full float).

    >>> printed_decimals("keras-stdout"), printed_decimals("keras-csv")
    (4, None)
    """
    return FIXED_DECIMALS.get(fmt or "")
