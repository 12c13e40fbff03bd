"""Several metrics of one role that differ only in a number: a multi-resolution or multi-exit model
logging one accuracy per input size, head or exit (CF-ViT's `test_96_acc1`, `test_192_acc1`,
`test_384_acc1`; `exit1_acc` ... `exit3_acc`). Each names an accuracy equally well, so the first
logged won before: the coarsest resolution, the earliest exit, not the number a user reads as the
model's. The one with the largest number is read: the full-resolution input, the last exit, the
final stage; a note says which was picked and how to pick another (`--map ROLE=NAME`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from lossacc_tui.clean import clean

_NUM = re.compile(r"\d+(?:\.\d+)?")

#: the words a note uses for each role
_ROLE_WORDS = {
    "val_acc": ("accuracies", "the validation accuracy"),
    "train_acc": ("accuracies", "the training accuracy"),
    "val_loss": ("losses", "the validation loss"),
    "train_loss": ("losses", "the training loss"),
}


def pattern(name: str) -> str:
    """The name with every number written `#` (lower case): `test_96_acc1` -> `test_#_acc#`."""
    return _NUM.sub("#", name.lower())


def _numbers(name: str) -> tuple[float, ...]:
    return tuple(float(v) for v in _NUM.findall(name))


def pick(tied: list[tuple[int, int, str]]) -> tuple[int, int, str]:
    """Of candidates (rank, index, name) of one role tied at the best rank: the first (lowest index),
    unless others differ from it only in their numbers: then the one of those with the largest
    numbers (compared left to right).

    >>> pick([(0, 2, "test_96_acc1"), (0, 4, "test_192_acc1"), (0, 6, "test_384_acc1")])[2]
    'test_384_acc1'
    >>> pick([(0, 1, "val_acc"), (0, 3, "Accuracy/val")])[2]
    'val_acc'
    """
    first = min(tied)
    same = [c for c in tied if pattern(c[2]) == pattern(first[2]) and _numbers(c[2])]
    if len(same) < 2:
        return first
    return max(same, key=lambda c: (_numbers(c[2]), -c[1]))


def notes(
    roles: Mapping[str, str], role_of: Callable[[str], str | None], given: Iterable[str] = ()
) -> list[str]:
    """A note for each role read from one of several names that differ only in numbers (`pick`):
    which was read, why, and the `--map` that reads another. `role_of(name)`: the role a name
    is a candidate for (`roles.candidate_role`: `test_96_acc5`, a top-5 accuracy, is none);
    `given`: the roles the user mapped (no note: the user chose)."""
    out = []
    for role, (kind, words) in _ROLE_WORDS.items():
        chosen = next((n for n, r in roles.items() if r == role), None)
        if chosen is None or role in given or not _numbers(chosen):
            continue
        others = [
            n
            for n, r in roles.items()
            if r == "other" and n != chosen and pattern(n) == pattern(chosen) and role_of(n) == role
        ]
        if not others or max(_numbers(n) for n in others) > _numbers(chosen):
            continue
        names = ", ".join(clean(n) for n in sorted([chosen, *others], key=_numbers))
        out.append(
            f"{names}: {kind} that differ only in a number (input resolutions, heads or exits of one "
            f"model); {words} is read from {clean(chosen)}, the largest number (the full resolution, "
            f"the last exit); to read another: --map {role}={clean(others[0])}"
        )
    return out


__all__ = ["notes", "pattern", "pick"]
