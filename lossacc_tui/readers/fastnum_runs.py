"""The numpy parser's path for sparse numeric rows (Lightning's `metrics.csv`: 7 columns, one
metric a row, so 4 of 7 cells empty): the cells are found from the runs of digits, not from every
separator, so an empty cell costs nothing past the byte scan.

A piece of whole lines is scanned once for its runs of digits (one `flatnonzero` over the changes
of a digit mask: two positions a run). A run right after a '.' is the fraction of the run that ends
at that dot, a run right after an 'e' or 'E' (or its sign) the exponent of the number before, a
run after a '-' a negative number; every other run begins a cell. A cell's column is counted from
the separators between it and the cell before (commas, and one newline at a line's end): the
running count of separator bytes is `ncols` times the line plus the column, so a line with a cell
too many or too few is found without a per-line loop. One count of the piece's commas makes sure
that no other byte is there (a letter, a space, a '+' before a number, a second dot, a blank line,
a line that begins with an empty cell): every byte that is not a digit must be a comma or one of
the dots, 'e's, signs and line ends placed above.

The numbers are then read as `fastnum._parse` reads them (its digit windows and exact scaling;
integers of up to 8 digits, a step or an epoch, one word each), so each is bit for bit what float()
gives. A piece this path does not read (a bad line, `.5`, `5.`, `+1`, `nan`) gets None, and goes to
`fastnum._parse` (its token grammar), then to the per-line path where that fails too: a piece never
reads differently here than there (tests/test_fastnum_runs.py). On dense rows (a Keras CSV: every
cell a number) the token parser is faster, and reads them.

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
    (int64, increasing), its value float64), or None when it is not rows of ncols cells, each
    empty or a decimal number (`[-]digits[.digits][(e|E)[+|-]digits]`), every line's first cell
    a number; the caller then tries `_parse`."""
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
    # each run: a number's first (after a separator, or its sign), its fraction (after a '.') or
    # its exponent (after an 'e' or 'E', or the sign after one)
    pb = buf.take(rs - 1)  # the byte before each run
    frac = pb == 46
    exp = (pb | 32) == 101
    sign = (pb == 45) | (pb == 43)
    esign = np.zeros(0, np.int64)
    if sign.any():
        sg = np.flatnonzero(sign)
        esign = sg[(buf.take(rs.take(sg) - 2) | 32) == 101]
        exp[esign] = True
    later = frac | exp
    fr, ex = np.flatnonzero(frac), np.flatnonzero(exp)
    nfrac, nexp = len(fr), len(ex)
    if nfrac:
        fs, fe = rs.take(fr), re.take(fr)  # each fraction's digits
    if nfrac or nexp:
        lr = fr if not nexp else np.flatnonzero(later)
        dist = (fs if not nexp else rs.take(lr)) - re.take(lr - 1)  # (lr[0] 0: from the last run)
        if len(esign):
            dist -= sign.take(lr)
        if lr[0] == 0 or (dist != 1).any():
            return None  # not right after a number's digits: ".5", "e5", "1.e5", "1e.5"
        if (frac.take(lr) & later.take(lr - 1)).any() or exp.take(lr - 1).any():
            return None  # a fraction after a fraction or exponent, an exponent after one
        first_run = np.flatnonzero(~later)
    else:
        first_run = np.arange(len(rs))
    cs = rs.take(first_run)  # each cell's first digit, then (with its sign) its first byte
    me = re.take(first_run)  # the end of its mantissa (the last digit before any 'e'), then of it all
    if nfrac:
        owner = fr - np.searchsorted(ex, fr) - np.arange(1, nfrac + 1) if nexp else fr - 1 - np.arange(nfrac)
        me[owner] = fe
    ce = me
    if nexp:
        eowner = ex - np.searchsorted(fr, ex) - np.arange(1, nexp + 1)
        ce = me.copy()
        ce[eowner] = re.take(ex)
    before = pb.take(first_run)  # the byte before each cell's first digit
    neg = before == 45
    nneg = int(np.count_nonzero(neg))
    if nneg:
        ng = np.flatnonzero(neg)
        cs[ng] -= 1
        before[ng] = buf.take(cs.take(ng) - 1)
        if ((before.take(ng) != 44) & (before.take(ng) != 10)).any():
            return None  # a '-' not right after a separator: "1-2", "--1"
    # separators before each cell (commas and line ends: all the other bytes between cells, the
    # counts below make sure): ncols per line, so line * ncols + column, the cell's index
    gap = np.empty(len(cs), np.int64)
    gap[0] = cs[0] - _PAD
    np.subtract(cs[1:], ce[:-1], out=gap[1:])
    cell = np.cumsum(gap)
    line = cell // ncols
    # a line's end: right after its last cell's trailing commas, before the next line's cells
    # (a line with a cell too many or too few moves it, an empty line adds one not counted)
    new = np.flatnonzero(line[1:] != line[:-1])
    ends = ce.take(new) + (line.take(new) * ncols + ncols - 1 - cell.take(new))
    rows = int(line[-1]) + 1
    if (
        line[0] != 0
        or (buf.take(ends) != 10).any()
        or (line.take(new + 1) != line.take(new) + 1).any()
        or cell[-1] + _PAD + n - ce[-1] != ncols * rows
    ):
        return None
    # every byte that is not a digit is a comma, or one of the dots, 'e's, signs and line ends
    # placed above: no other byte (a letter, a space, a '+' before a number, a second dot)
    known = int((re - rs).sum()) + nfrac + nexp + len(esign) + nneg + len(new) + 1
    if commas != n - known:
        return None
    # the numbers: integers of up to 8 digits (a step, an epoch) a word each; the others as
    # `fastnum._parse` reads them (a dot read as a zero digit, then taken out; exact scaling)
    out = np.empty(len(cs), np.float64)
    v = me - cs  # mantissa bytes, dot included, sign excluded
    if nneg:
        v -= neg
    plain = v <= 8
    if nfrac:
        plain[owner] = False
    if nexp:
        plain[eowner] = False
    if nneg:
        plain[ng] = False
    i = np.flatnonzero(plain)
    out[i] = small_ints(buf, me.take(i), v.take(i))
    if len(i) < len(cs):
        k = np.flatnonzero(~plain)
        if nfrac:
            buf[fs - 1] = 48  # each dot read as a zero digit
            nf = fe - fs  # the digits after it
        hard = None
        if len(k) == nfrac and not nexp:  # (the others are the numbers with a fraction: k is owner)
            e10, dots, nfd = -nf, None, nf
        else:
            e10c = np.zeros(len(cs), np.int64)
            nfc = np.zeros(len(cs), np.int64)
            if nfrac:
                e10c[owner] = -nf
                nfc[owner] = nf
            if nexp:
                ev = re.take(ex) - rs.take(ex)  # the exponent's digits
                hardc = np.zeros(len(cs), bool)
                hardc[eowner] = ev > 4  # (past 9999: float())
                hard = hardc.take(k)
                value = _int_words(buf, re.take(ex), np.minimum(ev, 8)).astype(np.int64)
                e10c[eowner] += np.where(pb.take(ex) == 45, -value, value)
            e10, nfd = e10c.take(k), nfc.take(k)
            dots = np.flatnonzero(nfd)
            nfd = nfd.take(dots)
        x, over = fastnum._mantissas(buf, me.take(k), v.take(k))
        if nfrac:  # (x was a * 10**(nf+1) + b: now a * 10**nf + b)
            xd = x if dots is None else x.take(dots)
            xd -= xd // fastnum._DIV.take(nfd, mode="clip") * fastnum._MUL9.take(nfd, mode="clip")
            if dots is not None:
                x[dots] = xd
        if hard is not None:
            over |= hard
        out[k] = fastnum._scale(x, e10, over)
    if nneg:
        out[ng] = -out[ng]
    for c in np.flatnonzero(np.isnan(out)).tolist():  # rare: 19+ digits, ties, large exponents
        out[c] = float(chunk[int(cs[c]) - _PAD + start : int(ce[c]) - _PAD + start])
    return rows, cell, out


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
