"""Run names cut to what tells them apart where room is short: the run list's rows, the compare
view's legends and table, the alert toast and the status line all cut names here. Textual-free.

A run's name is the path parts that tell it from the other runs shown (`present.short_names`: the
folders where the paths branch, then the file). When a name is wider than its room, what it shares
with its nearest neighbours goes first (the `binary_` of `binary_thresh` beside `binary_s2`, the
`.jsonl` of `metrics.jsonl` beside `per_epoch_truth.jsonl`), then the leading folders whose loss
leaves the name no other run's (a sweep's folder, never the folder of a log that sits beside
another), then each part is cut in its middle, the longest first, keeping what tells it from its
siblings (`lr…0003` beside `lr0.003`, `multif…#2`); the other leading parts go only when even that
does not fit. (The list had dropped the leading folders first: two runs of one folder read
`…/metrics.jsonl` and `…/per_e…h.jsonl` at 80 columns, the folder that told them from the other
rows cut away: tester 22.)
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence

#: characters that end a word in a run's name: a common part is cut only at one of these, never
#: inside a word or a number (`lr0.0003` and `lr0.003` share `lr0.`, which is not cut)
SEPARATORS = "/_- =:,"
#: a common part shorter than this stays (an ellipsis and a cut save too little to read worse)
MIN_CUT = 4
#: a part cut in its middle keeps at least this many characters (with the ellipsis)
MIN_PART = 4

#: a name's part, with the lengths of its start and end that its nearest siblings share (what may
#: go first when room is short), the span inside it that tells it from them (kept by a middle
#: cut; (0, 0): none to keep), and that span wherever it is: (part, head, tail, a, b, ra, rb)
Part = tuple[str, int, int, int, int, int, int]
#: a name: how many of its leading parts may go (what is left is still no other run's path's
#: end), and its parts
Told = tuple[int, tuple[Part, ...]]


def _word_ends(first: str, head: int, tail: int) -> tuple[int, int]:
    """Raw shared start and end lengths of `first` made whole words: the start ends at a separator
    (and a number keeps the word naming it: `lr_` of `lr_0.1`), the end starts at one (or at the
    dot of a file's extension); each only when at least MIN_CUT long, and never overlapping."""
    head = min(head, len(first))
    while head > 0 and first[head - 1] not in SEPARATORS:  # (back to the end of a whole word)
        head -= 1
    if head < len(first) and head and (first[head].isdigit() or first[head] == "."):
        head -= 1  # (a number keeps the word naming it)
        while head > 0 and first[head - 1] not in SEPARATORS:
            head -= 1
    tail = min(tail, len(first) - head)

    def starts_word(i: int) -> bool:
        c = first[i]
        return c in SEPARATORS or (c == "." and i + 1 < len(first) and first[i + 1].isalpha())

    while tail > 0 and not starts_word(len(first) - tail):
        tail -= 1
    return (head if head >= MIN_CUT else 0), (tail if tail >= MIN_CUT else 0)


def _common_start(a: str, b: str) -> int:
    """Length of the start `a` and `b` share (bisected on slices: compared in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_end(a: str, b: str) -> int:
    """Length of the end `a` and `b` share."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@functools.lru_cache(maxsize=8)
def told_apart(names: tuple[str, ...], paths: tuple[str, ...] | None = None) -> tuple[Told, ...]:
    """Each name's parts (split at `/`) with what each shares with its nearest siblings (the parts
    at the same depth after the same parts): its start with the one sharing the longest start, its
    end with the one sharing the longest end; and how many leading parts may go: those before the
    last parts that end no other name, and never a log file's folder (`paths`: the runs' whole
    paths, default `names`, tell which names end with their file): `sweep/lr0.0003/log.jsonl` may
    lose `sweep/`, `cases/nan_run` (a folder's run) `cases/`, but `binary_thresh/metrics.jsonl`
    never loses `binary_thresh/`, the folder that tells it from `aux_wd/metrics.jsonl`.
    O(names x depth log names); kept for the last few lists (the run list asks at every frame)."""
    split = [n.split("/") for n in names]
    above = [[tuple(p[:k]) for k in range(len(p))] for p in split]  # (each part's place)
    siblings: dict[tuple[str, ...], set[str]] = {}
    for p, places in zip(split, above, strict=True):
        for part, place in zip(p, places, strict=True):
            siblings.setdefault(place, set()).add(part)
    ends = {
        place: _alone(tuple(kids)) if len(kids) == 1 and place else _nearest_ends(tuple(sorted(kids)))
        for place, kids in siblings.items()
    }
    endings: Counter[tuple[str, ...]] = Counter(tuple(p[i:]) for p in split for i in range(len(p)))
    out = []
    for p, places, path in zip(split, above, paths or names, strict=True):
        filed = path.replace("\\", "/").rstrip("/").endswith("/" + p[-1])  # (its last part: the log file)
        least = 2 if filed else 1
        keep = next((k for k in range(least, len(p)) if endings[tuple(p[-k:])] == 1), len(p))
        parts = [(part, *ends[place][part]) for part, place in zip(p, places, strict=True)]
        if parts[-1][1] >= len(p[-1]):  # (a name's own end names its run, alone at its place or not)
            parts[-1] = (p[-1], 0, 0, 0, 0, 0, len(p[-1]))
        out.append((len(p) - keep, tuple(parts)))
    return tuple(out)


def _alone(kids: tuple[str, ...]) -> dict[str, tuple[int, int, int, int, int, int]]:
    """A part alone at its place, below a folder: all of it shared (one way on)."""
    return {k: (len(k), 0, 0, 0, 0, len(k)) for k in kids}


@functools.lru_cache(maxsize=4096)
def _nearest_ends(kids: tuple[str, ...]) -> dict[str, tuple[int, int, int, int, int, int]]:
    """Of each of sorted `kids`: (start, end) shared with its nearest others as whole words
    (`_word_ends`: what may give way), and the span [a, b) inside it that tells it from them when
    that span touches neither end (a middle cut must keep it: `lr0.0003` beside `lr0.003`), else
    (0, 0). Nearest by start: the neighbours in sorted order; by end: in the order of the reversed
    strings. Kept per set of siblings: a run found adds to one, the others are not read again."""
    if len(kids) < 2:
        return {k: (0, 0, 0, 0, 0, len(k)) for k in kids}
    out: dict[str, tuple[int, int, int, int, int, int]] = {}
    by_end = sorted(kids, key=lambda s: s[::-1])
    end_at = {k: i for i, k in enumerate(by_end)}
    for i, k in enumerate(kids):
        start = max(_common_start(k, kids[j]) for j in (i - 1, i + 1) if 0 <= j < len(kids))
        e = end_at[k]
        end = max(_common_end(k, by_end[j]) for j in (e - 1, e + 1) if 0 <= j < len(by_end))
        a, b = min(start, len(k) - end), max(start, len(k) - end)
        if a == b:  # (one inserted: the characters beside it)
            a, b = max(0, a - 1), min(len(k), b + 1)
        inside = a > 0 and b < len(k)
        out[k] = (*_word_ends(k, start, min(end, len(k) - start)), *((a, b) if inside else (0, 0)), a, b)
    return out


def cut_around(s: str, width: int, a: int, b: int) -> str:
    """`s` in `width` characters, cut (…) in the middle of the larger stretch outside [a, b) that
    can lose enough; `middle` when none can, or nothing is to be kept (a == b).

    >>> cut_around("lr0.0003", 6, 4, 6), cut_around("binary_thresh", 8, 0, 0)
    ('l…0003', 'bina…esh')
    """
    if len(s) <= width:
        return s
    drop = len(s) - width + 1
    if a < b and b - a < width:
        for lo, hi in sorted(((0, a), (b, len(s))), key=lambda r: r[0] - r[1]):
            if hi - lo >= drop:
                at = lo + (hi - lo - drop + 1) // 2
                return s[:at] + "…" + s[at + drop :]
    return middle(s, width)


def middle(s: str, width: int) -> str:
    """`s` cut in its middle to `width` characters (both its ends kept).

    >>> middle("eight_runs/run_1/metrics.csv", 16)
    'eight_ru…ics.csv'
    """
    if len(s) <= width:
        return s
    if width <= 1:
        return s[:width]
    head = width // 2
    return s[:head] + "…" + s[len(s) - (width - 1 - head) :]


def fit_path(path: str, width: int) -> str:
    """A path in `width` characters for a heading: whole when it fits, else its leading folders
    give way (`…/`), then the folder holding the file is cut in its middle (it tells runs named
    alike apart: `…/acc_fl…_down/train.log`), then the file name itself (a summary's run name in a
    26-column pane was folded in the middle of a word: "sklearn_memor" / "ised/mlp.log").

    >>> fit_path("tests/data/sklearn_memorised/mlp.log", 27)
    '…/sklearn_memorised/mlp.log'
    >>> fit_path("tests/data/sklearn_memorised/mlp.log", 26)
    '…/sklearn_…morised/mlp.log'
    >>> fit_path("demo_logs/acc_flat_loss_down/train.log", 24)
    '…/acc_fl…_down/train.log'
    >>> fit_path("runs/a.jsonl", 20)
    'runs/a.jsonl'
    """
    if len(path) <= width or width < 4:
        return path
    parts = path.split("/")
    for k in range(1, len(parts) - 1):
        short = "…/" + "/".join(parts[k:])
        if len(short) <= width:
            return short
    if len(parts) >= 2:  # (the folder that tells runs named alike apart, cut in its middle)
        room = width - len(parts[-1]) - 3
        if room >= MIN_PART + 2:
            return "…/" + middle(parts[-2], room) + "/" + parts[-1]
        if len(parts[-1]) + 2 <= width:  # (its folders went: said, as above)
            return "…/" + parts[-1]
    return middle(parts[-1], width)


@functools.lru_cache(maxsize=4096)
def fit_told(told: Told, width: int) -> str:
    """A name (`told_apart`'s) in `width` characters: whole when it fits; else what its parts share
    with their siblings gives way (from the last part to the first), then the leading parts that
    may go (`…/`), then the parts are cut in their middles, the longest first, each keeping what
    tells it apart (MIN_PART at least); then the other leading parts go; a last resort cuts what is
    left in its middle.

    >>> told = told_apart(("aux_wd", "binary_thresh/metrics.jsonl", "binary_thresh/per_epoch_truth.jsonl"))
    >>> [fit_told(t, 20) for t in told]
    ['aux_wd', 'binar…hresh/metrics…', 'bina…resh/per_…ruth…']
    """
    droppable, told_parts = told
    whole = "/".join(t[0] for t in told_parts)
    if len(whole) <= width:
        return whole
    if len(told_parts) > 1 and all(t[1] >= len(t[0]) for t in told_parts[:-1]):
        # (no folder tells it from another run: a lone run's path, its file name kept whole and as
        # many of its last folders as fit, `fit_path`; the list had read `/…/…/…/run1.log`)
        return fit_path(whole, width) if width >= 4 else middle(whole, width)
    # each part as (ellipsis before, what is kept, ellipsis after)
    parts = [("", t[0], "") for t in told_parts]
    keep = [(t[3], t[4]) for t in told_parts]  # (the span of each core to keep, as indices into it)
    dropped = 0

    def joined() -> str:
        name = "/".join(a + core + b for a, core, b in parts[dropped:]).replace("…/…", "…")
        return ("…/" + name).replace("…/…", "…") if dropped else name

    for k in range(len(parts) - 1, -1, -1):  # the shared ends, from the last part
        p, head, tail, a, b, _, _ = told_parts[k]
        if len(joined()) <= width:
            break
        if head >= len(p):  # (the only part at its place: all of it shared)
            parts[k] = ("…", "", "")
            continue
        if tail:
            parts[k] = ("", p[: len(p) - tail], "…")
        if tail and len(joined()) > width and k == len(parts) - 1 and p[len(p) - tail] == ".":
            # (a file's extension its siblings share goes unmarked when that keeps the words before
            # it whole: `run_0000` for `run_0000.csv` in 8 cells, where the legend read `ru…0000…`)
            parts[k] = ("", p[: len(p) - tail], "")
            if len(joined()) <= width:
                break
            parts[k] = ("", p[: len(p) - tail], "…")
        if head and len(joined()) > width:  # (from its end: `binar…s2` keeps the word's start)
            _, core, after = parts[k]
            lose = min(head, len(joined()) - width + 1)
            parts[k] = (core[: head - lose] + "…", core[head:], after)
            keep[k] = (max(0, a - head), max(0, b - head))
    while len(joined()) > width and dropped < droppable:
        dropped += 1
    if dropped and len(joined()) - 2 == width:  # (the rest whole, rather than the mark of what went)
        return joined()[2:]
    while True:
        lengths = [len(core) for _, core, _ in parts]
        least = [min(n, max(MIN_PART, b - a + 1)) for n, (a, b) in zip(lengths, keep, strict=True)]
        for k, t in enumerate(told_parts):  # (a telling end is kept, with a character of the start)
            if _end_told(t):
                least[k] = min(lengths[k], max(least[k], len(t[0]) - t[5] + 1))
        over = len(joined()) - width
        # the longest part that can loses a character: first of those told apart at an end
        # (`log.jsonl` beside `training.log`: MIN_PART keeps both ends), then of all
        for among in (
            [i for i in range(dropped, len(parts)) if keep[i] == (0, 0)],
            range(dropped, len(parts)),
        ):
            while over > 0 and among:
                k = max(among, key=lambda i: (lengths[i] > least[i], lengths[i], -i))
                if lengths[k] <= least[k]:
                    break
                lengths[k] -= 1
                over -= 1
        if over <= 0 or dropped >= len(parts) - 1:
            break
        dropped += 1  # (not enough: a leading part goes, and the others are cut again)
    parts = [
        ("", _keep_end(t[0], n + len(before) + len(after), t[5]), "")
        if n < len(core) and _end_told(t)
        else (before, cut_around(core, n, *span), after)
        for (before, core, after), n, span, t in zip(parts, lengths, keep, told_parts, strict=True)
    ]
    name = joined()
    return name if len(name) <= width else middle(name, width)


def _end_told(t: Part) -> bool:
    """The part is told from its siblings by its end alone (`#2`, `_s2`), after a start it shares."""
    return t[5] > 0 and t[6] == len(t[0])


def _keep_end(s: str, width: int, a: int) -> str:
    """`s` in `width` characters keeping its end from `a` whole and as much of its start as fits
    (`multif…#2`); `middle` when the end alone does not fit."""
    room = width - 1 - (len(s) - a)
    return s[:room] + "…" + s[a:] if room >= 1 else middle(s, width)


def fit_names(
    names: Sequence[str], width: int | Sequence[int], paths: Sequence[str] | None = None
) -> list[str]:
    """Each of `names` in its room (`width`: one for all, or one per name), cut to what tells it
    from the others (`fit_told`).

    >>> fit_names(["lr0.0003/log.jsonl", "lr0.0003/print.log", "lr0.003/log.jsonl"], 14)
    ['lr0.0003/lo…nl', 'lr0.0003/pr…og', 'lr0.003/log…nl']
    """
    told = told_apart(tuple(names), tuple(paths) if paths is not None else None)
    widths = [width] * len(told) if isinstance(width, int) else list(width)
    return [fit_told(t, max(1, w)) for t, w in zip(told, widths, strict=True)]
