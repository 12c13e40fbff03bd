"""Vectorized parser for chunks of purely numeric delimited rows (numpy only, no object per cell).

Every non-digit byte is a token (delimiter, newline, '.', 'e'/'E', sign); the grammar is checked on
the token sequence alone. Each cell's mantissa is read from a right-aligned window of at most 24
bytes with SWAR arithmetic on uint64 words, then scaled by one correctly rounded multiply/divide by
an exact power of ten (80-bit long double when the mantissa exceeds 2**53, with a check for double
rounding). The rare cells beyond these limits go through float() one by one, so results are exact
(where numpy has no 80-bit long double, as on Windows and arm64, mantissas above 2**53 are within 1 ulp).
Chunks are cut into pieces of ~256 KB so that the temporaries stay in the CPU cache; a large
block parsed into one table (`parse_numeric_columns`) in pieces of ~1 MB, its temporaries kept by
the allocator from piece to piece (`_raise_trim_threshold`).
"""

from __future__ import annotations

import functools
import mmap
from collections.abc import Callable

import numpy as np

_PIECE = 1 << 18
#: parse_numeric_columns' pieces: its temporaries are reused (`_raise_trim_threshold`), and on a
#: 34 MB file pieces of 1 MB took 5-10 % less CPU than pieces of 256 KB (2 or 4 MB: more)
_COLUMN_PIECE = 1 << 20
_WARM = 16 << 20
_PAD = 24  # leading delimiters: sentinel tokens, and room for a 24-byte window before the first cell
_P10F = np.array([float(10**k) for k in range(23)])  # exact doubles
_DIV = np.array([10 ** (k + 1) for k in range(19)] + [2**64 - 1] * 6, dtype=np.uint64)  # beyond any x
_MUL9 = np.array([9 * 10**k for k in range(19)] + [0] * 6, dtype=np.uint64)
_P10L = np.concatenate([[1], np.cumprod(np.full(27, 10, np.longdouble))])  # exact: 5**27 < 2**64
# x87 80-bit long double (not on Windows or arm64), whose first 8 bytes are the 64-bit mantissa
_EXT = np.dtype(np.longdouble).itemsize == 16 and np.finfo(np.longdouble).nmant == 63
_EXT = _EXT and int(np.ones(1, np.longdouble).view(np.uint64)[0]) == 1 << 63
_U8 = np.dtype("<u8")
_MASK = np.uint64(0x000000FF000000FF)
_MUL1 = np.uint64(100 + (1000000 << 32))
_MUL2 = np.uint64(1 + (10000 << 32))


def _keep(width: int) -> np.ndarray:
    """Row v: the uint64 words that keep the last v bytes of a width-byte window."""
    keep = np.arange(width)[None, :] >= width - np.arange(width + 1)[:, None]
    return (keep.astype(np.uint8) * np.uint8(255)).view(_U8)


_KEEP = {w: _keep(w) for w in (8, 16, 24)}


