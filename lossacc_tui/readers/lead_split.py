"""A split word that leads a printed line names the split of the metrics on it, e.g.

    Epoch 1/60                          Epoch 0                      epoch 0 train loss 1.28 acc 0.46
    Train - loss: 1.2861 - acc: 0.46      train: loss=1.2861 acc=0.46  epoch 0 valid loss 0.89 acc 0.73
    Val - loss: 0.8983 - acc: 0.73        val:   loss=0.8983 acc=0.73

Train and validation are printed on separate lines with the same metric names: read by name alone,
the validation values land in (or replace) the training series. Here a line led by a held-out word
(`val`, `valid`, `validation`, `test`, `testing`, `eval`, `evaluation`, with or without a dot:
`Val.`) has its bare names prefixed with that word (`acc` ->
`valid_acc`); a line led by `train`/`training` keeps them (a bare name already means training), so
a log's names stay what they were where it had no such lines. A line whose other names carry their
own split word (`Train Loss: 0.4 - Val Loss: 0.5`) is not split-led: its names are read as written.
"""

from __future__ import annotations

import re

TRAIN_WORDS = frozenset({"train", "training", "trn"})
#: a lead word given to names in the spelling the role table knows (`Testing - loss` -> `test_loss`)
_CANON = {"testing": "test"}
#: the split words, as a line may begin with them
_WORDS = r"train|training|trn|val|valid|validation|va|vl|dev|test|testing|eval|evaluation"
# `Train - `, `val:   `, `Validation Loss` (a word then a name), `[Train] `: the word and what follows
LEAD = re.compile(rf"\s*\[?(?P<word>(?i:{_WORDS}))\.?\]?(?:\s*[-:|]\s*|\s+)(?=[A-Za-z])")
# a name that carries its own split word: `val_loss`, `Training Acc.`, `valid loss`
_OWN = re.compile(rf"^(?i:{_WORDS}|dev)(?:[_ /.-]|$)")
# the first name after leading counters (`epoch 0 valid loss ...`, `Epoch 3: Val Loss ...`,
# `[Epoch 3] Validation: loss=...`)
_MARKED = re.compile(
    r"^\s*[\[(]?\s*(?i:epoch|ep|step|iter|iteration)\s*[:#]?\s*\[?\s*\d+(?:\s*/\s*\d+)?\s*\]?\s*[:,|-]?\s*"
)


def lead_word(text: str) -> tuple[str, str] | None:
    """(split word as written, the rest of the line) when `text` begins with a split word
    followed by a separator or a name, after any `epoch N` counter; else None."""
    m = _MARKED.match(text)
    start = m.end() if m else 0
    lead = LEAD.match(text, start)
    if lead is None:
        return None
    return lead["word"], text[:start] + text[lead.end() :]


#: a split word heading a section of a line, followed by a colon and a name (`.. | Validation: loss=..`),
#: or in brackets before a name (`Epoch 3 [train] loss 0.41 [val] loss 0.52`)
_SECTION = re.compile(
    rf"(?<![\w.])(?:(?P<word>(?i:{_WORDS}))\.?\s*:|\[(?P<bword>(?i:{_WORDS}))\])\s*(?=[A-Za-z])"
)

#: a split word in brackets (`[val]`: a cheap test first)
_BRACKETED = re.compile(rf"\[(?i:{_WORDS})\]")

#: a colon a name follows, which every section has (a cheap test first)
_COLON_NAME = re.compile(r":[ \t]*[A-Za-z]")


def sections(text: str) -> list[tuple[str | None, str]] | None:
    """A line cut where a split word with a colon (or in brackets) heads a section, each piece with
    its word (None for what comes before the first):
    `Epoch 3 train_loss=1.0 Validation: loss=0.7, accuracy=0.88` ->
    [(None, 'Epoch 3 train_loss=1.0 '), ('Validation', 'loss=0.7, accuracy=0.88')]. None when no
    such word stands past the line's start (a line led by one is `lead_word`'s).

    >>> sections("ep 3 | train: loss=1.2 acc=0.5 | val: loss=0.9 acc=0.7")[1:]
    [('train', 'loss=1.2 acc=0.5 | '), ('val', 'loss=0.9 acc=0.7')]
    >>> sections("Validation: loss=0.9") is None
    True
    >>> sections("Epoch 3 [train] loss 0.41 [val] loss 0.52")[1:]
    [('train', 'loss 0.41 '), ('val', 'loss 0.52')]
    """
    if _COLON_NAME.search(text) is None and ("]" not in text or _BRACKETED.search(text) is None):
        return None  # (most lines: `loss: 0.41`, `[Epoch 3] loss=0.4`; 1-2 us)
    found = list(_SECTION.finditer(text))
    if not found or (len(found) == 1 and not text[: found[0].start()].strip()):
        return None
    out: list[tuple[str | None, str]] = [(None, text[: found[0].start()])]
    for m, nxt in zip(found, [*found[1:], None], strict=True):
        out.append((m["word"] or m["bword"], text[m.end() : nxt.start() if nxt is not None else len(text)]))
    return out


