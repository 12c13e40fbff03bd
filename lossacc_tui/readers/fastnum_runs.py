"""The numpy parser's path for sparse numeric rows (Lightning's `metrics.csv`: 7 columns, one
metric a row, so 4 of 7 cells empty): the cells are found from the runs of digits, not from every
separator, so an empty cell costs nothing past the byte scan.

A piece of whole lines is scanned once for its runs of digits (one `flatnonzero` over the changes
of a digit mask: two positions a run). A run right after a '.' is the fraction of the run that ends
at that dot, a run after a '-' a negative number; every other run begins a cell. A cell's column
is counted from the separators between it and the cell before (all of them commas, or one newline
at a line's end): the running count of separator bytes is `ncols` times the line plus the column,
so a line with a cell too many or too few is found without a per-line loop. The byte counts that
make sure nothing else is in the piece (no letter, space, '+' or second dot; no empty line or
line that begins with an empty cell) are a few reductions over the piece.

The numbers are then read as `fastnum` reads them (its digit windows and exact scaling), so each is
bit for bit what float() gives. Anything this path does not read (an exponent, a '+', a cell
such as `.5` or `5.`, a bad line) makes it return None for the piece, which then goes to
`fastnum._parse` (its token grammar), and so to the per-line path where that fails too: a piece
never reads differently here than there (tests/test_fastnum_runs.py).

Measured: see the README's session 15 block (h15j).
"""

from __future__ import annotations

import numpy as np

from lossacc_tui.readers import fastnum

_PAD = 24  # leading newlines: the first cell's line begins there, room for its digit window