def parse_numeric_rows(
    chunk: bytes, ncols: int, delimiter: bytes = b","
) -> tuple[np.ndarray, np.ndarray] | None:
    """Parse complete lines of numeric delimited text in one vectorized pass.

    Returns (values float64 (nrows, ncols), present bool (nrows, ncols)); an empty cell is NaN and
    not present. Returns None unless every line is ncols cells of plain decimal numbers
    ([+-]digits[.digits][(e|E)[+-]digits], digits optional on one side of the dot, or empty).
    """
    if ncols < 1 or len(delimiter) != 1 or delimiter in b"0123456789+-.eE\r\n":
        raise ValueError(f"bad ncols {ncols} or delimiter {delimiter!r}")
    if chunk[-1:] != b"\n":
        return None if chunk else (np.empty((0, ncols)), np.zeros((0, ncols), bool))
    if b"\r" in chunk:
        chunk = chunk.replace(b"\r\n", b"\n")
        if b"\r" in chunk:
            return None
    parts, start = [], 0
    while start < len(chunk):
        end = chunk.find(b"\n", start + _PIECE) + 1 or len(chunk)
        res = _parse(chunk, start, end, ncols, delimiter[0])
        if res is None:
            return None
        nrows, cell, out = res
        values = np.full(nrows * ncols, np.nan)
        present = np.zeros(nrows * ncols, bool)
        present[cell] = True
        values[cell] = out
        parts.append((values.reshape(nrows, ncols), present.reshape(nrows, ncols)))
        start = end
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def parse_numeric_columns(
    chunk: bytes, ncols: int, delimiter: bytes = b",", start: int = 0, sparse: bool = False
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """parse_numeric_rows on the lines of chunk[start:] (a large block: a backlog read at once),
    each column contiguous: (values float64 (rows, ncols), present bool (rows, ncols), both in
    Fortran order, end): the table of the lines of chunk[start:end]. end < len(chunk) when a line
    in the piece of about `_COLUMN_PIECE` bytes from `end` on is not numeric rows of ncols cells
    (the caller reads the rest its own way). None when chunk does not end with a newline, or
    holds CR-LF line ends (read in pieces, on a copy without the CRs) and such a line.
    `sparse`: most cells are empty (Lightning's metrics.csv); each piece is first tried by the
    digit-run parser (`fastnum_runs.parse_runs`), which does not look at an empty cell, then,
    where it cannot read a piece, by the token parser; the values are the same either way.

    The pieces' values go straight into the two arrays, made once: no per-piece table,
    concatenation or column copy (each of which took fresh memory pages); NaN is written only
    in the columns with an empty cell, once all pieces are read."""
    if ncols < 1 or len(delimiter) != 1 or delimiter in b"0123456789+-.eE\r\n":
        raise ValueError(f"bad ncols {ncols} or delimiter {delimiter!r}")
    if chunk[-1:] != b"\n" or start >= len(chunk):
        return None
    size, crlf = len(chunk), b"\r" in chunk
    if crlf:
        chunk, start = chunk[start:].replace(b"\r\n", b"\n"), 0
        if b"\r" in chunk:
            return None
    _raise_trim_threshold()
    a = np.frombuffer(chunk, np.uint8, offset=start)
    nrows = sum(int(np.count_nonzero(a[i : i + _PIECE] == 10)) for i in range(0, len(a), _PIECE))
    vt = _mapped((ncols, nrows), np.float64)  # column by column: the transposes are the results
    pt = _mapped((ncols, nrows), np.bool_)  # (zeros: a fresh mapping's pages are)
    flat_v, flat_p = vt.reshape(-1), pt.reshape(-1)
    runs = _runs_parser() if sparse else None
    row = 0
    while start < len(chunk):
        end = chunk.find(b"\n", start + _COLUMN_PIECE) + 1 or len(chunk)
        res = None if runs is None else runs(chunk, start, end, ncols, delimiter[0])
        if res is None:
            res = _parse(chunk, start, end, ncols, delimiter[0])
        if res is None:
            if crlf:
                return None
            break
        n, cell, out = res
        r = cell // ncols  # (divmod took five times as long as a division by a number)
        c = cell * nrows  # the cell's place in its column: column * nrows + row
        r *= ncols * nrows - 1
        c -= r
        c += row
        flat_v[c] = out
        flat_p[c] = True
        row += n
        start = end
    for j in range(ncols):  # NaN where a column's cell is empty
        p = pt[j, :row]
        if not p.all():
            np.copyto(vt[j, :row], np.nan, where=~p)
    if start < len(chunk):
        return vt[:, :row].T, pt[:, :row].T, start
    return vt.T, pt.T, size


def _runs_parser() -> Callable[[bytes, int, int, int, int], tuple[int, np.ndarray, np.ndarray] | None]:
    """fastnum_runs.parse_runs (imported here: it uses this module's digit windows)."""
    from lossacc_tui.readers.fastnum_runs import parse_runs

    return parse_runs


#: a private mapping, its pages made at once (MAP_POPULATE, Linux): the 63 MB table of a 34 MB CSV
#: took 18 ms of CPU to fault in against 27-34 ms page by page (private) and 36 ms as a shared
#: mapping (Python's default), at load 10
_PRIVATE = (
    getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0) | getattr(mmap, "MAP_POPULATE", 0)
)