#: a `|`-separated segment that is a split word alone (`| valid |`, `| [Train] |`) or one followed by
#: words without a number (fairseq's `| valid on 'valid' subset |`): it heads the segments after it
_PIPE_HEAD = re.compile(
    rf"^\s*\[?(?P<word>(?i:{_WORDS}))\.?\]?\s*:?\s*"
    r"(?:(?i:on|set|subset|split|results?|metrics?|stats?)\b[^\d:=]*)?$"
)

# a segment that begins with a split word, at the line's start or after a `|` (a superset of the
# segments `_PIPE_HEAD` takes: a cheap test first)
_PIPE_LEAD = re.compile(rf"\s*\[?(?i:{_WORDS})\b(?!_)")
_PIPE_MID = re.compile(rf"\|\s*\[?(?i:{_WORDS})\b(?!_)")


def pipe_sections(text: str) -> list[tuple[str | None, str]] | None:
    """A line of `|`-separated segments cut where a segment is a split word of its own: that word
    owns the segments after it, up to the next such segment (tester 27 T4). As `sections`, each
    piece with its word (None for what comes before the first); None when no segment is one.

    >>> pipe_sections("train | loss 0.53 | acc 0.81 | valid | loss 0.60 | acc 0.79")[1:]
    [('train', ' loss 0.53 | acc 0.81 '), ('valid', ' loss 0.60 | acc 0.79')]
    >>> pipe_sections("| epoch 003 | valid on 'valid' subset | loss 2.31 | accuracy 61.2")
    [(None, '| epoch 003 '), ('valid', ' loss 2.31 | accuracy 61.2')]
    >>> pipe_sections("epoch 3 | train loss 0.5 | val loss 0.6") is None
    True
    """
    if _PIPE_LEAD.match(text) is None and _PIPE_MID.search(text) is None:  # (the cheap test first)
        return None
    segments = text.split("|")
    heads = [(k, m["word"]) for k, seg in enumerate(segments) if (m := _PIPE_HEAD.match(seg)) is not None]
    if not heads:
        return None
    out: list[tuple[str | None, str]] = [(None, "|".join(segments[: heads[0][0]]))]
    for (k, word), nxt in zip(heads, [*(k for k, _ in heads[1:]), len(segments)], strict=True):
        out.append((word, "|".join(segments[k + 1 : nxt])))
    return out


def carries_split(name: str) -> bool:
    """Does a metric name begin with a split word of its own (`val_loss`, `Training Acc.`)?"""
    return _OWN.match(name.strip()) is not None


def is_train(word: str) -> bool:
    """Is a split word a training one (`Train`, `training`)?"""
    return word.lower() in TRAIN_WORDS


def own_split(name: str) -> str | None:
    """The split word a name carries (`val_loss` -> `val`, `Train Loss` -> `train`), lowercased and
    in the role table's spelling; None for a bare name."""
    m = _OWN.match(name.strip())
    if m is None:
        return None
    word = re.split(r"[_ /.-]", m.group(0).lower(), maxsplit=1)[0]
    return _CANON.get(word, word)


def by_context(seq: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A line's (name, value) pairs in order, a bare name given more than once each time after
    another split's own name getting that split (`Train Loss: 0.41, Acc: 0.83, Val Loss: 0.52, Acc:
    0.79`: the first `Acc` is the training one, the second the validation one; before any named
    split a bare name stays as written: training). Any other repeat is left as it is (a problem).

    >>> by_context([("train_loss", 0.4), ("acc", 0.8), ("val_loss", 0.5), ("acc", 0.7)])
    [('train_loss', 0.4), ('train_acc', 0.8), ('val_loss', 0.5), ('val_acc', 0.7)]
    >>> by_context([("loss", 0.4), ("acc", 0.8), ("val_loss", 0.5), ("acc", 0.7)])
    [('loss', 0.4), ('acc', 0.8), ('val_loss', 0.5), ('val_acc', 0.7)]
    >>> by_context([("val_loss", 0.5), ("acc", 0.7), ("lr", 0.1)])
    [('val_loss', 0.5), ('acc', 0.7), ('lr', 0.1)]
    """
    context: str | None = None
    where: list[str | None] = []
    for name, _ in seq:
        own = own_split(name)
        context = own or context
        where.append(None if own else context)
    out = list(seq)
    names = {n for n, _ in seq}
    for name in {n for n, _ in seq if own_split(n) is None}:
        at = [i for i, (n, _) in enumerate(seq) if n == name]
        splits = [where[i] for i in at]
        if len(at) < 2 or len(set(splits)) < len(splits):
            continue  # (given once, or twice in one split's context: a repeat, said as such)
        new = [name if w is None else f"{w}_{name}" for w in splits]  # (names are lowercased here)
        if names & {n for n in new if n != name}:
            continue  # (the line names them itself too)
        for i, n in zip(at, new, strict=True):
            out[i] = (n, seq[i][1])
    return out


def qualify(values: dict[str, float], word: str) -> dict[str, float] | None:
    """The metrics of a line led by `word`: bare names get the held-out word (`loss` -> `val_loss`,
    `Loss` -> `Validation Loss`, in the name's own style), a training word leaves them as they
    are; None when a name carries its own split word (the line is not split-led)."""
    if any(carries_split(n) for n in values):
        return None
    if is_train(word):
        return values
    word = _CANON.get(word.lower(), word)
    return {(f"{word} {n}" if n[:1].isupper() else f"{word.lower()}_{n}"): v for n, v in values.items()}
