"""The words for a run none of whose metrics was read as a loss or an accuracy (all named unlike
one: `bce`, `val_bce`, `val_auc`): nothing of it is analysed. `check` says them on stderr, the
view in the run's summary, in place of "No active alerts." (tester 24 N5: a run not analysed
looked healthy there)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lossacc_tui.clean import clean

if TYPE_CHECKING:
    from lossacc_tui.model import Run

#: the roles the analysis reads a run by
PAIR_ROLES = frozenset({"train_loss", "val_loss", "train_acc", "val_acc"})


def unread_note(roles: Mapping[str, str]) -> str | None:
    """`roles`: metric name -> role of one run with points. The sentence when no metric took a loss or
    accuracy role (naming the first three metrics and `--map`), else None.

    >>> unread_note({"bce": "other", "val_bce": "other", "val_auc": "other", "step": "other"})[:66]
    'no metric is named as a loss or an accuracy (bce, val_bce, val_auc'
    >>> unread_note({"loss": "train_loss"}) is None
    True
    """
    if not roles or set(roles.values()) & PAIR_ROLES:
        return None
    some = ", ".join(clean(n) for n in list(roles)[:3]) + (", ..." if len(roles) > 3 else "")
    return (
        f"no metric is named as a loss or an accuracy ({some}); "
        "name them with --map, e.g. --map val_loss=NAME --map val_acc=NAME"
    )


def unread_of(run: Run) -> tuple[str, list[str]] | None:
    """`unread_note` of a run's series with their names (for the summary, which escapes them), or None."""
    note = unread_note({n: s.role for n, s in run.series.items()})
    return None if note is None else (note, list(run.series))
