"""One line of fields in a given width: a field gives way whole (to a shorter form of itself, or
it is dropped), never cut mid-number. Used by the plot legends and the demo banner. Textual-free.

Each field has forms, longest first, and for each form the rank at which it gives way: while the
line is too wide, the form with the lowest rank (the last field among equals) steps to its next
form, or out when it was the last. A rank of `KEEP` never gives way; only a lone kept field wider
than the line is cut (with an ellipsis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

KEEP = 1_000_000


@dataclass(frozen=True)
class Field:
    """A field's forms (longest first) and the rank at which each gives way (lower: sooner)."""

    forms: tuple[Text, ...]
    ranks: tuple[int, ...]

    @staticmethod
    def of(*pairs: tuple[Text | str, int]) -> Field:
        """Field.of((form, rank), ...): a str form is plain text."""
        forms = tuple(t if isinstance(t, Text) else Text(t) for t, _ in pairs)
        return Field(forms, tuple(r for _, r in pairs))


def fit_line(fields: Sequence[Field], width: int) -> Text:
    """The fields joined in `width` cells, each in the longest form that lets the line fit.

    >>> fs = [Field.of(("loss", KEEP)), Field.of((" ─ val_loss 0.5555", 10), (" ─ 0.5555", 50))]
    >>> fs.append(Field.of((" ◆ best 0.53 @30", 20), (" ◆ best", 60)))
    >>> [fit_line(fs, w).plain for w in (40, 30)]
    ['loss ─ val_loss 0.5555 ◆ best 0.53 @30', 'loss ─ 0.5555 ◆ best 0.53 @30']
    >>> [fit_line(fs, w).plain for w in (20, 12, 6, 3)]
    ['loss ─ 0.5555 ◆ best', 'loss ◆ best', 'loss', 'lo…']
    """
    at = [0] * len(fields)  # each field's form; len(forms) = dropped

    def cells() -> int:
        return sum(f.forms[i].cell_len for f, i in zip(fields, at, strict=True) if i < len(f.forms))

    steps: list[int] = []
    while cells() > width:
        live = [(f.ranks[i], -k) for k, (f, i) in enumerate(zip(fields, at, strict=True)) if i < len(f.forms)]
        rank, neg = min(live, default=(KEEP, 0))
        if rank >= KEEP:
            break
        at[-neg] += 1
        steps.append(-neg)
    for k in reversed(steps[:-1]):  # a step the later ones made needless is taken back, most needed first
        at[k] -= 1
        if cells() > width:
            at[k] += 1
    out = Text(no_wrap=True, overflow="ellipsis")
    for f, i in zip(fields, at, strict=True):
        if i < len(f.forms):
            out.append_text(f.forms[i])
    if out.cell_len > width:
        out.truncate(width, overflow="ellipsis")
    return out
