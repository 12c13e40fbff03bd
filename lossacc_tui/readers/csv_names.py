"""A CSV header that repeats a name: two loggers' frames joined by `pd.concat(axis=1)` write
`epoch,loss,accuracy,val_loss,val_accuracy,loss,accuracy`. Read column by column, the later `loss`
overwrote the first (or mixed into it row by row, where rows leave cells empty): the validation
loss of the second frame was read as the training loss. The first column of a name is read, as
pandas' `read_csv` keeps the bare name for it (its later ones become `loss.1`); the later ones are
left out, kind "repeated", and one problem names them and their places (1-based columns)."""

from __future__ import annotations

#: Repeated header names a problem lists by name (the rest are counted).
REPEATS_LISTED = 4
#: Column kinds whose cells are never read as numbers (text columns, and repeated names).
UNREAD = ("text", "repeated")


def repeated_names(names: list[str], kinds: list[str]) -> tuple[list[str], str | None]:
    """(the column kinds with each later column of a name made "repeated", the problem that
    says so or None). A text column is never read, so it neither repeats nor is repeated."""
    out = list(kinds)
    seen: dict[str, int] = {}
    later: list[str] = []
    for i, name in enumerate(names):
        if out[i] == "text":
            continue
        if name in seen:
            out[i] = "repeated"
            later.append(f"{name} (column {i + 1}, first in column {seen[name] + 1})")
        else:
            seen[name] = i
    if not later:
        return out, None
    listed = ", ".join(later[:REPEATS_LISTED])
    if len(later) > REPEATS_LISTED:
        listed += f" and {len(later) - REPEATS_LISTED} more"
    return out, f"the header repeats column names: {listed}; read the first of each, left the later out"
