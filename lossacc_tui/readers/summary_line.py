"""A printed line that reports an earlier evaluation is no new one, e.g.

    Early stopping at epoch 31; restored best weights from epoch 26: val_loss: 0.0682 - val_acc: 0.9796
    Best epoch: 26, val_loss: 0.0682
    Final val_acc: 0.9796

Loops print such a line after training (early stopping with restore, a best-checkpoint summary, a
final report). Read as a record it would be a point at the epoch it names first (31 above), or at
no epoch, and the curve would end at the restored model's value, as if the last epoch scored it.
A line is such a summary when a summary word (`restored`, `best`, `final`, `summary`, `early
stopping`, `loaded`) comes before its first metric (or begins that metric's name: `Best val_loss:`)
and the line either names two different epochs, names an epoch below the highest read so far, or
names none after records that had one. Such a line is not read; the reader says so in a problem.
A line that carries the current epoch's values and a best-so-far name after them (`epoch 12 loss
0.3 best_val_loss 0.25`) is a record as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SUMMARY = re.compile(
    r"(?i)\b(restor\w*|best|final(?:ly)?|summary|early[ _-]?stop\w*|(?:re)?loaded)(?![a-z])"
)
_STEMS = ("restor", "best", "final", "summary", "stop", "load")
_EPOCHS = re.compile(r"(?i)\b(?:epoch|ep)s?\s*[:#=]?\s*\[?\s*(\d{1,9})")


def summary_word(text: str, first_metric: Callable[[str], int]) -> str | None:
    """The summary word of a line when one comes before its first metric name or begins it; else
    None. `first_metric(text)`: where that name starts (asked only when the line has such a word:
    most lines have none, and finding the name costs a second pass over the line)."""
    low = text.lower()
    if not any(w in low for w in _STEMS):  # (a substring test: most lines end here, in C)
        return None
    m = _SUMMARY.search(text)
    if m is None:
        return None
    first = first_metric(text)
    return m[1] if m.start() <= first else None


def earlier(text: str, word: str, top: float | None) -> str | None:
    """Why a line with summary word `word` reports an earlier evaluation (`top`: the highest epoch
    read before it, None: none had an epoch), or None when it may be a new one."""
    named = {int(e) for e in _EPOCHS.findall(text)}
    if len(named) >= 2:
        return f"{word!r} line naming epochs {', '.join(str(e) for e in sorted(named))}"
    if named and top is not None and min(named) < top:
        return f"{word!r} line naming epoch {min(named)}, after epoch {top:g}"
    if not named and top is not None:
        return f"{word!r} line without an epoch, after epoch {top:g}"
    return None


__all__ = ["earlier", "summary_word"]
