"""Decimal commas: a European-locale CSV (`epoch;loss;accuracy` / `1;0,5321;0,8100`), as Excel
saves one where the comma is the decimal mark, or pandas' `to_csv(sep=";", decimal=",")`.

Only a CSV whose delimiter is not the comma can hold them unquoted, so only such a file is asked:
its first data row with a number that is not whole decides (a `;` CSV with `0.53` is read as it
is). Once decided, the readers turn each comma of the rows into a point before they parse them
(the fast parsers included): the delimiter is no comma, and a text cell is not read.
"""

from __future__ import annotations

import re

from lossacc_tui.readers.base import to_float

#: a number written with a decimal comma: `0,5321`, `-1,5e-04`, `,5`, `83,1%`
_COMMA_NUMBER = re.compile(r"\s*[-+]?(?:\d+,\d*|,\d+)(?:[eE][-+]?\d+)?%?\s*")
#: how many data lines are looked at before the question is left open (rows of whole numbers only)
LINES_ASKED = 20

NOTE = (
    "decimal commas read as decimal points (a {delim}-delimited CSV as a European-locale Excel "
    "or pandas' to_csv(decimal=',') writes it)"
)


def comma_number(cell: str) -> bool:
    """Whether a cell is a number written with a decimal comma (`0,5321`), not one with a point."""
    return "," in cell and bool(_COMMA_NUMBER.fullmatch(cell))


def decimal_commas(rows: list[list[str]]) -> bool | None:
    """Whether the cells of these data rows (in file order) write decimals with a comma: False at
    the first row with a number written with a point or an exponent (`0.53`, `1e-04`; its commas,
    if any, group thousands: `1,000`), True at the first with comma numbers and no such number,
    None when no row tells (whole numbers only)."""
    for cells in rows:
        if any(to_float(t := c.strip()) is not None and any(ch in t for ch in ".eE") for c in cells):
            return False
        if any(comma_number(c) for c in cells):
            return True
    return None


def reads_as_number(cell: str, delim: str) -> bool:
    """A cell the CSV sniffer counts as a number: `to_float`'s, or a decimal-comma number in a
    file whose delimiter is not the comma."""
    return to_float(cell) is not None or (delim != "," and comma_number(cell))