def parse_runs(
    chunk: bytes, start: int, end: int, ncols: int, delim: int
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The piece chunk[start:end] (whole lines, the last ending with a newline) as
    `fastnum._parse` gives it: (rows, index of each non-empty cell counted row by row from 0
    (int64, increasing), its value float64), or None when it is not rows of ncols cells each
    empty or a plain decimal number (`[-]digits[.digits]`); the caller then tries `_parse`."""
    n = end - start
    if delim != 44 or n == 0 or chunk[end - 1] != 10:
        return None  # (commas only)
    buf = np.empty(_PAD + n + 1, np.uint8)
    buf[:_PAD] = 10
    piece = buf[_PAD : _PAD + n]
    piece[:] = np.frombuffer(chunk, np.uint8, count=n, offset=start)
    buf[-1] = 10  # (a separator past the end)
    commas = np.count_nonzero(piece == 44)
    dg = np.subtract(buf, 48) < 10
    edges = np.flatnonzero(dg[1:] != dg[:-1])
    edges += 1
    rs, re = edges[0::2], edges[1::2]  # the runs of digits [rs, re)
    if not len(rs):
        return None
    pb = buf.take(rs - 1)  # the byte before each run
    frac = pb == 46
    nfrac = int(np.count_nonzero(frac))
    fr = np.flatnonzero(frac)
    if nfrac and (fr[0] == 0 or frac.take(fr - 1).any() or (re.take(fr - 1) != rs.take(fr) - 1).any()):
        return None  # a fraction not right after an integer part: ".5", "1.2.3", "-.5"
    first_run = np.flatnonzero(~frac) if nfrac else np.arange(len(rs))  # each cell's first run
    cs = rs.take(first_run)  # each cell's first digit, then (with its sign) its first byte
    ce = re.take(first_run)  # its end
    owner = fr - 1 - np.arange(nfrac)  # the cell of each fraction
    if nfrac:
        ce[owner] = re.take(fr)
    before = pb.take(first_run)  # the byte before each cell's first digit
    neg = before == 45
    nneg = int(np.count_nonzero(neg))
    if nneg:
        ng = np.flatnonzero(neg)
        cs[ng] -= 1
        before[ng] = buf.take(cs.take(ng) - 1)
        if ((before.take(ng) != 44) & (before.take(ng) != 10)).any():
            return None  # a '-' not right after a separator: "1-2", "--1", "1.-2"
    first = np.flatnonzero(before == 10)  # each line's first cell
    rows = len(first)
    # every byte that is not a digit is a comma, or one of the dots, signs and line ends (before a
    # line's first cell, and the last) read above: so no empty line, no line that begins with an
    # empty cell, no other byte (a letter, a space, a '+', a second dot)
    if cs[0] != _PAD or commas != n - int((re - rs).sum()) - nfrac - nneg - rows:
        return None  # (the first: a first line that begins with an empty cell)
    # separators before each cell: ncols per line, so line * ncols + column (the cell's index)
    gap = np.empty(len(cs), np.int64)
    gap[0] = 0
    np.subtract(cs[1:], ce[:-1], out=gap[1:])
    cell = np.cumsum(gap)
    if (cell.take(first) != np.arange(0, ncols * rows, ncols)).any() or (
        cell[-1] + _PAD + n - ce[-1] != ncols * rows
    ):
        return None  # a line with more or fewer than ncols cells
    # the numbers: integers of up to 8 digits (a step, an epoch) a word each; a number with a
    # fraction from its integer part and its fraction, each read the same way or in digit windows
    out = np.empty(len(cs), np.float64)
    v = ce - cs
    plain = v <= 8
    plain[owner] = False
    if nneg:
        plain[ng] = False
    i = np.flatnonzero(plain)
    out[i] = small_ints(buf, ce.take(i), v.take(i))
    if nfrac:
        out[owner] = _decimals(buf, rs.take(fr - 1), rs.take(fr), re.take(fr))
    if len(i) + nfrac < len(cs):  # (a negative number, or an integer of more than 8 digits)
        rest = ~plain
        rest[owner] = False
        k = np.flatnonzero(rest)
        if len(k):
            out[k] = _integers(buf, ce.take(k), v.take(k) - neg.take(k))
    if nneg:
        out[ng] = -out[ng]
    for c in np.flatnonzero(np.isnan(out)).tolist():  # rare: 19+ digits, ties
        out[c] = float(chunk[int(cs[c]) - _PAD + start : int(ce[c]) - _PAD + start])
    return rows, cell, out


def _decimals(buf: np.ndarray, rs: np.ndarray, fs: np.ndarray, fe: np.ndarray) -> np.ndarray:
    """Numbers `a.b` whose integer part is buf[rs:fs-1] and fraction buf[fs:fe], correctly rounded
    (NaN where not read here: 20 digits or more, or a tie of the 80-bit rounding)."""
    ni, nf = fs - 1 - rs, fe - fs
    a = np.zeros(len(rs), np.uint64)
    short = ni <= 8
    s = np.flatnonzero(short) if not short.all() else None
    if s is None:
        a = _int_words(buf, fs - 1, ni)
    else:
        a[s] = _int_words(buf, (fs - 1)[s], ni[s])
    b, over = fastnum._mantissas(buf, fe, nf)
    over |= ~short
    over |= ni + nf > 19
    x = a * _P10U.take(np.minimum(nf, 19)) + b  # (exact where not over)
    return fastnum._scale(x, -nf, over)


def _integers(buf: np.ndarray, me: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Integers buf[me-v:me] of any length (NaN where more than 19 digits: read by float())."""
    x, over = fastnum._mantissas(buf, me, v)
    return fastnum._scale(x, np.zeros(len(me), np.int64), over)


_P10U = np.array([10**k for k in range(20)], np.uint64)


_TOP = np.array([((1 << 64) - 1) << (8 * (8 - k)) & ((1 << 64) - 1) for k in range(9)], np.uint64)
_M1, _M2 = np.uint64(0x00FF00FF00FF00FF), np.uint64(0x0000FFFF0000FFFF)


def small_ints(buf: np.ndarray, me: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The integers of 1 to 8 digits buf[me-v:me] (digits only, me >= 8), as float64 (exact)."""
    return _int_words(buf, me, v).astype(np.float64)


def _int_words(buf: np.ndarray, me: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The integers of 1 to 8 digits buf[me-v:me] as uint64: each read as one little-endian word
    ending at me, the bytes before its first digit dropped, the 8 digits combined in three
    multiplies (Lemire's parse_eight_digits)."""
    words = np.ndarray((len(buf) - 7,), "<u8", buf, strides=(1,))
    w = words[me - 8]
    w ^= np.uint64(0x3030303030303030)
    w &= _TOP.take(v)
    w *= np.uint64(2561)
    w >>= np.uint64(8)
    w &= _M1
    w *= np.uint64(6553601)
    w >>= np.uint64(16)
    w &= _M2
    w *= np.uint64(42949672960001)
    w >>= np.uint64(32)
    return w
