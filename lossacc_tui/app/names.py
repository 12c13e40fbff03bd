"""Run names cut to what tells them apart where room is short (the compare legends). Textual-free."""

from __future__ import annotations

#: characters that end a word in a run's name: a common part is cut only at one of these, never
#: inside a word or a number (`lr0.0003` and `lr0.003` share `lr0.`, which is not cut)
SEPARATORS = "/_- =:,"
#: a common part shorter than this stays (an ellipsis and a cut save too little to read worse)
MIN_CUT = 4


def apart_names(names: list[str]) -> list[str]:
    """Each name without the start and the end all the names share (cut only at a separator, and
    only when it is at least MIN_CUT long), an ellipsis where it was: what differs stays, and the
    word before it when it is a number (`lr_` of `lr_0.1`).

    >>> apart_names(["sweep/lr0.0003/log.jsonl", "sweep/lr0.003/log.jsonl", "sweep/lr0.3/log.jsonl"])
    ['…lr0.0003…', '…lr0.003…', '…lr0.3…']
    >>> apart_names(["lr0.0003", "lr0.003", "lr0.03"])  # (nothing long enough to cut)
    ['lr0.0003', 'lr0.003', 'lr0.03']
    >>> apart_names(["resnet_lr_0.1_bs64", "resnet_lr_0.01_bs64"])
    ['…lr_0.1…', '…lr_0.01…']
    >>> apart_names(["only"])
    ['only']
    """
    if len(names) < 2:
        return list(names)
    first, shortest = names[0], min(len(n) for n in names)
    head = 0
    while head < shortest and all(n[head] == first[head] for n in names):
        head += 1
    while head > 0 and first[head - 1] not in SEPARATORS:  # (back to the end of a whole word)
        head -= 1
    if head and (first[head].isdigit() or first[head] == "."):  # (a number keeps the word naming it)
        head -= 1
        while head > 0 and first[head - 1] not in SEPARATORS:
            head -= 1
    tail = 0
    while tail < shortest - head and all(n[len(n) - 1 - tail] == first[len(first) - 1 - tail] for n in names):
        tail += 1
    while tail > 0 and first[len(first) - tail] not in SEPARATORS:
        tail -= 1
    head = head if head >= MIN_CUT else 0
    tail = tail if tail >= MIN_CUT else 0
    return [("…" if head else "") + n[head : len(n) - tail] + ("…" if tail else "") for n in names]