def _mapped(shape: tuple[int, int], dtype: type) -> np.ndarray:
    """A zeroed array in an anonymous memory mapping of its own, in 4 KB pages: numpy advises the
    kernel to back an array this large with transparent huge pages, and with that advice a 34 MB
    CSV read's system time was 0.09-0.27 s (2 of 8 reads past 0.14 s) against 0.08-0.12 s in 4 KB
    pages (load 10; the kernel's huge-page `defrag` was `madvise`); a private mapping whose pages
    are made in one call where the system has that (`_PRIVATE`). Unmapped with the last array that
    uses it."""
    count = int(np.prod(shape))
    try:
        size = max(count * np.dtype(dtype).itemsize, 1)
        mapped = mmap.mmap(-1, size, flags=_PRIVATE) if _PRIVATE else mmap.mmap(-1, size)
    except (OSError, ValueError):  # no mapping to be had (a limit): numpy's own memory
        return np.zeros(shape, dtype)
    return np.frombuffer(mapped, dtype, count=count).reshape(shape)


@functools.cache
def _raise_trim_threshold() -> None:
    """Once a process: allocate and free (untouched) a block of `_WARM` bytes. glibc's malloc
    then serves blocks up to that size from its heap and keeps up to twice that free there (its
    dynamic mmap and trim thresholds follow the largest block freed), where before a piece's
    temporaries (a few hundred KB each) were given back to the system after every piece and their
    pages faulted in again: 23,000 minor faults on a 34 MB CSV, 40-150 ms of CPU at load 6-15,
    against 1,800. Other allocators ignore it (an mmap that was never touched)."""
    np.empty(_WARM, np.uint8)


def _prev(x: np.ndarray, first: bool) -> np.ndarray:
    """x shifted right by one token."""
    out = np.empty_like(x)
    out[0] = first
    out[1:] = x[:-1]
    return out


def _parse(
    chunk: bytes, start: int, end: int, ncols: int, delim: int
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The piece chunk[start:end] (whole lines): (rows, index of each non-empty cell counted row
    by row from 0 (int64, increasing), its value), or None (not numeric rows of ncols cells).
    It is copied after _PAD delimiters (sentinel tokens, and room for a window before the first
    cell); the copy's dots become zeros once the tokens are found."""
    buf = np.empty(_PAD + end - start, np.uint8)
    buf[:_PAD] = delim
    buf[_PAD:] = np.frombuffer(chunk, np.uint8, count=end - start, offset=start)
    pos = np.flatnonzero(np.subtract(buf, 48) > 9)  # tokens: the non-digit bytes
    tok = buf.take(pos)
    is_s = (tok == delim) | (tok == 10)
    is_d = tok == 46
    is_e = (tok | 32) == 101
    is_p = (tok == 45) | (tok == 43)
    has_e, has_p = bool(is_e.any()), bool(is_p.any())
    if not (is_s | is_d | is_e | is_p).all():
        return None  # a byte that is not a digit, delimiter, newline, '.', 'e', 'E', '+' or '-'
    # grammar per cell: [P] [D] [E [P]] S, a sign right after the delimiter or the 'e'
    ps = _prev(is_s, True)
    bad = is_d & ~ps
    if has_e or has_p:
        pe = _prev(is_e, False)
        after_e = pe | _prev(is_p & pe, False)  # right after an 'e' or after the exponent's sign
        bad = (is_d & ~(ps | _prev(is_p & ps, False))) | (is_p & ~(ps | pe)) | (is_e & after_e)
        ip = np.flatnonzero(is_p)
        if (pos.take(ip) - pos.take(ip - 1) != 1).any():
            return None
    if bad.any():
        return None
    ncells = np.count_nonzero(is_s) - _PAD
    nrows = ncells // ncols
    nl = np.flatnonzero(tok == 10)
    if ncells % ncols or len(nl) != nrows:
        return None
    cs = np.cumsum(is_s, dtype=np.int32)  # cs[i] - _PAD: cells ended at or before token i
    if (cs.take(nl) != _PAD + ncols * np.arange(1, nrows + 1)).any():
        return None  # a line with the wrong cell count
    # per non-empty cell the token that ends its mantissa: its 'e', else its delimiter
    adj = np.empty(len(pos), bool)
    adj[0] = True
    np.equal(np.diff(pos), 1, out=adj[1:])
    ends = is_s & ~(ps & adj)
    if has_e:
        ends = is_e | (ends & ~after_e)
    m = np.flatnonzero(ends)
    dprev = is_d.take(m - 1)
    q = m - 1 - dprev  # the token before the first mantissa digit: a delimiter or a sign
    me = pos.take(m)
    v = me - pos.take(q) - 1  # mantissa bytes, dot included, sign excluded
    if (v <= dprev).any():
        return None  # no mantissa digit: ".", "-", "e5", ...
    cell = cs.take(m) - _PAD - (is_s.take(m) if has_e else 1)
    if not len(m):
        return nrows, cell, np.empty(0)
    # value = x * 10**e10, x the mantissa digits as an integer
    dot = np.flatnonzero(dprev)
    at = pos.take(np.flatnonzero(is_d))  # (one dot per cell at most, in order)
    nf = me.take(dot) - at - 1  # digits after the dot
    buf[at] = 48  # read as a zero digit (corrected below)
    e10 = np.zeros(len(m), np.int64)
    e10[dot] = -nf
    hard = np.zeros(len(m), bool)
    if has_e:
        ex = _exponents(buf, pos, tok, np.flatnonzero(is_e))
        if ex is None:
            return None
        ie = np.flatnonzero(is_e.take(m))
        e10[ie] += ex[0]
        hard[ie] = ex[1]
    x, over = _mantissas(buf, me, v)
    if len(dot):  # the zero read for the dot shifted the integer part: x = a * 10**(nf+1) + b
        xd = x[dot]
        x[dot] = xd - xd // _DIV.take(nf, mode="clip") * _MUL9.take(nf, mode="clip")
    out = _scale(x, e10, hard | over)
    if has_p:
        np.negative(out, out=out, where=tok.take(q) == 45)
    for i in np.flatnonzero(np.isnan(out)).tolist():  # rare: 19+ digits, |exponent| > 27, ties
        a, b = np.searchsorted(cs, [_PAD + cell[i], _PAD + cell[i] + 1])
        out[i] = float(chunk[start + pos[a] + 1 - _PAD : start + pos[b] - _PAD])
    return nrows, cell, out


def _exponents(buf: np.ndarray, pos: np.ndarray, tok: np.ndarray, et: np.ndarray) -> tuple | None:
    """Signed exponents after the 'e' tokens et, and a flag for more than 4 digits; None: no digit."""
    k = et + 1
    sgn = (tok.take(k) == 45) | (tok.take(k) == 43)
    start = pos.take(k - 1 + sgn) + 1
    nd = pos.take(k + sgn) - start
    if nd.min() < 1:
        return None
    ev = np.zeros(len(k), np.int64)
    for j in range(min(4, int(nd.max()))):
        dj = buf.take(np.minimum(start + j, len(buf) - 1)).astype(np.int64) - 48
        ev = np.where(j < nd, ev * 10 + dj, ev)
    return np.where(tok.take(k) == 45, -ev, ev), nd > 4


def _mantissas(buf: np.ndarray, me: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Digits of buf[me-v:me] as uint64 (a dot in them already made a zero digit), and a flag for
    the cells that do not fit (more than 24 bytes, or 19 digits or more). Short cells (8 bytes or
    fewer: a step, an epoch) are read a word each apart from long ones when they are many."""
    vmax = int(v.max())
    width = 8 * min(3, (vmax + 7) // 8)
    if width > 8:
        short = v <= 8
        k = np.count_nonzero(short)
        if 4 * k >= len(v):
            x, over = np.empty(len(v), np.uint64), np.zeros(len(v), bool)
            i, j = np.flatnonzero(short), np.flatnonzero(~short)
            x[i] = _digits(buf, me.take(i), v.take(i), 8)[0]
            x[j], over[j] = _digits(buf, me.take(j), v.take(j), width)
            return x, over
    return _digits(buf, me, v, width)


def _digits(buf: np.ndarray, me: np.ndarray, v: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """_mantissas of cells read in windows of `width` bytes (8, 16 or 24) right-aligned on me."""
    windows = np.ndarray((len(buf) - width + 1,), np.dtype(f"V{width}"), buf, strides=(1,))
    rows = windows[me - width].view(np.uint8).reshape(len(me), width)  # copy, right-aligned on me
    np.subtract(rows, 48, out=rows)
    w = rows.view(_U8)
    w &= _KEEP[width].take(np.minimum(v, width), axis=0)
    w *= np.uint64(2561)  # SWAR, 8 digits per word (Lemire's parse_eight_digits)
    w >>= np.uint64(8)
    lo = w & _MASK
    lo *= _MUL1
    w >>= np.uint64(16)
    w &= _MASK
    w *= _MUL2
    w += lo
    w >>= np.uint64(32)
    x = w[:, 0].copy()
    for k in range(1, w.shape[1]):
        x *= np.uint64(10**8)
        x += w[:, k]
    over = w[:, 0] >= 1000 if width == 24 else np.zeros(len(x), bool)
    over |= v > width
    return x, over


def _scale(x: np.ndarray, e10: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """Correctly rounded x * 10**e10, NaN where that is not done here (hard, or out of range)."""
    lo, hi = int(e10.min()), int(e10.max())
    out = x.astype(np.float64)
    if lo >= -22 and hi <= 0:
        out /= _P10F.take(-e10)
    else:
        i = np.clip(e10, -22, 22)
        out /= _P10F.take(np.maximum(-i, 0))
        out *= _P10F.take(np.maximum(i, 0))
        hard = hard | (np.abs(e10) > 27)
    big = x >= np.uint64(1 << 53)
    if lo < -22 or hi > 22:
        big |= np.abs(e10) > 22
    if hard.any():
        out[hard] = np.nan
        big &= ~hard
    slow = np.flatnonzero(big)
    if len(slow) and _EXT:
        xl, es = x[slow].astype(np.longdouble), e10[slow]
        r = xl / _P10L.take(np.maximum(-es, 0))
        up = np.flatnonzero(es > 0)
        r[up] = xl[up] * _P10L.take(es[up])
        out[slow] = r
        out[slow[(r.view(np.uint64)[::2] & np.uint64(0x7FF)) == 0x400]] = np.nan  # halfway: double rounded?
    elif len(slow):  # no 80-bit long double: the float64 result, within 1 ulp
        out[slow[np.abs(e10.take(slow)) > 22]] = np.nan
    return out


if __name__ == "__main__":  # speed check: python lossacc_tui/readers/fastnum.py
    import io
    import time

    import pandas as pd

    f32 = np.random.default_rng(0).random((1_000_000, 5)).astype(np.float32).tolist()
    rows = [
        f"12,{i},{r[0]!r},{r[1]!r},,," if i % 10 else f"12,{i},,,{r[2]!r},{r[3]!r},{r[4]!r}"
        for i, r in enumerate(f32)
    ]
    data = ("\n".join(rows) + "\n").encode()

    def chunked(size: int) -> None:
        off = 0
        while off < len(data):
            end = data.rfind(b"\n", off, off + size) + 1 or len(data)
            assert parse_numeric_rows(data[off:end], 7) is not None
            off = end

    print(f"{len(data) >> 20} MB, 1M rows, 4.1M values")
    for name, run in [
        ("fastnum, 1 MB chunks", lambda: chunked(1 << 20)),
        ("fastnum, 4 MB chunks", lambda: chunked(4 << 20)),
        ("pandas.read_csv", lambda: pd.read_csv(io.BytesIO(data), header=None)),
    ]:
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{name}: {4.1 / wall:.2f} M values/s ({4.1 / cpu:.2f} by CPU time)")
